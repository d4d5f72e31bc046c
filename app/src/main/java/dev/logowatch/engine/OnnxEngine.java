package dev.logowatch.engine;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model on ONNX Runtime's CPU provider. Checks on load that the model's inputs and outputs
 * are the ones its manifest describes (names, channels, spatial size, embedding length), so a
 * mismatch is reported when the service starts rather than as wrong answers later. Models
 * exported with a fixed batch size get partial batches padded and the padding cut from the
 * outputs.
 *
 * <p>ONNX Runtime 1.29's native library kills the JVM with a segmentation fault while starting
 * when the process's command line is longer than about 4 KB (a long {@code -cp} list, for
 * example). Launch with the jar's manifest class path or the {@code CLASSPATH} variable.
 */
public final class OnnxEngine implements InferenceEngine {
    /** Batch cap for models with a dynamic batch axis: 32 crops of 224x224 are 19 MB of input. */
    public static final int DEFAULT_MAX_BATCH = 32;

    /** Input buffers kept for reuse: enough for every stream worker and bench thread at once on a small device. */
    static final int MAX_POOLED = 8;
    private static final System.Logger LOG = System.getLogger(OnnxEngine.class.getName());

    private final ModelManifest manifest;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final int maxBatch;
    private final int fixedBatch;
    /** The model's declared input height and width, -1 where the axis is free. */
    private final long[] spatial;
    /**
     * Direct buffers for inputs: ONNX Runtime would otherwise copy each heap array into a new one.
     * Guarded by itself; a take looks for one large enough, so buffers of mixed batch sizes do
     * not each find a small one first and pile up large ones (direct memory is only freed by GC).
     */
    private final ArrayDeque<FloatBuffer> buffers = new ArrayDeque<>();
    private volatile boolean closed;

    private OnnxEngine(ModelManifest manifest, OrtEnvironment environment, OrtSession session, int maxBatch,
                       int fixedBatch, long[] spatial) {
        this.manifest = manifest;
        this.spatial = spatial;
        this.environment = environment;
        this.session = session;
        this.maxBatch = maxBatch;
        this.fixedBatch = fixedBatch;
    }

    /** Opens with one intra-op thread per available processor and {@link #DEFAULT_MAX_BATCH}. */
    public static OnnxEngine open(Path modelDir) {
        return open(modelDir, Runtime.getRuntime().availableProcessors(), DEFAULT_MAX_BATCH);
    }

    /**
     * Reads {@code <modelDir>/model.json}, checks the model file's sha256 and loads it.
     *
     * @param intraOpThreads threads one inference may use; the available processors is right
     *                       unless other heavy work shares the CPU
     * @param maxBatch       cap on items per run for models with a dynamic batch axis
     */
    public static OnnxEngine open(Path modelDir, int intraOpThreads, int maxBatch) {
        if (intraOpThreads < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("threads and max batch must be at least 1, got "
                    + intraOpThreads + " and " + maxBatch);
        }
        ModelManifest manifest = ModelManifest.read(modelDir);
        manifest.verifyFile();
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Idle worker threads would otherwise spin between runs, taking CPU from decoding and
            // preprocessing on a machine with few cores.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            // Exports often declare a fixed batch on outputs; ONNX Runtime warns about it on every run.
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            session = environment.createSession(manifest.modelFile().toString(), options);
        } catch (OrtException e) {
            throw new ModelException("ONNX Runtime cannot load " + manifest.modelFile() + ": " + e.getMessage(), e);
        }
        try {
            int declaredBatch = check(manifest, session);
            int batch = declaredBatch > 0 ? declaredBatch : maxBatch;
            OnnxEngine engine = new OnnxEngine(manifest, environment, session, batch, Math.max(0, declaredBatch),
                    spatial(session, manifest.input().name()));
            LOG.log(System.Logger.Level.INFO, "loaded model {0} ({1}) from {2} on ONNX Runtime CPU, "
                            + "{3} threads, batch up to {4}", manifest.name(), ManifestReader.jsonName(manifest.task()),
                    manifest.modelFile(), intraOpThreads, batch);
            return engine;
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static long[] spatial(OrtSession session, String input) {
        try {
            long[] shape = ((TensorInfo) session.getInputInfo().get(input).getInfo()).getShape();
            return new long[]{shape[2], shape[3]};
        } catch (OrtException e) {
            throw new ModelException("cannot inspect input \"" + input + "\" of the model: " + e.getMessage(), e);
        }
    }

    /** Compares the model's declared inputs and outputs with its manifest; returns the fixed batch or -1. */
    private static int check(ModelManifest manifest, OrtSession session) {
        List<String> problems = new ArrayList<>();
        ModelManifest.Input input = manifest.input();
        int batch = -1;
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            TensorInfo in = floatTensor(inputs, input.name(), "input.name", problems);
            if (in != null) {
                long[] shape = in.getShape();
                if (shape.length != 4) {
                    problems.add("input.layout: NCHW needs a 4-d input, the model's \"" + input.name() + "\" is "
                            + Arrays.toString(shape));
                } else {
                    if (shape[1] > 0 && shape[1] != 3) {
                        problems.add("input: the model's \"" + input.name() + "\" has " + shape[1]
                                + " channels, preprocessing makes 3");
                    }
                    if ((shape[2] > 0 && shape[2] != input.height()) || (shape[3] > 0 && shape[3] != input.width())) {
                        problems.add("input.size: [" + input.height() + ", " + input.width()
                                + "] ([height, width]) does not fit the model's input " + Arrays.toString(shape)
                                + " (N, C, H, W)");
                    }
                    batch = shape[0] > 0 ? (int) shape[0] : -1;
                }
            }
            Set<String> extra = new HashSet<>(inputs.keySet());
            extra.remove(input.name());
            if (!extra.isEmpty()) {
                problems.add("input.name: the model also needs inputs " + extra + ", which nothing feeds");
            }
            ModelManifest.Output output = manifest.output();
            List<TensorInfo> outs = new ArrayList<>();
            for (String name : output.names()) {
                outs.add(floatTensor(outputs, name, "output.names", problems));
            }
            if (problems.isEmpty()) {
                checkOutputs(output, outs, problems);
            }
        } catch (OrtException e) {
            throw new ModelException("cannot inspect " + manifest.modelFile() + ": " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            throw new ModelException("model " + manifest.modelFile() + " does not match " + manifest.manifestFile()
                    + ":\n  " + String.join("\n  ", problems));
        }
        return batch;
    }

    private static void checkOutputs(ModelManifest.Output output, List<TensorInfo> outs, List<String> problems) {
        if (output.kind() == ModelManifest.OutputKind.EMBEDDING) {
            long[] shape = outs.getFirst().getShape();
            long perItem = 1;
            for (int i = 1; i < shape.length; i++) {
                perItem = shape[i] < 0 ? -1 : perItem * shape[i];
                if (perItem < 0) {
                    break;
                }
            }
            if (shape.length < 2 || (perItem > 0 && perItem != output.dim().orElseThrow())) {
                problems.add("output.dim: " + output.dim().orElseThrow() + " does not fit the model's output \""
                        + output.names().getFirst() + "\" " + Arrays.toString(shape));
            }
        } else if (output.kind() == ModelManifest.OutputKind.CTC) {
            long[] steps = outs.getFirst().getShape();
            if (steps.length != 3 || (steps[2] > 0 && steps[2] != output.dim().orElseThrow())) {
                problems.add("output.dim: ctc output \"" + output.names().getFirst() + "\" must be [N, T, "
                        + output.dim().orElseThrow() + "], the model's is " + Arrays.toString(steps));
            }
        } else {
            long[] logits = outs.get(0).getShape();
            long[] boxes = outs.get(1).getShape();
            if (logits.length != 3) {
                problems.add("output.names: detr logits \"" + output.names().get(0) + "\" must be [N, Q, C+1], the model's is "
                        + Arrays.toString(logits));
            } else if (output.dim().isPresent() && logits[2] > 0 && logits[2] != output.dim().getAsInt()) {
                problems.add("output.dim: " + output.dim().getAsInt() + " classes (with no-object) do not fit the "
                        + "model's logits " + Arrays.toString(logits));
            }
            if (boxes.length != 3 || (boxes[2] > 0 && boxes[2] != 4)) {
                problems.add("output.names: detr boxes \"" + output.names().get(1) + "\" must be [N, Q, 4], the model's is "
                        + Arrays.toString(boxes));
            }
        }
    }

    private static TensorInfo floatTensor(Map<String, NodeInfo> nodes, String name, String field,
                                          List<String> problems) {
        NodeInfo node = nodes.get(name);
        if (node == null) {
            problems.add(field + ": the model has no tensor \"" + name + "\" (it has " + nodes.keySet() + ")");
            return null;
        }
        if (!(node.getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.FLOAT) {
            problems.add(field + ": \"" + name + "\" is " + node.getInfo() + ", not a float tensor");
            return null;
        }
        return info;
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
        return height > 0 && width > 0 && (spatial[0] < 0 || spatial[0] == height)
                && (spatial[1] < 0 || spatial[1] == width);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (closed) {
            throw new IllegalStateException("model " + manifest.name() + " is closed");
        }
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        List<FloatBuffer> taken = new ArrayList<>(inputs.size());
        int batch = -1;
        try {
            for (Map.Entry<String, Tensor> entry : inputs.entrySet()) {
                Tensor tensor = entry.getValue();
                int items = tensor.dim(0);
                if (items < 1 || items > maxBatch || (batch >= 0 && items != batch)) {
                    throw new IllegalArgumentException("input \"" + entry.getKey() + "\" of " + manifest.name()
                            + " has batch " + items + ", expected 1 to " + maxBatch + " and the same for all inputs");
                }
                batch = items;
                long[] shape = tensor.shape().clone();
                int values = tensor.size();
                int total = values;
                if (fixedBatch > 0 && items < fixedBatch) {
                    shape[0] = fixedBatch;
                    total = values / items * fixedBatch;
                }
                FloatBuffer buffer = take(total);
                taken.add(buffer);
                buffer.put(tensor.data(), 0, values);
                while (buffer.position() < total) {
                    buffer.put(0f);
                }
                buffer.flip();
                feeds.put(entry.getKey(), OnnxTensor.createTensor(environment, buffer, shape));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                Map<String, Tensor> outputs = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> entry : result) {
                    outputs.put(entry.getKey(), copy(entry.getKey(), entry.getValue(), batch));
                }
                return outputs;
            }
        } catch (OrtException e) {
            throw new ModelException("model " + manifest.name() + " (" + manifest.modelFile() + ") failed: "
                    + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
            give(taken);
        }
    }

    /** Copies an output out of native memory, without the items that padded a fixed batch. */
    private Tensor copy(String name, OnnxValue value, int batch) throws OrtException {
        if (!(value instanceof OnnxTensor tensor) || tensor.getInfo().type != OnnxJavaType.FLOAT) {
            throw new ModelException("model " + manifest.name() + ": output \"" + name + "\" is "
                    + value.getInfo() + ", not a float tensor");
        }
        long[] shape = tensor.getInfo().getShape();
        if (shape.length > 0 && shape[0] > batch) {
            shape[0] = batch;
        }
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        float[] data = new float[Math.toIntExact(size)];
        tensor.getFloatBuffer().get(data);
        return new Tensor(shape, data);
    }

    private FloatBuffer take(int values) {
        FloatBuffer buffer = null;
        synchronized (buffers) {
            for (Iterator<FloatBuffer> it = buffers.iterator(); it.hasNext(); ) {
                FloatBuffer pooled = it.next();
                if (pooled.capacity() >= values) {
                    it.remove();
                    buffer = pooled;
                    break;
                }
            }
        }
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(values * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        buffer.clear();
        buffer.limit(values);
        return buffer;
    }

    /** Returns buffers to the pool, keeping at most {@link #MAX_POOLED}, the largest ones. */
    private void give(List<FloatBuffer> taken) {
        synchronized (buffers) {
            buffers.addAll(taken);
            while (buffers.size() > MAX_POOLED) {
                FloatBuffer smallest = buffers.stream().min(Comparator.comparingInt(FloatBuffer::capacity)).orElseThrow();
                buffers.removeIf(b -> b == smallest);
            }
        }
    }

    /** Buffers held for reuse now; for tests. */
    int pooledBuffers() {
        synchronized (buffers) {
            return buffers.size();
        }
    }

    /** Buffers held for reuse that hold at least {@code values} floats; for tests. */
    long largePooledBuffers(int values) {
        synchronized (buffers) {
            return buffers.stream().filter(b -> b.capacity() >= values).count();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.log(System.Logger.Level.WARNING, "closing ONNX Runtime session failed: {0}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "OnnxEngine[" + manifest.name() + ", " + manifest.modelFile() + "]";
    }
}
