package dev.logowatch.engine;

import dev.logowatch.config.ModelsConfig;

import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded model that turns named float tensors into named float tensors, batch first.
 * Implementations: {@link OnnxEngine} (ONNX Runtime on the CPU) and a TensorRT engine on the
 * Jetson's GPU. Both are described by the same {@link ModelManifest}, so the stages around
 * them do not know which one runs. Safe to call from several stream workers at once.
 */
public interface InferenceEngine extends AutoCloseable {

    /** The manifest the model was loaded from. */
    ModelManifest manifest();

    /**
     * Most items one {@link #run} accepts: the model's fixed batch size, or for a model with
     * a dynamic batch axis the configured cap (memory and latency grow with it).
     */
    int maxBatch();

    /**
     * Whether {@link #run} also takes NCHW inputs of {@code height} x {@code width} rather than
     * the manifest's size: a fully convolutional model exported with free spatial axes, or an
     * engine whose optimisation profile spans them. Lets a caller run a shrunken view at a
     * smaller input instead of padding it out to the full one.
     */
    boolean accepts(int height, int width);

    /**
     * Runs the model once.
     *
     * @param inputs by input name; every tensor's first axis is the batch, 1 to {@link #maxBatch()}
     * @return every output by name, first axis the same batch
     * @throws ModelException when the model rejects the inputs or fails
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs);

    /** Frees the model's native memory; runs after this fail with {@link IllegalStateException}. */
    @Override
    void close();

    /**
     * Opens the model in {@code modelDir} (which holds {@code model.json}) on the configured
     * runtime, checking the model file's sha256 first.
     */
    static InferenceEngine open(Path modelDir, ModelsConfig.Engine engine) {
        return switch (engine) {
            case ONNX -> OnnxEngine.open(modelDir);
            case TENSORRT -> TensorRtEngine.open(modelDir);
        };
    }
}
