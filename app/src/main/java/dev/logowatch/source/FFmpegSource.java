package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Files, RTSP, HTTP(S) and V4L2 devices through FFmpeg (JavaCV's grabber, BGR output). */
final class FFmpegSource implements FrameSource {
    private static final Pattern NATIVE_ERROR = Pattern.compile("(\\w+)\\(\\) error (-?\\d+)");
    private static volatile boolean quieted;

    private final FFmpegFrameGrabber grabber;
    private final String url;

    private FFmpegSource(FFmpegFrameGrabber grabber, String url) {
        this.grabber = grabber;
        this.url = url;
    }

    static FFmpegSource open(StreamConfig config) {
        quietNativeLog();
        String url = config.url();
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(url);
        String lower = url.toLowerCase(Locale.ROOT);
        String micros = Long.toString(config.stallTimeout().toNanos() / 1000);
        if (lower.startsWith("/dev/video")) {
            grabber.setFormat("video4linux2");
        } else if (lower.startsWith("rtsp://") || lower.startsWith("rtsps://")) {
            grabber.setOption("rtsp_transport", config.rtspTransport().name().toLowerCase(Locale.ROOT));
            // Socket I/O timeout (FFmpeg >= 5 name; the bundled build is 8.x): a camera that
            // stops sending makes the read fail instead of blocking the reader forever.
            grabber.setOption("timeout", micros);
        } else if (lower.contains("://")) {
            grabber.setOption("rw_timeout", micros);
        }
        grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        grabber.setImageMode(FrameGrabber.ImageMode.COLOR);
        long started = System.nanoTime();
        try {
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            release(grabber);
            long waited = System.nanoTime() - started;
            // FFmpeg words a server that never answers as "Invalid data"; say what happened.
            String silence = lower.contains("://") && waited >= config.stallTimeout().toNanos() * 9 / 10
                    ? String.format(Locale.ROOT, "no answer within %.1f s, ", waited / 1e9) : "";
            throw new SourceException("cannot open: " + silence + describe(e, url), e);
        }
        if (!grabber.hasVideo()) {
            release(grabber);
            throw new SourceException("no video stream in the input");
        }
        return new FFmpegSource(grabber, url);
    }

    @Override
    public Grab grab(Duration timeout) {
        Frame frame;
        try {
            frame = grabber.grabImage();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new SourceException("decoding failed: " + describe(e, url), e);
        }
        if (frame == null || frame.image == null || frame.image.length == 0) {
            return END_OF_STREAM;
        }
        // Not frame.imageChannels: JavaCV derives it as stride / width, which row padding inflates for
        // very narrow pictures (192 for 1 px). The output is BGR24 as requested; Picture checks the stride.
        if (!(frame.image[0] instanceof ByteBuffer pixels) || frame.imageDepth != Frame.DEPTH_UBYTE) {
            throw new SourceException("decoder gave " + frame.imageDepth + "-bit pixels, expected 8-bit BGR");
        }
        long pts = frame.timestamp == avutil.AV_NOPTS_VALUE ? Picture.UNKNOWN_TIME : frame.timestamp;
        return new Picture(pts, frame.imageWidth, frame.imageHeight, pixels, frame.imageStride);
    }

    /** The input's duration as the container states it; zero when unknown (live streams). */
    Duration length() {
        return Duration.ofNanos(Math.max(0, grabber.getLengthInTime()) * 1000);
    }

    @Override
    public void close() {
        release(grabber);
    }

    private static void release(FFmpegFrameGrabber grabber) {
        try {
            grabber.release();
        } catch (FrameGrabber.Exception | RuntimeException ignored) {
            // Nothing left to do for a decoder that failed while shutting down.
        }
    }

    /**
     * JavaCV's messages name the call and FFmpeg's numeric code; turn the code into FFmpeg's
     * own words ("Connection refused") and drop the raw URL, which may carry a password.
     */
    static String describe(Exception e, String url) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Matcher m = NATIVE_ERROR.matcher(message);
        if (m.find()) {
            try {
                int code = Integer.parseInt(m.group(2));
                return errorText(code) + " (" + m.group(1) + ")";
            } catch (NumberFormatException | UnsatisfiedLinkError ignored) {
                // fall through to the raw message
            }
        }
        if (url != null && !url.isEmpty()) {
            message = message.replace(url, "<url>");
        }
        int hint = message.indexOf(" (Has setFormat()");
        return hint > 0 ? message.substring(0, hint) : message;
    }

    private static String errorText(int code) {
        byte[] text = new byte[256];
        avutil.av_strerror(code, text, text.length);
        int end = 0;
        while (end < text.length && text[end] != 0) {
            end++;
        }
        return new String(text, 0, end, StandardCharsets.UTF_8);
    }

    /**
     * FFmpeg prints every decode hiccup of a damaged stream to stderr, per frame and per retry;
     * the reader reports failures itself, once per episode.
     */
    private static void quietNativeLog() {
        if (!quieted) {
            avutil.av_log_set_level(avutil.AV_LOG_FATAL);
            quieted = true;
        }
    }
}
