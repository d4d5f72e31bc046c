package dev.logowatch.status;

import java.util.Map;

/** The verifier's queue, latency and outcomes as the page shows them. */
public record VerifierStatus(String state, int queued, int inFlight, double latencyMs, Map<String, Long> outcomes) {
    public static VerifierStatus disabled() {
        return new VerifierStatus("disabled", 0, 0, 0, Map.of());
    }
}
