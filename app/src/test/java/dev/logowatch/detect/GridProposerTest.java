package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.source.Frame;
import dev.logowatch.testing.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GridProposerTest {
    private CapturedLog logged;
    @BeforeEach
    void captureLog() {
        logged = CapturedLog.of(GridProposer.class);
    }

    @AfterEach
    void releaseLog() {
        logged.close();
    }

    private List<String> messages() {
        return logged.records().stream().map(r -> java.text.MessageFormat.format(r.getMessage(), r.getParameters())).toList();
    }

    private static ProposerConfig grid(List<Double> sizes, double stride, int minSize, int max) {
        return new ProposerConfig(ProposerConfig.Kind.GRID, 0.3, minSize, 0.5, max, sizes, stride, 0.0);
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
                List.of(0.5), 0.5, 0.0);
        assertThatThrownBy(() -> Proposer.create(detector, Optional.empty(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("models.detector is not set");
    }

    @Test
    void streamsOfTwoResolutionsGetTheirOwnWindowsAndEachSizeIsLoggedOnce() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 100), null);

        for (int i = 0; i < 200; i++) {
            boolean landscape = i % 2 == 0;
            List<Proposal> windows = landscape
                    ? proposer.propose(frame("wide", 200, 100))
                    : proposer.propose(frame("tall", 100, 200));
            // Side 50, step 25: 7 columns x 3 rows across, 3 columns x 7 rows upright.
            assertThat(windows).as("frame %d", i).hasSize(21);
            assertThat(windows.getFirst().box()).isEqualTo(new Box(0, 0, 50, 50));
            assertThat(windows.getLast().box()).as("frame %d", i)
                    .isEqualTo(landscape ? new Box(150, 50, 200, 100) : new Box(50, 150, 100, 200));
        }

        assertThat(messages()).hasSize(2);
        assertThat(messages()).anySatisfy(m -> assertThat(m).contains("21 windows on a 200x100 frame"));
        assertThat(messages()).anySatisfy(m -> assertThat(m).contains("21 windows on a 100x200 frame"));
    }

    @Test
    void resolutionChangesMidStreamAreLoggedOnceAndSlicingCarriesOn() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 10), null);

        for (int i = 0; i < 40; i++) {
            // Ten frames at 1280x720, then flipping between 640x360 and 1280x720 every frame,
            // as a camera renegotiating its stream back and forth would.
            int width = i < 10 || i % 2 == 1 ? 1280 : 640;
            int height = width * 9 / 16;
            List<Proposal> chosen = proposer.propose(frame("east", width, height));
            assertThat(chosen).as("frame %d", i).hasSizeBetween(1, 10);
            // The new size's windows from its first frame on: none reaches past the smaller picture.
            assertThat(chosen).as("frame %d", i).allSatisfy(p -> {
                assertThat(p.box().x2()).isLessThanOrEqualTo(width);
                assertThat(p.box().y2()).isLessThanOrEqualTo(height);
            });
        }

        assertThat(messages()).hasSize(2);
        assertThat(messages().getFirst()).contains("1280x720").contains("more than proposer.max-proposals 10");
        assertThat(messages().getLast()).contains("640x360");
    }

    @Test
    void keepsTheLayoutsOfTheMostRecentSizesAndForgetsTheOldest() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 100), null);
        List<Proposal> first = proposer.windows(200, 100);
        assertThat(proposer.windows(200, 100)).as("a cached layout is reused, not rebuilt").isSameAs(first);

        for (int i = 1; i <= GridProposer.CACHED_SIZES; i++) {
            proposer.windows(200 + i, 100);
        }
        List<Proposal> again = proposer.windows(200, 100);

        assertThat(again).as("evicted after %d other sizes, then rebuilt", GridProposer.CACHED_SIZES)
                .isNotSameAs(first).isEqualTo(first);
        // Rebuilding an evicted size does not log it again.
        assertThat(messages()).hasSize(GridProposer.CACHED_SIZES + 1);
        assertThat(messages()).filteredOn(m -> m.contains(" 200x100 ")).hasSize(1);
    }

    @Test
    void warnsOnceWhenEveryWindowIsBelowTheMinimumSize() {
        GridProposer proposer = new GridProposer(grid(List.of(0.1), 0.5, 12, 100), null);

        for (int i = 0; i < 20; i++) {
            assertThat(proposer.propose(frame("tiny", 80, 60))).isEmpty();
        }

        assertThat(logged.records()).hasSize(1);
        assertThat(logged.records().getFirst().getLevel()).isEqualTo(Level.WARNING);
        assertThat(messages().getFirst()).contains("80x60").contains("proposer.min-size 12");
    }

    @Test
    void aFolderOfPhotosTellsOnlyItsFirstFrameSizesAtInfo() {
        GridProposer proposer = new GridProposer(grid(List.of(0.5), 0.5, 12, 100), null);

        for (int i = 0; i < 40; i++) {
            proposer.windows(300 + i, 200);
        }

        assertThat(logged.records()).hasSize(40);
        assertThat(logged.records()).filteredOn(r -> r.getLevel() == Level.INFO)
                .hasSize(GridProposer.SIZES_TOLD_AT_INFO);
        assertThat(logged.records()).filteredOn(r -> r.getLevel() == Level.FINE)
                .hasSize(40 - GridProposer.SIZES_TOLD_AT_INFO);
    }
}
