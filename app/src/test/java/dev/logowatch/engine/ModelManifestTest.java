package dev.logowatch.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MODEL_BYTES = "not really onnx, only hashed here".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static ObjectNode valid() {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", "logo-embedder-v1").put("task", "embed").put("file", "model.onnx")
                .put("sha256", sha256(MODEL_BYTES));
        ObjectNode input = root.putObject("input");
        input.put("name", "input").put("layout", "NCHW").put("color", "RGB").put("scale", 0.00392157)
                .put("resize", "letterbox");
        input.putArray("size").add(224).add(320);
        input.putArray("mean").add(0.485).add(0.456).add(0.406);
        input.putArray("std").add(0.229).add(0.224).add(0.225);
        input.putArray("pad").add(114).add(114).add(114);
        ObjectNode output = root.putObject("output");
        output.put("kind", "embedding").put("dim", 256);
        output.putArray("names").add("embedding");
        root.put("license", "Apache-2.0").put("trained_from", "simple-icons marks");
        return root;
    }

    private Path write(ObjectNode manifest) throws IOException {
        Files.write(dir.resolve("model.onnx"), MODEL_BYTES);
        Files.writeString(dir.resolve("model.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
        return dir;
    }

    @Test
    void readsEveryFieldWithSizeAsHeightThenWidth() throws IOException {
        ModelManifest m = ModelManifest.read(write(valid()));

        assertThat(m.name()).isEqualTo("logo-embedder-v1");
        assertThat(m.task()).isEqualTo(ModelManifest.Task.EMBED);
        assertThat(m.modelFile()).isEqualTo(dir.toAbsolutePath().normalize().resolve("model.onnx"));
        assertThat(m.sha256()).isEqualTo(sha256(MODEL_BYTES));
        assertThat(m.input().height()).isEqualTo(224);
        assertThat(m.input().width()).isEqualTo(320);
        assertThat(m.input().color()).isEqualTo(ModelManifest.Color.RGB);
        assertThat(m.input().mean()).containsExactly(0.485, 0.456, 0.406);
        assertThat(m.input().std()).containsExactly(0.229, 0.224, 0.225);
        assertThat(m.input().pad()).containsExactly(114, 114, 114);
        assertThat(m.input().resize()).isEqualTo(ModelManifest.Resize.LETTERBOX);
        assertThat(m.output().kind()).isEqualTo(ModelManifest.OutputKind.EMBEDDING);
        assertThat(m.output().names()).containsExactly("embedding");
        assertThat(m.output().dim()).hasValue(256);
        assertThat(m.license()).isEqualTo("Apache-2.0");
        assertThat(m.trainedFrom()).hasValue("simple-icons marks");
    }

    @Test
    void acceptsTheDesignSketchSpellingsAndClipPreprocessing() throws IOException {
        ObjectNode root = valid();
        ObjectNode input = (ObjectNode) root.get("input");
        input.put("resize", "shortest-side-crop").put("color", "BGR").remove("pad");
        input.putObject("size").put("width", 300).put("height", 200);
        ObjectNode output = (ObjectNode) root.get("output");
        output.remove("names");
        output.put("name", "image_embeds");
        root.remove("trained_from");
        root.put("model_card", "MODEL_CARD.md");

        ModelManifest m = ModelManifest.read(write(root));

        assertThat(m.input().resize()).isEqualTo(ModelManifest.Resize.SHORTEST_SIDE_CROP);
        assertThat(m.input().color()).isEqualTo(ModelManifest.Color.BGR);
        assertThat(m.input().width()).isEqualTo(300);
        assertThat(m.input().height()).isEqualTo(200);
        assertThat(m.output().names()).containsExactly("image_embeds");
        assertThat(m.trainedFrom()).isEmpty();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                bad("missing name", r -> r.remove("name"), "name: missing"),
                bad("unknown task", r -> r.put("task", "classify"), "task: \"classify\" is not one of detect, embed"),
                bad("short sha256", r -> r.put("sha256", "abc123"), "sha256: expected 64 hex digits"),
                bad("model file absent", r -> r.put("file", "gone.onnx"), "file: no such file"),
                bad("model file outside the folder", r -> r.put("file", "../model.onnx"), "file: must be a path inside"),
                bad("size with three values", r -> input(r).putArray("size").add(3).add(224).add(224),
                        "input.size: expected [height, width]"),
                bad("zero size", r -> input(r).putArray("size").add(0).add(224),
                        "input.size: height and width must be whole numbers"),
                bad("NHWC layout", r -> input(r).put("layout", "NHWC"), "input.layout: \"NHWC\" is not one of NCHW"),
                bad("two means", r -> input(r).putArray("mean").add(0.5).add(0.5),
                        "input.mean: expected 3 numbers (one per channel)"),
                bad("zero std", r -> ((ArrayNode) input(r).get("std")).set(1, 0.0),
                        "input.std: every value must be above 0"),
                bad("negative scale", r -> input(r).put("scale", -1), "input.scale: must be above 0"),
                bad("unknown resize", r -> input(r).put("resize", "crop"),
                        "input.resize: \"crop\" is not one of letterbox, stretch, shortest-side-crop"),
                bad("letterbox without pad", r -> input(r).remove("pad"), "input.pad: required for resize \"letterbox\""),
                bad("pad above 255", r -> input(r).putArray("pad").add(0).add(300).add(0),
                        "input.pad: expected 3 whole numbers 0-255"),
                bad("misspelt input key", r -> input(r).set("means", input(r).get("mean")),
                        "input.means: unknown key"),
                bad("embedding without dim", r -> ((ObjectNode) r.get("output")).remove("dim"), "output.dim: missing"),
                bad("detect task with embedding output", r -> r.put("task", "detect"),
                        "output.kind: \"embedding\" does not fit task \"detect\""),
                bad("detr with one output", r -> {
                    r.put("task", "detect");
                    ((ObjectNode) r.get("output")).put("kind", "detr").remove("dim");
                }, "output.names: a detr model has two outputs"),
                bad("no license", r -> r.remove("license"), "license: missing"),
                bad("input not an object", r -> r.put("input", "rgb"), "input: expected an object"));
    }

    private static Arguments bad(String what, Consumer<ObjectNode> mutation, String expected) {
        return Arguments.of(what, mutation, expected);
    }

    private static ObjectNode input(ObjectNode root) {
        return (ObjectNode) root.get("input");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesMalformedManifestsNamingFileAndField(String what, Consumer<ObjectNode> mutation, String expected)
            throws IOException {
        ObjectNode root = valid();
        mutation.accept(root);
        Path folder = write(root);

        assertThatThrownBy(() -> ModelManifest.read(folder))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(folder.toAbsolutePath().normalize().resolve("model.json").toString())
                .hasMessageContaining(expected);
    }

    @Test
    void aTextReaderNamesItsAlphabetWhoseLinesFitTheClasses() throws IOException {
        ObjectNode root = valid();
        root.put("task", "read");
        ObjectNode output = (ObjectNode) root.get("output");
        output.put("kind", "ctc").put("dim", 5).put("alphabet", "alphabet.txt");
        Files.writeString(dir.resolve("alphabet.txt"), "A\nB\nC");

        ModelManifest m = ModelManifest.read(write(root));
        assertThat(m.task()).isEqualTo(ModelManifest.Task.READ);
        assertThat(m.output().alphabet()).contains("alphabet.txt");

        output.put("dim", 6625);
        assertThatThrownBy(() -> ModelManifest.read(write(root)))
                .hasMessageContaining("output.alphabet: " + dir.toAbsolutePath().normalize().resolve("alphabet.txt")
                        + " has 3 lines, but dim 6625 needs 6623");
        output.put("alphabet", "../keys.txt");
        assertThatThrownBy(() -> ModelManifest.read(write(root)))
                .hasMessageContaining("output.alphabet: must be a path inside");
        output.put("alphabet", "alphabet.txt").put("dim", 5);
        root.put("task", "embed");
        assertThatThrownBy(() -> ModelManifest.read(write(root)))
                .hasMessageContaining("does not fit task \"embed\"");
    }

    @Test
    void reportsEveryProblemInOnePass() throws IOException {
        ObjectNode root = valid();
        root.remove("name");
        input(root).put("color", "RGBA");
        ((ObjectNode) root.get("output")).put("dim", -3);

        assertThatThrownBy(() -> ModelManifest.read(write(root)))
                .hasMessageContaining("name: missing")
                .hasMessageContaining("input.color: \"RGBA\" is not one of RGB, BGR")
                .hasMessageContaining("output.dim: expected a whole number above 0");
    }

    @Test
    void refusesBrokenJsonWithItsPosition() throws IOException {
        Files.writeString(dir.resolve("model.json"), "{\"name\": \"x\",\n \"task\": }");

        assertThatThrownBy(() -> ModelManifest.read(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("model.json: not valid JSON")
                .hasMessageContaining("line 2");
    }

    @Test
    void explainsAMissingManifest() {
        assertThatThrownBy(() -> ModelManifest.read(dir))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("no model manifest at " + dir.toAbsolutePath().normalize().resolve("model.json"));
    }

    @Test
    void verifiesTheModelFileAgainstItsSha256() throws IOException {
        ModelManifest manifest = ModelManifest.read(write(valid()));
        manifest.verifyFile();

        Files.write(dir.resolve("model.onnx"), "tampered".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(manifest::verifyFile)
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(manifest.modelFile().toString())
                .hasMessageContaining("expected " + sha256(MODEL_BYTES))
                .hasMessageContaining("actual " + sha256("tampered".getBytes(StandardCharsets.UTF_8)));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void upperCaseDigestsAreAccepted() throws IOException {
        ObjectNode root = valid();
        root.put("sha256", sha256(MODEL_BYTES).toUpperCase(java.util.Locale.ROOT));

        assertThat(ModelManifest.read(write(root)).sha256()).isEqualTo(sha256(MODEL_BYTES));
    }
}
