package dev.logowatch.engine;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A model on a TensorRT engine on the Jetson's GPU, through {@code liblogowatch_trt.so}
 * ({@code jni/}). The model folder is the same as for ONNX Runtime: {@code model.json} drives
 * preprocessing and names the ONNX file; engines built from that file on this device sit in
 * {@code <model dir>/engines/}, each with an {@link EngineManifest} saying which model, TensorRT
 * version and GPU it was built for. At start-up the engine matching all three is loaded, its
 * inputs and outputs are checked against {@code model.json}, and anything missing (library,
 * GPU, engine) stops the start with the command that fixes it.
 *
 * <p>Thread safety: runs from several threads are safe. Each run takes one of the engine's
 * execution contexts (one by default: a TensorRT context serves one run at a time, and one
 * keeps GPU memory for activations to a single set), fills that context's input buffers, runs,
 * and copies the outputs out; other threads wait for a free context. {@link #close()} waits for
 * runs in flight; later runs fail with {@link IllegalStateException}.
 */
public final class TensorRtEngine implements InferenceEngine {
    /** System property naming the library file, overriding the search. */
    public static final String LIBRARY_PROPERTY = "logowatch.trt.library";
    static final String LIBRARY_NAME = "liblogowatch_trt.so";

    private static final System.Logger LOG = System.getLogger(TensorRtEngine.class.getName());
    private static final String ONNX_HINT = "\nWhere there is no TensorRT, set models.engine: onnx to run the models "
            + "on the CPU with ONNX Runtime.";

    /** Which native backend runs the engine file. */
    enum Backend {
        TENSORRT("tensorrt"), CPU_TEST("cpu-test");

        final String nativeName;

        Backend(String nativeName) {
            this.nativeName = nativeName;
        }
    }

    private final ModelManifest manifest;
    private final EngineManifest engineManifest;
    private final NativeEngine engine;
    private final int inputIndex;
    private final int maxBatch;
    /** The engine's batch when its batch axis is static; partial batches are padded to it. */
    private final int fixedBatch;
    private final BlockingQueue<Integer> freeContexts;
    private volatile boolean closed;

    private TensorRtEngine(ModelManifest manifest, EngineManifest engineManifest, NativeEngine engine,
                           Signature signature) {
        this.manifest = manifest;
        this.engineManifest = engineManifest;
        this.engine = engine;
        this.inputIndex = signature.inputIndex;
        this.maxBatch = signature.maxBatch;
        this.fixedBatch = signature.fixedBatch;
        this.freeContexts = new ArrayBlockingQueue<>(engine.contexts());
        for (int c = 0; c < engine.contexts(); c++) {
            freeContexts.add(c);
        }
    }

    /**
     * Opens the engine for the model in {@code modelDir} on this device's GPU, with one
     * execution context.
     *
     * @throws ModelException when the bridge library, the GPU or a fitting engine is missing,
     *                        saying which command fixes it
     */
    public static TensorRtEngine open(Path modelDir) {
        return open(modelDir, Backend.TENSORRT, 1);
    }

    /**
     * Opens with a chosen backend and number of execution contexts (more contexts run
     * concurrently, at the cost of GPU memory; a dynamic-shape engine needs an optimization
     * profile per context).
     */
    static TensorRtEngine open(Path modelDir, Backend backend, int contexts) {
        // The bridge and the GPU come first: without them no model folder helps.
        loadBridge();
        if (!NativeEngine.backends().contains(backend.nativeName)) {
            throw new ModelException("models.engine is tensorrt, but " + NativeEngine.loadedLibrary()
                    + " was built without TensorRT (it has " + NativeEngine.backends() + "). Rebuild it on this device, "
                    + "where TensorRT is installed:\n  " + buildCommand() + ONNX_HINT);
        }
        NativeEngine.Platform platform;
        try {
            platform = NativeEngine.platform(backend.nativeName);
        } catch (TensorRtException e) {
            throw new ModelException("models.engine is tensorrt, but " + e.getMessage() + ONNX_HINT, e);
        }
        ModelManifest manifest = ModelManifest.read(modelDir);
        EngineManifest chosen = EngineManifest.select(manifest, platform);
        chosen.verifyEngineFile(manifest);
        NativeEngine engine;
        try {
            engine = NativeEngine.open(backend.nativeName, chosen.engine(), contexts);
        } catch (TensorRtException e) {
            throw new ModelException("cannot load engine " + chosen.engine() + " of model " + manifest.name() + ": "
                    + e.getMessage() + "\n" + EngineManifest.rebuildAdvice(manifest), e);
        }
        try {
            Signature signature = check(manifest, engine);
            engine.loadMessages().forEach(m -> LOG.log(System.Logger.Level.WARNING, "{0}: {1}", chosen.engine(), m));
            LOG.log(System.Logger.Level.INFO, "loaded model {0} ({1}) from {2}: {3}, {4}, batch up to {5}",
                    manifest.name(), ManifestReader.jsonName(manifest.task()), chosen.engine().getFileName(),
                    engine.description(), chosen.precision(), signature.maxBatch);
            return new TensorRtEngine(manifest, chosen, engine, signature);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** Loads the bridge library unless this process already has it. */
    static void loadBridge() {
        if (NativeEngine.loadedLibrary() != null) {
            return;
        }
        Path library = locateLibrary(libraryCandidates());
        try {
            NativeEngine.load(library);
        } catch (UnsatisfiedLinkError e) {
            throw new ModelException("cannot load the TensorRT bridge " + library + ": " + e.getMessage()
                    + "\nIf a TensorRT or CUDA library is named above, install the runtime (JetPack: "
                    + "sudo apt install nvidia-jetpack) or rebuild the bridge against the installed one:\n  "
                    + buildCommand() + ONNX_HINT, e);
        }
    }

    /** Where the bridge library is looked for, in order. */
    static List<Path> libraryCandidates() {
        List<Path> candidates = new ArrayList<>();
        String explicit = System.getProperty(LIBRARY_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return List.of(Path.of(explicit));
        }
        String home = System.getProperty("logowatch.home");
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, "lib", "native", LIBRARY_NAME));
            candidates.add(Path.of(home, "jni", "build", LIBRARY_NAME));
        }
        for (String dir : System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, LIBRARY_NAME));
            }
        }
        return candidates;
    }

    /** The first candidate that exists, or the error a user reads at start-up. */
    static Path locateLibrary(List<Path> candidates) {
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new ModelException("models.engine is tensorrt, but the TensorRT bridge " + LIBRARY_NAME
                + " was not found (looked at " + candidates + "). Build it on this device, from a logowatch checkout:\n  "
                + buildCommand() + "\nor re-run sudo systemd/install.sh, which builds and installs it to "
                + "/opt/logowatch/lib/native/ when TensorRT is installed; -D" + LIBRARY_PROPERTY
                + "=FILE names another location." + ONNX_HINT);
    }

    static String buildCommand() {
        return "cmake -S jni -B jni/build -DLOGOWATCH_TENSORRT=ON && cmake --build jni/build";
    }

    private record Signature(int inputIndex, int maxBatch, int fixedBatch) {
    }

    /**
     * Compares the engine's inputs and outputs with the manifest, all problems at once, and works
     * out the batch range.
     */
    private static Signature check(ModelManifest manifest, NativeEngine engine) {
        List<String> problems = problems(manifest, engine.tensors());
        if (!problems.isEmpty()) {
            throw new ModelException("engine " + engine.file() + " does not match " + manifest.manifestFile() + ":\n  "
                    + String.join("\n  ", problems) + "\n" + EngineManifest.rebuildAdvice(manifest));
        }
        int index = engine.tensorIndex(manifest.input().name());
        NativeEngine.TensorSpec input = engine.tensors().get(index);
        boolean dynamicBatch = input.shape()[0] < 0;
        int maxBatch = (int) Math.min(Integer.MAX_VALUE, input.max()[0]);
        return new Signature(index, maxBatch, dynamicBatch ? 0 : maxBatch);
    }

    /** What keeps this engine from serving this manifest; empty when nothing does. */
    static List<String> problems(ModelManifest manifest, List<NativeEngine.TensorSpec> tensors) {
        List<String> problems = new ArrayList<>();
        Map<String, NativeEngine.TensorSpec> byName = new LinkedHashMap<>();
        tensors.forEach(t -> byName.put(t.name(), t));
        for (NativeEngine.TensorSpec t : tensors) {
            if (t.type() != NativeEngine.DataType.FLOAT32) {
                problems.add((t.input() ? "input" : "output") + " \"" + t.name() + "\" is " + t.type().jsonName()
                        + "; logowatch exchanges float32 tensors (build without --inputIOFormats/--outputIOFormats)");
            }
        }
        ModelManifest.Input in = manifest.input();
        NativeEngine.TensorSpec input = byName.get(in.name());
        if (input == null || !input.input()) {
            problems.add("input.name: the engine has no input \"" + in.name() + "\" (it has " + names(tensors, true) + ")");
        } else {
            long[] s = input.shape();
            if (s.length != 4) {
                problems.add("input.layout: NCHW needs a 4-d input, the engine's \"" + in.name() + "\" is "
                        + Arrays.toString(s));
            } else {
                if (!accepts(input, 1, 3)) {
                    problems.add("input: the engine's \"" + in.name() + "\" " + range(input, 1)
                            + " channels, preprocessing makes 3");
                }
                if (!accepts(input, 2, in.height()) || !accepts(input, 3, in.width())) {
                    problems.add("input.size: [" + in.height() + ", " + in.width() + "] ([height, width]) is not "
                            + "accepted by the engine's input " + input);
                }
                if (s[0] < 0 && input.min()[0] > 1) {
                    problems.add("the engine's smallest batch is " + input.min()[0]
                            + "; build it with a minimum batch of 1 (--minShapes " + in.name() + ":1x…)");
                }
            }
        }
        Set<String> extra = new LinkedHashSet<>(names(tensors, true));
        extra.remove(in.name());
        if (!extra.isEmpty()) {
            problems.add("input.name: the engine also needs inputs " + extra + ", which nothing feeds");
        }
        ModelManifest.Output out = manifest.output();
        List<NativeEngine.TensorSpec> outputs = new ArrayList<>();
        for (String name : out.names()) {
            NativeEngine.TensorSpec t = byName.get(name);
            if (t == null || t.input()) {
                problems.add("output.names: the engine has no output \"" + name + "\" (it has " + names(tensors, false)
                        + ")");
            } else {
                outputs.add(t);
            }
        }
        if (outputs.size() == out.names().size()) {
            if (out.kind() == ModelManifest.OutputKind.EMBEDDING) {
                long[] max = outputs.getFirst().max();
                long perItem = 1;
                for (int i = 1; i < max.length; i++) {
                    perItem *= max[i];
                }
                if (max.length < 2 || perItem != out.dim().orElseThrow()) {
                    problems.add("output.dim: " + out.dim().orElseThrow() + " does not fit the engine's output "
                            + outputs.getFirst());
                }
            } else if (out.kind() == ModelManifest.OutputKind.CTC) {
                long[] steps = outputs.getFirst().shape();
                if (steps.length != 3 || steps[2] != out.dim().orElseThrow()) {
                    problems.add("output.dim: ctc output \"" + outputs.getFirst().name() + "\" must be [N, T, "
                            + out.dim().orElseThrow() + "], the engine's is " + Arrays.toString(steps));
                }
            } else {
                long[] logits = outputs.get(0).shape();
                long[] boxes = outputs.get(1).shape();
                if (logits.length != 3) {
                    problems.add("output.names: detr logits \"" + outputs.get(0).name() + "\" must be [N, Q, C+1], "
                            + "the engine's is " + Arrays.toString(logits));
                } else if (out.dim().isPresent() && logits[2] > 0 && logits[2] != out.dim().getAsInt()) {
                    problems.add("output.dim: " + out.dim().getAsInt() + " classes (with no-object) do not fit the "
                            + "engine's logits " + Arrays.toString(logits));
                }
                if (boxes.length != 3 || boxes[2] != 4) {
                    problems.add("output.names: detr boxes \"" + outputs.get(1).name() + "\" must be [N, Q, 4], "
                            + "the engine's is " + Arrays.toString(boxes));
                }
            }
        }
        return problems;
    }

    private static boolean accepts(NativeEngine.TensorSpec t, int axis, long value) {
        return t.shape()[axis] == value || (t.shape()[axis] < 0 && t.min()[axis] <= value && value <= t.max()[axis]);
    }

    private static String range(NativeEngine.TensorSpec t, int axis) {
        return t.shape()[axis] >= 0 ? "has " + t.shape()[axis] : "takes " + t.min()[axis] + " to " + t.max()[axis];
    }

    private static List<String> names(List<NativeEngine.TensorSpec> tensors, boolean inputs) {
        return tensors.stream().filter(t -> t.input() == inputs).map(NativeEngine.TensorSpec::name).toList();
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public boolean accepts(int height, int width) {
        NativeEngine.TensorSpec spec = engine.tensors().get(inputIndex);
        return spec.shape().length == 4 && accepts(spec, 2, height) && accepts(spec, 3, width);
    }

    /** The engine file in use and what it was built for. */
    public Path engineFile() {
        return engineManifest.engine();
    }

    /** What runs the model, for logs and the status page: TensorRT version, GPU, memory mode. */
    public String description() {
        return engine.description() + ", " + engineManifest.precision();
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (closed) {
            throw new IllegalStateException("model " + manifest.name() + " is closed");
        }
        Tensor tensor = validate(inputs);
        int batch = tensor.dim(0);
        int context = takeContext();
        try (NativeEngine.Usage usage = engine.use()) {
            List<NativeEngine.TensorSpec> specs = engine.tensors();
            long[][] shapes = new long[specs.size()][];
            long[] shape = tensor.shape().clone();
            if (fixedBatch > 0) {
                // Items are independent, so whatever the padding slots hold from earlier runs
                // only affects outputs that are cut off below.
                shape[0] = fixedBatch;
            }
            shapes[inputIndex] = shape;
            usage.floats(context, inputIndex).put(0, tensor.data(), 0, tensor.size());
            long[][] result;
            try {
                result = usage.run(context, shapes, null);
            } catch (TensorRtException e) {
                throw new ModelException("model " + manifest.name() + " (" + engineManifest.engine() + ") failed: "
                        + e.getMessage(), e);
            }
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (int i = 0; i < specs.size(); i++) {
                if (specs.get(i).input()) {
                    continue;
                }
                long[] outShape = result[i];
                if (fixedBatch > 0 && outShape.length > 0 && outShape[0] == fixedBatch) {
                    outShape[0] = batch;
                }
                long size = 1;
                for (long d : outShape) {
                    size *= d;
                }
                float[] data = new float[Math.toIntExact(size)];
                FloatBuffer values = usage.floats(context, i);
                values.get(0, data, 0, data.length);
                outputs.put(specs.get(i).name(), new Tensor(outShape, data));
            }
            return outputs;
        } finally {
            freeContexts.add(context);
        }
    }

    private Tensor validate(Map<String, Tensor> inputs) {
        String name = manifest.input().name();
        Tensor tensor = inputs.get(name);
        if (tensor == null || inputs.size() != 1) {
            throw new IllegalArgumentException("model " + manifest.name() + " takes exactly one input \"" + name
                    + "\", got " + inputs.keySet());
        }
        NativeEngine.TensorSpec spec = engine.tensors().get(inputIndex);
        long[] shape = tensor.shape();
        int batch = shape.length == 0 ? 0 : tensor.dim(0);
        boolean fits = shape.length == 4 && batch >= 1 && batch <= maxBatch && shape[1] == 3;
        for (int axis = 2; fits && axis < 4; axis++) {
            fits = accepts(spec, axis, shape[axis]);
        }
        if (!fits) {
            throw new IllegalArgumentException("input \"" + name + "\" of " + manifest.name() + " has shape "
                    + Arrays.toString(shape) + "; the engine takes " + spec + " with batch 1 to " + maxBatch);
        }
        return tensor;
    }

    private int takeContext() {
        try {
            return freeContexts.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException("interrupted while waiting for an execution context of " + manifest.name(), e);
        }
    }

    /** Waits for runs in flight, then frees the engine's GPU and host memory. */
    @Override
    public void close() {
        closed = true;
        engine.close();
    }

    @Override
    public String toString() {
        return "TensorRtEngine[" + manifest.name() + ", " + engineManifest.engine() + "]";
    }
}
