package dev.logowatch.engine;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One engine loaded by {@code liblogowatch_trt.so}, through a handle to its native object. This
 * class validates every argument before it crosses into native code, and guarantees that the
 * native object outlives every call on it: calls go through a {@link Usage}, and {@link #close()}
 * waits for the usages in flight before it frees native memory; later uses fail with
 * {@link IllegalStateException}. Native failures arrive as {@link TensorRtException}.
 *
 * <p>Each execution context has one host buffer per tensor, sized for the largest shape the
 * engine accepts. On a Jetson these are mapped page-locked memory the GPU works on in place,
 * so filling an input buffer and reading an output buffer are the only copies a run makes. A
 * context serves one run at a time; the native side refuses a second thread on a busy context
 * with {@link TensorRtException.Code#BUSY} rather than letting it corrupt the first.
 */
final class NativeEngine implements AutoCloseable {
    static final int MAX_RANK = 8;
    private static final int SHAPE_STRIDE = 1 + MAX_RANK;
    private static final System.Logger LOG = System.getLogger(NativeEngine.class.getName());
    private static Path loadedLibrary;

    /** Element types, numbered as TensorRT numbers them. */
    enum DataType {
        FLOAT32(32), FLOAT16(16), INT8(8), INT32(32), BOOL(8), UINT8(8), FP8(8), BFLOAT16(16), INT64(64), INT4(4),
        FP4(4);

        final int bits;

        DataType(int bits) {
            this.bits = bits;
        }

        static DataType of(int value) {
            DataType[] all = values();
            if (value < 0 || value >= all.length) {
                throw new IllegalStateException("native library reported unknown data type " + value);
            }
            return all[value];
        }

        String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * An input or output of the engine.
     *
     * @param shape as declared, -1 on dynamic axes
     * @param min   for inputs the smallest accepted shape; for outputs the shape at the inputs' minimum
     * @param opt   the shape the engine was tuned for
     * @param max   the largest accepted shape; the host buffers hold this much
     */
    record TensorSpec(String name, boolean input, DataType type, long[] shape, long[] min, long[] opt, long[] max) {
        boolean isDynamic() {
            return Arrays.stream(shape).anyMatch(d -> d < 0);
        }

        @Override
        public String toString() {
            return name + " " + type.jsonName() + Arrays.toString(shape)
                    + (isDynamic() ? " " + Arrays.toString(min) + ".." + Arrays.toString(max) : "");
        }
    }

    /**
     * The machine a backend runs on.
     *
     * @param runtimeVersion    TensorRT's version, "10.3.0" (the CPU test backend says "cpu-test")
     * @param computeCapability the GPU's, "8.7"
     * @param deviceName        the GPU's name, "Orin"
     * @param integrated        whether the GPU shares memory with the CPU
     */
    record Platform(String runtimeVersion, String computeCapability, String deviceName, boolean integrated) {
    }

    private final long handle;
    private final String backend;
    private final Path file;
    private final List<TensorSpec> tensors;
    private final int contexts;
    private final String description;
    private final List<String> loadMessages;
    /** Views of the native host buffers, [context][tensor], in native byte order. */
    private final ByteBuffer[][] buffers;
    private final FloatBuffer[][] floats;
    private final Object closeLock = new Object();
    /** 1 for the engine itself plus one per usage in flight; 0 once closed. */
    private final AtomicInteger users = new AtomicInteger(1);
    private volatile boolean closed;

    private NativeEngine(long handle, String backend, Path file) {
        this.handle = handle;
        this.backend = backend;
        this.file = file;
        this.contexts = nContexts(handle);
        this.description = nDescription(handle);
        this.loadMessages = List.of(nLoadMessages(handle));
        this.tensors = readTensors(handle);
        this.buffers = new ByteBuffer[contexts][tensors.size()];
        this.floats = new FloatBuffer[contexts][tensors.size()];
        for (int c = 0; c < contexts; c++) {
            for (int t = 0; t < tensors.size(); t++) {
                ByteBuffer buffer = nBuffer(handle, c, t).order(ByteOrder.nativeOrder());
                buffers[c][t] = buffer;
                floats[c][t] = tensors.get(t).type() == DataType.FLOAT32 ? buffer.asFloatBuffer() : null;
            }
        }
    }

    /**
     * Loads the native library from {@code library}. Loading the same file again does nothing;
     * a second, different file is refused, because the JVM would bind the native methods to
     * whichever it found first.
     */
    static synchronized void load(Path library) {
        Path absolute = library.toAbsolutePath().normalize();
        if (loadedLibrary != null) {
            if (!loadedLibrary.equals(absolute)) {
                throw new IllegalStateException("the TensorRT bridge is already loaded from " + loadedLibrary
                        + "; cannot also load " + absolute + " in this process");
            }
            return;
        }
        if (!Files.isRegularFile(absolute)) {
            throw new IllegalArgumentException("no native library at " + absolute);
        }
        System.load(absolute.toString());
        loadedLibrary = absolute;
    }

    /** The native library loaded in this process, or null. */
    static synchronized Path loadedLibrary() {
        return loadedLibrary;
    }

    /** Backends the loaded library was built with: {@code cpu-test}, and {@code tensorrt} on a device with TensorRT. */
    static List<String> backends() {
        requireLoaded();
        return List.of(nBackends());
    }

    /** Version, GPU and compute capability the backend runs with; NO_DEVICE when no GPU is usable. */
    static Platform platform(String backend) {
        requireLoaded();
        String[] p = nPlatform(Objects.requireNonNull(backend, "backend"));
        return new Platform(p[0], p[1], p[2], Boolean.parseBoolean(p[3]));
    }

    /**
     * Loads an engine file.
     *
     * @param backend  {@code tensorrt} for a serialized TensorRT engine, {@code cpu-test} for a test engine file
     * @param contexts execution contexts, each able to serve one run at a time
     */
    static NativeEngine open(String backend, Path file, int contexts) {
        requireLoaded();
        Objects.requireNonNull(backend, "backend");
        if (contexts < 1 || contexts > 64) {
            throw new IllegalArgumentException("contexts must be 1 to 64, got " + contexts);
        }
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new IllegalArgumentException("engine file " + absolute + " does not exist or cannot be read");
        }
        long handle = nOpen(backend, absolute.toString(), contexts);
        try {
            return new NativeEngine(handle, backend, absolute);
        } catch (RuntimeException | Error e) {
            nClose(handle);
            throw e;
        }
    }

    private static void requireLoaded() {
        if (loadedLibrary() == null) {
            throw new IllegalStateException("the TensorRT bridge library is not loaded");
        }
    }

    private static List<TensorSpec> readTensors(long handle) {
        String[] names = nTensorNames(handle);
        int[] kinds = nTensorKinds(handle);
        long[] shapes = nTensorShapes(handle);
        TensorSpec[] specs = new TensorSpec[names.length];
        for (int i = 0; i < names.length; i++) {
            int at = i * 4 * SHAPE_STRIDE;
            specs[i] = new TensorSpec(names[i], kinds[2 * i] == 1, DataType.of(kinds[2 * i + 1]),
                    shape(shapes, at), shape(shapes, at + SHAPE_STRIDE), shape(shapes, at + 2 * SHAPE_STRIDE),
                    shape(shapes, at + 3 * SHAPE_STRIDE));
        }
        return List.of(specs);
    }

    private static long[] shape(long[] packed, int at) {
        return Arrays.copyOfRange(packed, at + 1, at + 1 + (int) packed[at]);
    }

    String backend() {
        return backend;
    }

    Path file() {
        return file;
    }

    List<TensorSpec> tensors() {
        return tensors;
    }

    int contexts() {
        return contexts;
    }

    /** What runs the engine: TensorRT version, GPU, memory mode, contexts. */
    String description() {
        return description;
    }

    /** Warnings the backend logged while loading the engine. */
    List<String> loadMessages() {
        return loadMessages;
    }

    int tensorIndex(String name) {
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Starts a use of the native engine, which close waits for.
     *
     * @throws IllegalStateException when the engine is closed
     */
    Usage use() {
        if (closed) {
            throw new IllegalStateException("engine " + file + " is closed");
        }
        if (users.getAndIncrement() <= 0) {
            release();
            throw new IllegalStateException("engine " + file + " is closed");
        }
        return new Usage();
    }

    private void release() {
        if (users.decrementAndGet() == 0) {
            synchronized (closeLock) {
                closeLock.notifyAll();
            }
        }
    }

    /**
     * Frees the native engine after the runs in flight have finished. Safe to call more than
     * once and from any thread.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (users.decrementAndGet() > 0) {
                LOG.log(System.Logger.Level.DEBUG, "closing {0}: waiting for runs in flight", file);
                boolean interrupted = false;
                while (users.get() > 0) {
                    try {
                        closeLock.wait();
                    } catch (InterruptedException e) {
                        // Freeing memory a run still writes to would crash the JVM: wait regardless.
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            for (ByteBuffer[] row : buffers) {
                Arrays.fill(row, null);
            }
            for (FloatBuffer[] row : floats) {
                Arrays.fill(row, null);
            }
            nClose(handle);
        }
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "NativeEngine[" + backend + ", " + file + "]";
    }

    /**
     * One use of the open engine: its buffers and runs are reachable only through a usage, so
     * no Java code touches native memory after it is freed. Not for sharing between threads.
     */
    final class Usage implements AutoCloseable {
        private boolean released;

        private Usage() {
        }

        /**
         * The host buffer of a tensor in a context, native byte order, capacity for the
         * tensor's largest shape. Valid until this usage is closed.
         */
        ByteBuffer buffer(int context, int tensor) {
            checkOpen();
            checkIndexes(context, tensor);
            return buffers[context][tensor];
        }

        /** The same buffer as floats, for float32 tensors; use absolute get/put (the view is shared). */
        FloatBuffer floats(int context, int tensor) {
            checkOpen();
            checkIndexes(context, tensor);
            FloatBuffer view = floats[context][tensor];
            if (view == null) {
                throw new IllegalArgumentException(tensors.get(tensor) + " is not float32");
            }
            return view;
        }

        /**
         * Runs one context.
         *
         * @param shapes  per tensor: for inputs the shape to run with; entries of outputs are ignored
         * @param external null to use the engine's own buffers for every tensor, or per tensor
         *                 null (the engine's buffer) or a direct buffer in native byte order that
         *                 is copied into the input before the run or receives the output after it
         * @return per tensor the shape it had in this run (outputs as the engine computed them)
         */
        long[][] run(int context, long[][] shapes, Buffer[] external) {
            checkOpen();
            checkIndexes(context, 0);
            if (shapes.length != tensors.size()) {
                throw new IllegalArgumentException("expected " + tensors.size() + " shapes (one per tensor), got "
                        + shapes.length);
            }
            long[] packed = new long[tensors.size() * SHAPE_STRIDE];
            for (int i = 0; i < tensors.size(); i++) {
                TensorSpec spec = tensors.get(i);
                if (!spec.input()) {
                    continue;
                }
                long[] s = shapes[i];
                if (s == null || s.length > MAX_RANK || Arrays.stream(s).anyMatch(d -> d < 0)) {
                    throw new IllegalArgumentException("input \"" + spec.name() + "\" needs a shape of at most "
                            + MAX_RANK + " non-negative dimensions, got " + Arrays.toString(s));
                }
                packed[i * SHAPE_STRIDE] = s.length;
                System.arraycopy(s, 0, packed, i * SHAPE_STRIDE + 1, s.length);
            }
            long[] bytes = null;
            if (external != null) {
                if (external.length != tensors.size()) {
                    throw new IllegalArgumentException("expected " + tensors.size() + " buffers (one per tensor), got "
                            + external.length);
                }
                bytes = new long[external.length];
                for (int i = 0; i < external.length; i++) {
                    bytes[i] = byteCapacity(tensors.get(i), external[i]);
                }
            }
            nRun(handle, context, packed, external, bytes);
            long[][] result = new long[tensors.size()][];
            for (int i = 0; i < tensors.size(); i++) {
                result[i] = tensors.get(i).input() ? shapes[i].clone() : shape(packed, i * SHAPE_STRIDE);
            }
            return result;
        }

        private long byteCapacity(TensorSpec spec, Buffer buffer) {
            if (buffer == null) {
                return 0;
            }
            if (!buffer.isDirect()) {
                throw new IllegalArgumentException("the buffer for \"" + spec.name() + "\" must be direct "
                        + "(ByteBuffer.allocateDirect), not a heap buffer");
            }
            if (buffer.isReadOnly() && !spec.input()) {
                throw new IllegalArgumentException("the buffer for output \"" + spec.name() + "\" is read-only");
            }
            if (buffer instanceof ByteBuffer) {
                return buffer.capacity();
            }
            if (buffer instanceof FloatBuffer f) {
                if (f.order() != ByteOrder.nativeOrder()) {
                    throw new IllegalArgumentException("the FloatBuffer for \"" + spec.name() + "\" must be in native "
                            + "byte order (ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder()).asFloatBuffer())");
                }
                return (long) f.capacity() * Float.BYTES;
            }
            throw new IllegalArgumentException("the buffer for \"" + spec.name() + "\" must be a ByteBuffer or "
                    + "FloatBuffer, got " + buffer.getClass().getSimpleName());
        }

        private void checkOpen() {
            if (released) {
                throw new IllegalStateException("usage of " + file + " already closed");
            }
        }

        private void checkIndexes(int context, int tensor) {
            if (context < 0 || context >= contexts) {
                throw new IllegalArgumentException("context " + context + " does not exist (the engine has "
                        + contexts + ")");
            }
            if (tensor < 0 || tensor >= tensors.size()) {
                throw new IllegalArgumentException("tensor " + tensor + " does not exist (the engine has "
                        + tensors.size() + ")");
            }
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release();
            }
        }
    }

    private static native String[] nBackends();

    private static native String[] nPlatform(String backend);

    private static native long nOpen(String backend, String path, int contexts);

    private static native void nClose(long handle);

    private static native String nDescription(long handle);

    private static native String[] nLoadMessages(long handle);

    private static native int nContexts(long handle);

    private static native String[] nTensorNames(long handle);

    private static native int[] nTensorKinds(long handle);

    private static native long[] nTensorShapes(long handle);

    private static native ByteBuffer nBuffer(long handle, int context, int tensor);

    private static native void nRun(long handle, int context, long[] shapes, Buffer[] buffers, long[] bytes);
}
