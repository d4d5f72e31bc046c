package dev.logowatch.eval;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetTest {
    @TempDir
    Path dir;

    @BeforeEach
    void layout() throws IOException {
        Files.createDirectories(dir.resolve("catalog/nike"));
        Files.createDirectories(dir.resolve("images"));
        Files.write(dir.resolve("images/a.jpg"), new byte[] {1});
        Files.write(dir.resolve("images/b.jpg"), new byte[] {1});
    }

    private void labels(String... lines) throws IOException {
        Files.writeString(dir.resolve("labels.jsonl"), String.join("\n", lines) + "\n");
    }

    @Test
    void readsLabelsWithBoxesAndDefaults() throws IOException {
        labels("{\"image\": \"images/a.jpg\", \"brands\": [\"nike\"], \"boxes\": [{\"brand\": \"nike\", \"box\": [1, 2, 30, 40]}]}",
                "",
                "{\"image\": \"images/b.jpg\", \"brands\": [], \"exhaustive\": false}");
        Dataset data = Dataset.read(dir);
        assertThat(data.items()).hasSize(2);
        Dataset.Item a = data.items().get(0);
        assertThat(a.brands()).containsExactly("nike");
        assertThat(a.exhaustive()).isTrue();
        assertThat(a.hasBoxes()).isTrue();
        assertThat(a.boxes().get(0).box().width()).isEqualTo(29);
        assertThat(data.items().get(1).exhaustive()).isFalse();
        assertThat(data.items().get(1).hasBoxes()).isFalse();
    }

    @Test
    void reportsEveryMalformedLineWithFileLineAndReason() throws IOException {
        labels("{\"image\": \"images/a.jpg\", \"brands\": [\"nike\"]}",
                "not json",
                "{\"image\": \"images/missing.jpg\", \"brands\": []}",
                "{\"image\": \"images/a.jpg\", \"brands\": \"nike\"}",
                "{\"image\": \"images/b.jpg\", \"brands\": [\"nike\"], \"boxes\": [{\"brand\": \"nike\", \"box\": [30, 2, 1, 40]}]}",
                "{\"image\": \"../outside.jpg\", \"brands\": []}",
                "{\"image\": \"images/b.jpg\", \"brands\": [], \"colour\": \"red\"}",
                "{\"image\": \"images/b.jpg\", \"brands\": [\"adidas\"], \"boxes\": [{\"brand\": \"nike\", \"box\": [1, 2, 3, 4]}]}",
                "[1, 2]");
        Path file = dir.resolve("labels.jsonl");
        assertThatThrownBy(() -> Dataset.read(dir))
                .isInstanceOfSatisfying(Dataset.DatasetException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":2: not valid JSON"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":3: image file not found"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":4: 'brands' must be a list"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":5: box [30,2,1,40] is empty"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":6: image '../outside.jpg' points outside"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":7: unknown field 'colour'"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":8: box of brand 'nike' which is not in 'brands'"))
                        .anySatisfy(p -> assertThat(p).startsWith(file + ":9: expected a JSON object"))
                        .noneSatisfy(p -> assertThat(p).contains(":1:")));
    }

    @Test
    void aMissingLabelsFileOrCatalogIsNamed() throws IOException {
        Files.delete(dir.resolve("catalog/nike"));
        Files.delete(dir.resolve("catalog"));
        assertThatThrownBy(() -> Dataset.read(dir))
                .hasMessageContaining("catalog folder not found")
                .hasMessageContaining("labels.jsonl: labels file not found");
    }
}
