package dev.logowatch.catalog;

import dev.logowatch.config.CatalogConfig.Aggregation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PrototypesTest {
    private static final float[] X = {1, 0, 0};
    private static final float[] Y = {0, 1, 0};

    private static float[] unit(float... v) {
        return Prototypes.normalized(v);
    }

    @Test
    void meanIsTheRenormalisedAverage() {
        Catalog c = Catalog.builder(Aggregation.MEAN).brand(Brand.of("a"), X, X, Y).build();

        float[][] rows = c.prototypes("a");

        assertThat(rows).hasNumberOfRows(1);
        assertThat(rows[0]).containsExactly(unit(2, 1, 0), within(1e-6f));
    }

    @Test
    void trimmedMeanDropsTheOneReferenceUnlikeTheOthers() {
        float[][] refs = {unit(1, 0.1f, 0), unit(1, 0, 0.1f), unit(1, -0.1f, 0), unit(1, 0, -0.1f), unit(0, 1, 0)};

        Prototypes.Result trimmed = Prototypes.aggregate(Aggregation.TRIMMED_MEAN, refs);
        Prototypes.Result mean = Prototypes.aggregate(Aggregation.MEAN, refs);

        assertThat(trimmed.kept()).containsExactly(true, true, true, true, false);
        assertThat(trimmed.rows()[0]).containsExactly(new float[] {1, 0, 0}, within(1e-6f));
        assertThat(mean.rows()[0][1]).as("the outlier tilts the plain mean").isGreaterThan(0.2f);
    }

    @Test
    void trimmedMeanKeepsVariantsOfACleanBrand() {
        // Colour and monochrome versions of one logo: spread out, but none far from the rest.
        float[][] refs = {unit(1, 0.3f, 0), unit(1, -0.3f, 0), unit(1, 0, 0.3f), unit(1, 0, -0.3f), unit(1, 0.2f, 0.2f)};

        Prototypes.Result trimmed = Prototypes.aggregate(Aggregation.TRIMMED_MEAN, refs);

        assertThat(trimmed.kept()).containsOnly(true);
        assertThat(trimmed.rows()[0]).containsExactly(Prototypes.aggregate(Aggregation.MEAN, refs).rows()[0]);
    }

    @Test
    void trimmedMeanNeedsEnoughReferencesToCallOneAnOutlier() {
        float[][] refs = {unit(1, 0, 0), unit(1, 0.1f, 0), unit(0, 0, 1)};

        assertThat(Prototypes.aggregate(Aggregation.TRIMMED_MEAN, refs).kept()).containsOnly(true);
    }

    @Test
    void maxKeepsEveryReferenceAndScoresTheBestOne() {
        Catalog max = Catalog.builder(Aggregation.MAX).brand(Brand.of("a"), X, Y).build();
        Catalog mean = Catalog.builder(Aggregation.MEAN).brand(Brand.of("a"), X, Y).build();
        float[] scores = new float[1];

        assertThat(max.prototypes("a")).hasNumberOfRows(2);
        max.score(new float[] {0, 2, 0}, scores);
        assertThat(scores[0]).isCloseTo(1f, within(1e-6f));
        mean.score(new float[] {0, 2, 0}, scores);
        assertThat(scores[0]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
    }

    @Test
    void builderRefusesVectorsThatCannotBePrototypes() {
        assertThatThrownBy(() -> Catalog.builder(Aggregation.MEAN).brand(Brand.of("a"), new float[] {0, 0, 0}))
                .hasMessageContaining("reference 0 of brand 'a' is zero");
        assertThatThrownBy(() -> Catalog.builder(Aggregation.MEAN).brand(Brand.of("a"), X)
                .brand(Brand.of("b"), new float[] {1, 0}))
                .hasMessageContaining("has 2 dimensions, expected 3");
        assertThatThrownBy(() -> Brand.of("no spaces")).hasMessageContaining("brand id 'no spaces'");
    }
}
