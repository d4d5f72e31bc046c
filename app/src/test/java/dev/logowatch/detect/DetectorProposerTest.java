package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.Tensor;
import dev.logowatch.engine.TestModels;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DetectorProposerTest {
    private static final ProposerConfig CONFIG =
            new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 4, 0.5, 10, List.of(0.5), 0.5, 0.0);

    @Test
    void proposesTheDetectorsBoxesInFramePixelsAndTimesTheStage() {
        DeviceMeters meters = StatusBoard.create("test", "0").meters();
        try (OnnxEngine detector = OnnxEngine.open(TestModels.model("detr"), 1, 4)) {
            Proposer proposer = Proposer.create(CONFIG, Optional.of(detector), meters);
            Frame frame = new Frame("cam", Instant.EPOCH, 1, new BufferedImage(128, 64, BufferedImage.TYPE_3BYTE_BGR));
            // The meter registry is shared by the whole JVM, so count from here.
            long before = proposeCount(meters);

            List<Proposal> first = proposer.propose(frame);
            List<Proposal> second = proposer.propose(frame);

            assertThat(proposer).isInstanceOf(DetectorProposer.class);
            DetrDecoderTest.assertLetterboxedProposals(first, "test-detr");
            assertThat(second).isEqualTo(first);
            assertThat(proposeCount(meters) - before).isEqualTo(2);
        }
    }

    @Test
    void neighbouringBoxesAreAlsoProposedJoinedButNotFarOrNestedOrDiagonalOnes() {
        Proposal word = new Proposal(new Box(170, 90, 290, 140), 0.8, "det");     // "NIKE" above its swoosh
        Proposal swoosh = new Proposal(new Box(150, 135, 300, 175), 0.5, "det");
        Proposal far = new Proposal(new Box(600, 90, 700, 140), 0.9, "det");      // another mark, 300 px away
        Proposal inner = new Proposal(new Box(180, 95, 230, 135), 0.7, "det");    // a part inside the wordmark
        Proposal diagonal = new Proposal(new Box(700, 140, 800, 190), 0.9, "det"); // corner to corner with far

        List<Proposal> out = DetectorProposer.joined(List.of(word, swoosh, far, inner, diagonal), 0.5, 10);

        assertThat(out).startsWith(word, swoosh, far, inner, diagonal);
        // Only the lockup is joined, scored as its weaker part.
        assertThat(out).hasSize(6);
        assertThat(out.get(5)).isEqualTo(new Proposal(new Box(150, 90, 300, 175), 0.5, "det"));
        // The cap on proposals holds, and a gap of 0 still joins boxes that touch or overlap.
        assertThat(DetectorProposer.joined(List.of(word, swoosh, far, inner, diagonal), 0.5, 5)).hasSize(5);
        assertThat(DetectorProposer.joined(List.of(word, swoosh), 0.0, 10)).hasSize(3);
    }

    @Test
    void tilesCoverTheFrameWithTheirOverlapAndFindMarksTheWholeFrameShrinksAway() {
        List<Box> tiles = DetectorProposer.tiles(1280, 720, 2, 0.25);
        assertThat(tiles).hasSize(4);
        assertThat(tiles.get(0)).isEqualTo(new Box(0, 0, 732, 412));
        assertThat(tiles.get(3).x2()).isEqualTo(1280);
        assertThat(tiles.get(3).y2()).isEqualTo(720);
        // Neighbours share a quarter of a tile, so a mark up to that size lies whole in one of them.
        assertThat(tiles.get(0).x2() - tiles.get(1).x1()).isCloseTo(0.25 * 731.4, within(2.0));
        assertThat(DetectorProposer.tiles(1280, 720, 1, 0.25)).isEmpty();

        ProposerConfig tiled = new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 4, 0.5, 10, List.of(0.5), 0.5,
                0.0, 2, 0.25);
        try (OnnxEngine detector = OnnxEngine.open(TestModels.model("detr"), 1, 4)) {
            Frame frame = new Frame("cam", Instant.EPOCH, 1, new BufferedImage(128, 64, BufferedImage.TYPE_3BYTE_BGR));
            List<Proposal> whole = Proposer.create(CONFIG, Optional.of(detector), null).propose(frame);
            List<Proposal> withTiles = Proposer.create(tiled, Optional.of(detector), null).propose(frame);

            // The test detector answers the same boxes for every item, so each tile adds its own,
            // at half the scale of the whole frame's and inside the tile; nothing leaves the frame.
            assertThat(withTiles).containsAll(whole);
            assertThat(withTiles.size()).isGreaterThan(whole.size()).isLessThanOrEqualTo(10);
            assertThat(withTiles).allSatisfy(p -> {
                assertThat(p.box().x1()).isGreaterThanOrEqualTo(0);
                assertThat(p.box().x2()).isLessThanOrEqualTo(128);
                assertThat(p.box().y2()).isLessThanOrEqualTo(64);
            });
            assertThat(withTiles).anySatisfy(p -> assertThat(p.box().width()).isLessThan(
                    whole.stream().mapToDouble(w -> w.box().width()).min().orElseThrow()));
        }
    }

    @Test
    void aZoomedOutPassAddsTheBoxesOfTheFrameDrawnSmaller() {
        ProposerConfig zoomed = new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 4, 0.5, 10, List.of(0.5), 0.5,
                0.0, 1, 0.25, 0, 2);
        try (OnnxEngine detector = OnnxEngine.open(TestModels.model("detr"), 1, 4)) {
            Frame frame = new Frame("cam", Instant.EPOCH, 1, new BufferedImage(128, 64, BufferedImage.TYPE_3BYTE_BGR));
            List<Proposal> whole = Proposer.create(CONFIG, Optional.of(detector), null).propose(frame);
            List<Proposal> withZoom = Proposer.create(zoomed, Optional.of(detector), null).propose(frame);

            // The test detector answers the same input boxes for every item; on the frame drawn at
            // half size they map back twice as large (clipped to the frame), so a mark larger than
            // the detector boxes is found.
            assertThat(withZoom).containsAll(whole);
            assertThat(withZoom.size()).isGreaterThan(whole.size()).isLessThanOrEqualTo(10);
            double widest = whole.stream().mapToDouble(p -> p.box().width()).max().orElseThrow();
            assertThat(withZoom).anySatisfy(p -> assertThat(p.box().width()).isGreaterThan(widest));
            assertThat(withZoom).allSatisfy(p -> {
                assertThat(p.box().x1()).isGreaterThanOrEqualTo(0);
                assertThat(p.box().x2()).isLessThanOrEqualTo(128);
                assertThat(p.box().y2()).isLessThanOrEqualTo(64);
            });
        }
    }

    @Test
    void aDetectorThatTakesASmallerInputRunsTheZoomedPassAtIt() {
        ProposerConfig zoomed = new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 4, 0.5, 10, List.of(0.5), 0.5,
                0.0, 1, 0.25, 0, 2);
        try (OnnxEngine fixed = OnnxEngine.open(TestModels.model("detr"), 1, 4);
             OnnxEngine sized = OnnxEngine.open(TestModels.model("detr-sized"), 1, 4)) {
            assertThat(fixed.accepts(64, 64)).isTrue();
            assertThat(fixed.accepts(32, 32)).isFalse();
            assertThat(sized.accepts(32, 32)).isTrue();
            // A fixed input draws the zoomed frame inside the full one; a free one runs it at half the size.
            assertThat(DetectorProposer.zoomedInput(fixed, 2)).isNull();
            ModelManifest.Input small = DetectorProposer.zoomedInput(sized, 2);
            assertThat(List.of(small.height(), small.width())).containsExactly(32, 32);
            assertThat(DetectorProposer.zoomedInput(sized, 1)).isNull();

            List<long[]> shapes = new java.util.concurrent.CopyOnWriteArrayList<>();
            InferenceEngine watched = new InferenceEngine() {
                public ModelManifest manifest() {
                    return sized.manifest();
                }

                public int maxBatch() {
                    return sized.maxBatch();
                }

                public boolean accepts(int height, int width) {
                    return sized.accepts(height, width);
                }

                public Map<String, Tensor> run(Map<String, Tensor> inputs) {
                    inputs.values().forEach(t -> shapes.add(t.shape()));
                    return sized.run(inputs);
                }

                public void close() {
                }
            };
            Frame frame = new Frame("cam", Instant.EPOCH, 1, new BufferedImage(128, 64, BufferedImage.TYPE_3BYTE_BGR));
            List<Proposal> whole = Proposer.create(CONFIG, Optional.of(sized), null).propose(frame);
            List<Proposal> withZoom = Proposer.create(zoomed, Optional.of(watched), null).propose(frame);

            assertThat(shapes).containsExactly(new long[]{1, 3, 64, 64}, new long[]{1, 3, 32, 32});
            // The whole frame fills the half-size input as it fills the full one, so the constant
            // detector's boxes map back onto the full view's: frame coordinates, not input ones.
            assertThat(withZoom).hasSameSizeAs(whole);
            for (int i = 0; i < whole.size(); i++) {
                assertThat(withZoom.get(i).box().iou(whole.get(i).box())).isGreaterThan(0.99);
            }
        }
    }

    private static long proposeCount(DeviceMeters meters) {
        return meters.registry().timer("logowatch.stage.duration", List.of(Tag.create("stage", "propose")))
                .orElseThrow().count();
    }

    @Test
    void refusesAnEmbedderAsDetector() {
        try (OnnxEngine embedder = OnnxEngine.open(TestModels.model("embedder"), 1, 4)) {
            assertThatThrownBy(() -> new DetectorProposer(embedder, CONFIG, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("test-embedder")
                    .hasMessageContaining("is not a detr detector");
        }
    }
}
