package dev.logowatch.status;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The points of the page's fps and latency charts. */
class StreamHealthHistoryTest {
    /** A wall clock the test moves. */
    private static final class Manual extends Clock {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void eachTenSecondsOfProcessedFramesBecomeOnePointOfFpsAndMeanLatency() {
        Manual clock = new Manual();
        StreamHealth stream = new StreamHealth("east", "East", "rtsp://cam/s", System::nanoTime, clock);
        // 4 frames a second for 25 s; each finished 50 ms (first 10 s) or 150 ms after its capture.
        for (int i = 0; i <= 100; i++) {
            Instant captured = clock.now;
            clock.now = captured.plusMillis(i <= 40 ? 50 : 150);
            stream.processed(captured);
            clock.now = captured.plusMillis(250);
        }

        List<StreamHealth.Sample> history = stream.history();
        assertThat(history).hasSize(2);
        assertThat(history.get(0).fps()).isCloseTo(4.1, within(0.2));
        assertThat(history.get(0).latencyMs()).isCloseTo(50, within(1.0));
        assertThat(history.get(1).latencyMs()).isCloseTo(150, within(1.0));
        assertThat(Duration.between(history.get(0).at(), history.get(1).at()).toMillis()).isBetween(9_750L, 10_250L);
        assertThat(stream.view().history()).isEqualTo(history);
    }

    @Test
    void theChartsKeepTenMinutes() {
        Manual clock = new Manual();
        StreamHealth stream = new StreamHealth("east", "East", "rtsp://cam/s", System::nanoTime, clock);
        for (int i = 0; i < 2 * 60 * 20; i++) {
            stream.processed(clock.now);
            clock.now = clock.now.plusMillis(500);
        }
        assertThat(stream.history()).hasSize(StreamHealth.SAMPLES);
    }
}
