package dev.logowatch.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.25);

    @Test
    void doublesFromInitialUpToTheCap() {
        assertThat(backoff.delay(1, () -> 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(2, () -> 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(5, () -> 0.5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(backoff.delay(6, () -> 0.5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff.delay(1000, () -> 0.5)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void jitterSpreadsRetriesAroundTheBase() {
        assertThat(backoff.delay(3, () -> 0.0)).isEqualTo(Duration.ofMillis(3000));
        assertThat(backoff.delay(3, () -> 0.999999)).isEqualTo(Duration.ofMillis(5000));
    }

    @Test
    void rejectsPoliciesThatWouldSpinOrNeverRetry() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0.1))
                .hasMessageContaining("initial");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5))
                .hasMessageContaining("jitter");
    }
}
