package dev.logowatch.match;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.CatalogConfig.Aggregation;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.engine.Box;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MatcherTest {
    private static final Box BOX = new Box(10, 10, 50, 30);
    private static final float[] X = {1, 0, 0, 0};
    private static final float[] Y = {0, 1, 0, 0};
    private static final float[] Z = {0, 0, 1, 0};
    private static final VerifyConfig NO_VERIFY = verify(false);

    private static CatalogConfig config(double threshold, double margin) {
        return new CatalogConfig(Optional.empty(), Aggregation.MEAN, threshold, margin, Optional.empty());
    }

    private static VerifyConfig verify(boolean enabled) {
        return new VerifyConfig(enabled, Optional.empty(), "", Optional.empty(), 0.6, 0.8, 0.7,
                Duration.ofSeconds(20), 2, 30);
    }

    private static Catalog xyz(Brand x) {
        return Catalog.builder(Aggregation.MEAN).version("t")
                .brand(x, X).brand(Brand.of("y"), Y).brand(Brand.of("z"), Z).build();
    }

    /** A unit query whose cosine to X is {@code cx} and to Y is {@code cy}; the rest points at no brand. */
    private static float[] query(double cx, double cy) {
        return new float[] {(float) cx, (float) cy, 0, (float) Math.sqrt(Math.max(0, 1 - cx * cx - cy * cy))};
    }

    private static Match one(Matcher matcher, float[] q) {
        return matcher.match(BOX, 0.9, q).orElseThrow();
    }

    @Test
    void acceptsTheBestBrandAboveThresholdAndReportsTheRunnerUp() {
        Matcher matcher = new Matcher(() -> xyz(Brand.of("x")), config(0.75, 0.05), NO_VERIFY);

        Match m = one(matcher, query(0.9, 0.4));

        assertThat(m.decision()).isEqualTo(Match.Decision.ACCEPTED);
        assertThat(m.brand()).isEqualTo("x");
        assertThat(m.similarity()).isCloseTo(0.9, within(1e-6));
        assertThat(m.runnerUp()).contains("y");
        assertThat(m.runnerUpSimilarity()).isCloseTo(0.4, within(1e-6));
        assertThat(m.margin()).isCloseTo(0.5, within(1e-6));
        assertThat(m.box()).isEqualTo(BOX);
        assertThat(m.proposalScore()).isEqualTo(0.9);
        assertThat(m.threshold()).isEqualTo(0.75);
    }

    @Test
    void rejectedQueriesStillCarryTheirBestAndRunnerUp() {
        Matcher matcher = new Matcher(() -> xyz(Brand.of("x")), config(0.75, 0.05), NO_VERIFY);

        Match m = one(matcher, query(0.7, 0.1));

        assertThat(m.decision()).isEqualTo(Match.Decision.BELOW_THRESHOLD);
        assertThat(m.trackable()).isFalse();
        assertThat(m.brand()).isEqualTo("x");
        assertThat(m.similarity()).isCloseTo(0.7, within(1e-6));
        assertThat(m.runnerUp()).contains("y");
        assertThat(m.runnerUpSimilarity()).isCloseTo(0.1, within(1e-6));
    }

    @Test
    void aSecondBrandAboutAsSimilarMakesItAmbiguous() {
        Matcher matcher = new Matcher(() -> xyz(Brand.of("x")), config(0.6, 0.05), NO_VERIFY);

        Match close = one(matcher, query(0.68, 0.66));
        Match clear = one(matcher, query(0.68, 0.62));

        assertThat(close.decision()).isEqualTo(Match.Decision.AMBIGUOUS);
        assertThat(close.margin()).isCloseTo(0.02, within(1e-6));
        assertThat(clear.decision()).isEqualTo(Match.Decision.ACCEPTED);
    }

    @Test
    void brandOverridesReplaceTheCatalogThresholdAndMargin() {
        CatalogConfig defaults = config(0.75, 0.05);
        Matcher strict = new Matcher(() -> xyz(Brand.of("x").withThreshold(0.95)), defaults, NO_VERIFY);
        Matcher lenient = new Matcher(() -> xyz(Brand.of("x").withThreshold(0.5)), defaults, NO_VERIFY);
        Matcher wideMargin = new Matcher(() -> xyz(Brand.of("x").withMargin(0.6)), defaults, NO_VERIFY);

        assertThat(one(strict, query(0.9, 0.1)).decision()).isEqualTo(Match.Decision.BELOW_THRESHOLD);
        assertThat(one(strict, query(0.9, 0.1)).threshold()).isEqualTo(0.95);
        assertThat(one(lenient, query(0.6, 0.1)).decision()).isEqualTo(Match.Decision.ACCEPTED);
        assertThat(one(wideMargin, query(0.9, 0.4)).decision()).isEqualTo(Match.Decision.AMBIGUOUS);
        assertThat(one(wideMargin, query(0.9, 0.2)).decision()).isEqualTo(Match.Decision.ACCEPTED);
    }

    @Test
    void maxAggregationTakesTheBestReferenceAndTheMarginComparesBrands() {
        float[] nearX = {1, 0.05f, 0, 0};
        Catalog max = Catalog.builder(Aggregation.MAX).brand(Brand.of("a"), X, nearX, Z).brand(Brand.of("b"), Y).build();
        Catalog mean = Catalog.builder(Aggregation.MEAN).brand(Brand.of("a"), X, nearX, Z).brand(Brand.of("b"), Y).build();
        CatalogConfig cfg = config(0.75, 0.05);

        Match byMax = one(new Matcher(() -> max, cfg, NO_VERIFY), Z);
        Match byMean = one(new Matcher(() -> mean, cfg, NO_VERIFY), Z);

        // Two near-identical references of "a" do not count as a close runner-up.
        assertThat(byMax.decision()).isEqualTo(Match.Decision.ACCEPTED);
        assertThat(byMax.similarity()).isCloseTo(1.0, within(1e-6));
        assertThat(byMax.runnerUp()).contains("b");
        assertThat(byMean.decision()).isEqualTo(Match.Decision.BELOW_THRESHOLD);
        assertThat(byMean.similarity()).isLessThan(0.6);
    }

    @Test
    void borderlineSimilaritiesAreTrackedOnlyWhileVerificationIsOnAndTheBrandAllowsIt() {
        CatalogConfig cfg = config(0.75, 0.05);
        float[] q = query(0.65, 0.1);

        assertThat(one(new Matcher(() -> xyz(Brand.of("x")), cfg, verify(true)), q).decision())
                .isEqualTo(Match.Decision.BORDERLINE);
        assertThat(one(new Matcher(() -> xyz(Brand.of("x")), cfg, verify(true)), q).trackable()).isTrue();
        assertThat(one(new Matcher(() -> xyz(Brand.of("x").withVerify(VerifyPolicy.NEVER)), cfg, verify(true)), q)
                .decision()).isEqualTo(Match.Decision.BELOW_THRESHOLD);
        assertThat(one(new Matcher(() -> xyz(Brand.of("x")), cfg, verify(false)), q).decision())
                .isEqualTo(Match.Decision.BELOW_THRESHOLD);
        assertThat(one(new Matcher(() -> xyz(Brand.of("x")), cfg, verify(true)), query(0.55, 0.1)).decision())
                .as("below verify-low").isEqualTo(Match.Decision.BELOW_THRESHOLD);
    }

    @Test
    void batchKeepsOrderAndASwappedCatalogAppliesFromTheNextBatch() {
        AtomicReference<Catalog> current = new AtomicReference<>(xyz(Brand.of("x")));
        Matcher matcher = new Matcher(current::get, config(0.75, 0.05), NO_VERIFY);
        Box second = new Box(100, 100, 120, 110);

        List<Match> before = matcher.match(List.of(BOX, second), new double[] {0.9, 0.5}, new float[][] {X, Y});
        current.set(Catalog.builder(Aggregation.MEAN).version("t2").brand(Brand.of("w"), Y).build());
        List<Match> after = matcher.match(List.of(BOX), new double[] {0.9}, new float[][] {Y});

        assertThat(before).extracting(Match::brand).containsExactly("x", "y");
        assertThat(before).extracting(Match::box).containsExactly(BOX, second);
        assertThat(before.get(1).proposalScore()).isEqualTo(0.5);
        assertThat(after).singleElement().satisfies(m -> {
            assertThat(m.brand()).isEqualTo("w");
            assertThat(m.runnerUp()).isEmpty();
            assertThat(m.decision()).isEqualTo(Match.Decision.ACCEPTED);
        });
    }

    @Test
    void emptyCatalogMatchesNothing() {
        Matcher matcher = new Matcher(Catalog::empty, config(0.75, 0.05), NO_VERIFY);

        assertThat(matcher.match(List.of(BOX), new double[] {0.9}, new float[][] {X})).isEmpty();
    }
}
