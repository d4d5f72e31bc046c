package dev.logowatch.pipeline;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.TextConfig;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.detect.Proposal;
import dev.logowatch.detect.Proposer;
import dev.logowatch.embed.Embedder;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.Tensor;
import dev.logowatch.engine.TestModels;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.match.TextReader;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/** Text read in proposals confirms, renames or rejects what the embedding says. */
class RecognizerTextTest {
    private static final CatalogConfig CATALOG = new CatalogConfig(Optional.empty(), CatalogConfig.Aggregation.MEAN,
            0.75, 0.05, Optional.empty());
    private static final VerifyConfig NO_VERIFY = new VerifyConfig(false, Optional.empty(), "", Optional.empty(), 0.6,
            0.8, 0.7, Duration.ofSeconds(20), 2, 30);
    private static final TextConfig ON = TextConfig.DISABLED.enabled(true);
    private static final Path READER = Path.of(System.getProperty("logowatch.repo", "..")).toAbsolutePath()
            .normalize().resolve("models/text-reader");

    private static OnnxEngine embedEngine;
    private static OnnxEngine readEngine;
    private static Embedder embedder;
    private static TextReader reader;
    private static DeviceMeters meters;

    @BeforeAll
    static void models() {
        embedEngine = OnnxEngine.open(TestModels.model("embedder"), 1, 8);
        readEngine = OnnxEngine.open(READER, 2, 8);
        meters = StatusBoard.create("test", "0").meters();
        embedder = new Embedder(embedEngine, meters);
        reader = new TextReader(readEngine);
    }

    @AfterAll
    static void close() {
        if (embedEngine != null) {
            embedEngine.close();
        }
        if (readEngine != null) {
            readEngine.close();
        }
    }

    /** A frame with {@code word} on a light board; the board's box. */
    private static Box board(BufferedImage image, String word) {
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(60, 100, 60));
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 44));
        int width = g.getFontMetrics().stringWidth(word);
        g.setColor(new Color(245, 245, 240));
        g.fillRect(100, 150, width + 40, 70);
        g.setColor(new Color(150, 20, 20));
        g.drawString(word, 120, 202);
        g.dispose();
        return new Box(108, 155, 132 + width, 215);
    }

    /** A frame with an orange disc and no lettering; the disc's box. */
    private static Box symbol(BufferedImage image) {
        board(image, "");
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(230, 120, 20));
        g.fillOval(300, 120, 160, 160);
        g.dispose();
        return new Box(290, 110, 470, 290);
    }

    /** A unit vector at cosine {@code cos} from {@code v}. */
    private static float[] at(float[] v, double cos) {
        float[] u = new float[v.length];
        u[0] = 1;
        double dot = 0;
        for (int i = 0; i < v.length; i++) {
            dot += u[i] * v[i];
        }
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            u[i] -= (float) (dot * v[i]);
            norm += u[i] * u[i];
        }
        double sin = Math.sqrt(1 - cos * cos);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (cos * v[i] + sin * u[i] / Math.sqrt(norm));
        }
        return out;
    }

    private static Recognizer recognizer(Box box, Catalog catalog, Optional<TextConfig> text) {
        return recognizer(box, catalog, text, 0);
    }

    private static Recognizer recognizer(Box box, Catalog catalog, Optional<TextConfig> text, double cropPadding) {
        Proposer proposer = frame -> List.of(new Proposal(box, 0.9, "test"));
        return new Recognizer(proposer, embedder, new Matcher(() -> catalog, CATALOG, NO_VERIFY), meters, cropPadding,
                Optional.empty(), text.map(c -> new Recognizer.TextReading(reader, c)));
    }

    private static Catalog.Builder catalog() {
        return Catalog.builder(CatalogConfig.Aggregation.MEAN).version("v1");
    }

    private static float[] embedding(Frame frame, Box box) {
        return embedder.embed(frame, List.of(box)).getFirst();
    }

    @Test
    void aBrandsNameReadInARegionAcceptsASimilarityBelowTheThreshold() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "ROLEX");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Catalog catalog = catalog().brand(Brand.of("rolex"), at(embedding(frame, box), 0.65)).build();

        Match without = recognizer(box, catalog, Optional.empty()).recognize(frame).getFirst();
        Match with = recognizer(box, catalog, Optional.of(ON)).recognize(frame).getFirst();

        assertThat(without.decision()).isEqualTo(Match.Decision.BELOW_THRESHOLD);
        assertThat(with.decision()).isEqualTo(Match.Decision.ACCEPTED);
        assertThat(with.brand()).isEqualTo("rolex");
        assertThat(with.text()).isEqualToIgnoringCase("ROLEX");
        assertThat(meters.stageTotals().get(DeviceMeters.Stage.TEXT).count()).isPositive();
    }

    @Test
    void anotherBrandsNameReadRenamesTheMatch() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "CASIO");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        float[] there = embedding(frame, box);
        Catalog catalog = catalog()
                .brand(Brand.of("rolex"), there)
                .brand(new Brand("casio", "Casio", OptionalDouble.empty(), OptionalDouble.empty(),
                        VerifyPolicy.BORDERLINE), at(there, 0.7))
                .build();

        List<Match> matches = recognizer(box, catalog, Optional.of(ON)).recognize(frame);

        assertThat(matches).singleElement().satisfies(m -> {
            assertThat(m.brand()).isEqualTo("casio");
            assertThat(m.accepted()).isTrue();
            assertThat(m.similarity()).isBetween(0.69, 0.71);
        });
    }

    @Test
    void confidentTextThatSpellsNoBrandRejectsAMatchOnlyWithTheVeto() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "HOTEL PARKING");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Catalog catalog = catalog().brand(Brand.of("rolex"), embedding(frame, box)).build();
        TextConfig noVeto = new TextConfig(true, ON.readAbove(), ON.maxReads(), ON.minConfidence(), ON.minAgreement(),
                ON.acceptAbove(), ON.wholeName(), false, ON.requireNameBelow(), ON.reuseFrames());

        assertThat(recognizer(box, catalog, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.decision()).isEqualTo(Match.Decision.TEXT_DISAGREES));
        assertThat(recognizer(box, catalog, Optional.of(noVeto)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).isTrue());
    }

    @Test
    void theWholeNameReadNamesTheBrandWhateverItsLook() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "ROLEX");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        // Read (from read-above) though far below accept-above.
        Catalog catalog = catalog().brand(Brand.of("rolex"), at(embedding(frame, box), 0.4)).build();

        assertThat(recognizer(box, catalog, Optional.of(ON)).recognize(frame)).singleElement().satisfies(m -> {
            assertThat(m.brand()).isEqualTo("rolex");
            assertThat(m.similarity()).isLessThan(ON.acceptAbove() - 0.1);
            assertThat(m.accepted()).isTrue();
        });
    }

    @Test
    void partOfANameReadNeedsALookAlikeToo() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "BOSS");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Brand hugoBoss = new Brand("hugo-boss", "Hugo Boss", OptionalDouble.empty(), OptionalDouble.empty(),
                VerifyPolicy.BORDERLINE);
        Catalog unlike = catalog().brand(hugoBoss, at(embedding(frame, box), 0.4)).build();
        Catalog alike = catalog().brand(hugoBoss, at(embedding(frame, box), 0.65)).build();

        assertThat(recognizer(box, unlike, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).isFalse());
        assertThat(recognizer(box, alike, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).isTrue());
    }

    @Test
    void aWordmarkIsReadInItsOwnBoxNotAmongTheLetteringAroundIt() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "ROLEX");
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 40));
        g.setColor(new Color(245, 245, 240));
        g.drawString("HOTEL", 120, 140);
        g.drawString("PARKING", 100 + (int) box.width() + 50, 202);
        g.dispose();
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Catalog catalog = catalog().brand(Brand.of("rolex"), at(embedding(frame, box), 0.65)).build();

        // The embedder sees the box and half its size again on each side, neighbours included.
        assertThat(recognizer(box, catalog, Optional.of(ON), 0.5).recognize(frame)).singleElement().satisfies(m -> {
            assertThat(m.text()).isEqualToIgnoringCase("ROLEX");
            assertThat(m.accepted()).isTrue();
        });
    }

    @Test
    void partOfItsOwnBrandsNameReadIsNoVeto() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "LEX");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Catalog own = catalog().brand(Brand.of("rolex"), embedding(frame, box)).build();
        Catalog other = catalog().brand(Brand.of("casio"), embedding(frame, box)).build();

        assertThat(recognizer(box, own, Optional.of(ON)).recognize(frame)).singleElement().satisfies(m -> {
            assertThat(m.text()).isEqualToIgnoringCase("LEX");
            assertThat(m.accepted()).isTrue();
        });
        assertThat(recognizer(box, other, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.decision()).isEqualTo(Match.Decision.TEXT_DISAGREES));
    }

    @Test
    void aMarkWithoutLettersKeepsItsSimilarity() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = symbol(image);
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Catalog catalog = catalog().brand(Brand.of("rolex"), embedding(frame, box)).build();

        assertThat(recognizer(box, catalog, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).isTrue());
    }

    /** A reference image of {@code word} on a board, as a catalog holds it. */
    private static Path reference(Path dir, String word) throws java.io.IOException {
        BufferedImage written = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box lettering = board(written, word);
        Path file = dir.resolve(word.toLowerCase(java.util.Locale.ROOT) + ".png");
        ImageIO.write(written.getSubimage((int) lettering.x1() - 8, (int) lettering.y1() - 5,
                (int) lettering.width() + 16, (int) lettering.height() + 10), "png", file.toFile());
        return file;
    }

    @Test
    void aCatalogPreparedBeforeItIsInForceIsNotReadAgainOnAFrame(@TempDir Path dir) throws Exception {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "ROLEX");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Catalog catalog = catalog().brand(Brand.of("rolex"), at(embedding(frame, box), 0.8))
                .referenceFiles("rolex", reference(dir, "ROLEX")).build();
        AtomicInteger crops = new AtomicInteger();
        Proposer proposer = f -> List.of(new Proposal(box, 0.9, "test"));
        Recognizer recognizer = new Recognizer(proposer, embedder, new Matcher(() -> catalog, CATALOG, NO_VERIFY),
                meters, 0, Optional.empty(), Optional.of(new Recognizer.TextReading(
                new TextReader(new CountingEngine(readEngine, crops)), ON)));

        recognizer.prepare(catalog);
        assertThat(crops).as("the catalog's one reference read").hasValue(1);
        recognizer.prepare(catalog);
        assertThat(recognizer.recognize(frame)).singleElement().satisfies(m -> assertThat(m.accepted()).isTrue());
        assertThat(crops).as("then only the frame's region").hasValue(2);
    }

    @Test
    void aWrittenMarkWhereNothingLegibleIsReadIsRejected(@TempDir Path dir) throws Exception {
        Path wordmark = reference(dir, "ROLEX");
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = symbol(image);
        Path symbol = dir.resolve("disc.png");
        ImageIO.write(image.getSubimage((int) box.x1(), (int) box.y1(), (int) box.width(), (int) box.height()), "png",
                symbol.toFile());
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        // Accepted (threshold 0.75), but not so similar that no reading is needed (0.9).
        float[] there = at(embedding(frame, box), 0.8);
        Catalog writtenRolex = catalog().brand(Brand.of("rolex"), there).referenceFiles("rolex", wordmark).build();
        Catalog symbolRolex = catalog().brand(Brand.of("rolex"), there).referenceFiles("rolex", symbol).build();
        TextConfig notRequired = new TextConfig(true, ON.readAbove(), ON.maxReads(), ON.minConfidence(),
                ON.minAgreement(), ON.acceptAbove(), ON.wholeName(), ON.veto(), 0, ON.reuseFrames());

        assertThat(recognizer(box, writtenRolex, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.decision()).isEqualTo(Match.Decision.TEXT_DISAGREES));
        assertThat(recognizer(box, symbolRolex, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).as("its reference holds no lettering").isTrue());
        assertThat(recognizer(box, writtenRolex, Optional.of(notRequired)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).isTrue());
    }

    @Test
    void brandJsonSpellingsReplaceTheDisplayName() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "BOSS");
        Frame frame = new Frame("cam", Instant.EPOCH, 0, image);
        Brand declared = new Brand("hugo-boss", "Hugo", OptionalDouble.empty(), OptionalDouble.empty(),
                VerifyPolicy.BORDERLINE, List.of("BOSS"));
        Catalog catalog = catalog().brand(declared, at(embedding(frame, box), 0.65)).build();

        assertThat(recognizer(box, catalog, Optional.of(ON)).recognize(frame)).singleElement()
                .satisfies(m -> assertThat(m.accepted()).isTrue());
    }

    /** The real reader, counting the crops it is given. */
    private record CountingEngine(InferenceEngine engine, AtomicInteger crops) implements InferenceEngine {
        @Override
        public ModelManifest manifest() {
            return engine.manifest();
        }

        @Override
        public int maxBatch() {
            return engine.maxBatch();
        }

        @Override
        public boolean accepts(int height, int width) {
            return engine.accepts(height, width);
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
            inputs.values().forEach(t -> crops.addAndGet(t.dim(0)));
            return engine.run(inputs);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aBoardStillInPlaceIsReadOncePerReuseFramesPerStream() {
        BufferedImage image = new BufferedImage(800, 450, BufferedImage.TYPE_3BYTE_BGR);
        Box box = board(image, "ROLEX");
        Catalog catalog = catalog().brand(Brand.of("rolex"),
                at(embedding(new Frame("cam", Instant.EPOCH, 0, image), box), 0.65)).build();
        AtomicInteger crops = new AtomicInteger();
        Proposer proposer = frame -> List.of(new Proposal(box, 0.9, "test"));
        Recognizer recognizer = new Recognizer(proposer, embedder, new Matcher(() -> catalog, CATALOG, NO_VERIFY),
                meters, 0, Optional.empty(), Optional.of(new Recognizer.TextReading(
                new TextReader(new CountingEngine(readEngine, crops)), ON)));

        for (int sequence = 0; sequence <= ON.reuseFrames(); sequence++) {
            assertThat(recognizer.recognize(new Frame("cam", Instant.EPOCH, sequence, image))).singleElement()
                    .satisfies(m -> {
                        assertThat(m.accepted()).isTrue();
                        assertThat(m.text()).isEqualToIgnoringCase("ROLEX");
                    });
        }
        assertThat(crops).hasValue(1);

        recognizer.recognize(new Frame("cam", Instant.EPOCH, ON.reuseFrames() + 1, image));
        recognizer.recognize(new Frame("east", Instant.EPOCH, 1, image));
        assertThat(crops).as("read again once stale, and in another stream").hasValue(3);
    }
}
