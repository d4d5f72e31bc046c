package dev.logowatch.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.pipeline.Models;
import dev.logowatch.pipeline.Recognizer;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

/**
 * The committed models still give the accuracy recorded in their {@code expected-eval.json}:
 * the embedder alone over grid windows ({@code models/logo-embedder}), and the detector with
 * the embedder as the demo runs them ({@code models/logo-detector}). A small fixed dev set
 * (held-out brands on held-out backgrounds, made by {@code training/embedder/devset.py}) is
 * generated, or reused from {@code app/target/} when its labels are the recorded ones, and
 * evaluated in-process with the service's own pipeline, as {@code logowatch eval} does.
 */
@Tag("integration")
class CommittedModelsTest {
    private static final Path REPO = Path.of(System.getProperty("logowatch.repo", "..")).toAbsolutePath().normalize();
    private static final Path EMBEDDER = REPO.resolve("models/logo-embedder");
    private static final Path DETECTOR = REPO.resolve("models/logo-detector");
    private static final Path TEXT_READER = REPO.resolve("models/text-reader");
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path OPENCV_DOC = Path.of("/usr/share/doc/opencv-doc/examples/data");
    private static final String SETUP = "Run training/setup.sh (Debian packages and simple-icons), then this test again";

    @ParameterizedTest
    @ValueSource(strings = {"logo-embedder", "logo-detector"})
    void committedModelMatchesItsManifestAndRecordedDigest(String model) throws Exception {
        Path dir = REPO.resolve("models").resolve(model);
        ModelManifest manifest = ModelManifest.read(dir);
        JsonNode expected = expected(dir);
        String actual = sha256(manifest.modelFile());
        assertThat(actual).as("sha256 of %s against %s", manifest.modelFile(), manifest.manifestFile())
                .isEqualTo(manifest.sha256());
        assertThat(expected.get("model_sha256").asText())
                .as("%s was recorded for the committed model file; re-record it after replacing the model",
                        dir.resolve("expected-eval.json"))
                .isEqualTo(manifest.sha256());
        if (expected.has("embedder_sha256")) {
            assertThat(expected.get("embedder_sha256").asText())
                    .as("%s was recorded with the committed embedder; re-record it after replacing either model",
                            dir.resolve("expected-eval.json"))
                    .isEqualTo(ModelManifest.read(EMBEDDER).sha256());
        }
    }

    @Test
    void demoConfigurationRunsTheRecordedDefaults() throws Exception {
        LogowatchConfig demo = LogowatchConfig.load(REPO.resolve("config/demo.yaml"), Map.of());
        JsonNode c = expected(DETECTOR).get("config");
        assertThat(demo.models().detector()).contains(DETECTOR);
        assertThat(demo.models().embedder()).contains(EMBEDDER);
        assertThat(demo.proposer().kind()).isEqualTo(ProposerConfig.Kind.DETECTOR);
        assertThat(demo.proposer().minScore()).isEqualTo(c.at("/proposer/min-score").asDouble());
        assertThat(demo.proposer().cropPadding()).isEqualTo(c.at("/proposer/crop-padding").asDouble());
        assertThat(demo.proposer().tiles()).isEqualTo(c.at("/proposer/tiles").asInt(1));
        assertThat(demo.proposer().zoomOut()).isEqualTo(c.at("/proposer/zoom-out").asDouble(1));
        assertThat(demo.keypoints().enabled()).isEqualTo(c.at("/keypoints/enabled").asBoolean(false));
        assertThat(demo.keypoints().vetoBelow()).isEqualTo(c.at("/keypoints/veto-below").asDouble(0));
        assertThat(demo.text().enabled()).isEqualTo(c.at("/text/enabled").asBoolean(false));
        if (demo.text().enabled()) {
            assertThat(demo.models().textReader()).contains(TEXT_READER);
        }
        assertThat(demo.catalog().aggregation().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .isEqualTo(c.get("aggregation").asText());
        assertThat(demo.catalog().threshold()).isEqualTo(c.get("threshold").asDouble());
        assertThat(demo.catalog().margin()).isEqualTo(c.get("margin").asDouble());
    }

    @Test
    void committedEmbedderGivesUnitVectors(@TempDir Path state) throws Exception {
        ModelManifest manifest = ModelManifest.read(EMBEDDER);
        try (Models models = Models.load(config(expected(EMBEDDER), state),
                StatusBoard.create("committed", "test").meters(), null)) {
            var embedder = models.embedder().orElseThrow();
            assertThat(embedder.modelSha256()).isEqualTo(manifest.sha256());
            float[] v = embedder.embed(new BufferedImage(96, 64, BufferedImage.TYPE_3BYTE_BGR));
            assertThat(v).hasSize(manifest.output().dim().orElseThrow());
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            assertThat(Math.sqrt(norm)).as("the embedder's vectors are unit length").isCloseTo(1.0, within(1e-3));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"logo-embedder", "logo-detector"})
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void committedModelsReachTheirRecordedAccuracyOnTheFixedDevSubset(String model, @TempDir Path state)
            throws Exception {
        Path dir = REPO.resolve("models").resolve(model);
        JsonNode expected = expected(dir);
        Path data = devSubset(expected.get("dataset"));
        LogowatchConfig config = config(expected, state);
        Dataset dataset = Dataset.read(data);
        Evaluation evaluation = new Evaluation(config.catalog().margin());
        try (Models models = Models.load(config, StatusBoard.create("committed", "test").meters(), null)) {
            CatalogLoader.Result catalog = models.catalogLoader(config).load(dataset.catalog());
            assertThat(catalog.report().excludedBrands()).as("catalog %s: %s", dataset.catalog(),
                    catalog.report().summary()).isEmpty();
            Recognizer recognizer = models.recognizer(new AtomicReference<Catalog>(catalog.catalog()), config)
                    .orElseThrow();
            long sequence = 0;
            for (Dataset.Item item : dataset.items()) {
                evaluation.add(item, recognizer.recognize(Images.frame(item.image(), config.images(), "eval", sequence++)));
            }
        }
        assertThat(evaluation.images()).isEqualTo(expected.at("/dataset/images").asInt());
        double tolerance = expected.get("tolerance").asDouble();
        List<String> off = new ArrayList<>();
        compare("image", evaluation.image(), expected.at("/expected/image"), tolerance, off);
        compare("box", evaluation.box(), expected.at("/expected/box"), tolerance, off);
        if (!off.isEmpty()) {
            fail("models/" + model + " on " + data + " (" + dir.resolve("expected-eval.json") + ", tolerance ±"
                    + tolerance + "):\n  "
                    + String.join("\n  ", off));
        }
    }

    private static void compare(String level, Counts actual, JsonNode expected, double tolerance, List<String> off) {
        Map<String, Double> measured = Map.of("precision", actual.precision(), "recall", actual.recall(),
                "f1", actual.f1());
        for (String figure : List.of("precision", "recall", "f1")) {
            double want = expected.get(figure).asDouble();
            double got = measured.get(figure);
            if (Math.abs(got - want) > tolerance + 1e-9) {
                off.add(String.format(Locale.ROOT, "%s %s %.3f, recorded %.3f (TP %d FP %d FN %d)", level, figure,
                        got, want, actual.tp(), actual.fp(), actual.fn()));
            }
        }
    }

    private static JsonNode expected(Path modelDir) throws IOException {
        Path file = modelDir.resolve("expected-eval.json");
        assertThat(file).as("recorded figures of the committed model").isRegularFile();
        return new ObjectMapper().readTree(file.toFile());
    }

    /** The service configuration the figures were recorded with: the models, the proposer, matching. */
    private static LogowatchConfig config(JsonNode expected, Path state) throws IOException {
        JsonNode c = expected.get("config");
        String proposer;
        String models;
        if (c.at("/proposer/kind").asText().equals("detector")) {
            proposer = String.format(Locale.ROOT,
                    "{kind: detector, min-score: %s, crop-padding: %s, tiles: %d, zoom-out: %s}",
                    c.at("/proposer/min-score").asText(), c.at("/proposer/crop-padding").asText(),
                    c.at("/proposer/tiles").asInt(1), c.at("/proposer/zoom-out").asDouble(1));
            models = "{embedder: " + EMBEDDER + ", detector: " + DETECTOR
                    + (c.at("/text/enabled").asBoolean(false) ? ", text-reader: " + TEXT_READER : "") + "}";
        } else {
            JsonNode grid = c.at("/proposer/grid");
            proposer = String.format(Locale.ROOT, "{kind: grid, max-proposals: %d, grid: {sizes: %s, stride: %s}}",
                    c.at("/proposer/max-proposals").asInt(), grid.get("sizes"), grid.get("stride").asText());
            models = "{embedder: " + EMBEDDER + "}";
        }
        String yaml = String.format(Locale.ROOT, """
                device: {id: committed-eval, state-dir: %s}
                models: %s
                mqtt: {broker: embedded, embedded-port: 0}
                catalog: {aggregation: %s, threshold: %s, margin: %s}
                proposer: %s
                keypoints: {enabled: %s, veto-below: %s}
                text: {enabled: %s}
                """, state, models, c.get("aggregation").asText(), c.get("threshold").asText(),
                c.get("margin").asText(), proposer, c.at("/keypoints/enabled").asBoolean(false),
                c.at("/keypoints/veto-below").asText("0"), c.at("/text/enabled").asBoolean(false));
        Path file = state.resolve("committed-eval.yaml");
        Files.writeString(file, yaml);
        return LogowatchConfig.load(file, Map.of());
    }

    /**
     * The fixed dev subset under {@code app/target/}: reused when its labels are byte for byte
     * the recorded ones, otherwise generated; generation is deterministic, so fresh labels that
     * differ mean the generator or its inputs changed, not the model.
     */
    private static Path devSubset(JsonNode dataset) throws Exception {
        List<String> args = new ArrayList<>();
        dataset.get("args").forEach(a -> args.add(a.asText()));
        String labelsSha = dataset.get("labels_sha256").asText();
        Path out = REPO.resolve("app/target/committed-eval")
                .resolve(("devset" + String.join("", args)).replaceAll("[^A-Za-z0-9]+", "-"));
        Path labels = out.resolve("labels.jsonl");
        if (Files.isRegularFile(labels) && sha256(labels).equals(labelsSha)) {
            return out;
        }
        checkInputs();
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(),
                REPO.resolve(dataset.get("script").asText()).toString(), "--out", out.toString()));
        command.addAll(args);
        Files.createDirectories(out.getParent());
        Path log = Files.createTempFile("logowatch-devset", ".log");
        Process process = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            process.getOutputStream().close();
            boolean finished = process.waitFor(180, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8).strip();
            assertThat(finished).as("%s finished within 180 s", String.join(" ", command)).isTrue();
            assertThat(process.exitValue()).as("%s failed. %s:%n%s", String.join(" ", command), SETUP, output)
                    .isZero();
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
        assertThat(sha256(labels)).as("labels of the regenerated dev subset %s: generation is deterministic, so "
                + "the generator or its inputs (simple-icons, opencv-doc, Debian packages) changed; record the "
                + "figures again (docs/accuracy.md)", labels).isEqualTo(labelsSha);
        return out;
    }

    /** The generator's inputs, with what to do when they are missing: these tests must not pass by skipping. */
    private static void checkInputs() {
        String icons = System.getenv("LOGOWATCH_SIMPLE_ICONS");
        Path iconsDir = (icons != null && !icons.isBlank() ? Path.of(icons)
                : Path.of(System.getProperty("user.home"), ".cache/logowatch/simple-icons")).resolve("current");
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(PYTHON)) {
            missing.add(PYTHON + " (Debian python3 with numpy and Pillow)");
        }
        if (!Files.isRegularFile(iconsDir.resolve("data/simple-icons.json"))) {
            missing.add("simple-icons in " + iconsDir);
        }
        if (!Files.isDirectory(OPENCV_DOC)) {
            missing.add("opencv-doc footage in " + OPENCV_DOC);
        }
        if (!missing.isEmpty()) {
            fail("the dev subset cannot be generated, missing: " + String.join("; ", missing) + ". " + SETUP);
        }
    }

    private static String sha256(Path file) {
        return ModelManifest.sha256Of(file, "file");
    }
}
