package dev.logowatch.retry;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before the next attempt to reach something that failed (a camera, the
 * broker, the VLM, the catalog server): doubling from {@code initial} up to {@code max},
 * with ±{@code jitter} spread so hundreds of devices that lost the same server do not all
 * return in the same second. Immutable; callers count their own attempts.
 */
public record Backoff(Duration initial, Duration max, double jitter) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.25);

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + ", " + max);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    /**
     * The wait before attempt {@code attempt} (1 = the first retry).
     *
     * @param random uniform in [0, 1); injected so tests are exact
     */
    public Duration delay(int attempt, DoubleSupplier random) {
        int doublings = Math.max(0, Math.min(attempt - 1, 30));
        double base = Math.min(max.toMillis(), initial.toMillis() * Math.pow(2, doublings));
        double spread = 1 + jitter * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(Math.min(max.toMillis() * (1 + jitter), base * spread)));
    }

    public Duration delay(int attempt) {
        return delay(attempt, java.util.concurrent.ThreadLocalRandom.current()::nextDouble);
    }
}
