package dev.logowatch.catalog;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;

/**
 * A reference image file that passed the cheap checks (readable, an image, a sane size),
 * judged from its header so a cache hit never decodes pixels.
 *
 * @param path   the file
 * @param name   its path relative to the catalog, for reports
 * @param sha256 of its bytes; the embedding cache key
 */
record ReferenceImage(Path path, String name, String sha256, int width, int height) {
    static final int MIN_SIDE = 8;
    static final long MAX_PIXELS = 40_000_000L;
    static final long MAX_BYTES = 64L << 20;
    /** Embedders look at 224-512 px; decoding huge references at full size only costs memory. */
    static final int DECODE_SIDE = 2048;
    /**
     * Transparent parts of a logo become mid-grey: on white a white mark would vanish, on
     * black a black one; grey keeps both visible to the embedder.
     */
    private static final Color BACKGROUND = new Color(128, 128, 128);

    /** Why a reference image cannot be used; the message is the reason shown to people. */
    static final class Unusable extends Exception {
        Unusable(String reason) {
            super(reason, null, false, false);
        }
    }

    static ReferenceImage probe(Path path, String name) throws Unusable {
        byte[] bytes = read(path);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(in);
            try {
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w < MIN_SIDE || h < MIN_SIDE) {
                    throw new Unusable("too small (" + w + "x" + h + " px; at least " + MIN_SIDE + "x" + MIN_SIDE
                            + " needed)");
                }
                if ((long) w * h > MAX_PIXELS) {
                    throw new Unusable("too large (" + w + "x" + h + " px; at most " + MAX_PIXELS / 1_000_000
                            + " megapixels)");
                }
                return new ReferenceImage(path, name, sha256(bytes), w, h);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new Unusable("broken image header (" + message(e) + ")");
        }
    }

    /** The pixels as {@link BufferedImage#TYPE_3BYTE_BGR}, what embedders read. */
    BufferedImage decode() throws Unusable {
        byte[] bytes = read(path);
        if (!sha256(bytes).equals(sha256)) {
            throw new Unusable("changed while the catalog was loading");
        }
        BufferedImage decoded;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(in);
            try {
                ImageReadParam param = reader.getDefaultReadParam();
                int step = (Math.max(width, height) + DECODE_SIDE - 1) / DECODE_SIDE;
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                decoded = reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new Unusable("cannot be decoded (" + message(e) + "); save it as an RGB PNG or JPEG");
        }
        if (decoded == null) {
            throw new Unusable("cannot be decoded; save it as an RGB PNG or JPEG");
        }
        if (decoded.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return decoded;
        }
        BufferedImage bgr = new BufferedImage(decoded.getWidth(), decoded.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = bgr.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, bgr.getWidth(), bgr.getHeight());
            g.drawImage(decoded, 0, 0, null);
        } finally {
            g.dispose();
        }
        return bgr;
    }

    private static ImageReader reader(ImageInputStream in) throws Unusable {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new Unusable("not a PNG or JPEG image");
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, true);
        return reader;
    }

    private static byte[] read(Path path) throws Unusable {
        try {
            long size = Files.size(path);
            if (size == 0) {
                throw new Unusable("empty file (0 bytes)");
            }
            if (size > MAX_BYTES) {
                throw new Unusable("file too large (" + size / (1 << 20) + " MiB; at most " + (MAX_BYTES >> 20)
                        + " MiB)");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new Unusable("unreadable (" + message(e) + ")");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
