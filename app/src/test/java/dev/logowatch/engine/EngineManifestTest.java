package dev.logowatch.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Choosing the TensorRT engine for a model on this device, the checks of an engine's tensors
 * against model.json, and the start-up messages, without native code.
 */
class EngineManifestTest {
    private static final String SHA = "a".repeat(64);
    private static final NativeEngine.Platform ORIN = new NativeEngine.Platform("10.3.0", "8.7", "Orin", true);

    @TempDir
    Path dir;

    private ModelManifest model(String task, String output) throws IOException {
        Files.writeString(dir.resolve("model.onnx"), "onnx");
        Files.writeString(dir.resolve("model.json"), """
                {"name": "m", "task": "%s", "file": "model.onnx", "sha256": "%s",
                 "input": {"name": "pixel_values", "layout": "NCHW", "size": [224, 224], "color": "RGB",
                           "scale": 0.00392156862745098, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
                           "resize": "stretch"},
                 "output": %s, "license": "apache-2.0"}
                """.formatted(task, SHA, output));
        return ModelManifest.read(dir);
    }

    private ModelManifest embedder() throws IOException {
        return model("embed", "{\"kind\": \"embedding\", \"names\": [\"embedding\"], \"dim\": 768}");
    }

    private Path engine(String name, String modelSha, String version, String capability, String precision,
                        String built, boolean withFile) throws IOException {
        Path engines = Files.createDirectories(dir.resolve("engines"));
        if (withFile) {
            Files.writeString(engines.resolve(name), "plan");
        }
        Path manifest = engines.resolve(name + ".json");
        Files.writeString(manifest, """
                {"schema": 1, "engine": "%s", "engine_sha256": "%s", "model_file": "model.onnx", "model_sha256": "%s",
                 "tensorrt": "%s", "compute_capability": "%s", "gpu": "Orin", "precision": "%s", "built": "%s"}
                """.formatted(name, "b".repeat(64), modelSha, version, capability, precision, built));
        return manifest;
    }

    @Test
    void picksTheNewestEngineBuiltFromThisModelForThisTensorRtAndGpu() throws IOException {
        ModelManifest model = embedder();
        engine("a.fp16.engine", SHA, "10.3.0", "8.7", "fp16", "2026-01-01T00:00:00Z", true);
        engine("b.int8.engine", SHA, "10.3.0", "8.7", "int8", "2026-02-01T00:00:00Z", true);
        engine("c.fp16.engine", SHA, "10.4.0", "8.7", "fp16", "2026-03-01T00:00:00Z", true);

        EngineManifest chosen = EngineManifest.select(model, ORIN);

        assertThat(chosen.engine()).isEqualTo(dir.resolve("engines/b.int8.engine"));
        assertThat(chosen.precision()).isEqualTo("int8");
    }

    @Test
    void explainsWhyEachEngineFoundDoesNotFitAndHowToBuildOne() throws IOException {
        ModelManifest model = embedder();
        engine("old-model.engine", "c".repeat(64), "10.3.0", "8.7", "fp16", "2026-01-01T00:00:00Z", true);
        engine("old-trt.engine", SHA, "8.6.2", "8.7", "fp16", "2026-01-01T00:00:00Z", true);
        engine("desktop.engine", SHA, "10.3.0", "8.6", "fp16", "2026-01-01T00:00:00Z", true);
        engine("gone.engine", SHA, "10.3.0", "8.7", "fp16", "2026-01-01T00:00:00Z", false);
        Files.writeString(dir.resolve("engines/broken.engine.json"), "{\"schema\": 1, \"engine\": \"../x\"}");

        assertThatThrownBy(() -> EngineManifest.select(model, ORIN))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("no TensorRT engine for model m")
                .hasMessageContaining("TensorRT 10.3.0 can run on this Orin (compute capability 8.7)")
                .hasMessageContaining("old-model.engine.json: built from a different model file (sha256 cccccccccccc…, "
                        + "model.json says aaaaaaaaaaaa…)")
                .hasMessageContaining("old-trt.engine.json: built with TensorRT 8.6.2, this device has TensorRT 10.3.0")
                .hasMessageContaining("desktop.engine.json: built for compute capability 8.6, this GPU (Orin) is 8.7")
                .hasMessageContaining("gone.engine.json: its engine file " + dir.resolve("engines/gone.engine") + " is missing")
                .hasMessageContaining("broken.engine.json:\n  ")
                .hasMessageContaining("engine_sha256: missing or not a string")
                .hasMessageContaining("tensorrt-engines/build_engines.sh " + dir)
                .hasMessageContaining("models.engine: onnx");
    }

    @Test
    void saysSoWhenNoEngineWasBuiltYet() throws IOException {
        ModelManifest model = embedder();
        assertThatThrownBy(() -> EngineManifest.select(model, ORIN))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("there are no engine manifests in " + dir.resolve("engines"))
                .hasMessageContaining("tensorrt-engines/build_engines.sh " + dir);
    }

    @Test
    void anEngineFileDifferentFromItsManifestIsReportedAsDamaged() throws IOException {
        ModelManifest model = embedder();
        EngineManifest manifest = EngineManifest.read(
                engine("a.engine", SHA, "10.3.0", "8.7", "fp16", "2026-01-01T00:00:00Z", true));
        assertThatThrownBy(() -> manifest.verifyEngineFile(model))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("sha256 expected " + "b".repeat(64))
                .hasMessageContaining("damaged or replaced");
    }

    private static NativeEngine.TensorSpec spec(String name, boolean input, NativeEngine.DataType type, long[] shape,
                                                long[] max) {
        long[] min = shape.clone();
        for (int i = 0; i < min.length; i++) {
            min[i] = min[i] < 0 ? 1 : min[i];
        }
        return new NativeEngine.TensorSpec(name, input, type, shape, min, max, max);
    }

    @Test
    void anEngineMatchingItsManifestHasNoProblems() throws IOException {
        ModelManifest model = embedder();
        List<NativeEngine.TensorSpec> tensors = List.of(
                spec("pixel_values", true, NativeEngine.DataType.FLOAT32, new long[] {-1, 3, 224, 224},
                        new long[] {32, 3, 224, 224}),
                spec("embedding", false, NativeEngine.DataType.FLOAT32, new long[] {-1, 768}, new long[] {32, 768}));
        assertThat(TensorRtEngine.problems(model, tensors)).isEmpty();
    }

    @Test
    void listsEveryWayAnEmbedderEngineDiffersFromItsManifest() throws IOException {
        ModelManifest model = embedder();
        List<NativeEngine.TensorSpec> tensors = List.of(
                spec("pixel_values", true, NativeEngine.DataType.FLOAT16, new long[] {-1, 3, 256, 256},
                        new long[] {8, 3, 256, 256}),
                spec("mask", true, NativeEngine.DataType.FLOAT32, new long[] {-1, 256}, new long[] {8, 256}),
                spec("embedding", false, NativeEngine.DataType.FLOAT32, new long[] {-1, 512}, new long[] {8, 512}));

        assertThat(TensorRtEngine.problems(model, tensors)).containsExactly(
                "input \"pixel_values\" is float16; logowatch exchanges float32 tensors (build without "
                        + "--inputIOFormats/--outputIOFormats)",
                "input.size: [224, 224] ([height, width]) is not accepted by the engine's input pixel_values "
                        + "float16[-1, 3, 256, 256] [1, 3, 256, 256]..[8, 3, 256, 256]",
                "input.name: the engine also needs inputs [mask], which nothing feeds",
                "output.dim: 768 does not fit the engine's output embedding float32[-1, 512] [1, 512]..[8, 512]");
    }

    @Test
    void checksDetrOutputsAndClassCount() throws IOException {
        ModelManifest model = model("detect", "{\"kind\": \"detr\", \"names\": [\"logits\", \"pred_boxes\"], \"dim\": 2}");
        List<NativeEngine.TensorSpec> tensors = List.of(
                spec("pixel_values", true, NativeEngine.DataType.FLOAT32, new long[] {1, 3, 224, 224},
                        new long[] {1, 3, 224, 224}),
                spec("logits", false, NativeEngine.DataType.FLOAT32, new long[] {1, 100, 92}, new long[] {1, 100, 92}),
                spec("pred_boxes", false, NativeEngine.DataType.FLOAT32, new long[] {1, 100, 5}, new long[] {1, 100, 5}));

        assertThat(TensorRtEngine.problems(model, tensors)).containsExactly(
                "output.dim: 2 classes (with no-object) do not fit the engine's logits [1, 100, 92]",
                "output.names: detr boxes \"pred_boxes\" must be [N, Q, 4], the engine's is [1, 100, 5]");
    }

    @Test
    void aMissingBridgeLibrarySaysWhichCommandBuildsIt() {
        List<Path> candidates = List.of(dir.resolve("lib/native/liblogowatch_trt.so"),
                dir.resolve("jni/build/liblogowatch_trt.so"));
        assertThatThrownBy(() -> TensorRtEngine.locateLibrary(candidates))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("liblogowatch_trt.so was not found (looked at " + candidates + ")")
                .hasMessageContaining("cmake -S jni -B jni/build -DLOGOWATCH_TENSORRT=ON && cmake --build jni/build")
                .hasMessageContaining("sudo systemd/install.sh")
                .hasMessageContaining("models.engine: onnx");
    }

    @Test
    void nativeErrorCodesMapToTheirNames() {
        assertThat(new TensorRtException(3, "bad shape").code()).isEqualTo(TensorRtException.Code.SHAPE);
        assertThat(new TensorRtException(99, "?").code()).isEqualTo(TensorRtException.Code.INTERNAL);
        assertThat(new TensorRtException(1, "cannot load").getMessage()).isEqualTo("LOAD: cannot load");
    }
}
