package dev.logowatch.verify;

import dev.logowatch.retry.Backoff;
import dev.logowatch.verify.CircuitBreaker.State;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {
    private static final long MS = 1_000_000L;
    private final CircuitBreaker breaker = new CircuitBreaker(3,
            new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4), 0), () -> 0.5);

    @Test
    void opensAfterTheThresholdOfFailuresInARow() {
        assertThat(breaker.failure(0, false)).isEmpty();
        assertThat(breaker.failure(0, false)).isEmpty();
        assertThat(breaker.failure(0, false)).contains(Duration.ofSeconds(1));
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.rejects(999 * MS)).isTrue();
        assertThat(breaker.permits(999 * MS)).isFalse();
    }

    @Test
    void aSuccessResetsTheCount() {
        breaker.failure(0, false);
        breaker.failure(0, false);
        assertThat(breaker.success()).as("was closed already").isFalse();
        breaker.failure(0, false);
        breaker.failure(0, false);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void letsOneTrialThroughAfterTheOpenPeriodAndClosesOnItsSuccess() {
        openAt(0);
        long later = 1000 * MS;
        assertThat(breaker.rejects(later)).isFalse();
        assertThat(breaker.permits(later)).isTrue();
        assertThat(breaker.start(later)).as("the trial").isTrue();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.permits(later)).as("only one trial at a time").isFalse();
        assertThat(breaker.success()).as("recovered").isTrue();
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.start(later)).isFalse();
    }

    @Test
    void aFailedTrialReopensForLongerUpToTheCap() {
        openAt(0);
        long t = 1000 * MS;
        breaker.start(t);
        assertThat(breaker.failure(t, true)).contains(Duration.ofSeconds(2));
        t += 2000 * MS;
        breaker.start(t);
        assertThat(breaker.failure(t, true)).contains(Duration.ofSeconds(4));
        t += 4000 * MS;
        breaker.start(t);
        assertThat(breaker.failure(t, true)).contains(Duration.ofSeconds(4));
        assertThat(breaker.opens()).isEqualTo(4);
        breaker.start(t + 4000 * MS);
        breaker.success();
        assertThat(breaker.opens()).as("the next outage starts short again").isZero();
    }

    @Test
    void lateFailuresOfRequestsStartedBeforeTheTrialDoNotReopen() {
        openAt(0);
        breaker.start(1000 * MS);
        assertThat(breaker.failure(1000 * MS, false)).isEmpty();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    }

    @Test
    void anAbandonedTrialLetsTheNextOneThrough() {
        openAt(0);
        breaker.start(1000 * MS);
        breaker.abandon(true);
        assertThat(breaker.permits(1000 * MS)).isTrue();
    }

    private void openAt(long now) {
        for (int i = 0; i < 3; i++) {
            breaker.failure(now, false);
        }
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }
}
