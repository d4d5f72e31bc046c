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
    void writesAnAppearancesTableAndASelfContainedReportThatAgreeWithTheJson() throws IOException {
        Path out = dir.resolve("out-report");
        int code = Main.execute("analyze", dir.resolve("clip.mp4").toString(), "--catalog", dir.resolve("catalog").toString(),
                "--fps", "5", "--out", out.toString(), "--config", dir.resolve("analyze.yaml").toString());
        assertThat(code).isZero();
        JsonNode exposure = JSON.readTree(out.resolve("exposure.json").toFile()).get("brands");
        List<JsonNode> ends = Files.readAllLines(out.resolve("events.jsonl")).stream().map(AnalyzeCommandTest::parse)
                .filter(e -> e.get("type").asText().equals("end")).toList();

        List<String> csv = Files.readAllLines(out.resolve("appearances.csv"));
        assertThat(csv.getFirst()).isEqualTo("id,brand,start_s,end_s,visible_s,best_similarity,verification");
        assertThat(csv).hasSize(1 + ends.size());
        String[] row = csv.get(1).split(",");
        assertThat(row[0]).isEqualTo(ends.getFirst().get("id").asText());
        assertThat(row[1]).isEqualTo("redmark");
        assertThat(Double.parseDouble(row[2])).isCloseTo(ends.getFirst().get("start_s").asDouble(), within(0.01));
        assertThat(Double.parseDouble(row[3])).isCloseTo(ends.getFirst().get("end_s").asDouble(), within(0.01));

        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).as("nothing fetched from the network").doesNotContain("http://", "https://", "<script src", "<link");
        assertThat(html).contains("<tr data-brand=\"redmark\"><td>redmark</td><td class=\"n\">"
                + String.format(java.util.Locale.ROOT, "%.1f", exposure.at("/redmark/visible_seconds").asDouble()) + "</td>");
        assertThat(html).contains("class=\"appearance\" data-brand=\"redmark\"").contains("data:image/jpeg;base64,");
        assertThat(html).doesNotContain("greenmark");
    }

    @Test
    void csvFieldsWithCommasOrQuotesAreQuoted() {
        assertThat(AnalysisReport.field("plain")).isEqualTo("plain");
        assertThat(AnalysisReport.field("a,b")).isEqualTo("\"a,b\"");
        assertThat(AnalysisReport.field("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(AnalysisReport.escape("<b>&\"")).isEqualTo("&lt;b&gt;&amp;&quot;");
    }

    /** The clip with its index at the front (as streaming tools write it), cut in half: the usual truncated download. */
    @Test
    void aTruncatedVideoIsAnalysedAsFarAsItGoesAndSaysSo() throws Exception {
        Path fast = dir.resolve("fast.mp4");
        ffmpeg("-i", dir.resolve("clip.mp4").toString(), "-c", "copy", "-movflags", "+faststart", fast.toString());
        byte[] bytes = Files.readAllBytes(fast);
        Path cut = Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(bytes, bytes.length * 3 / 4));
        Path out = dir.resolve("out-cut");

        CommandRun run = CommandRun.of("analyze", cut.toString(), "--catalog", dir.resolve("catalog").toString(),
                "--fps", "5", "--out", out.toString(), "--config", dir.resolve("analyze.yaml").toString());

        assertThat(run.code()).as("exit status for a video read in part; stderr:%n%s", run.err()).isEqualTo(3);
        JsonNode video = JSON.readTree(out.resolve("exposure.json").toFile()).get("video");
        assertThat(video.get("complete").asBoolean()).isFalse();
        assertThat(video.get("length_s").asDouble()).isCloseTo(7.0, within(0.2));
        assertThat(video.get("read_to_s").asDouble()).isGreaterThan(0.5).isLessThan(6.0);
        assertThat(video.get("note").asText()).contains("of 7.0 s").contains("ends early");
        assertThat(run.err()).contains("was read only in part: read ");
        assertThat(Files.readString(out.resolve("exposure.txt"))).contains("INCOMPLETE: read ");
        assertThat(out.resolve("events.jsonl")).isRegularFile();
    }

    /** A stretch of a transport stream zeroed, as a bad disk or a broken recording leaves it. */
    @Test
    void aCorruptStretchIsReportedAsAGapAndEndsTheAppearanceThere() throws Exception {
        Path ts = dir.resolve("clip.ts");
        ffmpeg("-i", dir.resolve("clip.mp4").toString(), "-c", "copy", ts.toString());
        byte[] bytes = Files.readAllBytes(ts);
        java.util.Arrays.fill(bytes, bytes.length * 35 / 100, bytes.length * 65 / 100, (byte) 0);
        Path corrupt = Files.write(dir.resolve("corrupt.ts"), bytes);
        Path out = dir.resolve("out-corrupt");

        CommandRun run = CommandRun.of("analyze", corrupt.toString(), "--catalog", dir.resolve("catalog").toString(),
                "--fps", "5", "--out", out.toString(), "--config", dir.resolve("analyze.yaml").toString());

        assertThat(run.code()).as(run.err()).isEqualTo(3);
        JsonNode video = JSON.readTree(out.resolve("exposure.json").toFile()).get("video");
        assertThat(video.get("complete").asBoolean()).isFalse();
        assertThat(video.get("gaps")).hasSize(1);
        double from = video.at("/gaps/0/from_s").asDouble();
        double to = video.at("/gaps/0/to_s").asDouble();
        assertThat(to - from).isGreaterThan(1.0);
        List<JsonNode> ends = Files.readAllLines(out.resolve("events.jsonl")).stream().map(AnalyzeCommandTest::parse)
                .filter(e -> e.get("type").asText().equals("end")).toList();
        assertThat(ends).allSatisfy(e -> assertThat(e.get("end_s").asDouble() <= from + 0.01
                || e.get("start_s").asDouble() >= to - 0.01).as("appearance %s lies outside the gap", e).isTrue());
    }

    @Test
    void aCompleteVideoSaysSo() throws Exception {
        Path out = dir.resolve("out-complete");
        int code = Main.execute("analyze", dir.resolve("clip.mp4").toString(), "--catalog", dir.resolve("catalog").toString(),
                "--fps", "5", "--out", out.toString(), "--config", dir.resolve("analyze.yaml").toString());
        assertThat(code).isZero();
        JsonNode video = JSON.readTree(out.resolve("exposure.json").toFile()).get("video");
        assertThat(video.get("complete").asBoolean()).isTrue();
        assertThat(video.get("read_to_s").asDouble()).isCloseTo(7.0, within(0.2));
        assertThat(video.get("gaps")).isEmpty();
        assertThat(video.has("note")).isFalse();
    }

    private static void ffmpeg(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("ffmpeg", "-loglevel", "error", "-y"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("ffmpeg finished").isTrue();
        assertThat(p.exitValue()).as("ffmpeg %s: %s", command, output).isZero();
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
