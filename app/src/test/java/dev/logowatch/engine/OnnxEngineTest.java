package dev.logowatch.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.config.ModelsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnnxEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    /** A copy of a generated model whose manifest was changed by {@code edit}. */
    private Path copyWith(String model, Consumer<ObjectNode> edit) throws IOException {
        Path source = TestModels.model(model);
        Path copy = Files.createDirectories(temp.resolve(model));
        Files.copy(source.resolve("model.onnx"), copy.resolve("model.onnx"));
        ObjectNode manifest = (ObjectNode) JSON.readTree(source.resolve("model.json").toFile());
        edit.accept(manifest);
        JSON.writeValue(copy.resolve("model.json").toFile(), manifest);
        return copy;
    }

    @Test
    void inputBuffersAreReusedAcrossBatchSizesAndStayBounded() throws Exception {
        try (OnnxEngine engine = OnnxEngine.open(TestModels.model("embedder"), 1, 16)) {
            Tensor big = new Tensor(new long[] {16, 3, 16, 16}, new float[16 * 3 * 16 * 16]);
            Tensor one = new Tensor(new long[] {1, 3, 16, 16}, new float[3 * 16 * 16]);
            // Many single-item runs at once leave small buffers in the pool; batched runs after
            // them must reuse one large buffer, not keep a new one each time (bench --batches ran
            // out of direct memory that way).
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
            try {
                java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
                for (int i = 0; i < 48; i++) {
                    runs.add(pool.submit(() -> engine.run(Map.of("input", one))));
                }
                for (java.util.concurrent.Future<?> f : runs) {
                    f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(engine.pooledBuffers()).isBetween(1, OnnxEngine.MAX_POOLED);
            for (int i = 0; i < 20; i++) {
                assertThat(engine.run(Map.of("input", big)).get("embedding").shape()).containsExactly(16, 8);
            }
            assertThat(engine.pooledBuffers()).isBetween(1, OnnxEngine.MAX_POOLED);
            assertThat(engine.largePooledBuffers(16 * 3 * 16 * 16)).isEqualTo(1);
        }
    }

    @Test
    void opensADynamicBatchModelWithTheConfiguredCap() {
        try (OnnxEngine engine = OnnxEngine.open(TestModels.model("embedder"), 2, 7)) {
            assertThat(engine.maxBatch()).isEqualTo(7);
            assertThat(engine.manifest().name()).isEqualTo("test-embedder");

            Map<String, Tensor> out = engine.run(Map.of("input", new Tensor(new long[] {3, 3, 16, 16},
                    new float[3 * 3 * 16 * 16])));

            assertThat(out).containsOnlyKeys("embedding");
            assertThat(out.get("embedding").shape()).containsExactly(3, 8);
        }
    }

    @Test
    void aFixedBatchModelRunsPartialBatchesAndReturnsOnlyRealItems() {
        try (OnnxEngine fixed = OnnxEngine.open(TestModels.model("embedder-batch4"), 1, 32);
             OnnxEngine dynamic = OnnxEngine.open(TestModels.model("embedder"), 1, 32)) {
            float[] data = new float[3 * 16 * 16 * 2];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) Math.sin(i * 0.37);
            }
            Tensor two = new Tensor(new long[] {2, 3, 16, 16}, data);

            Tensor fromFixed = fixed.run(Map.of("input", two)).get("embedding");
            Tensor fromDynamic = dynamic.run(Map.of("input", two)).get("embedding");

            assertThat(fixed.maxBatch()).isEqualTo(4);
            assertThat(fromFixed.shape()).containsExactly(2, 8);
            assertThat(fromFixed.data()).containsExactly(fromDynamic.data(), org.assertj.core.api.Assertions.within(1e-5f));
        }
    }

    @Test
    void refusesAModelFileThatDoesNotMatchItsSha256() throws IOException {
        Path copy = copyWith("embedder", m -> { });
        Files.write(copy.resolve("model.onnx"), new byte[] {0}, StandardOpenOption.APPEND);

        assertThatThrownBy(() -> OnnxEngine.open(copy))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(copy.resolve("model.onnx").toAbsolutePath().normalize().toString())
                .hasMessageMatching("(?s).*sha256 expected [0-9a-f]{64}, actual [0-9a-f]{64}.*");
    }

    @Test
    void refusesAManifestWhoseSizeDoesNotFitTheModel() throws IOException {
        Path copy = copyWith("embedder", m -> ((ObjectNode) m.get("input")).putArray("size").add(16).add(32));

        assertThatThrownBy(() -> OnnxEngine.open(copy))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("input.size: [16, 32] ([height, width]) does not fit the model's input "
                        + "[-1, 3, 16, 16]");
    }

    @Test
    void refusesManifestNamesTheModelDoesNotHave() throws IOException {
        Path copy = copyWith("detr", m -> {
            ((ObjectNode) m.get("input")).put("name", "pixel_values");
            ((ObjectNode) m.get("output")).putArray("names").add("logits").add("boxes");
        });

        assertThatThrownBy(() -> OnnxEngine.open(copy))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("input.name: the model has no tensor \"pixel_values\" (it has [images])")
                .hasMessageContaining("output.names: the model has no tensor \"boxes\"");
    }

    @Test
    void refusesAnEmbeddingDimTheModelDoesNotProduce() throws IOException {
        Path copy = copyWith("embedder", m -> ((ObjectNode) m.get("output")).put("dim", 16));

        assertThatThrownBy(() -> OnnxEngine.open(copy))
                .hasMessageContaining("output.dim: 16 does not fit the model's output \"embedding\" [-1, 8]");
    }

    @Test
    void refusesBatchesOutsideTheCapAndRunsAfterClose() {
        OnnxEngine engine = OnnxEngine.open(TestModels.model("embedder"), 1, 2);
        Tensor three = new Tensor(new long[] {3, 3, 16, 16}, new float[3 * 3 * 16 * 16]);

        assertThatThrownBy(() -> engine.run(Map.of("input", three)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch 3, expected 1 to 2");
        engine.close();
        assertThatThrownBy(() -> engine.run(Map.of("input", three))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tensorrtIsRefusedWithAHint() {
        assertThatThrownBy(() -> InferenceEngine.open(temp, ModelsConfig.Engine.TENSORRT))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("models.engine: onnx");
    }
}
