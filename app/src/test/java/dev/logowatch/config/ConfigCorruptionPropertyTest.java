package dev.logowatch.config;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Property: any single corruption of a shipped configuration ({@code config/demo.yaml},
 * {@code config/logowatch.yaml}) is refused with a {@link ConfigException} whose problems
 * name the corrupted key and where its value came from. Seeded, so a failure repeats.
 */
class ConfigCorruptionPropertyTest {
    private static final long SEED = 20261123L;
    private static final int CASES_PER_FILE = 250;
    private static final Path REPO = Path.of(System.getProperty("logowatch.repo", ".."));

    @TempDir
    Path dir;
    private Map<String, String> templateEnv;

    @BeforeEach
    void modelFolder() throws IOException {
        // The template names the installed model folder; point it here as an installer's override would.
        Path model = Files.createDirectories(dir.resolve("emb"));
        Files.writeString(model.resolve("model.json"), "{}");
        Path detector = Files.createDirectories(dir.resolve("det"));
        Files.writeString(detector.resolve("model.json"), "{}");
        templateEnv = Map.of("LOGOWATCH_MODELS_EMBEDDER", model.toString(),
                "LOGOWATCH_MODELS_DETECTOR", detector.toString());
    }

    @Test
    void everyCorruptionOfTheDemoConfigurationNamesItsKey() throws IOException {
        // The demo's clip, catalog and models are beside config/ in the checkout, not beside the copy.
        String demo = Files.readString(REPO.resolve("config/demo.yaml"))
                .replace("../samples/", REPO.toAbsolutePath().normalize() + "/samples/")
                .replace("../models/", REPO.toAbsolutePath().normalize() + "/models/");
        check("demo.yaml", new ConfigCorruptions(demo, Map.of(), Set.of(), dir), SEED);
    }

    @Test
    void everyCorruptionOfTheProductionTemplateNamesItsKey() throws IOException {
        String template = Files.readString(REPO.resolve("config/logowatch.yaml"));
        check("logowatch.yaml", new ConfigCorruptions(template, templateEnv, Set.of("models.embedder", "models.detector"), dir),
                SEED + 1);
    }

    @Test
    void theParserFindsTheTemplatesKeysWithTheirListIndexes() throws IOException {
        String template = Files.readString(REPO.resolve("config/logowatch.yaml"));
        var paths = new ConfigCorruptions(template, templateEnv, Set.of(), dir).entries().stream()
                .map(ConfigCorruptions.Entry::path).toList();
        assertThat(paths).contains("device.id", "streams[0].id", "streams[0].stall-timeout", "proposer.grid.sizes",
                "catalog.sync.interval", "mqtt.qos.events", "mqtt.tls", "web.port");
        assertThat(ConfigCorruptions.TYPES.keySet()).as("every key in the template is known to the generator")
                .containsAll(paths.stream().map(p -> p.replaceAll("\\[\\d+]", "[]"))
                        .filter(p -> !p.equals("mqtt.tls") && !p.equals("mqtt.buffer") && !p.equals("mqtt.qos")
                                && !p.matches("device|streams\\[]|models|proposer|proposer\\.grid|catalog|catalog\\.sync"
                                + "|tracking|verify|mqtt|web|images|keypoints|text"))
                        .toList());
    }

    private void check(String name, ConfigCorruptions corruptions, long seed) throws IOException {
        Path original = dir.resolve("original-" + name);
        Files.writeString(original, corruptions.original());
        LogowatchConfig.load(original, envOf(name));

        Random random = new Random(seed);
        Map<ConfigCorruptions.Category, Integer> seen = new EnumMap<>(ConfigCorruptions.Category.class);
        long started = System.nanoTime();
        for (int i = 0; i < CASES_PER_FILE; i++) {
            ConfigCorruptions.Corruption c = corruptions.next(random);
            seen.merge(c.category(), 1, Integer::sum);
            Path file = dir.resolve("case-" + i + "-" + name);
            Files.writeString(file, c.yaml());
            String where = name + " case " + i + " (seed " + seed + ") " + c;
            try {
                LogowatchConfig.load(file, c.env());
                fail("accepted: " + where + "; changed lines: " + changed(corruptions.original(), c.yaml()));
            } catch (ConfigException e) {
                String prefix = c.key() + ":";
                assertThat(e.problems()).as(where).anySatisfy(p -> {
                    assertThat(p).startsWith(prefix);
                    if (c.category() == ConfigCorruptions.Category.FROM_ENVIRONMENT) {
                        assertThat(p).contains("environment variable LOGOWATCH_");
                    } else {
                        assertThat(p).contains(file.toString());
                    }
                });
                assertThat(e.getMessage()).as(where).doesNotContain("Exception").doesNotContain("\tat ");
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "%s: %d corruptions refused in %.2f s: %s%n", name, CASES_PER_FILE,
                seconds, seen);
        assertThat(seen.keySet()).as("categories exercised in %s", name).containsAll(Set.of(ConfigCorruptions.Category.values()));
        assertThat(seconds).as("%d cases stay fast", CASES_PER_FILE).isLessThan(30);
    }

    private static java.util.List<String> changed(String before, String after) {
        java.util.List<String> old = java.util.List.of(before.split("\n"));
        return java.util.Arrays.stream(after.split("\n")).filter(l -> !old.contains(l)).toList();
    }

    private Map<String, String> envOf(String name) {
        return name.equals("logowatch.yaml") ? templateEnv : Map.of();
    }
}
