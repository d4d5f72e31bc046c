package dev.logowatch.config;

/**
 * Keypoint geometric matching: SIFT keypoints of the frame matched against every catalog
 * reference, kept where a plane homography explains them (RANSAC). It finds a logo the
 * embedder missed and confirms or vetoes what the embedder found, without a remote model.
 *
 * @param enabled       whether frames are searched at all
 * @param everyFrames   search one frame in this many per stream (it costs far more than a grid frame)
 * @param minInliers    matched keypoints a homography must explain for the logo to count as seen
 * @param ratio         Lowe's ratio: a keypoint match counts only when it is this much closer than
 *                      the best match to any other brand
 * @param maxSide       frames are searched at most this large (longer side, pixels)
 * @param referenceSide references are described at most this large
 * @param maxFeatures   keypoints kept per frame (the strongest)
 * @param vetoBelow     an embedding match below this similarity is dropped when the frame was
 *                      searched and no keypoints of its brand support it; 0 never drops one
 */
public record KeypointsConfig(boolean enabled, int everyFrames, int minInliers, double ratio, int maxSide,
                              int referenceSide, int maxFeatures, double vetoBelow) {
    public static final KeypointsConfig DISABLED = new KeypointsConfig(false, 1, 12, 0.8, 1280, 512, 3000, 0);

    public KeypointsConfig {
        if (everyFrames < 1 || minInliers < 4 || !(ratio > 0 && ratio <= 1) || maxSide < 64 || referenceSide < 32
                || maxFeatures < 16 || !(vetoBelow >= 0 && vetoBelow <= 1)) {
            throw new IllegalArgumentException("keypoints settings out of range: " + this);
        }
    }

    public KeypointsConfig enabled(boolean value) {
        return new KeypointsConfig(value, everyFrames, minInliers, ratio, maxSide, referenceSide, maxFeatures, vetoBelow);
    }

    static KeypointsConfig read(ConfigNode node) {
        KeypointsConfig d = DISABLED;
        boolean enabled = node.bool("enabled", d.enabled());
        int every = node.integer("every-frames", d.everyFrames(), 1, 10_000);
        // A homography has 8 degrees of freedom; fewer than 4 points cannot even be fitted.
        int minInliers = node.integer("min-inliers", d.minInliers(), 4, 1000);
        double ratio = node.number("ratio", d.ratio(), 0.05, 1.0);
        int maxSide = node.integer("max-side", d.maxSide(), 64, 8192);
        int referenceSide = node.integer("reference-side", d.referenceSide(), 32, 4096);
        int maxFeatures = node.integer("max-features", d.maxFeatures(), 16, 100_000);
        double vetoBelow = node.number("veto-below", d.vetoBelow(), 0.0, 1.0);
        node.rejectUnknownKeys();
        return new KeypointsConfig(enabled, every, minInliers, ratio, maxSide, referenceSide, maxFeatures, vetoBelow);
    }
}
