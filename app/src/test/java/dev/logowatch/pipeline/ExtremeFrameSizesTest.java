package dev.logowatch.pipeline;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.ProposerConfig;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.detect.DetectorProposer;
import dev.logowatch.detect.GridProposer;
import dev.logowatch.detect.Proposal;
import dev.logowatch.embed.Embedder;
import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InputBatch;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.TestModels;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Frames no camera should send but some do: 4K, a single pixel, one-pixel-wide strips.
 * Each goes through the grid and detector proposers, preprocessing in every resize mode,
 * the embedder and the matcher without an exception, and what comes out stays inside the
 * frame and finite.
 */
class ExtremeFrameSizesTest {
    private static final List<int[]> SIZES = List.of(new int[] {3840, 2160}, new int[] {1, 1}, new int[] {2, 2},
            new int[] {1, 2000}, new int[] {2000, 1}, new int[] {7, 5}, new int[] {4096, 16});
    private static final ProposerConfig GRID = new ProposerConfig(ProposerConfig.Kind.GRID, 0.3, 12, 0.5, 64,
            List.of(0.15, 0.25, 0.4), 0.5, 0.0);
    private static final ProposerConfig GRID_ANY_SIZE = new ProposerConfig(ProposerConfig.Kind.GRID, 0.3, 1, 0.5, 64,
            List.of(0.15, 0.25, 0.4, 1.0), 0.5, 0.0);
    private static final ProposerConfig DETECTOR = new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 1, 0.5, 10,
            List.of(0.5), 0.5, 0.0);

    private static OnnxEngine engine;
    private static OnnxEngine detr;
    private static Embedder embedder;
    private static DeviceMeters meters;

    @BeforeAll
    static void models() {
        engine = OnnxEngine.open(TestModels.model("embedder"), 1, 8);
        detr = OnnxEngine.open(TestModels.model("detr"), 1, 4);
        meters = StatusBoard.create("test", "0").meters();
        embedder = new Embedder(engine, meters);
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
        if (detr != null) {
            detr.close();
        }
    }

    private static Frame frame(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] px = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 31 + seed * 7);
        }
        return new Frame("cam", Instant.EPOCH, seed, image);
    }

    private static void assertInside(List<Proposal> proposals, Frame frame) {
        for (Proposal p : proposals) {
            Box b = p.box();
            assertThat(b.x1()).as("%s in %dx%d", b, frame.width(), frame.height()).isBetween(0.0, (double) frame.width());
            assertThat(b.y1()).as("%s", b).isBetween(0.0, (double) frame.height());
            assertThat(b.x2()).as("%s", b).isBetween(b.x1(), (double) frame.width());
            assertThat(b.y2()).as("%s", b).isBetween(b.y1(), (double) frame.height());
            assertThat(b.width() * b.height()).as("%s has an area", b).isPositive();
        }
    }

    @Test
    void theGridProposerCoversAFourKFrameInSlicesOfMaxProposals() {
        GridProposer grid = new GridProposer(GRID, meters);
        Frame big = frame(3840, 2160, 1);
        List<Proposal> all = grid.windows(3840, 2160);
        assertThat(all.size()).as("windows on a 4K frame").isGreaterThan(64);
        Set<Box> seen = new HashSet<>();
        int slices = (all.size() + 63) / 64;
        for (int i = 0; i < slices; i++) {
            List<Proposal> chosen = grid.propose(big);
            assertThat(chosen).hasSizeLessThanOrEqualTo(64).isNotEmpty();
            assertInside(chosen, big);
            chosen.forEach(p -> seen.add(p.box()));
        }
        assertThat(seen).as("every window within %d frames", slices).hasSize(all.size());
    }

    @Test
    void framesTooSmallForAnyWindowGiveNoProposalsAndNoMatches() {
        GridProposer grid = new GridProposer(GRID, meters);
        Recognizer recognizer = recognizer(grid);
        for (int[] size : List.of(new int[] {1, 1}, new int[] {2, 2}, new int[] {1, 2000}, new int[] {7, 5})) {
            Frame tiny = frame(size[0], size[1], 2);
            assertThat(grid.propose(tiny)).as("%dx%d", size[0], size[1]).isEmpty();
            assertThat(recognizer.recognize(tiny)).isEmpty();
        }
    }

    @Test
    void everySizeGoesThroughGridEmbedderAndMatcher() {
        for (int[] size : SIZES) {
            Frame f = frame(size[0], size[1], 3);
            // Fresh proposers: each takes the same first slice of the windows.
            List<Proposal> proposals = new GridProposer(GRID_ANY_SIZE, meters).propose(f);
            Recognizer recognizer = recognizer(new GridProposer(GRID_ANY_SIZE, meters));
            assertThat(proposals).as("%dx%d with min-size 1 and a whole-frame window", size[0], size[1]).isNotEmpty();
            assertInside(proposals, f);
            List<Match> matches = recognizer.recognize(f);
            assertThat(matches).as("one match per proposal on %dx%d", size[0], size[1]).hasSameSizeAs(proposals);
            for (Match m : matches) {
                assertThat(m.similarity()).as("similarity on %dx%d", size[0], size[1]).isBetween(-1.0001, 1.0001);
                assertThat(m.margin()).isFinite();
            }
        }
    }

    @Test
    void theDetectorProposerMapsItsBoxesIntoAnyFrame() {
        DetectorProposer detector = new DetectorProposer(detr, DETECTOR, meters);
        for (int[] size : SIZES) {
            Frame f = frame(size[0], size[1], 4);
            List<Proposal> proposals = detector.propose(f);
            assertInside(proposals, f);
            if (size[0] >= 64 && size[1] >= 64) {
                assertThat(proposals).as("the fixture's confident boxes on %dx%d", size[0], size[1]).isNotEmpty();
            }
        }
    }

    @Test
    void cropsReachingOutsideTheFrameEmbedToUnitVectors() {
        for (int[] size : SIZES) {
            Frame f = frame(size[0], size[1], 5);
            List<Box> crops = List.of(new Box(0, 0, size[0], size[1]), new Box(-100, -100, size[0] + 100, size[1] + 100),
                    new Box(size[0] / 2.0, size[1] / 2.0, size[0] * 4.0, size[1] * 4.0));
            List<float[]> vectors = embedder.embed(f, crops);
            assertThat(vectors).hasSize(3);
            for (float[] v : vectors) {
                double norm = 0;
                for (float x : v) {
                    assertThat(Float.isFinite(x)).as("finite on %dx%d: %s", size[0], size[1], Arrays.toString(v)).isTrue();
                    norm += x * x;
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-3));
            }
        }
        // A one-pixel reference logo is a valid (if useless) catalog image.
        BufferedImage dot = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        assertThat(embedder.embed(dot)).hasSize(embedder.dimension());
    }

    @Test
    void everyResizeModeFillsTheInputWithTheColourOfAUniformFrame() {
        for (ModelManifest.Resize resize : ModelManifest.Resize.values()) {
            ModelManifest.Input input = new ModelManifest.Input("input", ModelManifest.Layout.NCHW, 16, 16,
                    ModelManifest.Color.RGB, 1 / 255.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), resize,
                    List.of(0, 0, 0));
            InputBatch batch = new InputBatch(input, 1);
            for (int[] size : SIZES) {
                BufferedImage image = new BufferedImage(size[0], size[1], BufferedImage.TYPE_3BYTE_BGR);
                byte[] px = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
                for (int i = 0; i < px.length; i += 3) {
                    px[i] = (byte) 40;       // B
                    px[i + 1] = (byte) 120;  // G
                    px[i + 2] = (byte) 200;  // R
                }
                batch.clear();
                batch.add(BgrImage.of(image), new Box(0, 0, size[0], size[1]));
                float[] data = batch.tensor().data();
                int plane = 16 * 16;
                int content = 0;
                for (int i = 0; i < plane; i++) {
                    float r = data[i];
                    float g = data[plane + i];
                    float b = data[2 * plane + i];
                    assertThat(Float.isFinite(r) && Float.isFinite(g) && Float.isFinite(b)).isTrue();
                    if (r == 0 && g == 0 && b == 0) {
                        continue; // letterbox padding
                    }
                    content++;
                    String what = resize + " " + size[0] + "x" + size[1] + " pixel " + i;
                    assertThat((double) r).as(what).isCloseTo(200 / 255.0, within(2e-3));
                    assertThat((double) g).as(what).isCloseTo(120 / 255.0, within(2e-3));
                    assertThat((double) b).as(what).isCloseTo(40 / 255.0, within(2e-3));
                }
                assertThat(content).as("%s %dx%d has content", resize, size[0], size[1]).isPositive();
                if (resize != ModelManifest.Resize.LETTERBOX) {
                    assertThat(content).as("%s fills the input", resize).isEqualTo(plane);
                }
            }
        }
    }

    private static Recognizer recognizer(GridProposer grid) {
        Catalog catalog = Catalog.builder(dev.logowatch.config.CatalogConfig.Aggregation.MEAN)
                .brand(Brand.of("alpha"), new float[] {1, 0, 0, 0, 0, 0, 0, 1})
                .brand(Brand.of("beta"), new float[] {0, 1, 0, 1, 0, 0, 1, 0})
                .build();
        CatalogConfig catalogConfig = new CatalogConfig(Optional.empty(), CatalogConfig.Aggregation.MEAN, 0.75, 0.05,
                Optional.empty());
        VerifyConfig verify = new VerifyConfig(false, Optional.empty(), "", Optional.empty(), 0.6, 0.8, 0.7,
                Duration.ofSeconds(20), 2, 30);
        return new Recognizer(grid, embedder, new Matcher(() -> catalog, catalogConfig, verify), meters, 0);
    }
}
