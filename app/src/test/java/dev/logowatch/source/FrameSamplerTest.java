package dev.logowatch.source;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameSamplerTest {

    private static List<Integer> admitted(FrameSampler sampler, int frames, long frameMicros) {
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            if (sampler.admit(i * frameMicros)) {
                kept.add(i);
            }
        }
        return kept;
    }

    @Test
    void a25FpsCameraSampledAt5FpsGivesEveryFifthFrame() {
        List<Integer> kept = admitted(new FrameSampler(5), 250, 40_000);

        assertThat(kept).hasSize(50);
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i) - kept.get(i - 1)).isEqualTo(5);
        }
    }

    @Test
    void aRateThatDoesNotDivideTheCameraRateStillAveragesExactly() {
        // 25 fps at 3 fps: gaps of 8 or 9 frames, three frames in every second, no drift.
        List<Integer> kept = admitted(new FrameSampler(3), 250, 40_000);

        assertThat(kept).hasSize(30);
        for (int second = 0; second < 10; second++) {
            int s = second;
            assertThat(kept.stream().filter(i -> i / 25 == s).count()).as("frames in second " + s).isEqualTo(3);
        }
    }

    @Test
    void aCameraAtTheSampledRateWithJitteryTimestampsLosesNoFrame() {
        FrameSampler sampler = new FrameSampler(10);
        int kept = 0;
        for (int i = 0; i < 100; i++) {
            long jitter = (i % 2 == 0 ? -1 : 1) * 3_000;
            if (sampler.admit(i * 100_000 + jitter)) {
                kept++;
            }
        }
        assertThat(kept).isEqualTo(100);
    }

    @Test
    void timeGoingBackwardsRestartsTheSchedule() {
        FrameSampler sampler = new FrameSampler(2);
        assertThat(sampler.admit(4_000_000)).isTrue();
        assertThat(sampler.admit(4_040_000)).isFalse();
        // A looping file starts again at 0: its first frame is delivered at once.
        assertThat(sampler.admit(0)).isTrue();
        assertThat(sampler.admit(40_000)).isFalse();
        assertThat(sampler.admit(500_000)).isTrue();
    }

    @Test
    void aGapIsNotFollowedByABurst() {
        FrameSampler sampler = new FrameSampler(5);
        assertThat(sampler.admit(0)).isTrue();
        // Three seconds without frames, then 25 fps again.
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            if (sampler.admit(3_000_000 + i * 40_000L)) {
                kept.add(i);
            }
        }
        assertThat(kept).containsExactly(0, 5, 10, 15, 20);
    }

    @Test
    void resetDeliversTheNextFrame() {
        FrameSampler sampler = new FrameSampler(1);
        assertThat(sampler.admit(0)).isTrue();
        assertThat(sampler.admit(40_000)).isFalse();
        sampler.reset();
        assertThat(sampler.admit(80_000)).isTrue();
    }

    @Test
    void rejectsANonPositiveRate() {
        assertThatThrownBy(() -> new FrameSampler(0)).hasMessageContaining("fps");
    }
}
