package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A video file read offline, as fast as it decodes: every frame the sampler admits, in
 * order, none dropped ({@code logowatch analyze}, {@code bench}). Frame timestamps are the
 * position in the video counted from {@link Instant#EPOCH}, so reports can print offsets.
 *
 * <p>A damaged file is read as far as it can be: a decoder failure after the first picture
 * ends the file there instead of the run, and {@link #coverage()} says how much of the
 * stated length was read, where pictures were missing, and why reading stopped.
 */
public final class VideoFile implements AutoCloseable {
    private static final Duration NO_STALL = Duration.ofSeconds(60);
    /** A jump in picture times longer than this is a stretch of the file that could not be decoded. */
    private static final long GAP_MICROS = 1_000_000;

    private final FFmpegSource source;
    private final FrameSampler sampler;
    private final String stream;
    private final Duration length;
    private long sequence;
    private long decoded;
    private long firstMicros = Long.MIN_VALUE;
    private long lastMicros = Long.MIN_VALUE;
    private long frameMicros = 40_000;
    private final List<Gap> gaps = new ArrayList<>();
    private Optional<String> stopped = Optional.empty();

    /** A stretch of the video without pictures, in seconds from its start. */
    public record Gap(double fromSeconds, double toSeconds) {
    }

    /**
     * How much of the file was read.
     *
     * @param length  the length the container states; zero when it does not say
     * @param readTo  the position after the last picture decoded
     * @param gaps    stretches without pictures inside what was read
     * @param stopped why reading stopped before the end of the file, when it did
     */
    public record Coverage(Duration length, Duration readTo, List<Gap> gaps, Optional<String> stopped) {
        public Coverage {
            gaps = List.copyOf(gaps);
        }

        /**
         * Whether the whole file was read: no decoder failure, no gap, and the last picture
         * within a second (or 2 % of a long video, where audio may outlast the picture) of the
         * stated length.
         */
        public boolean complete() {
            if (stopped.isPresent() || !gaps.isEmpty()) {
                return false;
            }
            long slack = Math.max(1_000, length.toMillis() / 50);
            return length.isZero() || readTo.toMillis() >= length.toMillis() - slack;
        }
    }

    private VideoFile(FFmpegSource source, double fps, String stream) {
        this.source = source;
        this.sampler = new FrameSampler(fps);
        this.stream = stream;
        this.length = source.length();
    }

    /**
     * @throws SourceException naming the reason when the file cannot be opened as video
     */
    public static VideoFile open(Path file, double fps, String stream) {
        StreamConfig config = new StreamConfig(stream, stream, file.toString(), StreamConfig.Decoder.FFMPEG, "", fps,
                StreamConfig.RtspTransport.TCP, false, NO_STALL);
        return new VideoFile(FFmpegSource.open(config), fps, stream);
    }

    /** The video's length; zero when the container does not say. */
    public Duration length() {
        return length;
    }

    /**
     * The next sampled frame, or empty at the end of the file or where it could no longer be
     * decoded (then {@link #coverage()} says why).
     *
     * @throws SourceException when not even the first picture can be decoded
     */
    public Optional<Frame> next() throws InterruptedException {
        while (stopped.isEmpty()) {
            FrameSource.Grab grab;
            try {
                grab = source.grab(NO_STALL);
            } catch (SourceException e) {
                if (decoded == 0) {
                    throw e;
                }
                stopped = Optional.of(e.getMessage());
                return Optional.empty();
            }
            if (grab instanceof FrameSource.EndOfStream) {
                return Optional.empty();
            }
            if (!(grab instanceof FrameSource.Picture picture)) {
                continue;
            }
            decoded++;
            // Without timestamps, assume 25 fps: only the sampling rate depends on it.
            long micros = picture.mediaMicros() == FrameSource.Picture.UNKNOWN_TIME
                    ? decoded * 40_000 : picture.mediaMicros();
            if (firstMicros == Long.MIN_VALUE) {
                firstMicros = micros;
            } else if (micros > lastMicros) {
                long step = micros - lastMicros;
                if (step > GAP_MICROS && step > 5 * frameMicros) {
                    gaps.add(new Gap(seconds(lastMicros - firstMicros + frameMicros), seconds(micros - firstMicros)));
                } else if (decoded <= 3) {
                    frameMicros = step;
                }
            }
            lastMicros = Math.max(lastMicros, micros);
            if (sampler.admit(micros)) {
                Instant at = Instant.EPOCH.plusNanos((micros - firstMicros) * 1000);
                return Optional.of(picture.copy(stream, at, sequence++));
            }
        }
        return Optional.empty();
    }

    /** How much has been read so far; after the last {@link #next()}, of the whole file. */
    public Coverage coverage() {
        Duration readTo = decoded == 0 ? Duration.ZERO
                : Duration.ofNanos((lastMicros - firstMicros + frameMicros) * 1000);
        return new Coverage(length, readTo, gaps, stopped);
    }

    private static double seconds(long micros) {
        return Math.round(micros / 10_000.0) / 100.0;
    }

    @Override
    public void close() {
        source.close();
    }
}
