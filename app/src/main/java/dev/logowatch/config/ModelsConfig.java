package dev.logowatch.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which models run and on what. Each model is a folder holding {@code model.json} (the
 * manifest that carries its preprocessing) and the model file it names.
 *
 * @param detector the logo detector; absent when the grid proposer is used
 * @param embedder the logo embedder
 * @param engine   ONNX Runtime on the CPU, or TensorRT engines on a Jetson's GPU
 * @param textReader the text-line recogniser that {@code text} reading uses
 */
public record ModelsConfig(Optional<Path> detector, Optional<Path> embedder, Engine engine,
                           Optional<Path> textReader) {

    public enum Engine { ONNX, TENSORRT }

    static ModelsConfig read(ConfigNode node) {
        Optional<Path> detector = modelDir(node, "detector");
        Optional<Path> embedder = modelDir(node, "embedder");
        Engine engine = node.choice("engine", Engine.ONNX);
        Optional<Path> textReader = modelDir(node, "text-reader");
        node.rejectUnknownKeys();
        return new ModelsConfig(detector, embedder, engine, textReader);
    }

    private static Optional<Path> modelDir(ConfigNode node, String key) {
        Optional<Path> dir = node.path(key, ConfigNode.PathKind.EXISTING_DIR);
        dir.filter(Files::isDirectory)
                .filter(d -> !Files.isRegularFile(d.resolve("model.json")))
                .ifPresent(d -> node.problem(key, "no model.json in " + d
                        + " (a model folder holds model.json and the model file it names)"));
        return dir;
    }
}
