package dev.logowatch.source;

import java.awt.image.BufferedImage;
import java.time.Instant;

/**
 * One decoded frame, owned by the pipeline: sources copy out of their decoder's reused
 * buffers, so a frame stays valid after the next one is grabbed. The image is
 * {@link BufferedImage#TYPE_3BYTE_BGR}, whose raster is one {@code byte[]} that
 * preprocessing reads directly; nobody draws on it after creation.
 *
 * @param stream    id of the stream it came from
 * @param timestamp when it was captured (wall clock, UTC)
 * @param sequence  frame number within the stream since the service started, counting dropped ones
 * @param image     the pixels
 */
public record Frame(String stream, Instant timestamp, long sequence, BufferedImage image) {
    public int width() {
        return image.getWidth();
    }

    public int height() {
        return image.getHeight();
    }
}
