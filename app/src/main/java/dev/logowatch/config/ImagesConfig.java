package dev.logowatch.config;

/**
 * What an image file (a catalog reference, an eval test image) must be to be read at all.
 * Both are judged from the file's header, before any pixel is decoded.
 *
 * @param maxPixels largest width × height decoded; a small file can claim a huge size (a
 *                  decompression bomb) and would otherwise take the device's memory
 * @param minSide   smallest width and height; anything smaller cannot hold a recognisable logo
 */
public record ImagesConfig(long maxPixels, int minSide) {
    public static final ImagesConfig DEFAULT = new ImagesConfig(40_000_000L, 16);

    public ImagesConfig {
        if (maxPixels < 1 || minSide < 1) {
            throw new IllegalArgumentException("maxPixels and minSide must be positive, got " + maxPixels + ", " + minSide);
        }
    }

    static ImagesConfig read(ConfigNode node) {
        double megapixels = node.number("max-megapixels", DEFAULT.maxPixels() / 1e6, 0.01, 1000);
        int minSide = node.integer("min-side", DEFAULT.minSide(), 1, 4096);
        node.rejectUnknownKeys();
        return new ImagesConfig(Math.round(megapixels * 1e6), minSide);
    }
}
