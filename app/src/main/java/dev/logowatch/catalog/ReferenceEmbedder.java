package dev.logowatch.catalog;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The embedding model as the catalog needs it: reference images in, one vector per image
 * out. The wiring adapts the real embedder to this, so the catalog stays testable with
 * hand-made vectors.
 */
public interface ReferenceEmbedder {
    /** The model file's sha256; embeddings of different models never mix in the cache. */
    String modelSha256();

    /**
     * Embeds a batch of images, each {@link BufferedImage#TYPE_3BYTE_BGR}.
     *
     * @return one L2-normalised row per image, in order, all of the same length
     */
    float[][] embed(List<BufferedImage> images);
}
