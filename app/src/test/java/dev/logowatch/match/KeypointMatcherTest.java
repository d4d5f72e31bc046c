package dev.logowatch.match;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.ImagesConfig;
import dev.logowatch.config.KeypointsConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.testing.PrintedMarks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

class KeypointMatcherTest {
    private static final KeypointsConfig ON = KeypointsConfig.DISABLED.enabled(true);

    @TempDir
    Path dir;

    private Catalog catalog(String... brands) throws IOException {
        Catalog.Builder builder = Catalog.builder(CatalogConfig.Aggregation.MEAN).version("v1");
        for (int i = 0; i < brands.length; i++) {
            Path file = dir.resolve(brands[i] + ".png");
            ImageIO.write(PrintedMarks.mark(i + 1, brands[i].toUpperCase()), "png", file.toFile());
            builder.brand(Brand.of(brands[i]), new float[] {1, i}).referenceFiles(brands[i], file);
        }
        return builder.build();
    }

    @Test
    void findsAReferenceTurnedAndScaledInAScene() throws IOException {
        Catalog catalog = catalog("acme", "globex");
        BufferedImage frame = PrintedMarks.scene(7);
        Box truth = PrintedMarks.place(frame, PrintedMarks.mark(1, "ACME"), 420, 180, 0.7, 15);

        List<KeypointMatcher.Sighting> seen = new KeypointMatcher(ON, ImagesConfig.DEFAULT).find(frame, catalog);

        assertThat(seen).isNotEmpty();
        assertThat(seen.getFirst().brand()).isEqualTo("acme");
        assertThat(seen.getFirst().inliers()).isGreaterThanOrEqualTo(ON.minInliers());
        assertThat(seen.getFirst().box().iou(truth)).as("outline %s vs %s", seen.getFirst().box(), truth)
                .isGreaterThan(0.8);
        assertThat(seen).extracting(KeypointMatcher.Sighting::brand).doesNotContain("globex");
    }

    @Test
    void seesNothingWhereNoReferenceIs() throws IOException {
        Catalog catalog = catalog("acme", "globex");
        BufferedImage frame = PrintedMarks.scene(8);
        PrintedMarks.place(frame, PrintedMarks.mark(99, "INITECH"), 300, 200, 0.8, -10);

        assertThat(new KeypointMatcher(ON, ImagesConfig.DEFAULT).find(frame, catalog)).isEmpty();
    }

    @Test
    void aCatalogWithoutReferenceFilesFindsNothing() {
        Catalog vectorsOnly = Catalog.builder(CatalogConfig.Aggregation.MEAN).brand(Brand.of("acme"), new float[] {1, 0}).build();
        BufferedImage frame = PrintedMarks.scene(9);
        PrintedMarks.place(frame, PrintedMarks.mark(1, "ACME"), 300, 200, 0.8, 0);

        assertThat(new KeypointMatcher(ON, ImagesConfig.DEFAULT).find(frame, vectorsOnly)).isEmpty();
    }

    @Test
    void anOutlineThatFoldsOverIsNotAView() {
        assertThat(KeypointMatcher.convex(new double[][] {{0, 0}, {10, 0}, {10, 10}, {0, 10}})).isTrue();
        assertThat(KeypointMatcher.convex(new double[][] {{0, 0}, {10, 10}, {10, 0}, {0, 10}})).isFalse();
    }
}
