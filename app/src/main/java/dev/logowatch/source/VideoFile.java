package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A video file read offline, as fast as it decodes: every frame the sampler admits, in
 * order, none dropped ({@code logowatch analyze}, {@code bench}). Frame timestamps are the
 * position in the video counted from {@link Instant#EPOCH}, so reports can print offsets.
 */
public final class VideoFile implements AutoCloseable {
    private static final Duration NO_STALL = Duration.ofSeconds(60);

    private final FFmpegSource source;
    private final FrameSampler sampler;
    private final String stream;
    private long sequence;
    private long decoded;
    private long firstMicros = Long.MIN_VALUE;

    private VideoFile(FFmpegSource source, double fps, String stream) {
        this.source = source;
        this.sampler = new FrameSampler(fps);
        this.stream = stream;
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
        return source.length();
    }

    /** The next sampled frame, or empty at the end of the file. */
    public Optional<Frame> next() throws InterruptedException {
        while (true) {
            FrameSource.Grab grab = source.grab(NO_STALL);
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
            }
            if (sampler.admit(micros)) {
                Instant at = Instant.EPOCH.plusNanos((micros - firstMicros) * 1000);
                return Optional.of(picture.copy(stream, at, sequence++));
            }
        }
    }

    @Override
    public void close() {
        source.close();
    }
}
