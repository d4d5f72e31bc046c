package dev.logowatch.engine;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The real JNI bridge, built from {@code jni/} with CMake and g++ (without TensorRT, so with the
 * CPU test engine only) and loaded into this JVM, driven through {@link NativeEngine} and
 * {@link TensorRtEngine} exactly as on the device: tensor listing, dynamic shapes, buffers in
 * and out, the native messages in exceptions, threads, and close during a run.
 */
@Tag("integration")
class TensorRtBridgeTest {

    private static final Path REPO = Optional.ofNullable(System.getProperty("logowatch.repo"))
            .map(Path::of).orElse(Path.of("..")).toAbsolutePath().normalize();
    private static final Path BUILD = REPO.resolve("app/target/jni-test-build");

    /** images [N,3,4,4] with N from 1 to 8; scores = images * 2 + 1; sums[n] = sum of item n. */
    private static final String ENGINE = """
            # test engine: shaped like a small embedder
            logowatch-test-engine 1
            input  images float32 -1x3x4x4 min 1x3x4x4 opt 2x3x4x4 max 8x3x4x4
            output scores float32 -1x3x4x4 affine images 2 1
            output sums   float32 -1x1     sum images
            """;
    private static final int ITEM = 3 * 4 * 4;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildAndLoadTheBridge() throws Exception {
        Path library = BUILD.resolve(TensorRtEngine.LIBRARY_NAME);
        if (NativeEngine.loadedLibrary() != null) {
            assertThat(NativeEngine.loadedLibrary()).as("the bridge loaded in this JVM").isEqualTo(library);
            return;
        }
        for (String tool : List.of("cmake", "g++", "make")) {
            if (run(List.of("sh", "-c", "command -v " + tool), Duration.ofSeconds(10)).exit() != 0) {
                fail(tool + " is not installed; .ci/install-packages installs it (.ci/packages-jni.txt)");
            }
        }
        Result configure = run(List.of("cmake", "-S", REPO.resolve("jni").toString(), "-B", BUILD.toString(),
                "-DLOGOWATCH_TENSORRT=OFF", "-DJAVA_HOME=" + System.getProperty("java.home")), Duration.ofMinutes(2));
        assertThat(configure.exit()).as("cmake configure:\n%s", configure.output()).isZero();
        assertThat(configure.output()).contains("TensorRT backend OFF, CPU test engine only");
        Result build = run(List.of("cmake", "--build", BUILD.toString(), "-j", "2"), Duration.ofMinutes(5));
        assertThat(build.exit()).as("cmake --build:\n%s", build.output()).isZero();
        assertThat(build.output()).as("compiler warnings in the bridge (-Wall -Wextra -Wconversion)")
                .doesNotContain("warning:");
        NativeEngine.load(library);
    }

    private Path engineFile(String text) throws IOException {
        Path file = Files.createTempFile(tmp, "engine", ".lwtest");
        Files.writeString(file, text);
        return file;
    }

    private static float[] ramp(int n, float start) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = start + i * 0.25f;
        }
        return values;
    }

    @Test
    void theCiBuildHasTheCpuTestBackendOnly() {
        assertThat(NativeEngine.backends()).containsExactly("cpu-test");
        NativeEngine.Platform platform = NativeEngine.platform("cpu-test");
        assertThat(platform.runtimeVersion()).isEqualTo("cpu-test");
        assertThat(platform.computeCapability()).isEqualTo("cpu");
        assertThatThrownBy(() -> NativeEngine.platform("tensorrt"))
                .isInstanceOfSatisfying(TensorRtException.class,
                        e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.NO_BACKEND))
                .hasMessageContaining("built without TensorRT")
                .hasMessageContaining("cmake -S jni -B jni/build -DLOGOWATCH_TENSORRT=ON");
    }

    @Test
    void listsTensorsWithTypesDynamicAxesAndTheirRange() throws IOException {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1)) {
            assertThat(engine.tensors()).extracting(NativeEngine.TensorSpec::name)
                    .containsExactly("images", "scores", "sums");
            NativeEngine.TensorSpec images = engine.tensors().get(0);
            assertThat(images.input()).isTrue();
            assertThat(images.type()).isEqualTo(NativeEngine.DataType.FLOAT32);
            assertThat(images.shape()).containsExactly(-1, 3, 4, 4);
            assertThat(images.min()).containsExactly(1, 3, 4, 4);
            assertThat(images.opt()).containsExactly(2, 3, 4, 4);
            assertThat(images.max()).containsExactly(8, 3, 4, 4);
            NativeEngine.TensorSpec sums = engine.tensors().get(2);
            assertThat(sums.input()).isFalse();
            assertThat(sums.shape()).containsExactly(-1, 1);
            assertThat(sums.max()).as("outputs at the inputs' largest shape").containsExactly(8, 1);
            assertThat(engine.description()).contains("CPU test engine").contains("1 execution context");
            try (NativeEngine.Usage usage = engine.use()) {
                assertThat(usage.buffer(0, 0).capacity()).as("input buffer holds the largest batch")
                        .isEqualTo(8 * ITEM * Float.BYTES);
                assertThat(usage.buffer(0, 0).order()).isEqualTo(ByteOrder.nativeOrder());
            }
        }
    }

    @Test
    void runsDynamicBatchesInTheEnginesOwnBuffers() throws IOException {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1);
             NativeEngine.Usage usage = engine.use()) {
            for (int batch : new int[] {3, 1, 8}) {
                float[] input = ramp(batch * ITEM, -4);
                usage.floats(0, 0).put(0, input);
                long[][] shapes = usage.run(0, new long[][] {{batch, 3, 4, 4}, null, null}, null);

                assertThat(shapes[1]).containsExactly(batch, 3, 4, 4);
                assertThat(shapes[2]).containsExactly(batch, 1);
                float[] scores = new float[batch * ITEM];
                usage.floats(0, 1).get(0, scores);
                for (int i = 0; i < scores.length; i++) {
                    assertThat(scores[i]).as("scores[%d] of batch %d", i, batch).isEqualTo(input[i] * 2 + 1);
                }
                for (int n = 0; n < batch; n++) {
                    double expected = 0;
                    for (int k = 0; k < ITEM; k++) {
                        expected += input[n * ITEM + k];
                    }
                    assertThat((double) usage.floats(0, 2).get(n)).as("sum of item %d", n)
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3));
                }
            }
        }
    }

    @Test
    void copiesCallerBuffersInAndOut() throws IOException {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1);
             NativeEngine.Usage usage = engine.use()) {
            float[] input = ramp(2 * ITEM, 1);
            FloatBuffer in = ByteBuffer.allocateDirect(2 * ITEM * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer().put(input);
            FloatBuffer scores = ByteBuffer.allocateDirect(2 * ITEM * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            ByteBuffer sums = ByteBuffer.allocateDirect(2 * Float.BYTES).order(ByteOrder.nativeOrder());

            usage.run(0, new long[][] {{2, 3, 4, 4}, null, null}, new Buffer[] {in, scores, sums});

            assertThat(scores.get(0)).isEqualTo(input[0] * 2 + 1);
            assertThat(scores.get(2 * ITEM - 1)).isEqualTo(input[2 * ITEM - 1] * 2 + 1);
            float first = 0;
            for (int k = 0; k < ITEM; k++) {
                first += input[k];
            }
            assertThat(sums.getFloat(0)).isCloseTo(first, org.assertj.core.data.Offset.offset(1e-3f));
            assertThat(usage.floats(0, 0).get(5)).as("the caller's input was copied into the engine's buffer")
                    .isEqualTo(input[5]);
        }
    }

    @Test
    void aBufferSmallerThanItsTensorIsRefusedBeforeTheRun() throws IOException {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1);
             NativeEngine.Usage usage = engine.use()) {
            FloatBuffer small = ByteBuffer.allocateDirect(10 * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();

            assertThatThrownBy(() -> usage.run(0, new long[][] {{2, 3, 4, 4}, null, null}, new Buffer[] {null, small, null}))
                    .isInstanceOfSatisfying(TensorRtException.class,
                            e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.BUFFER_SIZE))
                    .hasMessageContaining("output \"scores\" of shape [2,3,4,4] needs 384 bytes, the buffer passed holds 40");
            assertThatThrownBy(() -> usage.run(0, new long[][] {{1, 3, 4, 4}, null, null},
                    new Buffer[] {FloatBuffer.allocate(ITEM), null, null}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be direct");
            FloatBuffer bigEndian = ByteBuffer.allocateDirect(ITEM * Float.BYTES)
                    .order(ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN)
                    .asFloatBuffer();
            assertThatThrownBy(() -> usage.run(0, new long[][] {{1, 3, 4, 4}, null, null}, new Buffer[] {bigEndian, null, null}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native byte order");
        }
    }

    @Test
    void aShapeOutsideTheProfileFailsWithTheEnginesOwnExplanation() throws IOException {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1);
             NativeEngine.Usage usage = engine.use()) {
            assertThatThrownBy(() -> usage.run(0, new long[][] {{9, 3, 4, 4}, null, null}, null))
                    .isInstanceOfSatisfying(TensorRtException.class,
                            e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.SHAPE))
                    .hasMessageContaining("input \"images\" does not accept shape [9,3,4,4]")
                    .hasMessageContaining("CpuTestEngine: setInputShape(\"images\", [9,3,4,4]): dimension 0 is 9, "
                            + "the profile allows 1 to 8");
            assertThatThrownBy(() -> usage.run(0, new long[][] {{1, 3, 5, 4}, null, null}, null))
                    .hasMessageContaining("does not fit the declared [-1,3,4,4]");
            assertThatThrownBy(() -> usage.run(0, new long[][] {{1, -3, 4, 4}, null, null}, null))
                    .as("validated in Java").isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void badEngineFilesAreReportedWithFileLineAndReason() throws IOException {
        Path notAnEngine = engineFile("hello\n");
        assertThatThrownBy(() -> NativeEngine.open("cpu-test", notAnEngine, 1))
                .isInstanceOfSatisfying(TensorRtException.class,
                        e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.LOAD))
                .hasMessageContaining(notAnEngine + ":1: not a test engine");
        Path badShape = engineFile("logowatch-test-engine 1\ninput x float32 2xQ\n");
        assertThatThrownBy(() -> NativeEngine.open("cpu-test", badShape, 1))
                .hasMessageContaining(badShape + ":2: bad shape \"2xQ\"");
        assertThatThrownBy(() -> NativeEngine.open("cpu-test", tmp.resolve("missing.lwtest"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> NativeEngine.open("tensorrt", engineFile(ENGINE), 1))
                .isInstanceOfSatisfying(TensorRtException.class,
                        e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.NO_BACKEND));
    }

    @Test
    void aFailingRunCarriesWhatTheEngineLogged() throws IOException {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1);
             NativeEngine.Usage usage = engine.use()) {
            float[] input = ramp(ITEM, 0);
            input[7] = Float.NaN;
            usage.floats(0, 0).put(0, input);
            assertThatThrownBy(() -> usage.run(0, new long[][] {{1, 3, 4, 4}, null, null}, null))
                    .isInstanceOfSatisfying(TensorRtException.class,
                            e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.RUN))
                    .hasMessageContaining("the run failed; the engine reported:")
                    .hasMessageContaining("input \"images\" holds NaN at index 7");

            input[7] = 0;
            usage.floats(0, 0).put(0, input);
            usage.run(0, new long[][] {{1, 3, 4, 4}, null, null}, null);
            assertThat(usage.floats(0, 1).get(7)).as("the engine works again after a failed run").isEqualTo(1f);
        }
    }

    @Test
    void usesAfterCloseAreRefusedInJava() throws IOException {
        NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE), 1);
        NativeEngine.Usage usage = engine.use();
        usage.close();
        engine.close();
        engine.close();
        assertThatThrownBy(engine::use).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> usage.buffer(0, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeWaitsForTheRunInFlight() throws Exception {
        NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE + "delay-ms 400\n"), 1);
        CountDownLatch inside = new CountDownLatch(1);
        AtomicLong runEnded = new AtomicLong();
        AtomicReference<Float> firstScore = new AtomicReference<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> run = pool.submit(() -> {
                try (NativeEngine.Usage usage = engine.use()) {
                    usage.floats(0, 0).put(0, ramp(ITEM, 3));
                    inside.countDown();
                    usage.run(0, new long[][] {{1, 3, 4, 4}, null, null}, null);
                    runEnded.set(System.nanoTime());
                    firstScore.set(usage.floats(0, 1).get(0));
                }
                return null;
            });
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            long closeStarted = System.nanoTime();
            engine.close();
            long closeReturned = System.nanoTime();

            run.get(10, TimeUnit.SECONDS);
            assertThat(runEnded.get()).as("the run finished before close returned").isPositive()
                    .isLessThanOrEqualTo(closeReturned);
            assertThat(Duration.ofNanos(closeReturned - closeStarted)).as("close waited for the 400 ms run")
                    .isGreaterThan(Duration.ofMillis(100));
            assertThat(firstScore.get()).as("the run in flight read its output intact").isEqualTo(3 * 2 + 1f);
            assertThatThrownBy(engine::use).isInstanceOf(IllegalStateException.class);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aSecondThreadOnABusyContextIsRefusedNotInterleaved() throws Exception {
        try (NativeEngine engine = NativeEngine.open("cpu-test", engineFile(ENGINE + "delay-ms 600\n"), 2)) {
            CountDownLatch inside = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (NativeEngine.Usage usage = engine.use()) {
                Future<?> slow = pool.submit(() -> {
                    try (NativeEngine.Usage mine = engine.use()) {
                        inside.countDown();
                        mine.run(0, new long[][] {{1, 3, 4, 4}, null, null}, null);
                    }
                    return null;
                });
                assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(150);  // well inside the 600 ms run on context 0
                assertThatThrownBy(() -> usage.run(0, new long[][] {{1, 3, 4, 4}, null, null}, null))
                        .isInstanceOfSatisfying(TensorRtException.class,
                                e -> assertThat(e.code()).isEqualTo(TensorRtException.Code.BUSY))
                        .hasMessageContaining("execution context 0 is in use by another thread");
                long started = System.nanoTime();
                usage.run(1, new long[][] {{1, 3, 4, 4}, null, null}, null);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("context 1 runs while 0 is busy")
                        .isLessThan(Duration.ofMillis(1500));
                slow.get(10, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    // ---- TensorRtEngine on the CPU test backend: the class the service uses on the Jetson.

    private Path modelDir(String inputName, String engineText, String tensorRt) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model-" + System.nanoTime()));
        Files.writeString(dir.resolve("model.onnx"), "the ONNX file the engine was built from");
        String modelSha = sha256(dir.resolve("model.onnx"));
        Files.writeString(dir.resolve("model.json"), """
                {"name": "test-embedder", "task": "embed", "file": "model.onnx", "sha256": "%s",
                 "input": {"name": "%s", "layout": "NCHW", "size": [4, 4], "color": "RGB",
                           "scale": 0.00392156862745098, "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "stretch"},
                 "output": {"kind": "embedding", "names": ["scores"], "dim": 48},
                 "license": "CC0-1.0"}
                """.formatted(modelSha, inputName));
        Path engines = Files.createDirectories(dir.resolve(EngineManifest.FOLDER));
        Path engine = engines.resolve("model.cpu.lwtest");
        Files.writeString(engine, engineText);
        Files.writeString(engines.resolve("model.cpu.lwtest.json"), """
                {"schema": 1, "engine": "model.cpu.lwtest", "engine_sha256": "%s", "model_file": "model.onnx",
                 "model_sha256": "%s", "tensorrt": "%s", "compute_capability": "cpu", "gpu": "CPU test engine",
                 "precision": "fp32", "built": "2026-01-01T00:00:00Z"}
                """.formatted(sha256(engine), modelSha, tensorRt));
        return dir;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void tensorRtEngineRunsPreprocessedCropsEndToEnd() throws Exception {
        Path dir = modelDir("images", ENGINE, "cpu-test");
        try (TensorRtEngine engine = TensorRtEngine.open(dir, TensorRtEngine.Backend.CPU_TEST, 1)) {
            assertThat(engine.maxBatch()).as("the engine profile's largest batch").isEqualTo(8);
            assertThat(engine.engineFile()).isEqualTo(dir.resolve("engines/model.cpu.lwtest"));
            assertThat(engine.description()).contains("CPU test engine").endsWith("fp32");

            byte[] pixels = new byte[8 * 8 * 3];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (byte) (i * 7);
            }
            InputBatch batch = new InputBatch(engine.manifest().input(), 2);
            batch.add(new BgrImage(pixels, 8, 8), new Box(0, 0, 8, 8));
            batch.add(new BgrImage(pixels, 8, 8), new Box(2, 2, 6, 6));
            Tensor input = batch.tensor();

            Map<String, Tensor> out = engine.run(Map.of("images", input));

            assertThat(out.keySet()).containsExactly("scores", "sums");
            assertThat(out.get("scores").shape()).containsExactly(2, 3, 4, 4);
            assertThat(out.get("sums").shape()).containsExactly(2, 1);
            for (int i = 0; i < 2 * ITEM; i++) {
                assertThat(out.get("scores").data()[i]).as("scores[%d]", i).isEqualTo(input.data()[i] * 2 + 1);
            }
        }
    }

    @Test
    void tensorRtEngineValidatesInputsBeforeNativeCodeAndRefusesRunsAfterClose() throws Exception {
        TensorRtEngine engine = TensorRtEngine.open(modelDir("images", ENGINE, "cpu-test"),
                TensorRtEngine.Backend.CPU_TEST, 1);
        Tensor nine = new Tensor(new long[] {9, 3, 4, 4}, new float[9 * ITEM]);
        assertThatThrownBy(() -> engine.run(Map.of("images", nine)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("with batch 1 to 8");
        Tensor one = new Tensor(new long[] {1, 3, 4, 4}, new float[ITEM]);
        assertThatThrownBy(() -> engine.run(Map.of("pixels", one)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes exactly one input \"images\"");
        engine.close();
        assertThatThrownBy(() -> engine.run(Map.of("images", one))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tensorRtEngineStartUpErrorsSayWhatToRun() throws Exception {
        Path stale = modelDir("images", ENGINE, "10.3.0");
        assertThatThrownBy(() -> TensorRtEngine.open(stale, TensorRtEngine.Backend.CPU_TEST, 1))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("built with TensorRT 10.3.0, this device has TensorRT cpu-test")
                .hasMessageContaining("tensorrt-engines/build_engines.sh " + stale);

        Path renamed = modelDir("pixels", ENGINE, "cpu-test");
        assertThatThrownBy(() -> TensorRtEngine.open(renamed, TensorRtEngine.Backend.CPU_TEST, 1))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("input.name: the engine has no input \"pixels\" (it has [images])");

        Path damaged = modelDir("images", ENGINE, "cpu-test");
        Files.writeString(damaged.resolve("engines/model.cpu.lwtest"), "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> TensorRtEngine.open(damaged, TensorRtEngine.Backend.CPU_TEST, 1))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("does not match").hasMessageContaining("damaged or replaced");

        Path fine = modelDir("images", ENGINE, "cpu-test");
        assertThatThrownBy(() -> TensorRtEngine.open(fine, TensorRtEngine.Backend.TENSORRT, 1))
                .as("the CI library has no TensorRT backend").isInstanceOf(ModelException.class)
                .hasMessageContaining("was built without TensorRT")
                .hasMessageContaining(TensorRtEngine.buildCommand())
                .hasMessageContaining("models.engine: onnx");
    }

    @Test
    void tensorRtEngineServesSeveralThreadsWithoutMixingTheirData() throws Exception {
        for (int contexts : new int[] {1, 2}) {
            // A static-shape engine: TensorRT allows several contexts on it at once.
            String engineText = ENGINE.replace("-1x3x4x4 min 1x3x4x4 opt 2x3x4x4 max 8x3x4x4", "4x3x4x4")
                    .replace("-1x3x4x4 affine", "4x3x4x4 affine").replace("-1x1 ", "4x1 ") + "delay-ms 2\n";
            try (TensorRtEngine engine = TensorRtEngine.open(modelDir("images", engineText, "cpu-test"),
                    TensorRtEngine.Backend.CPU_TEST, contexts)) {
                assertThat(engine.maxBatch()).isEqualTo(4);
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<Integer>> workers = new ArrayList<>();
                    for (int w = 0; w < 4; w++) {
                        int worker = w;
                        workers.add(pool.submit(() -> {
                            int checked = 0;
                            for (int round = 0; round < 25; round++) {
                                int batch = 1 + (worker + round) % 3;  // partial batches, padded to 4
                                float[] data = ramp(batch * ITEM, worker * 1000 + round);
                                Tensor out = engine.run(Map.of("images", new Tensor(new long[] {batch, 3, 4, 4}, data)))
                                        .get("scores");
                                assertThat(out.shape()).containsExactly(batch, 3, 4, 4);
                                for (int i = 0; i < data.length; i++) {
                                    assertThat(out.data()[i]).isEqualTo(data[i] * 2 + 1);
                                    checked++;
                                }
                            }
                            return checked;
                        }));
                    }
                    int total = 0;
                    for (Future<Integer> f : workers) {
                        total += f.get(60, TimeUnit.SECONDS);
                    }
                    assertThat(total).as("values checked with %d context(s)", contexts).isEqualTo(expectedValues());
                } finally {
                    pool.shutdownNow();
                    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                }
            }
        }
    }

    /** Values the concurrency test compares: 4 workers x 25 rounds, batches cycling 1, 2, 3. */
    private static int expectedValues() {
        int total = 0;
        for (int worker = 0; worker < 4; worker++) {
            for (int round = 0; round < 25; round++) {
                total += (1 + (worker + round) % 3) * ITEM;
            }
        }
        return total;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Duration timeout) throws Exception {
        Path log = Files.createTempFile("jni-build", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s:\n"
                        + Files.readString(log));
            }
            return new Result(process.exitValue(), Files.readString(log));
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
    }
}
