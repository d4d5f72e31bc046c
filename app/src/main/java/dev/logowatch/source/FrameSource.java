package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;

/**
 * One opened decoder for one stream: FFmpeg (files, RTSP, HTTP, V4L2 devices) or a
 * GStreamer pipeline ending in {@code appsink} (hardware decoding and CSI cameras on the
 * Jetson). A source is used by one thread, is not reopened (the {@link StreamReader} opens a
 * new one after a failure) and is closed once.
 */
public interface FrameSource extends AutoCloseable {

    /** What one call to {@link #grab} found. */
    sealed interface Grab permits Picture, Pending, EndOfStream {
    }

    /**
     * A decoded picture in the decoder's own buffer, packed BGR with {@code stride} bytes per
     * row. Valid only until the next {@link #grab} or {@link #close}: {@link #copy} it to keep it.
     *
     * @param mediaMicros presentation time in the stream, microseconds; {@link #UNKNOWN_TIME} if the
     *                    decoder gave none
     * @param width       pixels
     * @param height      pixels
     * @param bgr         the pixels, read from index 0 (its position is ignored)
     * @param stride      bytes from one row to the next, at least {@code 3 * width}
     */
    record Picture(long mediaMicros, int width, int height, ByteBuffer bgr, int stride) implements Grab {
        public static final long UNKNOWN_TIME = Long.MIN_VALUE;

        public Picture {
            if (width <= 0 || height <= 0) {
                throw new SourceException("decoder gave a " + width + "x" + height + " picture");
            }
            if (stride < 3 * width || (long) stride * (height - 1) + 3L * width > bgr.capacity()) {
                throw new SourceException("decoder gave " + bgr.capacity() + " bytes for a " + width + "x" + height
                        + " BGR picture with rows of " + stride + " bytes");
            }
        }

        /** Copies the pixels into a frame the pipeline owns, unaffected by later decoding. */
        public Frame copy(String stream, Instant timestamp, long sequence) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            byte[] dst = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            int row = 3 * width;
            if (stride == row) {
                bgr.get(0, dst, 0, row * height);
            } else {
                for (int y = 0; y < height; y++) {
                    bgr.get(y * stride, dst, y * row, row);
                }
            }
            return new Frame(stream, timestamp, sequence, image);
        }
    }

    /** Nothing arrived within the timeout; the source may still be fine (see stall detection). */
    record Pending() implements Grab {
    }

    /** The input ended: a file's end, or a live server that closed the stream. */
    record EndOfStream() implements Grab {
    }

    Grab PENDING = new Pending();
    Grab END_OF_STREAM = new EndOfStream();

    /**
     * Opens the decoder {@code config.decoder()} names.
     *
     * @throws SourceException with a short reason (URL redacted) if it cannot be opened
     */
    static FrameSource open(StreamConfig config) {
        return switch (config.decoder()) {
            case FFMPEG -> FFmpegSource.open(config);
            case GSTREAMER -> GStreamerSource.open(config);
        };
    }

    /**
     * The next decoded picture. Waits up to {@code timeout} where the decoder allows; FFmpeg
     * blocks until a packet arrives or its own I/O timeout (the stream's stall timeout) passes.
     *
     * @throws SourceException when the decoder fails; the source is then unusable
     */
    Grab grab(Duration timeout) throws InterruptedException;

    /** Releases the decoder; never throws. */
    @Override
    void close();
}
