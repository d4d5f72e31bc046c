package dev.logowatch.pipeline;

import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.engine.TestModels;
import dev.logowatch.testing.OddImages;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** What the status page says of a catalog that loaded with some brands left out. */
@Tag("integration")
class CatalogStatusTest {
    @TempDir
    Path dir;

    @Test
    void theBoardNamesEachBrandLeftWithoutAUsableReference() throws Exception {
        Path catalog = dir.resolve("catalog");
        OddImages.readable().getFirst().write(catalog.resolve("acme"));
        OddImages.broken().stream().filter(o -> o.name().equals("truncated.jpg")).findFirst().orElseThrow()
                .write(catalog.resolve("bolt"));
        OddImages.broken().stream().filter(o -> o.name().equals("error-page.jpg")).findFirst().orElseThrow()
                .write(catalog.resolve("coda"));
        Path file = dir.resolve("logowatch.yaml");
        Files.writeString(file, """
                device: {id: status-test, state-dir: state}
                models: {embedder: %s}
                catalog: {dir: catalog}
                mqtt: {broker: embedded}
                """.formatted(TestModels.model("embedder")));
        LogowatchConfig config = LogowatchConfig.load(file, Map.of());
        StatusBoard board = StatusBoard.create("status-test", "test");
        AtomicReference<Catalog> loaded = new AtomicReference<>();

        try (Models models = Models.load(config, board.meters(), board)) {
            models.loadCatalog(config, loaded, board);
        }

        assertThat(loaded.get().brands()).extracting(b -> b.id()).containsExactly("acme");
        StatusBoard.CatalogStatus status = board.catalog();
        assertThat(status.state()).isEqualTo("loaded");
        assertThat(status.brands()).isEqualTo(1);
        assertThat(status.error()).get().asString()
                .contains("2 brand(s) excluded, no usable reference image: bolt, coda")
                .contains("logowatch catalog inspect");
    }
}
