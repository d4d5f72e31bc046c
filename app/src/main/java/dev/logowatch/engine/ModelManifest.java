package dev.logowatch.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's {@code model.json}: what the model is, which file holds it, and everything needed
 * to feed it and read its answer. This file is the contract between whoever trains or exports a
 * model and the device; no preprocessing constant lives in Java code.
 *
 * <pre>{@code
 * {"name": "logo-embedder-v1", "task": "embed", "file": "model.onnx", "sha256": "<64 hex digits>",
 *  "input": {"name": "input", "layout": "NCHW", "size": [224, 224], "color": "RGB",
 *            "scale": 0.00392157, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
 *            "resize": "letterbox", "pad": [114, 114, 114]},
 *  "output": {"kind": "embedding", "names": ["embedding"], "dim": 256},
 *  "license": "Apache-2.0", "trained_from": "…"}
 * }</pre>
 *
 * <ul>
 * <li>{@code task}: {@code detect} (with output kind {@code detr}), {@code embed} (with
 *     output kind {@code embedding}) or {@code read}, a text-line recogniser (with output kind
 *     {@code ctc}).</li>
 * <li>{@code file}: the model file, relative to the folder holding {@code model.json};
 *     {@code sha256} is its digest, checked when the model is loaded.</li>
 * <li>{@code input.size}: <b>{@code [height, width]}</b>, in the order of the H and W axes of
 *     the NCHW tensor (as PyTorch writes sizes); {@code {"height": h, "width": w}} is accepted
 *     too. Models with static spatial axes are checked against it on load; a detector with
 *     free ones is fed this size, and its zoomed-out view a smaller one
 *     ({@link InferenceEngine#accepts}).</li>
 * <li>{@code input.color}: channel order of the tensor, {@code RGB} or {@code BGR}.
 *     {@code mean}, {@code std} and {@code pad} are per channel in that order.</li>
 * <li>A pixel byte {@code p} (0–255) becomes {@code (p * scale - mean[c]) / std[c]}.</li>
 * <li>{@code input.resize}: {@code letterbox} keeps the aspect ratio and pads with
 *     {@code pad} (0–255 per channel, required for letterbox); {@code stretch} scales each axis
 *     to fill; {@code shortest-side-crop} scales the short side to fit and crops the centre
 *     (CLIP's preprocessing).</li>
 * <li>{@code output.names}: for {@code embedding} one output of {@code dim} values per item
 *     (trailing axes are flattened, so {@code [N, 576, 1, 1]} is 576-d); for {@code detr} two
 *     outputs, logits {@code [N, Q, C+1]} then normalised boxes {@code [N, Q, 4]}; {@code dim},
 *     if given for a detector, is {@code C+1}. A single {@code "name"} may replace
 *     {@code names}; for {@code ctc} one output of per-step class probabilities
 *     {@code [N, T, dim]}, class 0 the CTC blank, then one class per line of the UTF-8 file
 *     {@code alphabet} (beside {@code model.json}), then a space: {@code dim} is the line count
 *     plus 2.</li>
 * <li>{@code license} is required, {@code trained_from} optional. Other top-level keys are
 *     logged and ignored so newer manifests still load; unknown keys inside {@code input} and
 *     {@code output} are errors, because they would change numbers silently.</li>
 * </ul>
 *
 * @param dir         the folder that holds {@code model.json}
 * @param name        the model's name, shown on the status page and in MQTT stats
 * @param task        what the model does
 * @param file        the model file, relative to {@code dir}
 * @param sha256      lower-case hex digest of the model file
 * @param input       how to build the input tensor
 * @param output      how to read the outputs
 * @param license     licence of the weights
 * @param trainedFrom where the weights came from
 */
public record ModelManifest(Path dir, String name, Task task, String file, String sha256, Input input,
                            Output output, String license, Optional<String> trainedFrom) {

    public enum Task { DETECT, EMBED, READ }

    public enum Layout { NCHW }

    public enum Color { RGB, BGR }

    public enum Resize { LETTERBOX, STRETCH, SHORTEST_SIDE_CROP }

    public enum OutputKind { EMBEDDING, DETR, CTC }

    /**
     * How pixels become the input tensor.
     *
     * @param name   the model's input tensor name
     * @param layout tensor layout; only NCHW
     * @param height tensor height in pixels
     * @param width  tensor width in pixels
     * @param color  channel order of the tensor
     * @param scale  multiplier applied to 0–255 bytes before the mean is subtracted
     * @param mean   per channel, in tensor channel order
     * @param std    per channel, in tensor channel order, all above 0
     * @param resize how a crop is fitted to {@code width} x {@code height}
     * @param pad    0–255 padding colour in tensor channel order (used by letterbox)
     */
    public record Input(String name, Layout layout, int height, int width, Color color, double scale,
                        List<Double> mean, List<Double> std, Resize resize, List<Integer> pad) {
        public Input {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
            pad = List.copyOf(pad);
            if (mean.size() != 3 || std.size() != 3 || pad.size() != 3) {
                throw new IllegalArgumentException("mean, std and pad need 3 values each");
            }
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
            }
        }

        /** The same preprocessing at another input size, for engines that {@link InferenceEngine#accepts} it. */
        public Input withSize(int newHeight, int newWidth) {
            return new Input(name, layout, newHeight, newWidth, color, scale, mean, std, resize, pad);
        }
    }

    /**
     * How the model answers.
     *
     * @param kind     embedding vectors, DETR queries or CTC steps
     * @param names    output tensor names: one for embeddings and CTC; logits then boxes for DETR
     * @param dim      values per item for embeddings; number of classes plus no-object for DETR;
     *                 classes per step for CTC
     * @param alphabet for CTC, the file naming the classes, relative to the manifest's folder
     */
    public record Output(OutputKind kind, List<String> names, OptionalInt dim, Optional<String> alphabet) {
        public Output {
            names = List.copyOf(names);
        }

        public Output(OutputKind kind, List<String> names, OptionalInt dim) {
            this(kind, names, dim, Optional.empty());
        }
    }

    public ModelManifest {
        dir = dir.toAbsolutePath().normalize();
    }

    /** Reads and validates {@code <dir>/model.json}, without hashing the model file. */
    public static ModelManifest read(Path dir) {
        return new ManifestReader(dir.resolve("model.json")).read();
    }

    public Path manifestFile() {
        return dir.resolve("model.json");
    }

    public Path modelFile() {
        return dir.resolve(file);
    }

    /**
     * Hashes the model file and compares it with {@code sha256}, so a truncated download or a
     * file replaced without updating the manifest is refused instead of producing wrong answers.
     */
    public void verifyFile() {
        Path path = modelFile();
        String actual = sha256Of(path, "model file");
        if (!actual.equals(sha256)) {
            throw new ModelException("model file " + path + " does not match " + manifestFile()
                    + ": sha256 expected " + sha256 + ", actual " + actual
                    + " (the file is damaged or model.json is stale)");
        }
    }

    /** Lower-case hex SHA-256 of a file; {@code what} names it in the error ("model file"). */
    public static String sha256Of(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new ModelException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-256", e);
        }
    }
}
