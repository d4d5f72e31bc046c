package dev.logowatch.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code logowatch bench --batches}: the configured models timed alone, batch size by batch size. */
class BenchBatchesTest {
    private static final Path REPO = Path.of(System.getProperty("logowatch.repo", "..")).toAbsolutePath().normalize();
    private static final Pattern ROW = Pattern.compile("(\\S+)\\s+(\\d+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)");

    @TempDir
    Path root;

    @Test
    void timesTheDemoModelsAtEveryBatchSizeUpToTheirMaximum() {
        CommandRun r = CommandRun.of("bench", "--batches", "--runs", "2", "--config", REPO.resolve("config/demo.yaml").toString());

        assertThat(r.code()).as("exit; stderr:\n%s", r.err()).isZero();
        for (String model : List.of("logo-detector-v3", "logo-embedder-v1")) {
            List<String> rows = r.out().lines().filter(l -> l.startsWith(model + " ")).toList();
            assertThat(rows).as("rows of %s in\n%s", model, r.out()).hasSize(6);
            int expectedBatch = 1;
            for (String row : rows) {
                Matcher m = ROW.matcher(row);
                assertThat(m.matches()).as(row).isTrue();
                int batch = Integer.parseInt(m.group(2));
                double perRun = Double.parseDouble(m.group(3));
                double perItem = Double.parseDouble(m.group(4));
                assertThat(batch).isEqualTo(expectedBatch);
                assertThat(perRun).as(row).isPositive();
                assertThat(perItem).as(row).isCloseTo(perRun / batch, within(0.01 + perRun / batch * 0.01));
                assertThat(Double.parseDouble(m.group(5))).as("per item, one at a time: %s", row).isPositive();
                expectedBatch *= 2;
            }
        }
    }

    @Test
    void aConfigurationWithoutModelsIsAUsageError() throws Exception {
        // Valid without models only when it has no streams either (a device waiting to be set up).
        Path config = root.resolve("none.yaml");
        Files.writeString(config, String.format(Locale.ROOT, """
                device:
                  id: bench-test
                  state-dir: %s
                mqtt:
                  broker: embedded
                """, root.resolve("state")));

        CommandRun r = CommandRun.of("bench", "--batches", "--config", config.toString());

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("names no models to time").contains(config.toString());
    }
}
