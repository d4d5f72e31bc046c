package dev.logowatch.pipeline;

import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.catalog.CatalogReport;
import dev.logowatch.catalog.ReferenceEmbedder;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.config.ModelsConfig;
import dev.logowatch.config.ProposerConfig;
import dev.logowatch.detect.DetectorProposer;
import dev.logowatch.detect.GridProposer;
import dev.logowatch.detect.Proposer;
import dev.logowatch.embed.Embedder;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.match.KeypointMatcher;
import dev.logowatch.match.Matcher;
import dev.logowatch.match.TextReader;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The configured model runtimes, loaded once and shared by every stream: the embedder and,
 * for the detector proposer, the detector. Also builds the catalog's prototypes with the
 * same embedder, since prototypes from another model would not be comparable.
 */
public final class Models implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Models.class.getName());

    private final List<InferenceEngine> engines;
    private final Optional<Embedder> embedder;
    private final Optional<Proposer> proposer;
    private final DeviceMeters meters;
    private final Optional<TextReader> textReader;

    private Models(List<InferenceEngine> engines, Optional<Embedder> embedder, Optional<Proposer> proposer,
                   Optional<TextReader> textReader, DeviceMeters meters) {
        this.engines = engines;
        this.textReader = textReader;
        this.embedder = embedder;
        this.proposer = proposer;
        this.meters = meters;
    }

    /**
     * Opens the configured models (verifying each file's sha256) and reports them on the board.
     *
     * @param board where to show the models' state, or {@code null} for the offline commands
     */
    public static Models load(LogowatchConfig config, DeviceMeters meters, StatusBoard board)
            throws Appliance.StartException {
        ModelsConfig models = config.models();
        String engineName = models.engine().name().toLowerCase(Locale.ROOT);
        if (models.embedder().isEmpty()) {
            show(board, new StatusBoard.ModelStatus(engineName, Optional.empty(), Optional.empty(), "none",
                    Optional.empty()));
            return new Models(List.of(), Optional.empty(), Optional.empty(), Optional.empty(), meters);
        }
        List<InferenceEngine> engines = new ArrayList<>();
        try {
            InferenceEngine embedEngine = open(models, models.embedder().get());
            engines.add(embedEngine);
            Embedder embedder = new Embedder(embedEngine, meters);
            Proposer proposer;
            Optional<String> detectorName = Optional.empty();
            if (config.proposer().kind() == ProposerConfig.Kind.DETECTOR) {
                InferenceEngine detectEngine = open(models, models.detector().orElseThrow());
                engines.add(detectEngine);
                detectorName = Optional.of(detectEngine.manifest().name());
                proposer = new DetectorProposer(detectEngine, config.proposer(), meters);
            } else {
                proposer = new GridProposer(config.proposer(), meters);
            }
            Optional<TextReader> reader = Optional.empty();
            if (config.text().enabled()) {
                InferenceEngine readEngine = open(models, models.textReader().orElseThrow());
                engines.add(readEngine);
                reader = Optional.of(new TextReader(readEngine));
            }
            show(board, new StatusBoard.ModelStatus(engineName, detectorName,
                    Optional.of(embedder.modelName()), "loaded", Optional.empty()));
            LOG.log(System.Logger.Level.INFO, "models loaded on " + engineName + ": embedder " + embedder.modelName()
                    + " (" + embedder.dimension() + "-d), proposer " + config.proposer().kind().name().toLowerCase(Locale.ROOT)
                    + reader.map(r -> ", text reader " + r.modelName()).orElse(""));
            return new Models(engines, Optional.of(embedder), Optional.of(proposer), reader, meters);
        } catch (RuntimeException e) {
            engines.forEach(Models::closeQuietly);
            show(board, new StatusBoard.ModelStatus(engineName, Optional.empty(), Optional.empty(), "failed",
                    Optional.of(describe(e))));
            throw new Appliance.StartException("models did not load: " + describe(e), e);
        }
    }

    private static InferenceEngine open(ModelsConfig models, Path dir) {
        return InferenceEngine.open(dir, models.engine());
    }

    /** The shared frame path, matching against whatever catalog {@code catalog} holds. */
    public Optional<Recognizer> recognizer(AtomicReference<Catalog> catalog, LogowatchConfig config) {
        // Grid windows already hold their surroundings; only tight detector boxes are widened.
        double padding = config.proposer().kind() == ProposerConfig.Kind.DETECTOR ? config.proposer().cropPadding() : 0;
        Optional<KeypointMatcher> keypoints = config.keypoints().enabled()
                ? Optional.of(new KeypointMatcher(config.keypoints(), config.images())) : Optional.empty();
        Optional<Recognizer.TextReading> text = textReader.map(
                r -> new Recognizer.TextReading(r, config.text(), config.images()));
        return embedder.map(e -> new Recognizer(proposer.orElseThrow(), e,
                new Matcher(catalog::get, config.catalog(), config.verify()), meters, padding, keypoints, text));
    }

    /** What finds candidate regions in a frame: the detector or the grid, as configured. */
    public Optional<Proposer> proposer() {
        return proposer;
    }

    public Optional<Embedder> embedder() {
        return embedder;
    }

    /**
     * Loads {@code catalog.dir} into {@code catalog}, caching reference embeddings under the
     * state folder. Bad images and brands are reported, never fatal; an unreadable folder
     * leaves the catalog empty and says why on the board.
     */
    public void loadCatalog(LogowatchConfig config, AtomicReference<Catalog> catalog, StatusBoard board) {
        if (config.catalog().dir().isEmpty() || embedder.isEmpty()) {
            return;
        }
        Path dir = config.catalog().dir().get();
        try {
            CatalogLoader.Result result = catalogLoader(config).load(dir);
            catalog.set(result.catalog());
            CatalogReport report = result.report();
            show(board, new StatusBoard.CatalogStatus(result.catalog().version(), result.catalog().size(), "loaded",
                    report.excludedBrands().isEmpty() ? Optional.empty()
                            : Optional.of(excluded(report))));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "catalog " + dir + " not loaded: " + describe(e));
            show(board, new StatusBoard.CatalogStatus("none", 0, "failed", Optional.of(describe(e))));
        }
    }

    /** Names the excluded brands, so the page says which sponsors are not being watched. */
    static String excluded(CatalogReport report) {
        List<String> ids = report.excludedBrands();
        int shown = Math.min(10, ids.size());
        return ids.size() + " brand(s) excluded, no usable reference image: " + String.join(", ", ids.subList(0, shown))
                + (ids.size() > shown ? ", …" : "") + " (reasons in the log and in 'logowatch catalog inspect')";
    }

    /** A loader that embeds references with this device's embedder. */
    public CatalogLoader catalogLoader(LogowatchConfig config) {
        Embedder e = embedder.orElseThrow(() -> new IllegalStateException("no embedder configured (models.embedder)"));
        ReferenceEmbedder references = new ReferenceEmbedder() {
            @Override
            public String modelSha256() {
                return e.modelSha256();
            }

            @Override
            public float[][] embed(List<BufferedImage> images) {
                return e.embedImages(images).toArray(float[][]::new);
            }
        };
        return new CatalogLoader(references, config.catalog().aggregation(),
                Optional.of(config.device().stateDir().resolve("embedding-cache")), config.images());
    }

    private static void show(StatusBoard board, StatusBoard.ModelStatus status) {
        if (board != null) {
            board.models(status);
        }
    }

    private static void show(StatusBoard board, StatusBoard.CatalogStatus status) {
        if (board != null) {
            board.catalog(status);
        }
    }

    @Override
    public void close() {
        engines.forEach(Models::closeQuietly);
    }

    private static void closeQuietly(InferenceEngine engine) {
        try {
            engine.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing model " + engine + ": " + describe(e));
        }
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
