package dev.logowatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.testing.LogoScene;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code logowatch analyze} end to end on {@link LogoScene}: one catalog brand visible from
 * 1 s to 4 s, a decoy that is not in the catalog from 4.5 s to 6.5 s, another catalog brand
 * never.
 */
@Tag("integration")
class AnalyzeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void makeScene() throws Exception {
        LogoScene.write(dir);
        Files.writeString(dir.resolve("analyze.yaml"), """
                device:
                  id: analyze-test
                  state-dir: state
                catalog:
                  threshold: 0.8
                  margin: 0.05
                mqtt:
                  broker: embedded
                """ + LogoScene.SETTINGS);
    }

    @Test
    void writesOneAppearanceForTheBrandAndNoneForTheDecoyOrTheAbsentBrand() throws IOException {
        Path out = dir.resolve("out");
        int code = Main.execute("analyze", dir.resolve("clip.mp4").toString(), "--catalog", dir.resolve("catalog").toString(),
                "--fps", "5", "--out", out.toString(), "--config", dir.resolve("analyze.yaml").toString());
        assertThat(code).isZero();

        List<JsonNode> events = Files.readAllLines(out.resolve("events.jsonl")).stream().map(AnalyzeCommandTest::parse).toList();
        assertThat(events).extracting(e -> e.get("type").asText()).containsExactly("new", "end");
        JsonNode end = events.get(1);
        assertThat(end.get("brand").asText()).isEqualTo("redmark");
        assertThat(end.get("start_s").asDouble()).isCloseTo(1.0, within(0.45));
        assertThat(end.get("end_s").asDouble()).isCloseTo(3.8, within(0.45));
        assertThat(end.get("seconds").asDouble()).isCloseTo(2.8, within(0.6));

        JsonNode exposure = JSON.readTree(out.resolve("exposure.json").toFile()).get("brands");
        assertThat(exposure.fieldNames()).toIterable().containsExactly("redmark");
        assertThat(exposure.at("/redmark/appearances").asInt()).isEqualTo(1);
        BufferedImage best = ImageIO.read(out.resolve(exposure.at("/redmark/best_frame").asText()).toFile());
        assertThat(best.getWidth()).isEqualTo(320);

        List<String> detections = Files.readAllLines(out.resolve("detections.jsonl"));
        assertThat(detections).isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain("\"brand\":\"greenmark\""));
    }

    @Test
    void aMissingVideoIsAUsageError() {
        int code = Main.execute("analyze", dir.resolve("none.mp4").toString(), "--catalog", dir.resolve("catalog").toString(),
                "--config", dir.resolve("analyze.yaml").toString());
        assertThat(code).isEqualTo(2);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("events.jsonl line is not JSON: " + line, e);
        }
    }
}
