package dev.logowatch.verify;

import java.util.concurrent.TimeUnit;

/**
 * At most {@code perMinute} requests a minute, as a token bucket: it starts full, so a burst
 * of up to a minute's budget goes out at once, and refills evenly. Pay-per-request APIs and
 * shared servers are why there is a budget at all. Not thread-safe: the {@link Verifier}'s
 * lock guards it.
 */
final class RequestBudget {
    private final double capacity;
    private final double tokensPerNano;
    private double tokens;
    private long last;

    RequestBudget(int perMinute, long now) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("budget-per-minute must be at least 1, got " + perMinute);
        }
        this.capacity = perMinute;
        this.tokensPerNano = perMinute / (double) TimeUnit.MINUTES.toNanos(1);
        this.tokens = perMinute;
        this.last = now;
    }

    /** Takes one request's worth if there is one. */
    boolean tryTake(long now) {
        long elapsed = now - last;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
            last = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
