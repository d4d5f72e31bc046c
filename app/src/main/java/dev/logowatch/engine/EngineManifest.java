package dev.logowatch.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The manifest {@code tensorrt-engines/build_engines.sh} writes beside every engine it builds,
 * {@code <model dir>/engines/<engine file>.json}. A TensorRT engine only loads with the TensorRT
 * version and the GPU it was built with, and only answers like the ONNX model it was built
 * from, so the service picks an engine by these three facts and explains, per engine found,
 * why none fits.
 *
 * <pre>{@code
 * {"schema": 1, "engine": "model.3f2a9c1b7d10.trt10.3.0.sm87.fp16.engine", "engine_sha256": "…",
 *  "model_file": "model.onnx", "model_sha256": "…", "tensorrt": "10.3.0", "compute_capability": "8.7",
 *  "gpu": "Orin", "precision": "fp16",
 *  "shapes": {"input": {"min": [1, 3, 224, 224], "opt": [8, 3, 224, 224], "max": [32, 3, 224, 224]}},
 *  "built": "2026-03-01T10:00:00Z", "command": "trtexec --onnx=… --fp16 …"}
 * }</pre>
 *
 * @param file              the manifest itself
 * @param engine            the engine file, in the manifest's folder
 * @param engineSha256      digest of the engine file, checked before loading
 * @param modelSha256       digest of the ONNX file the engine was built from, as in model.json
 * @param tensorRt          TensorRT version that built it, "10.3.0"
 * @param computeCapability GPU compute capability it was built for, "8.7"
 * @param precision         fp32, fp16 or int8
 * @param built             when it was built
 */
record EngineManifest(Path file, Path engine, String engineSha256, String modelSha256, String tensorRt,
                      String computeCapability, String precision, Instant built) {

    /** Where engines of a model live, relative to its folder. */
    static final String FOLDER = "engines";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+|cpu-test");
    private static final Pattern CAPABILITY = Pattern.compile("\\d+\\.\\d+|cpu");

    static EngineManifest read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new ModelException(file + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelException("cannot read engine manifest " + file + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": expected a JSON object");
        }
        if (root.path("schema").asInt(0) != 1) {
            problems.add("schema: expected 1, got " + root.get("schema"));
        }
        String engine = text(root, "engine", null, problems);
        String engineSha = text(root, "engine_sha256", SHA256, problems);
        String modelSha = text(root, "model_sha256", SHA256, problems);
        String version = text(root, "tensorrt", VERSION, problems);
        String capability = text(root, "compute_capability", CAPABILITY, problems);
        String precision = text(root, "precision", Pattern.compile("fp32|fp16|int8"), problems);
        String built = text(root, "built", null, problems);
        Instant when = null;
        if (built != null) {
            try {
                when = Instant.parse(built);
            } catch (DateTimeParseException e) {
                problems.add("built: expected an ISO-8601 UTC time like 2026-03-01T10:00:00Z, got \"" + built + "\"");
            }
        }
        Path enginePath = null;
        if (engine != null) {
            enginePath = file.getParent().resolve(engine).normalize();
            if (Path.of(engine).isAbsolute() || !file.getParent().equals(enginePath.getParent())) {
                problems.add("engine: must be a file name in " + file.getParent() + ", got \"" + engine + "\"");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelException("invalid engine manifest " + file + ":\n  " + String.join("\n  ", problems));
        }
        return new EngineManifest(file, enginePath, engineSha, modelSha, version, capability, precision, when);
    }

    private static String text(JsonNode root, String key, Pattern format, List<String> problems) {
        JsonNode node = root.get(key);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            problems.add(key + ": missing or not a string");
            return null;
        }
        String value = node.asText();
        if (format != null && !format.matcher(value).matches()) {
            problems.add(key + ": unexpected value \"" + value + "\"");
            return null;
        }
        return value;
    }

    /**
     * The engine in {@code <model dir>/engines/} built from this model for this TensorRT and
     * GPU. With several (say fp16 and int8), the most recently built one wins.
     *
     * @throws ModelException naming every engine found, why it does not fit, and the command
     *                        that builds one that does
     */
    static EngineManifest select(ModelManifest model, NativeEngine.Platform platform) {
        Path folder = model.dir().resolve(FOLDER);
        List<EngineManifest> fitting = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.json")) {
                for (Path file : files) {
                    EngineManifest candidate;
                    try {
                        candidate = read(file);
                    } catch (ModelException e) {
                        rejected.add(e.getMessage());
                        continue;
                    }
                    String reason = candidate.mismatch(model, platform);
                    if (reason == null) {
                        fitting.add(candidate);
                    } else {
                        rejected.add(file.getFileName() + ": " + reason);
                    }
                }
            } catch (IOException e) {
                throw new ModelException("cannot list engines in " + folder + ": " + e.getMessage(), e);
            }
        }
        if (fitting.isEmpty()) {
            String found = rejected.isEmpty()
                    ? "there are no engine manifests in " + folder
                    : "none of the engines in " + folder + " fits:\n  " + String.join("\n  ", rejected);
            throw new ModelException("no TensorRT engine for model " + model.name() + " (" + model.manifestFile()
                    + ") that TensorRT " + platform.runtimeVersion() + " can run on this " + platform.deviceName()
                    + " (compute capability " + platform.computeCapability() + "): " + found + "\n"
                    + rebuildAdvice(model));
        }
        fitting.sort(Comparator.comparing(EngineManifest::built).reversed());
        return fitting.getFirst();
    }

    /** Why this engine cannot serve the model on this platform, or null when it can. */
    String mismatch(ModelManifest model, NativeEngine.Platform platform) {
        if (!modelSha256.equals(model.sha256())) {
            return "built from a different model file (sha256 " + abbreviate(modelSha256) + ", model.json says "
                    + abbreviate(model.sha256()) + ")";
        }
        if (!tensorRt.equals(platform.runtimeVersion())) {
            return "built with TensorRT " + tensorRt + ", this device has TensorRT " + platform.runtimeVersion();
        }
        if (!computeCapability.equals(platform.computeCapability())) {
            return "built for compute capability " + computeCapability + ", this GPU (" + platform.deviceName()
                    + ") is " + platform.computeCapability();
        }
        if (!Files.isRegularFile(engine)) {
            return "its engine file " + engine + " is missing";
        }
        return null;
    }

    /**
     * Hashes the engine file and compares it with the manifest, so a partly copied engine is
     * reported as such instead of as a deserialisation error.
     */
    void verifyEngineFile(ModelManifest model) {
        String actual = ModelManifest.sha256Of(engine, "engine file");
        if (!actual.equals(engineSha256)) {
            throw new ModelException("engine file " + engine + " does not match " + file + ": sha256 expected "
                    + engineSha256 + ", actual " + actual + " (damaged or replaced)\n" + rebuildAdvice(model));
        }
    }

    static String rebuildAdvice(ModelManifest model) {
        return "Build an engine on this device (takes minutes), from a logowatch checkout:\n"
                + "  tensorrt-engines/build_engines.sh " + model.dir() + "\n"
                + "or set models.engine: onnx to run the model on the CPU.";
    }

    private static String abbreviate(String sha) {
        return sha.substring(0, Math.min(12, sha.length())).toLowerCase(Locale.ROOT) + "…";
    }
}
