package dev.logowatch.cli;

import dev.logowatch.config.ConfigCorruptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code logowatch run --check} on corrupted copies of the shipped configurations: exit 2,
 * the key named on stderr, no stack trace; and exit 0 for the uncorrupted copies.
 */
class RunCheckCorruptConfigTest {
    private static final Path REPO = Path.of(System.getProperty("logowatch.repo", ".."));
    private static final int CASES_PER_FILE = 8;

    @TempDir
    Path dir;

    private static CommandRun check(Path config) {
        return CommandRun.of("run", "--check", "--config", config.toString());
    }

    @Test
    void corruptedShippedConfigurationsExitWith2NamingTheKey() throws IOException {
        Path model = Files.createDirectories(dir.resolve("emb"));
        Files.writeString(model.resolve("model.json"), "{}");
        Path detector = Files.createDirectories(dir.resolve("det"));
        Files.writeString(detector.resolve("model.json"), "{}");
        // The command reads the real environment, so the template's model folders are pointed here in the text.
        String template = Files.readString(REPO.resolve("config/logowatch.yaml"))
                .replace("/opt/logowatch/models/logo-embedder", model.toString())
                .replace("/opt/logowatch/models/logo-detector", detector.toString());
        // The demo's clip, catalog and models are beside config/ in the checkout, not beside the copy.
        String demo = Files.readString(REPO.resolve("config/demo.yaml"))
                .replace("../samples/", REPO.toAbsolutePath().normalize() + "/samples/")
                .replace("../models/", REPO.toAbsolutePath().normalize() + "/models/");
        Random random = new Random(7);
        int checked = 0;
        for (Map.Entry<String, String> file : java.util.List.of(Map.entry("demo.yaml", demo), Map.entry("logowatch.yaml", template))) {
            ConfigCorruptions corruptions = new ConfigCorruptions(file.getValue(), Map.of(), Set.of(), dir);
            Path original = Files.writeString(dir.resolve("original-" + file.getKey()), corruptions.original());
            CommandRun valid = check(original);
            assertThat(valid.code()).as("uncorrupted %s: %s", file.getKey(), valid.err()).isZero();
            assertThat(valid.out()).contains("is valid");

            for (int i = 0; i < CASES_PER_FILE; i++) {
                ConfigCorruptions.Corruption c = corruptions.next(random);
                if (c.category() == ConfigCorruptions.Category.FROM_ENVIRONMENT) {
                    i--;
                    continue;
                }
                Path config = Files.writeString(dir.resolve("case-" + i + "-" + file.getKey()), c.yaml());
                CommandRun outcome = check(config);
                String where = file.getKey() + " " + c;
                assertThat(outcome.code()).as(where).isEqualTo(Main.EXIT_USAGE);
                assertThat(outcome.err()).as(where).contains("is not usable").contains("  " + c.key() + ":")
                        .contains(config.toString()).doesNotContain("Exception").doesNotContain("\tat ");
                assertThat(outcome.out()).as(where).doesNotContain("is valid");
                checked++;
            }
        }
        assertThat(checked).isEqualTo(2 * CASES_PER_FILE);
    }
}
