package dev.logowatch.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One camera or video input.
 *
 * @param id           short id used in topics and URLs ({@code streams[].id})
 * @param name         what people call the camera ("East stand"); defaults to the id
 * @param url          where frames come from: {@code rtsp://}, {@code http(s)://}, a file
 *                     (resolved against the config folder) or a V4L2 device such as
 *                     {@code /dev/video0}; empty for a GStreamer pipeline with its own source
 * @param decoder      which library decodes it
 * @param pipeline     GStreamer pipeline ending in {@code appsink}, for {@code decoder: gstreamer}
 * @param fps          frames per second sampled for recognition
 * @param rtspTransport TCP survives lossy Wi-Fi and NAT; UDP has lower latency on a clean LAN
 * @param loop         restart a file at its end (demo, soak tests)
 * @param stallTimeout no frame for this long counts as a failure and reconnects
 */
public record StreamConfig(String id, String name, String url, Decoder decoder, String pipeline, double fps,
                           RtspTransport rtspTransport, boolean loop, Duration stallTimeout) {

    public enum Decoder { FFMPEG, GSTREAMER }

    public enum RtspTransport { TCP, UDP }

    /** The URL with any password replaced by {@code ***}, safe for logs and the status page. */
    public String redactedUrl() {
        return ConfigNode.redact(url);
    }

    /** Cameras often carry their password in the URL; keep it out of logs and dumps. */
    @Override
    public String toString() {
        return "StreamConfig[id=" + id + ", name=" + name + ", url=" + redactedUrl() + ", decoder=" + decoder
                + ", fps=" + fps + ", rtspTransport=" + rtspTransport + ", loop=" + loop
                + ", stallTimeout=" + stallTimeout + "]";
    }

    static StreamConfig read(ConfigNode node) {
        String id = node.identifier("id", true);
        String name = node.string("name", id);
        Decoder decoder = node.choice("decoder", Decoder.FFMPEG);
        String pipeline = node.string("pipeline", "");
        Optional<String> rawUrl = node.string("url");
        String url = rawUrl.map(u -> checkUrl(node, u)).orElse("");
        if (decoder == Decoder.GSTREAMER) {
            if (pipeline.isEmpty()) {
                node.problem("pipeline", "is required with decoder: gstreamer (a pipeline ending in 'appsink')");
            } else if (!pipeline.contains("appsink")) {
                node.problem("pipeline", "must end in an appsink element, e.g. '... ! videoconvert ! appsink name=sink'");
            }
        } else {
            if (!pipeline.isEmpty()) {
                node.problem("pipeline", "is only used with decoder: gstreamer");
            }
            if (rawUrl.isEmpty()) {
                node.problem("url", "is required");
            }
        }
        double fps = node.number("fps", 3.0, 0.1, 60.0);
        RtspTransport transport = node.choice("rtsp-transport", RtspTransport.TCP);
        boolean loop = node.bool("loop", false);
        Duration stall = node.duration("stall-timeout", Duration.ofSeconds(20), Duration.ofSeconds(1), Duration.ofHours(1));
        node.rejectUnknownKeys();
        return new StreamConfig(id, name, url, decoder, pipeline, fps, transport, loop, stall);
    }

    private static String checkUrl(ConfigNode node, String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("/dev/")) {
            return url;
        }
        int colon = lower.indexOf("://");
        if (colon > 0) {
            String scheme = lower.substring(0, colon);
            if (!scheme.matches("rtsp|rtsps|rtmp|http|https|udp|srt|file")) {
                node.problem("url", "unsupported scheme '" + scheme
                        + "': use rtsp://, rtsps://, http(s)://, rtmp://, udp://, srt://, a file path or /dev/videoN");
                return url;
            }
            try {
                URI uri = new URI(url);
                if (!scheme.equals("file") && (uri.getHost() == null || uri.getHost().isEmpty())) {
                    node.problem("url", "URL has no host: '" + ConfigNode.redact(url) + "'");
                }
            } catch (URISyntaxException e) {
                node.problem("url", "not a valid URL: " + e.getReason() + " in '" + ConfigNode.redact(url) + "'");
            }
            return url;
        }
        Path file = node.path("url", ConfigNode.PathKind.ANY).orElseThrow();
        if (!Files.isRegularFile(file)) {
            node.problem("url", "video file not found: " + file);
        }
        return file.toString();
    }
}
