package dev.logowatch.verify;

import dev.logowatch.retry.Backoff;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Stops asking a verifier that keeps failing, so borderline tracks get an immediate
 * "unverified" instead of waiting out a timeout each, and probes it now and then.
 *
 * <pre>
 * CLOSED ──N failures in a row──▶ OPEN ──open period over, next request──▶ HALF_OPEN (one trial request)
 *   ▲                               ▲                                          │
 *   └──────────── success ──────────┼──────────────────────────────────────────┤
 *                                   └──── trial fails (next period from the Backoff, longer) ◀┘
 * </pre>
 *
 * Times are {@code System.nanoTime()}-style readings passed in, so tests need not sleep.
 * Not thread-safe: the {@link Verifier}'s lock guards it.
 */
final class CircuitBreaker {
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final Backoff backoff;
    private final DoubleSupplier random;
    private State state = State.CLOSED;
    private int failures;
    private int opens;
    private long openUntil;
    private boolean trialInFlight;

    CircuitBreaker(int threshold, Backoff backoff, DoubleSupplier random) {
        if (threshold < 1) {
            throw new IllegalArgumentException("circuit breaker threshold must be at least 1, got " + threshold);
        }
        this.threshold = threshold;
        this.backoff = backoff;
        this.random = random;
    }

    State state() {
        return state;
    }

    int consecutiveFailures() {
        return failures;
    }

    /** Whether a request may start now. */
    boolean permits(long now) {
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> now - openUntil >= 0;
            case HALF_OPEN -> !trialInFlight;
        };
    }

    /** Open and still within its open period: candidates are answered at once. */
    boolean rejects(long now) {
        return state == State.OPEN && now - openUntil < 0;
    }

    /**
     * Records that a request starts; call only after {@link #permits}.
     *
     * @return whether it is the half-open trial, whose result decides the state
     */
    boolean start(long now) {
        if (state == State.OPEN && now - openUntil >= 0) {
            state = State.HALF_OPEN;
        }
        if (state == State.HALF_OPEN) {
            trialInFlight = true;
            return true;
        }
        return false;
    }

    /** @return whether this success closed a breaker that was not closed */
    boolean success() {
        boolean recovered = state != State.CLOSED;
        state = State.CLOSED;
        failures = 0;
        opens = 0;
        trialInFlight = false;
        return recovered;
    }

    /**
     * Records a failed request.
     *
     * @param trial whether it was the half-open trial; failures of requests started before the
     *              breaker opened do not lengthen the open period
     * @return the open period when this failure opened (or re-opened) the breaker
     */
    Optional<Duration> failure(long now, boolean trial) {
        failures++;
        boolean opensNow = switch (state) {
            case CLOSED -> failures >= threshold;
            case HALF_OPEN -> trial;
            case OPEN -> false;
        };
        if (!opensNow) {
            return Optional.empty();
        }
        opens++;
        Duration period = backoff.delay(opens, random);
        openUntil = now + period.toNanos();
        state = State.OPEN;
        trialInFlight = false;
        return Optional.of(period);
    }

    /** A request that ended without telling anything about the server (it could not be built, or was cancelled). */
    void abandon(boolean trial) {
        if (trial && state == State.HALF_OPEN) {
            trialInFlight = false;
        }
    }

    /** How many times in a row it has opened without a success in between. */
    int opens() {
        return opens;
    }
}
