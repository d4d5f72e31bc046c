package dev.logowatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.engine.TestModels;
import dev.logowatch.testing.OddImages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code logowatch catalog build} and {@code logowatch catalog inspect} through the command line. */
class CatalogCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private static void png(Path file, Color colour, int size) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setColor(colour);
        g.fillOval(size / 8, size / 8, size * 3 / 4, size * 3 / 4);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private Path catalog() throws IOException {
        Path dir = root.resolve("catalog");
        png(dir.resolve("acme/logo.png"), Color.RED, 64);
        png(dir.resolve("acme/logo-dark.png"), Color.ORANGE, 48);
        Files.writeString(dir.resolve("acme/brand.json"),
                "{\"display_name\": \"Acme Corp\", \"threshold\": 0.82, \"verify\": \"always\"}");
        png(dir.resolve("bolt/logo.png"), Color.BLUE, 64);
        return dir;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void buildWritesTheImagesAndAManifestDevicesCanCheckEveryFileAgainst() throws Exception {
        Path dir = catalog();
        Path out = root.resolve("www");

        CommandRun run = CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString());

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        String version = manifest.get("version").asText();
        assertThat(version).matches("\\d{4}-\\d{2}-\\d{2}\\.[0-9a-f]{8}");
        assertThat(run.out()).contains("catalog " + version + ": 2 brands, 3 images").contains("manifest: " + out);
        JsonNode acme = manifest.get("brands").get(0);
        assertThat(acme.get("id").asText()).isEqualTo("acme");
        assertThat(acme.get("display_name").asText()).isEqualTo("Acme Corp");
        assertThat(acme.get("threshold").asDouble()).isEqualTo(0.82);
        assertThat(acme.get("verify").asText()).isEqualTo("always");
        assertThat(manifest.get("brands").get(1).has("verify")).isFalse();
        int files = 0;
        for (JsonNode brand : manifest.get("brands")) {
            for (JsonNode file : brand.get("files")) {
                Path copy = out.resolve(file.get("path").asText());
                assertThat(sha256(copy)).isEqualTo(file.get("sha256").asText());
                assertThat(Files.size(copy)).isEqualTo(file.get("size").asLong());
                assertThat(sha256(copy)).isEqualTo(sha256(dir.resolve(file.get("path").asText())));
                files++;
            }
        }
        assertThat(files).isEqualTo(3);
        assertThat(out.resolve("acme/brand.json")).doesNotExist();

        // The same content gives the same version, so rebuilding changes nothing for devices.
        assertThat(CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString()).code()).isZero();
        assertThat(JSON.readTree(out.resolve("manifest.json").toFile()).get("version").asText()).isEqualTo(version);
    }

    @Test
    void rebuildingIntoAnEarlierOutputRemovesImagesNoLongerListed() throws Exception {
        Path dir = catalog();
        Path out = root.resolve("www");
        assertThat(CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString(), "--version", "2026-11-23.1").code())
                .isZero();
        Files.delete(dir.resolve("acme/logo-dark.png"));

        CommandRun run = CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString(), "--version", "2026-11-23.2");

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("catalog 2026-11-23.2: 2 brands, 2 images").contains("1 images of the earlier build removed");
        assertThat(out.resolve("acme/logo-dark.png")).doesNotExist();
        assertThat(out.resolve("acme/logo.png")).isRegularFile();
        assertThat(JSON.readTree(out.resolve("manifest.json").toFile()).get("version").asText()).isEqualTo("2026-11-23.2");
    }

    @Test
    void aBadCatalogIsRefusedWithEveryProblemNamedAndNothingWritten() throws Exception {
        Path dir = catalog();
        png(dir.resolve("acme/tiny.png"), Color.RED, 4);
        Files.writeString(dir.resolve("bolt/notes.txt"), "where the logo came from");
        Files.writeString(dir.resolve("bolt/brand.json"), "{\"threshold\": 7}");
        Files.write(dir.resolve("bolt/broken.jpg"), new byte[] {1, 2, 3});
        Path out = root.resolve("www");

        CommandRun run = CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("catalog " + dir + " cannot be published")
                .contains("acme/tiny.png: skipped: too small to hold a logo (4x4 px")
                .contains("bolt/notes.txt: skipped: not a .png, .jpg, .jpeg, .gif, .bmp or .webp file")
                .contains("bolt/broken.jpg: skipped:")
                .contains("bolt/brand.json: field 'threshold' must be a number from 0 to 1");
        assertThat(out).doesNotExist();
    }

    @Test
    void buildPublishesEveryReadableOddReferenceAndNamesEachBrokenOne() throws Exception {
        Path dir = catalog();
        List<OddImages.Odd> readable = OddImages.readable();
        for (OddImages.Odd o : readable) {
            o.write(dir.resolve("odd"));
        }
        Path out = root.resolve("www");

        CommandRun good = CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString());

        assertThat(good.code()).as(good.err()).isZero();
        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        String version = manifest.get("version").asText();
        JsonNode odd = manifest.get("brands").get(2);
        assertThat(odd.get("id").asText()).isEqualTo("odd");
        List<String> published = new ArrayList<>();
        odd.get("files").forEach(f -> published.add(f.get("path").asText()));
        assertThat(published).containsExactlyInAnyOrderElementsOf(readable.stream().map(o -> "odd/" + o.name()).toList());

        List<OddImages.Odd> broken = OddImages.broken();
        for (OddImages.Odd o : broken) {
            o.write(dir.resolve("broken"));
        }
        CommandRun bad = CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString());

        assertThat(bad.code()).isEqualTo(2);
        for (OddImages.Odd o : broken) {
            assertThat(bad.err()).as(o.name()).containsPattern("broken/" + Pattern.quote(o.name()) + ": skipped: .*"
                    + o.refusal());
        }
        assertThat(JSON.readTree(out.resolve("manifest.json").toFile()).get("version").asText())
                .as("the published build is left as it was").isEqualTo(version);
    }

    @Test
    void buildRefusesAForeignOutputFolderAndAnUnsafeVersion() throws Exception {
        Path dir = catalog();
        Path out = Files.createDirectories(root.resolve("home"));
        Files.writeString(out.resolve("notes.txt"), "someone's file");

        CommandRun foreign = CommandRun.of("catalog", "build", dir.toString(), "--out", out.toString());
        assertThat(foreign.code()).isEqualTo(2);
        assertThat(foreign.err()).contains(out + ": not empty and holds no manifest.json");
        assertThat(out.resolve("notes.txt")).hasContent("someone's file");

        CommandRun unsafe = CommandRun.of("catalog", "build", dir.toString(), "--out", root.resolve("www").toString(), "--version", "../v1");
        assertThat(unsafe.code()).isEqualTo(2);
        assertThat(unsafe.err()).contains("--version '../v1'");
    }

    @Test
    @Tag("integration")
    void inspectFlagsBrandsTheEmbedderCannotTellApart() throws Exception {
        Path model = TestModels.model("embedder");
        Path dir = root.resolve("catalog");
        png(dir.resolve("acme/logo.png"), Color.RED, 64);
        Files.createDirectories(dir.resolve("acme-copy"));
        Files.copy(dir.resolve("acme/logo.png"), dir.resolve("acme-copy/logo.png"));
        png(dir.resolve("bolt/logo.png"), Color.BLUE, 64);
        png(dir.resolve("bolt/tiny.png"), Color.BLUE, 4);
        Path config = root.resolve("inspect.yaml");
        Files.writeString(config, """
                device:
                  id: inspect-test
                  state-dir: state
                models:
                  embedder: %s
                catalog:
                  threshold: 0.99
                mqtt:
                  broker: embedded
                """.formatted(model));

        CommandRun run = CommandRun.of("catalog", "inspect", dir.toString(), "--config", config.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("3 brands loaded");
        String acme = line(run.out(), "acme ");
        assertThat(acme).contains("acme-copy").contains("1.000").contains("LOOK-ALIKE");
        assertThat(line(run.out(), "acme-copy ")).contains("acme ").contains("LOOK-ALIKE");
        assertThat(line(run.out(), "bolt ")).doesNotContain("LOOK-ALIKE");
        assertThat(run.out()).contains("warning: bolt/tiny.png: skipped: too small");
    }

    @Test
    @Tag("integration")
    void withKeypointsOnInspectWarnsOfBrandsTooPlainForThem() throws Exception {
        Path model = TestModels.model("embedder");
        Path dir = root.resolve("catalog");
        png(dir.resolve("plain/logo.png"), Color.RED, 64);
        Files.createDirectories(dir.resolve("printed"));
        ImageIO.write(dev.logowatch.testing.PrintedMarks.mark(1, "ACME"), "png", dir.resolve("printed/logo.png").toFile());
        Path config = root.resolve("inspect.yaml");
        Files.writeString(config, """
                device:
                  id: inspect-test
                  state-dir: state
                models:
                  embedder: %s
                mqtt:
                  broker: embedded
                keypoints:
                  enabled: true
                """.formatted(model));

        CommandRun run = CommandRun.of("catalog", "inspect", dir.toString(), "--config", config.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("keypoints per reference");
        assertThat(run.out()).containsPattern("warning: plain: fewer than \\d+ keypoints");
        assertThat(run.out()).doesNotContain("warning: printed");
        String keypointsLine = run.out().lines().filter(l -> l.startsWith("printed ")).reduce((a, b) -> b).orElseThrow();
        int printed = Integer.parseInt(keypointsLine.trim().split("\\s+")[1]);
        assertThat(printed).isGreaterThanOrEqualTo(60);
    }

    @Test
    @Tag("integration")
    void inspectShowsEachBrandLeftWithoutAUsableReferenceAndWhy() throws Exception {
        Path model = TestModels.model("embedder");
        Path dir = root.resolve("catalog");
        png(dir.resolve("acme/logo.png"), Color.RED, 64);
        List<OddImages.Odd> broken = OddImages.broken();
        for (OddImages.Odd o : broken) {
            o.write(dir.resolve("b-" + o.name().replace('.', '-')));
        }
        Path config = root.resolve("inspect.yaml");
        Files.writeString(config, """
                device:
                  id: inspect-test
                  state-dir: state
                models:
                  embedder: %s
                mqtt:
                  broker: embedded
                """.formatted(model));

        CommandRun run = CommandRun.of("catalog", "inspect", dir.toString(), "--config", config.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("1 brands loaded, " + broken.size() + " excluded");
        for (OddImages.Odd o : broken) {
            String brand = "b-" + o.name().replace('.', '-');
            assertThat(line(run.out(), brand + " ")).contains("excluded: no usable image");
            assertThat(run.out()).containsPattern("warning: " + Pattern.quote(brand + "/" + o.name()) + ": skipped: .*"
                    + o.refusal());
        }
    }

    @Test
    void inspectWithoutAnEmbedderSaysWhatItNeeds() throws Exception {
        Path dir = catalog();
        Path config = root.resolve("no-model.yaml");
        Files.writeString(config, "device:\n  id: inspect-test\n  state-dir: state\nmqtt:\n  broker: embedded\n");

        CommandRun run = CommandRun.of("catalog", "inspect", dir.toString(), "--config", config.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("catalog inspect needs models.embedder").contains("--config FILE");
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in:\n" + output));
    }
}
