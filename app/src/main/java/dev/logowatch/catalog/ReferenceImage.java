package dev.logowatch.catalog;

import dev.logowatch.config.ImagesConfig;
import dev.logowatch.image.ImageFile;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A reference image file that passed the cheap checks (readable, an image, a sane size),
 * judged from its header so a cache hit never decodes pixels.
 *
 * @param path   the file
 * @param name   its path relative to the catalog, for reports
 * @param sha256 of its bytes; the embedding cache key
 */
record ReferenceImage(Path path, String name, String sha256, int width, int height) {
    /** Embedders look at 224-512 px; decoding huge references at full size only costs memory. */
    static final int DECODE_SIDE = 2048;

    /** Why a reference image cannot be used; the message is the reason shown to people. */
    static final class Unusable extends Exception {
        Unusable(String reason) {
            super(reason, null, false, false);
        }
    }

    static ReferenceImage probe(Path path, String name, ImagesConfig limits) throws Unusable {
        try {
            byte[] bytes = ImageFile.bytes(path);
            ImageFile.Header header = ImageFile.probe(bytes, limits);
            return new ReferenceImage(path, name, sha256(bytes), header.uprightWidth(), header.uprightHeight());
        } catch (ImageFile.Refused e) {
            throw new Unusable(e.getMessage());
        }
    }

    /**
     * The pixels as {@link BufferedImage#TYPE_3BYTE_BGR}, upright, transparency on white (as
     * the embedder was trained to see references), what embedders read. A reference is
     * decoded in full before it is used, so a truncated file is refused here, never embedded.
     */
    BufferedImage decode(ImagesConfig limits) throws Unusable {
        try {
            byte[] bytes = ImageFile.bytes(path);
            if (!sha256(bytes).equals(sha256)) {
                throw new Unusable("changed while the catalog was loading");
            }
            return ImageFile.decode(bytes, limits, DECODE_SIDE);
        } catch (ImageFile.Refused e) {
            throw new Unusable(e.getMessage());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
