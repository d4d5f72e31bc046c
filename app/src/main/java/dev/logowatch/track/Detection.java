package dev.logowatch.track;

import dev.logowatch.engine.Box;

import java.time.Instant;
import java.util.Optional;

/**
 * A recognised logo in one frame, as the status page and the {@code …/detections} topic see it.
 *
 * @param stream     stream id
 * @param timestamp  frame capture time
 * @param frame      frame sequence number
 * @param track      id of the track it belongs to, unique per stream
 * @param brand      the brand's catalog id
 * @param similarity cosine similarity to the brand's prototype
 * @param margin     similarity lead over the runner-up brand
 * @param runnerUp   the second-best brand, if the catalog has one
 * @param box        where, in pixels
 * @param state      {@code tentative} until the track is confirmed
 * @param verification the verifier's view of the track
 */
public record Detection(String stream, Instant timestamp, long frame, long track, String brand, double similarity,
                        double margin, Optional<String> runnerUp, Box box, TrackState state,
                        Verification verification) {
}
