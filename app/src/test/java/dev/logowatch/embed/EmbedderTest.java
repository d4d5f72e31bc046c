package dev.logowatch.embed;

import dev.logowatch.engine.Box;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.TestModels;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EmbedderTest {
    private static final List<Box> CROPS = List.of(
            new Box(0, 0, 40, 40), new Box(30, 10, 90, 50), new Box(100, 20, 160, 100),
            new Box(5, 60, 25, 120), new Box(0, 0, 160, 120));

    private static OnnxEngine engine;
    private static Frame frame;

    @BeforeAll
    static void load() {
        engine = OnnxEngine.open(TestModels.model("embedder"), 1, 32);
        frame = new Frame("cam", Instant.EPOCH, 7, picture());
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    /** Coloured shapes on a gradient, so every crop looks different. */
    private static BufferedImage picture() {
        BufferedImage image = new BufferedImage(160, 120, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, Color.DARK_GRAY, 160, 120, Color.LIGHT_GRAY));
        g.fillRect(0, 0, 160, 120);
        g.setColor(Color.RED);
        g.fillOval(10, 10, 30, 30);
        g.setColor(Color.BLUE);
        g.fillRect(110, 30, 40, 60);
        g.setColor(Color.YELLOW);
        g.fillPolygon(new int[] {40, 90, 65}, new int[] {50, 50, 15}, 3);
        g.dispose();
        return image;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Test
    void vectorsHaveTheManifestDimensionAndUnitLength() {
        Embedder embedder = new Embedder(engine);

        List<float[]> vectors = embedder.embed(frame, CROPS);

        assertThat(embedder.dimension()).isEqualTo(8);
        assertThat(embedder.modelName()).isEqualTo("test-embedder");
        assertThat(embedder.modelSha256()).isEqualTo(engine.manifest().sha256()).hasSize(64);
        assertThat(vectors).hasSize(CROPS.size());
        for (float[] v : vectors) {
            assertThat(v).hasSize(8);
            assertThat(Math.sqrt(dot(v, v))).isCloseTo(1.0, within(1e-5));
        }
        // Different content, different direction.
        assertThat(dot(vectors.get(0), vectors.get(2))).isLessThan(0.999);
    }

    @Test
    void aBatchGivesTheSameVectorsAsOneCropAtATime() {
        Embedder embedder = new Embedder(engine);
        List<float[]> batched = embedder.embed(frame, CROPS);

        for (int i = 0; i < CROPS.size(); i++) {
            float[] single = embedder.embed(frame, List.of(CROPS.get(i))).getFirst();
            assertThat(batched.get(i)).containsExactly(single, within(1e-5f));
        }
    }

    @Test
    void smallAndFixedBatchesChunkAndPadWithoutChangingResults() {
        List<float[]> reference = new Embedder(engine).embed(frame, CROPS);
        try (OnnxEngine twoAtATime = OnnxEngine.open(TestModels.model("embedder"), 1, 2);
             OnnxEngine fixedFour = OnnxEngine.open(TestModels.model("embedder-batch4"), 1, 32)) {
            List<float[]> chunked = new Embedder(twoAtATime).embed(frame, CROPS);
            List<float[]> padded = new Embedder(fixedFour).embed(frame, CROPS);

            for (int i = 0; i < CROPS.size(); i++) {
                assertThat(chunked.get(i)).containsExactly(reference.get(i), within(1e-5f));
                assertThat(padded.get(i)).containsExactly(reference.get(i), within(1e-5f));
            }
        }
    }

    @Test
    void referenceImagesWithAlphaAreEmbeddedAsSeenOnWhite() {
        BufferedImage logo = new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = logo.createGraphics();
        g.setColor(new Color(0, 128, 0));
        g.fillOval(5, 5, 30, 20);
        g.dispose();
        BufferedImage onWhite = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D w = onWhite.createGraphics();
        w.setColor(Color.WHITE);
        w.fillRect(0, 0, 40, 30);
        w.setColor(new Color(0, 128, 0));
        w.fillOval(5, 5, 30, 20);
        w.dispose();
        Embedder embedder = new Embedder(engine);

        float[] fromAlpha = embedder.embed(logo);
        List<float[]> both = embedder.embedImages(List.of(onWhite, logo));

        assertThat(fromAlpha).containsExactly(both.get(0), within(1e-5f));
        assertThat(both.get(1)).containsExactly(fromAlpha, within(1e-5f));
    }

    @Test
    void framesAreTimedAsPreprocessAndEmbed() {
        DeviceMeters meters = StatusBoard.create("test", "0").meters();
        Embedder embedder = new Embedder(engine, meters);
        // The meter registry is shared by the whole JVM, so count from here.
        long preprocess = count(meters, "preprocess");
        long embed = count(meters, "embed");

        embedder.embed(frame, CROPS);
        embedder.embed(frame, List.of());

        assertThat(count(meters, "preprocess") - preprocess).isEqualTo(1);
        assertThat(count(meters, "embed") - embed).isEqualTo(1);
    }

    private static long count(DeviceMeters meters, String stage) {
        return meters.registry().timer("logowatch.stage.duration", List.of(Tag.create("stage", stage)))
                .orElseThrow().count();
    }

    @Test
    void refusesADetectorAsEmbedder() {
        try (OnnxEngine detr = OnnxEngine.open(TestModels.model("detr"), 1, 4)) {
            assertThatThrownBy(() -> new Embedder(detr))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("test-detr").hasMessageContaining("is not an embedder")
                    .hasMessageContaining("models.embedder");
        }
    }
}
