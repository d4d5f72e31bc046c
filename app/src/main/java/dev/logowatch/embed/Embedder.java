package dev.logowatch.embed;

import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.InputBatch;
import dev.logowatch.engine.ModelException;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.Tensor;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Turns image regions into unit-length vectors whose cosine similarity says how alike two
 * logos look. Crops are preprocessed as the model's manifest says and run in batches of up
 * to the engine's {@link InferenceEngine#maxBatch()}; a batch's crops are cut and resampled on
 * the calling thread and the common pool together, the Java side's main work per frame. Safe
 * to share between stream workers: input buffers are pooled per concurrent call.
 */
public final class Embedder {
    private final InferenceEngine engine;
    private final DeviceMeters meters;
    private final ModelManifest manifest;
    private final int dimension;
    private final String outputName;
    private final ConcurrentLinkedQueue<InputBatch> batches = new ConcurrentLinkedQueue<>();

    public Embedder(InferenceEngine engine) {
        this(engine, null);
    }

    /** @param meters where to record the preprocess and embed stages of frames, or {@code null} */
    public Embedder(InferenceEngine engine, DeviceMeters meters) {
        this.manifest = engine.manifest();
        if (manifest.task() != ModelManifest.Task.EMBED
                || manifest.output().kind() != ModelManifest.OutputKind.EMBEDDING) {
            throw new IllegalArgumentException("model " + manifest.name() + " (" + manifest.manifestFile()
                    + ") is not an embedder; models.embedder needs task embed with output kind embedding");
        }
        this.engine = engine;
        this.meters = meters;
        this.dimension = manifest.output().dim().orElseThrow();
        this.outputName = manifest.output().names().getFirst();
    }

    /** Length of every vector. */
    public int dimension() {
        return dimension;
    }

    public String modelName() {
        return manifest.name();
    }

    /** Digest of the model file: prototypes computed with another model are not comparable. */
    public String modelSha256() {
        return manifest.sha256();
    }

    /**
     * One vector per crop, in order.
     *
     * @param crops regions in frame pixels; each must overlap the frame
     */
    public List<float[]> embed(Frame frame, List<Box> crops) {
        if (crops.isEmpty()) {
            return List.of();
        }
        BgrImage image = BgrImage.of(frame);
        return embed(Collections.nCopies(crops.size(), image), crops, true);
    }

    /** The vector of a whole image of any type; transparency is composited on white. */
    public float[] embed(BufferedImage image) {
        return embedImages(List.of(image)).getFirst();
    }

    /** One vector per whole image, in order, batched (reference logos of a catalog). */
    public List<float[]> embedImages(List<BufferedImage> images) {
        List<BgrImage> pixels = new ArrayList<>(images.size());
        List<Box> crops = new ArrayList<>(images.size());
        for (BufferedImage image : images) {
            pixels.add(BgrImage.of(image));
            crops.add(new Box(0, 0, image.getWidth(), image.getHeight()));
        }
        return embed(pixels, crops, false);
    }

    private List<float[]> embed(List<BgrImage> images, List<Box> crops, boolean timed) {
        InputBatch batch = batches.poll();
        if (batch == null) {
            batch = new InputBatch(manifest.input(), engine.maxBatch(), InputBatch.LANES);
        }
        try {
            List<float[]> vectors = new ArrayList<>(crops.size());
            long preprocess = 0;
            long inference = 0;
            for (int start = 0; start < crops.size(); start += batch.capacity()) {
                int end = Math.min(crops.size(), start + batch.capacity());
                long t0 = System.nanoTime();
                batch.clear();
                batch.addAll(images.subList(start, end), crops.subList(start, end), InputBatch.HELPERS);
                long t1 = System.nanoTime();
                Map<String, Tensor> outputs = engine.run(Map.of(manifest.input().name(), batch.tensor()));
                preprocess += t1 - t0;
                inference += System.nanoTime() - t1;
                read(outputs.get(outputName), end - start, vectors);
            }
            if (timed && meters != null) {
                meters.record(DeviceMeters.Stage.PREPROCESS, Duration.ofNanos(preprocess));
                meters.record(DeviceMeters.Stage.EMBED, Duration.ofNanos(inference));
            }
            return vectors;
        } finally {
            batches.offer(batch);
        }
    }

    /** Splits the output into per-item vectors (trailing axes flattened) and normalises each. */
    private void read(Tensor output, int items, List<float[]> into) {
        if (output == null) {
            throw new ModelException("embedder " + manifest.name() + " returned no output \"" + outputName + "\"");
        }
        if (output.dim(0) != items || output.size() != items * dimension) {
            throw new ModelException("embedder " + manifest.name() + ": output \"" + outputName + "\" has shape "
                    + output + " for " + items + " items, but model.json says dim " + dimension);
        }
        float[] data = output.data();
        for (int i = 0; i < items; i++) {
            float[] vector = new float[dimension];
            System.arraycopy(data, i * dimension, vector, 0, dimension);
            into.add(normalise(vector));
        }
    }

    /** Scales to unit length; an all-zero vector stays zero (similar to nothing). */
    static float[] normalise(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        if (sum > 0) {
            float inverse = (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < vector.length; i++) {
                vector[i] *= inverse;
            }
        }
        return vector;
    }
}
