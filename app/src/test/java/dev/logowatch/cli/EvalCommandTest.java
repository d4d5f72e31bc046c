package dev.logowatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.testing.LogoScene;
import dev.logowatch.testing.OddImages;
import dev.logowatch.testing.OddImages.Odd;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code logowatch eval} over a folder of real-world oddities ({@link OddImages}): it reads
 * every file it can, lists every file it cannot with the reason, and scores only what it read.
 */
@Tag("integration")
class EvalCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static List<Odd> odd;

    @BeforeAll
    static void makeScene() throws Exception {
        LogoScene.write(dir);
        Files.writeString(dir.resolve("eval.yaml"), """
                device:
                  id: eval-test
                  state-dir: state
                catalog:
                  threshold: 0.8
                  margin: 0.05
                mqtt:
                  broker: embedded
                """ + LogoScene.SETTINGS);
        odd = OddImages.all();
    }

    /** A dataset with the scene's catalog, the given images, and labels naming the brands of each. */
    private static Path dataset(String name, List<Odd> images, Map<String, String> brands) throws Exception {
        Path data = dir.resolve(name);
        copyTree(dir.resolve("catalog"), data.resolve("catalog"));
        List<String> labels = new ArrayList<>();
        for (Odd o : images) {
            o.write(data.resolve("images"));
            String brand = brands.get(o.name());
            labels.add("{\"image\": \"images/" + o.name() + "\", \"brands\": [" + (brand == null ? "" : "\"" + brand + "\"")
                    + "]}");
        }
        Files.write(data.resolve("labels.jsonl"), labels);
        return data;
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void aFolderOfOddFilesIsEvaluatedToTheEndAndEveryRefusedFileIsListedWithItsReason() throws Exception {
        // A broken image labelled with a brand: were it scored, it would be a miss (FN).
        Path data = dataset("odd", odd, Map.of("truncated.jpg", "redmark", "empty.jpg", "redmark"));
        Path report = dir.resolve("odd-report.json");

        CommandRun run = CommandRun.of("eval", data.toString(), "--config", dir.resolve("eval.yaml").toString(),
                "--report-json", report.toString());

        assertThat(run.code()).as("exit status; stderr:%n%s", run.err()).isZero();
        List<Odd> readable = odd.stream().filter(Odd::readable).toList();
        List<Odd> broken = odd.stream().filter(o -> !o.readable()).toList();
        assertThat(run.out()).startsWith(readable.size() + " images in ")
                .contains(broken.size() + " skipped, not counted")
                .contains("skipped images (" + broken.size() + ")");
        for (Odd o : broken) {
            assertThat(run.out()).as("the text report lists %s", o.name()).containsPattern(
                    "(?m)^  images/" + java.util.regex.Pattern.quote(o.name()) + ": .*" + o.refusal());
        }
        JsonNode json = JSON.readTree(report.toFile());
        assertThat(json.get("images").asInt()).isEqualTo(readable.size());
        Map<String, String> skipped = new TreeMap<>();
        json.get("skipped").forEach(s -> skipped.put(s.get("image").asText(), s.get("reason").asText()));
        assertThat(skipped.keySet()).containsExactlyInAnyOrderElementsOf(
                broken.stream().map(o -> "images/" + o.name()).toList());
        for (Odd o : broken) {
            assertThat(skipped.get("images/" + o.name())).as(o.name()).contains(o.refusal());
        }
        assertThat(json.at("/overall/image/fn").asInt()).as("skipped images are never scored as misses").isZero();
    }

    @Test
    void nothingReadableIsAFailureThatSaysSo() throws Exception {
        List<Odd> broken = odd.stream().filter(o -> !o.readable()).toList();
        Path data = dataset("broken", broken, Map.of());

        CommandRun run = CommandRun.of("eval", data.toString(), "--config", dir.resolve("eval.yaml").toString());

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("none of the " + broken.size() + " labelled images could be read");
        assertThat(run.out()).contains("skipped images (" + broken.size() + ")");
    }

    @Test
    void aMalformedLabelsLineIsAUsageErrorNamingItsLine() throws Exception {
        Path data = dataset("malformed", odd.subList(0, 2), Map.of());
        Files.writeString(data.resolve("labels.jsonl"), Files.readString(data.resolve("labels.jsonl"))
                + "{\"image\": \"images/" + odd.get(0).name() + "\", \"brands\": \"redmark\"}\n");

        CommandRun run = CommandRun.of("eval", data.toString(), "--config", dir.resolve("eval.yaml").toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("labels.jsonl:3: 'brands' must be a list");
    }
}
