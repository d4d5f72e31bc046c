package dev.logowatch.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Validates one {@code model.json} field by field, gathering every problem so whoever wrote
 * the manifest fixes them all in one pass.
 */
final class ManifestReader {
    private static final System.Logger LOG = System.getLogger(ManifestReader.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Set<String> TOP_KEYS =
            Set.of("name", "task", "file", "sha256", "input", "output", "license", "trained_from");
    private static final Set<String> INPUT_KEYS =
            Set.of("name", "layout", "size", "color", "scale", "mean", "std", "resize", "pad");
    private static final Set<String> OUTPUT_KEYS = Set.of("kind", "names", "name", "dim", "alphabet");
    private static final int MAX_SIDE = 8192;

    private final Path file;
    private final List<String> problems = new ArrayList<>();

    ManifestReader(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    ModelManifest read() {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelException("no model manifest at " + file
                    + " (a model folder holds model.json and the model file it names)");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new ModelException(file + ": not valid JSON: " + e.getOriginalMessage() + where);
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": expected a JSON object at the top level");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP_KEYS.contains(key)) {
                LOG.log(System.Logger.Level.INFO, "{0}: ignoring unknown key \"{1}\"", file, key);
            }
        }
        String name = text(root, "", "name");
        ModelManifest.Task task = choice(root, "", "task", ModelManifest.Task.class);
        String modelFile = modelFile(root);
        String sha256 = text(root, "", "sha256");
        if (sha256 != null && !SHA256.matcher(sha256).matches()) {
            problem("sha256", "expected 64 hex digits, got \"" + sha256 + "\"");
        }
        ModelManifest.Input input = input(object(root, "", "input"));
        ModelManifest.Output output = output(object(root, "", "output"));
        String license = text(root, "", "license");
        Optional<String> trainedFrom = Optional.empty();
        if (root.has("trained_from")) {
            trainedFrom = Optional.ofNullable(text(root, "", "trained_from"));
        }
        if (task != null && output != null) {
            boolean consistent = switch (task) {
                case DETECT -> output.kind() == ModelManifest.OutputKind.DETR;
                case EMBED -> output.kind() == ModelManifest.OutputKind.EMBEDDING;
                case READ -> output.kind() == ModelManifest.OutputKind.CTC;
            };
            if (!consistent) {
                problem("output.kind", "\"" + jsonName(output.kind()) + "\" does not fit task \""
                        + jsonName(task) + "\" (detect needs detr, embed needs embedding, read needs ctc)");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelException("invalid model manifest " + file + ":\n  " + String.join("\n  ", problems));
        }
        return new ModelManifest(file.getParent(), name, task, modelFile, sha256.toLowerCase(Locale.ROOT),
                input, output, license, trainedFrom);
    }

    private String modelFile(JsonNode root) {
        String name = text(root, "", "file");
        if (name == null) {
            return null;
        }
        Path dir = file.getParent();
        Path resolved = dir.resolve(name).normalize();
        if (Path.of(name).isAbsolute() || !resolved.startsWith(dir)) {
            problem("file", "must be a path inside " + dir + ", got \"" + name + "\"");
        } else if (!Files.isRegularFile(resolved)) {
            problem("file", "no such file " + resolved);
        }
        return name;
    }

    private ModelManifest.Input input(JsonNode node) {
        if (node == null) {
            return null;
        }
        rejectUnknown(node, "input", INPUT_KEYS);
        int before = problems.size();
        String name = text(node, "input", "name");
        ModelManifest.Layout layout = choice(node, "input", "layout", ModelManifest.Layout.class);
        int[] size = size(node);
        ModelManifest.Color color = choice(node, "input", "color", ModelManifest.Color.class);
        double scale = number(node, "input", "scale");
        if (!Double.isNaN(scale) && !(scale > 0)) {
            problem("input.scale", "must be above 0, got " + scale);
        }
        double[] mean = numbers(node, "input.mean", node.get("mean"), false);
        double[] std = numbers(node, "input.std", node.get("std"), false);
        if (std != null && Arrays.stream(std).anyMatch(s -> !(s > 0))) {
            problem("input.std", "every value must be above 0, got " + Arrays.toString(std));
        }
        ModelManifest.Resize resize = choice(node, "input", "resize", ModelManifest.Resize.class);
        double[] pad = null;
        if (node.has("pad")) {
            pad = numbers(node, "input.pad", node.get("pad"), true);
        } else if (resize == ModelManifest.Resize.LETTERBOX) {
            problem("input.pad", "required for resize \"letterbox\": the padding colour, 3 whole numbers 0-255");
        }
        if (problems.size() > before) {
            return null;
        }
        List<Integer> padding = pad == null
                ? List.of(0, 0, 0)
                : Arrays.stream(pad).mapToObj(p -> (int) p).toList();
        return new ModelManifest.Input(name, layout, size[0], size[1], color, scale, boxed(mean), boxed(std),
                resize, padding);
    }

    private int[] size(JsonNode node) {
        JsonNode size = node.get("size");
        if (size == null) {
            problem("input.size", "missing: [height, width] of the input tensor");
            return null;
        }
        JsonNode height;
        JsonNode width;
        if (size.isArray() && size.size() == 2) {
            height = size.get(0);
            width = size.get(1);
        } else if (size.isObject() && size.size() == 2 && size.has("height") && size.has("width")) {
            height = size.get("height");
            width = size.get("width");
        } else {
            problem("input.size", "expected [height, width] or {\"height\": h, \"width\": w}, got " + size);
            return null;
        }
        if (!isSide(height) || !isSide(width)) {
            problem("input.size", "height and width must be whole numbers from 1 to " + MAX_SIDE + ", got " + size);
            return null;
        }
        return new int[] {height.intValue(), width.intValue()};
    }

    private static boolean isSide(JsonNode n) {
        return n.isIntegralNumber() && n.intValue() >= 1 && n.intValue() <= MAX_SIDE;
    }

    private ModelManifest.Output output(JsonNode node) {
        if (node == null) {
            return null;
        }
        rejectUnknown(node, "output", OUTPUT_KEYS);
        int before = problems.size();
        ModelManifest.OutputKind kind = choice(node, "output", "kind", ModelManifest.OutputKind.class);
        List<String> names = outputNames(node);
        OptionalInt dim = OptionalInt.empty();
        JsonNode dimNode = node.get("dim");
        if (dimNode != null) {
            if (dimNode.isIntegralNumber() && dimNode.intValue() >= 1) {
                dim = OptionalInt.of(dimNode.intValue());
            } else {
                problem("output.dim", "expected a whole number above 0, got " + dimNode);
            }
        }
        if (kind == ModelManifest.OutputKind.EMBEDDING) {
            if (dimNode == null) {
                problem("output.dim", "missing: the length of the embedding vector");
            }
            if (names != null && names.size() != 1) {
                problem("output.names", "an embedding model has one output, got " + names);
            }
        } else if (kind == ModelManifest.OutputKind.DETR) {
            if (dim.isPresent() && dim.getAsInt() < 2) {
                problem("output.dim", "a detr model has at least one class plus no-object, got " + dim.getAsInt());
            }
            if (names != null && names.size() != 2) {
                problem("output.names", "a detr model has two outputs, logits then boxes, got " + names);
            }
        }
        Optional<String> alphabet = Optional.empty();
        if (kind == ModelManifest.OutputKind.CTC) {
            if (dimNode == null) {
                problem("output.dim", "missing: classes per step (blank, the alphabet's lines, space)");
            }
            if (names != null && names.size() != 1) {
                problem("output.names", "a ctc model has one output, got " + names);
            }
            alphabet = alphabet(node, dim);
        } else if (node.has("alphabet")) {
            problem("output.alphabet", "only a ctc output has an alphabet");
        }
        return problems.size() > before ? null : new ModelManifest.Output(kind, names, dim, alphabet);
    }

    /** The alphabet file, checked to name {@code dim - 2} classes (blank and space are implied). */
    private Optional<String> alphabet(JsonNode node, OptionalInt dim) {
        String name = text(node, "output", "alphabet");
        if (name == null) {
            return Optional.empty();
        }
        Path dir = file.getParent();
        Path resolved = dir.resolve(name).normalize();
        if (Path.of(name).isAbsolute() || !resolved.startsWith(dir)) {
            problem("output.alphabet", "must be a path inside " + dir + ", got \"" + name + "\"");
            return Optional.empty();
        }
        try {
            long lines = Files.readAllLines(resolved).size();
            if (dim.isPresent() && lines + 2 != dim.getAsInt()) {
                problem("output.alphabet", resolved + " has " + lines + " lines, but dim " + dim.getAsInt()
                        + " needs " + (dim.getAsInt() - 2) + " (blank and space are not listed)");
            }
        } catch (NoSuchFileException e) {
            problem("output.alphabet", "no such file " + resolved);
        } catch (IOException e) {
            problem("output.alphabet", "cannot read " + resolved + ": " + e.getMessage());
        }
        return Optional.of(name);
    }

    private List<String> outputNames(JsonNode node) {
        JsonNode names = node.get("names");
        JsonNode single = node.get("name");
        if (names != null && single != null) {
            problem("output", "give either \"names\" or \"name\", not both");
            return null;
        }
        if (single != null) {
            String name = text(node, "output", "name");
            return name == null ? null : List.of(name);
        }
        if (names == null) {
            problem("output.names", "missing: the model's output tensor names");
            return null;
        }
        if (!names.isArray() || names.isEmpty()) {
            problem("output.names", "expected a list of output tensor names, got " + names);
            return null;
        }
        List<String> result = new ArrayList<>();
        for (JsonNode n : names) {
            if (!n.isTextual() || n.asText().isBlank()) {
                problem("output.names", "expected non-empty strings, got " + names);
                return null;
            }
            result.add(n.asText());
        }
        return result;
    }

    private JsonNode object(JsonNode parent, String path, String key) {
        JsonNode node = parent.get(key);
        if (node == null) {
            problem(join(path, key), "missing");
            return null;
        }
        if (!node.isObject()) {
            problem(join(path, key), "expected an object, got " + node);
            return null;
        }
        return node;
    }

    private String text(JsonNode parent, String path, String key) {
        JsonNode node = parent.get(key);
        if (node == null) {
            problem(join(path, key), "missing");
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problem(join(path, key), "expected a non-empty string, got " + node);
            return null;
        }
        return node.asText();
    }

    private double number(JsonNode parent, String path, String key) {
        JsonNode node = parent.get(key);
        if (node == null) {
            problem(join(path, key), "missing");
            return Double.NaN;
        }
        if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
            problem(join(path, key), "expected a number, got " + node);
            return Double.NaN;
        }
        return node.doubleValue();
    }

    /** Three numbers, one per channel; bytes are whole numbers 0–255. */
    private double[] numbers(JsonNode parent, String field, JsonNode node, boolean bytes) {
        String expected = bytes ? "3 whole numbers 0-255 (one per channel)" : "3 numbers (one per channel)";
        if (node == null) {
            problem(field, "missing: " + expected);
            return null;
        }
        if (!node.isArray() || node.size() != 3) {
            problem(field, "expected " + expected + ", got " + node);
            return null;
        }
        double[] values = new double[3];
        for (int i = 0; i < 3; i++) {
            JsonNode n = node.get(i);
            boolean ok = bytes
                    ? n.isIntegralNumber() && n.intValue() >= 0 && n.intValue() <= 255
                    : n.isNumber() && Double.isFinite(n.doubleValue());
            if (!ok) {
                problem(field, "expected " + expected + ", got " + node);
                return null;
            }
            values[i] = n.doubleValue();
        }
        return values;
    }

    private <E extends Enum<E>> E choice(JsonNode parent, String path, String key, Class<E> type) {
        String value = text(parent, path, key);
        if (value == null) {
            return null;
        }
        for (E e : type.getEnumConstants()) {
            if (jsonName(e).equalsIgnoreCase(value)) {
                return e;
            }
        }
        problem(join(path, key), "\"" + value + "\" is not one of " + Arrays.stream(type.getEnumConstants())
                .map(ManifestReader::jsonName).collect(Collectors.joining(", ")));
        return null;
    }

    private void rejectUnknown(JsonNode node, String path, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                problem(join(path, key), "unknown key (known: " + known.stream().sorted()
                        .collect(Collectors.joining(", ")) + ")");
            }
        }
    }

    /** How an enum constant is spelled in model.json: {@code shortest-side-crop}, {@code RGB}. */
    static String jsonName(Enum<?> e) {
        String name = e.name().replace('_', '-');
        return e instanceof ModelManifest.Color || e instanceof ModelManifest.Layout
                ? name : name.toLowerCase(Locale.ROOT);
    }

    private static List<Double> boxed(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private void problem(String field, String reason) {
        problems.add(field + ": " + reason);
    }
}
