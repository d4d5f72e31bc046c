package dev.logowatch.testing;

import org.junit.jupiter.api.Assumptions;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small scene for end-to-end tests, written into a folder: a 7 s clip at 10 fps
 * ({@code clip.mp4}, 320×240) in which the catalog brand {@code redmark} is visible from 1 s
 * to 4 s and a look-alike decoy that is not in the catalog from 4.5 s to 6.5 s; the catalog
 * ({@code catalog/redmark}, {@code catalog/greenmark}, the latter never shown); and the
 * shared ImageNet MobileNetV3 features as embedder ({@code model/}), linked, never copied.
 */
public final class LogoScene {
    public static final Path MOBILENET = Path.of(System.getProperty("logowatch.repo", ".."))
            .resolve("../shared/models/mobilenet_v3_small_imagenet_features.onnx").toAbsolutePath().normalize();

    private LogoScene() {
    }

    /** Skips the calling test class, with the reason, where the shared weights are absent. */
    public static void assumeModel() {
        Assumptions.assumeTrue(Files.isRegularFile(MOBILENET),
                "needs the shared ImageNet weights at " + MOBILENET + " (see ../shared/models/README.md)");
    }

    /** A grid proposer and matching settings under which the scene is recognised. */
    /** The embedded broker and the page on free loopback ports: a test service reaches nothing else. */
    public static final String LOOPBACK = """
            mqtt:
              broker: embedded
              embedded-port: 0
            web:
              host: 127.0.0.1
              port: 0
            """;

    public static final String SETTINGS = """
            models:
              embedder: model
            proposer:
              max-proposals: 1024
              grid:
                sizes: [0.3, 0.45]
                stride: 0.25
            tracking:
              min-frames: 3
              max-gap: 3
            """;

    public static void write(Path dir) throws Exception {
        assumeModel();
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.createSymbolicLink(model.resolve("model.onnx"), MOBILENET);
        Files.writeString(model.resolve("model.json"), """
                {"name": "mobilenet-v3-small-imagenet", "task": "embed", "file": "model.onnx",
                 "sha256": "f4288158ae24fa8f3b78ee1b3c74cb7b73d98674bdea5a693d103ab742d39a98",
                 "input": {"name": "input", "layout": "NCHW", "size": [224, 224], "color": "RGB",
                           "scale": 0.00392157, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                           "resize": "letterbox", "pad": [114, 114, 114]},
                 "output": {"kind": "embedding", "name": "mean_9", "dim": 576},
                 "license": "BSD-3-Clause (torchvision ImageNet weights)"}
                """);
        for (String brand : List.of("redmark", "greenmark")) {
            BufferedImage ref = new BufferedImage(128, 128, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = ref.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 128, 128);
            if (brand.equals("redmark")) {
                redmark(g, 14, 14, 100);
            } else {
                greenmark(g, 14, 14, 100);
            }
            g.dispose();
            Files.createDirectories(dir.resolve("catalog/" + brand));
            ImageIO.write(ref, "png", dir.resolve("catalog/" + brand + "/ref.png").toFile());
        }
        Path frames = Files.createDirectories(dir.resolve("frames"));
        Random random = new Random(1);
        BufferedImage background = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D bg = background.createGraphics();
        bg.setColor(new Color(90, 100, 110));
        bg.fillRect(0, 0, 320, 240);
        for (int i = 0; i < 40; i++) {
            bg.setColor(new Color(60 + random.nextInt(80), 60 + random.nextInt(80), 60 + random.nextInt(80)));
            bg.fillRect(random.nextInt(300), random.nextInt(220), 5 + random.nextInt(35), 5 + random.nextInt(35));
        }
        bg.dispose();
        for (int i = 0; i < 70; i++) {
            double t = i / 10.0;
            BufferedImage frame = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = frame.createGraphics();
            g.drawImage(background, 0, 0, null);
            if (t >= 1.0 && t < 4.0) {
                g.setColor(Color.WHITE);
                g.fillRect(100, 60, 120, 120);
                redmark(g, 110 + (int) (2 * (t - 1)), 70, 100);
            }
            if (t >= 4.5 && t < 6.5) {
                g.setColor(Color.WHITE);
                g.fillRect(100, 60, 120, 120);
                decoyStar(g, 110, 70, 100);
            }
            g.dispose();
            ImageIO.write(frame, "png", frames.resolve(String.format("f%03d.png", i)).toFile());
        }
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-framerate", "10", "-i",
                frames.resolve("f%03d.png").toString(), "-c:v", "libx264", "-pix_fmt", "yuv420p",
                dir.resolve("clip.mp4").toString()).redirectErrorStream(true).start();
        assertThat(ffmpeg.waitFor(60, TimeUnit.SECONDS)).as("ffmpeg finished").isTrue();
        assertThat(ffmpeg.exitValue()).as("ffmpeg (apt: ffmpeg) made the clip").isZero();
    }

    private static void redmark(Graphics2D g, int x, int y, int s) {
        g.setColor(new Color(220, 20, 20));
        g.fillOval(x, y, s, s);
        g.setColor(Color.WHITE);
        g.fillRect(x + s * 4 / 10, y + s * 15 / 100, s / 5, s * 7 / 10);
    }

    private static void greenmark(Graphics2D g, int x, int y, int s) {
        g.setColor(new Color(20, 160, 40));
        g.fillPolygon(new int[] {x + s / 2, x + s, x}, new int[] {y, y + s, y + s}, 3);
        g.setColor(Color.WHITE);
        g.fillRect(x + s * 3 / 10, y + s * 6 / 10, s * 4 / 10, s * 15 / 100);
    }

    private static void decoyStar(Graphics2D g, int x, int y, int s) {
        Polygon star = new Polygon();
        for (int i = 0; i < 10; i++) {
            double r = i % 2 == 0 ? s / 2.0 : s / 5.0;
            double a = Math.PI / 2 + i * Math.PI / 5;
            star.addPoint((int) (x + s / 2.0 + r * Math.cos(a)), (int) (y + s / 2.0 - r * Math.sin(a)));
        }
        g.setColor(new Color(240, 140, 20));
        g.fillPolygon(star);
    }
}
