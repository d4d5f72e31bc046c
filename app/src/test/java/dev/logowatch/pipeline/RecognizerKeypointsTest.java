package dev.logowatch.pipeline;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.ImagesConfig;
import dev.logowatch.config.KeypointsConfig;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.detect.Proposal;
import dev.logowatch.detect.Proposer;
import dev.logowatch.embed.Embedder;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.TestModels;
import dev.logowatch.match.KeypointMatcher;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.testing.PrintedMarks;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/** Keypoint sightings in the frame path: they add what the embedding missed and overrule what they contradict. */
class RecognizerKeypointsTest {
    private static final CatalogConfig CATALOG = new CatalogConfig(Optional.empty(), CatalogConfig.Aggregation.MEAN,
            0.75, 0.05, Optional.empty());
    private static final VerifyConfig NO_VERIFY = new VerifyConfig(false, Optional.empty(), "", Optional.empty(), 0.6,
            0.8, 0.7, Duration.ofSeconds(20), 2, 30);

    private static OnnxEngine engine;
    private static Embedder embedder;
    private static DeviceMeters meters;

    @TempDir
    Path dir;

    @BeforeAll
    static void models() {
        engine = OnnxEngine.open(TestModels.model("embedder"), 1, 8);
        meters = StatusBoard.create("test", "0").meters();
        embedder = new Embedder(engine, meters);
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private Path reference(String name, BufferedImage mark) throws IOException {
        Path file = dir.resolve(name + ".png");
        ImageIO.write(mark, "png", file.toFile());
        return file;
    }

    private static Proposer fixed(Box box) {
        return frame -> List.of(new Proposal(box, 0.9, "test"));
    }

    private Recognizer recognizer(Proposer proposer, Catalog catalog, KeypointsConfig keypoints) {
        return new Recognizer(proposer, embedder, new Matcher(() -> catalog, CATALOG, NO_VERIFY), meters, 0,
                Optional.of(new KeypointMatcher(keypoints, ImagesConfig.DEFAULT)));
    }

    @Test
    void aLogoTheEmbeddingMissedIsAcceptedByItsKeypoints() throws IOException {
        BufferedImage image = PrintedMarks.scene(3);
        Box truth = PrintedMarks.place(image, PrintedMarks.mark(1, "ACME"), 500, 150, 0.8, 10);
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        // Prototypes far from anything the test embedder makes of this scene: no similarity passes.
        Catalog catalog = Catalog.builder(CatalogConfig.Aggregation.MEAN).version("v1")
                .brand(Brand.of("acme"), new float[] {1, -1, 1, -1, 1, -1, 1, -1})
                .referenceFiles("acme", reference("acme", PrintedMarks.mark(1, "ACME")))
                .build();
        Box elsewhere = new Box(0, 0, 200, 200);

        List<Match> without = new Recognizer(fixed(elsewhere), embedder,
                new Matcher(() -> catalog, CATALOG, NO_VERIFY), meters, 0).recognize(frame);
        List<Match> with = recognizer(fixed(elsewhere), catalog, KeypointsConfig.DISABLED.enabled(true)).recognize(frame);

        assertThat(without).noneMatch(Match::accepted);
        assertThat(with).filteredOn(Match::accepted).singleElement().satisfies(m -> {
            assertThat(m.brand()).isEqualTo("acme");
            assertThat(m.keypointInliers()).isGreaterThanOrEqualTo(12);
            assertThat(m.box().iou(truth)).isGreaterThan(0.8);
        });
    }

    @Test
    void anotherBrandsKeypointsInThePlaceOfASimilarityOverruleIt() throws IOException {
        BufferedImage image = PrintedMarks.scene(4);
        Box truth = PrintedMarks.place(image, PrintedMarks.mark(1, "ACME"), 300, 200, 0.9, 0);
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        // globex's prototype is the embedding of the very box the proposer gives: similarity 1.
        float[] there = embedder.embed(frame, List.of(truth)).getFirst();
        Catalog catalog = Catalog.builder(CatalogConfig.Aggregation.MEAN).version("v1")
                .brand(Brand.of("acme"), new float[] {1, -1, 1, -1, 1, -1, 1, -1})
                .referenceFiles("acme", reference("acme", PrintedMarks.mark(1, "ACME")))
                .brand(Brand.of("globex"), there)
                .referenceFiles("globex", reference("globex", PrintedMarks.mark(2, "GLOBEX")))
                .build();

        List<Match> matches = recognizer(fixed(truth), catalog, KeypointsConfig.DISABLED.enabled(true)).recognize(frame);

        assertThat(matches).filteredOn(m -> m.brand().equals("globex")).singleElement()
                .satisfies(m -> {
                    assertThat(m.similarity()).isGreaterThan(0.99);
                    assertThat(m.decision()).isEqualTo(Match.Decision.KEYPOINTS_DISAGREE);
                });
        assertThat(matches).filteredOn(Match::accepted).extracting(Match::brand).containsExactly("acme");
    }

    @Test
    void belowTheVetoASimilarityWithoutKeypointsIsDropped() throws IOException {
        BufferedImage image = PrintedMarks.scene(5);
        Box somewhere = new Box(100, 100, 300, 300);
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        float[] there = embedder.embed(frame, List.of(somewhere)).getFirst();
        Catalog catalog = Catalog.builder(CatalogConfig.Aggregation.MEAN).version("v1")
                .brand(Brand.of("acme"), there)
                .referenceFiles("acme", reference("acme", PrintedMarks.mark(1, "ACME")))
                .build();
        KeypointsConfig on = KeypointsConfig.DISABLED.enabled(true);
        KeypointsConfig veto = new KeypointsConfig(true, 1, on.minInliers(), on.ratio(), on.maxSide(),
                on.referenceSide(), on.maxFeatures(), 1.0);

        assertThat(recognizer(fixed(somewhere), catalog, on).recognize(frame))
                .as("without a veto the similarity stands").singleElement().satisfies(m -> assertThat(m.accepted()).isTrue());
        assertThat(recognizer(fixed(somewhere), catalog, veto).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.decision()).isEqualTo(Match.Decision.KEYPOINTS_DISAGREE));
    }

    @Test
    void framesBetweenSearchesKeepTheirSimilarities() throws IOException {
        BufferedImage image = PrintedMarks.scene(6);
        PrintedMarks.place(image, PrintedMarks.mark(1, "ACME"), 400, 200, 0.8, 5);
        Catalog catalog = Catalog.builder(CatalogConfig.Aggregation.MEAN).version("v1")
                .brand(Brand.of("acme"), new float[] {1, -1, 1, -1, 1, -1, 1, -1})
                .referenceFiles("acme", reference("acme", PrintedMarks.mark(1, "ACME")))
                .build();
        KeypointsConfig on = KeypointsConfig.DISABLED.enabled(true);
        KeypointsConfig everyThird = new KeypointsConfig(true, 3, on.minInliers(), on.ratio(), on.maxSide(),
                on.referenceSide(), on.maxFeatures(), 0);
        Recognizer recognizer = recognizer(fixed(new Box(0, 0, 100, 100)), catalog, everyThird);

        assertThat(recognizer.recognize(new Frame("cam", Instant.EPOCH, 3, image))).anyMatch(Match::accepted);
        assertThat(recognizer.recognize(new Frame("cam", Instant.EPOCH, 4, image))).noneMatch(Match::accepted);
    }
}
