package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.source.Frame;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GridProposerTest {

    private static ProposerConfig grid(List<Double> sizes, double stride, int minSize, int max) {
        return new ProposerConfig(ProposerConfig.Kind.GRID, 0.3, minSize, 0.5, max, sizes, stride);
    }

    private static Frame frame(String stream, int width, int height) {
        return new Frame(stream, Instant.EPOCH, 0, new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR));
    }

    @Test
    void laysSquareWindowsAtTheStrideOverTheWholeFrame() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 100), null);

        List<Proposal> windows = proposer.propose(frame("cam", 200, 100));

        // Side 50 (half the short side), step 25: 7 columns x 3 rows.
        assertThat(windows).hasSize(21);
        assertThat(windows.getFirst().box()).isEqualTo(new Box(0, 0, 50, 50));
        assertThat(windows.get(6).box()).isEqualTo(new Box(150, 0, 200, 50));
        assertThat(windows.getLast().box()).isEqualTo(new Box(150, 50, 200, 100));
        assertThat(windows).allSatisfy(p -> {
            assertThat(p.box().width()).isEqualTo(50);
            assertThat(p.box().height()).isEqualTo(50);
            assertThat(p.score()).isEqualTo(1.0);
            assertThat(p.source()).isEqualTo("grid");
        });
    }

    @Test
    void centresTheGridWhenTheStrideDoesNotDivideTheFrame() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 100), null);

        List<Proposal> windows = proposer.windows(210, 100);

        // 7 columns span 200 px of 210: 5 px margin on each side.
        assertThat(windows).hasSize(21);
        assertThat(windows.getFirst().box().x1()).isEqualTo(5);
        assertThat(windows.get(6).box().x2()).isEqualTo(205);
    }

    @Test
    void addsEveryScaleAndSkipsWindowsBelowTheMinimumSize() {
        GridProposer proposer = new GridProposer(grid(List.of(0.1, 0.5, 1.0), 0.5, 12, 100), null);

        List<Proposal> windows = proposer.windows(200, 100);

        // 0.1 -> 10 px < min-size 12: none; 0.5 -> 21 windows; 1.0 -> side 100, step 50: 3 x 1.
        assertThat(windows).hasSize(24);
        assertThat(windows.subList(21, 24)).extracting(Proposal::box).containsExactly(
                new Box(0, 0, 100, 100), new Box(50, 0, 150, 100), new Box(100, 0, 200, 100));
    }

    @Test
    void moreWindowsThanTheCapAreCoveredOverSuccessiveFramesOfAStream() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 10), null);
        List<Proposal> all = proposer.windows(200, 100);

        Set<Proposal> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            List<Proposal> chosen = proposer.propose(frame("east", 200, 100));
            assertThat(chosen).hasSizeLessThanOrEqualTo(10);
            // Interleaved: every frame samples the first and last rows.
            assertThat(chosen.getFirst().box().y1()).isZero();
            assertThat(chosen.getLast().box().y2()).isEqualTo(100);
            seen.addAll(chosen);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
        // Another stream starts its own cycle.
        assertThat(proposer.propose(frame("west", 200, 100))).isEqualTo(
                List.of(all.get(0), all.get(3), all.get(6), all.get(9), all.get(12), all.get(15), all.get(18)));
    }

    @Test
    void factoryBuildsTheConfiguredKind() {
        assertThat(Proposer.create(grid(List.of(0.5), 0.5, 12, 64), Optional.empty(), null))
                .isInstanceOf(GridProposer.class);

        ProposerConfig detector = new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 12, 0.5, 64,
                List.of(0.5), 0.5);
        assertThatThrownBy(() -> Proposer.create(detector, Optional.empty(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("models.detector is not set");
    }
}
