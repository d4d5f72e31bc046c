package dev.logowatch.embed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import io.helidon.metrics.api.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ImageNet MobileNetV3-Small feature extractor from {@code ../shared/models/} (see its
 * README), loaded through a manifest written here: a real network must find the same synthetic
 * logo at two scales more alike than two different logos. Also prints how long a crop takes
 * at batch 16. Skipped when the shared weights are absent (a fresh clone).
 */
@Tag("integration")
class MobileNetEmbedderIntegrationTest {
    private static final Path SHARED = Path.of(System.getProperty("logowatch.repo", ".."))
            .resolve("../shared/models/mobilenet_v3_small_imagenet_features.onnx").normalize();

    @TempDir
    static Path modelDir;

    private static OnnxEngine engine;
    private static Embedder embedder;

    @BeforeAll
    static void load() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(SHARED),
                () -> "MobileNetV3 weights not found at " + SHARED + " (only present on the development machines)");
        // Linked, not copied: the weights stay outside the repository.
        Files.createSymbolicLink(modelDir.resolve("model.onnx"), SHARED.toAbsolutePath());
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("name", "mobilenet-v3-small-imagenet-features").put("task", "embed").put("file", "model.onnx")
                .put("sha256", sha256(SHARED));
        ObjectNode input = m.putObject("input");
        input.put("name", "input").put("layout", "NCHW").put("color", "RGB").put("scale", 1 / 255.0)
                .put("resize", "letterbox");
        input.putArray("size").add(224).add(224);
        input.putArray("mean").add(0.485).add(0.456).add(0.406);
        input.putArray("std").add(0.229).add(0.224).add(0.225);
        input.putArray("pad").add(124).add(116).add(104);
        ObjectNode output = m.putObject("output");
        output.put("kind", "embedding").put("dim", 576);
        // The exported graph's pooled output, [N, 576, 1, 1].
        output.putArray("names").add("mean_9");
        m.put("license", "BSD-3-Clause (torchvision ImageNet weights)")
                .put("trained_from", "torchvision mobilenet_v3_small ImageNet weights");
        json.writeValue(modelDir.resolve("model.json").toFile(), m);
        engine = OnnxEngine.open(modelDir);
        embedder = new Embedder(engine);
    }

    @AfterAll
    static void close() throws IOException {
        if (engine != null) {
            engine.close();
        }
        Files.deleteIfExists(modelDir.resolve("model.onnx"));
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            digest.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A red disc with a white bold "Q" and a navy ring. */
    private static void drawLogoA(Graphics2D g, int x, int y, int size) {
        g.setColor(new Color(200, 20, 30));
        g.fillOval(x, y, size, size);
        g.setColor(new Color(20, 30, 110));
        g.setStroke(new BasicStroke(size / 12f));
        g.drawOval(x + size / 24, y + size / 24, size - size / 12, size - size / 12);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, (int) (size * 0.6)));
        g.drawString("Q", x + (int) (size * 0.28), y + (int) (size * 0.72));
    }

    /** Green and black diagonal stripes in a square with a yellow triangle. */
    private static void drawLogoB(Graphics2D g, int x, int y, int size) {
        java.awt.Shape clip = g.getClip();
        g.setClip(x, y, size, size);
        g.setColor(new Color(10, 140, 60));
        g.fillRect(x, y, size, size);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(size / 10f));
        for (int i = -size; i < 2 * size; i += size / 4) {
            g.drawLine(x + i, y, x + i - size, y + size);
        }
        g.setClip(clip);
        g.setColor(new Color(250, 210, 0));
        g.fillPolygon(new int[] {x + size / 2, x + size * 7 / 8, x + size / 8},
                new int[] {y + size / 8, y + size * 7 / 8, y + size * 7 / 8}, 3);
    }

    private static Frame scene() {
        BufferedImage image = new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new java.awt.GradientPaint(0, 0, new Color(90, 110, 90), 640, 480, new Color(150, 150, 170)));
        g.fillRect(0, 0, 640, 480);
        Random random = new Random(3);
        for (int i = 0; i < 400; i++) {
            g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256), 60));
            g.fillRect(random.nextInt(640), random.nextInt(480), 4 + random.nextInt(12), 4 + random.nextInt(12));
        }
        drawLogoA(g, 40, 40, 80);
        drawLogoA(g, 300, 60, 200);
        drawLogoB(g, 100, 300, 140);
        g.dispose();
        return new Frame("bench", Instant.EPOCH, 0, image);
    }

    private static Timer stage(DeviceMeters meters, String stage) {
        return meters.registry().timer("logowatch.stage.duration", List.of(io.helidon.metrics.api.Tag.create("stage", stage)))
                .orElseThrow();
    }

    private static double cosine(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Test
    void theSameLogoAtTwoScalesIsCloserThanADifferentLogo() {
        Frame frame = scene();
        List<float[]> v = embedder.embed(frame, List.of(
                new Box(32, 32, 128, 128), new Box(280, 40, 520, 280), new Box(88, 288, 252, 452)));

        double sameLogo = cosine(v.get(0), v.get(1));
        double smallVsOther = cosine(v.get(0), v.get(2));
        double largeVsOther = cosine(v.get(1), v.get(2));
        System.out.printf("mobilenet similarities: same logo %.3f, small vs other %.3f, large vs other %.3f%n",
                sameLogo, smallVsOther, largeVsOther);

        assertThat(embedder.dimension()).isEqualTo(576);
        assertThat(sameLogo).isGreaterThan(smallVsOther).isGreaterThan(largeVsOther);
    }

    @Test
    void measuresMillisecondsPerCropAtBatch16() {
        Frame frame = scene();
        List<Box> crops = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int side = 80 + 10 * i;
            int x = (i * 37) % (640 - side);
            int y = (i * 53) % (480 - side);
            crops.add(new Box(x, y, x + side, y + side));
        }
        DeviceMeters meters = StatusBoard.create("bench", "0").meters();
        Embedder timed = new Embedder(engine, meters);
        for (int i = 0; i < 3; i++) {
            timed.embed(frame, crops);
        }
        Timer preprocess = stage(meters, "preprocess");
        Timer inference = stage(meters, "embed");
        double preprocessBefore = preprocess.totalTime(TimeUnit.NANOSECONDS);
        double inferenceBefore = inference.totalTime(TimeUnit.NANOSECONDS);
        long countBefore = inference.count();
        int runs = 10;
        long started = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            assertThat(timed.embed(frame, crops)).hasSize(16);
        }
        double items = runs * crops.size();
        double msPerCrop = (System.nanoTime() - started) / 1e6 / items;
        System.out.printf("mobilenet embedder: %.2f ms per crop at batch 16 (preprocess %.2f ms, inference %.2f ms; "
                        + "%d cores, load average %.1f)%n", msPerCrop,
                (preprocess.totalTime(TimeUnit.NANOSECONDS) - preprocessBefore) / 1e6 / items,
                (inference.totalTime(TimeUnit.NANOSECONDS) - inferenceBefore) / 1e6 / items,
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        // The meter registry is shared by the whole JVM, so count this test's runs only.
        assertThat(inference.count() - countBefore).isEqualTo(runs);
    }
}
