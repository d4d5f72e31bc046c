package dev.logowatch.verify;

import dev.logowatch.status.DeviceMeters.VerifierOutcome;
import dev.logowatch.track.Verification;

import java.util.Optional;

/**
 * The verifier's answer about one {@link Candidate}; every submitted candidate gets exactly one.
 *
 * @param trackId      the candidate's track
 * @param stream       the candidate's stream
 * @param brand        the brand asked about
 * @param verification {@code CONFIRMED} (a "yes" with enough confidence), {@code REJECTED} (a "no"),
 *                     or {@code UNVERIFIED} (no usable answer: low confidence, unreadable reply,
 *                     timeout, error, or not sent at all)
 * @param confidence   the model's confidence in [0, 1]; 0 when there was no readable answer
 * @param cues         what the model says it saw, possibly empty
 * @param model        the model asked
 * @param latencyMs    from sending the request to the answer; 0 when nothing was sent
 * @param rawReply     the model's reply text (cut to 500 characters) whenever one arrived, for the
 *                     status page; empty for timeouts, errors and skipped candidates
 * @param outcome      how the call ended, as counted in the meters; {@code SKIPPED} when it was never sent
 * @param detail       why the answer is not a plain yes or no ("queue full", "timed out after 20 s",
 *                     "HTTP 503 …", "confidence 0.40 below …"); empty for a plain answer
 */
public record Verdict(long trackId, String stream, String brand, Verification verification, double confidence,
                      String cues, String model, long latencyMs, Optional<String> rawReply,
                      VerifierOutcome outcome, String detail) {
}
