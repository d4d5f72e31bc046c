package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.FlowReturn;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.GstException;
import org.freedesktop.gstreamer.GstObject;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.StateChangeReturn;
import org.freedesktop.gstreamer.Structure;
import org.freedesktop.gstreamer.Version;
import org.freedesktop.gstreamer.elements.AppSink;
import org.freedesktop.gstreamer.glib.GError;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user's GStreamer pipeline ending in {@code appsink}, over the system's GStreamer
 * libraries. Decoding runs on GStreamer's threads; the appsink hands each new sample over a
 * single slot (a newer one replaces an unread one), so a slow reader never backs up the
 * decoder or the network source.
 */
final class GStreamerSource implements FrameSource {
    private static final String APT_PACKAGES = "libgstreamer1.0-0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good "
            + "gstreamer1.0-plugins-bad gstreamer1.0-libav";
    private static final String BGR_CAPS = "video/x-raw,format=BGR";
    private static final Pattern BGR_FILTER = Pattern.compile(
            "^video/x-raw\\s*,.*format\\s*=\\s*(\\(string\\))?\\s*BGR\\s*(,.*)?$");
    private static final Pattern RTSPSRC = Pattern.compile("(^|!)(\\s*)rtspsrc(?=\\s|!|$)");
    private static final Object INIT_LOCK = new Object();
    private static boolean initialized;
    private static String initFailure;

    private final Pipeline pipeline;
    private final AppSink.NEW_SAMPLE sampleListener = this::onSample;
    private final Bus.ERROR errorListener = (origin, code, message) -> onProblem(origin.getName() + ": " + message
            + location(origin));
    private final Bus.EOS eosListener = origin -> onEnd();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private AppSink sink;
    private Sample pending;
    private String error;
    private boolean ended;
    private Sample current;
    private Buffer mapped;

    private GStreamerSource(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    static GStreamerSource open(StreamConfig config) {
        initGst();
        String text = prepare(config.pipeline(), config.rtspTransport());
        Pipeline pipeline;
        try {
            List<GError> errors = new ArrayList<>();
            Element parsed = Gst.parseLaunch(text, errors);
            if (!errors.isEmpty() || parsed == null) {
                // A missing element still yields a partial pipeline that fails later with a vaguer error.
                if (parsed != null) {
                    parsed.dispose();
                }
                throw new SourceException("pipeline does not parse: "
                        + (errors.isEmpty() ? "no pipeline" : errors.getFirst().getMessage()));
            }
            if (parsed instanceof Pipeline p) {
                pipeline = p;
            } else {
                pipeline = new Pipeline();
                pipeline.add(parsed);
            }
        } catch (GstException | IllegalArgumentException e) {
            throw new SourceException("pipeline does not parse: " + e.getMessage(), e);
        }
        AppSink sink = findSink(pipeline);
        if (sink == null) {
            pipeline.dispose();
            throw new SourceException("pipeline has no appsink element to take frames from");
        }
        GStreamerSource source = new GStreamerSource(pipeline);
        source.start(sink);
        return source;
    }

    private void start(AppSink appSink) {
        sink = appSink;
        sink.setCaps(Caps.fromString(BGR_CAPS));
        sink.set("emit-signals", true);
        sink.set("max-buffers", 1);
        sink.set("drop", true);
        sink.connect(sampleListener);
        Bus bus = pipeline.getBus();
        bus.connect(errorListener);
        bus.connect(eosListener);
        if (pipeline.play() == StateChangeReturn.FAILURE) {
            String reason = awaitError(Duration.ofSeconds(1));
            close();
            throw new SourceException("pipeline did not start" + (reason == null ? "" : ": " + reason));
        }
    }

    @Override
    public Grab grab(Duration timeout) throws InterruptedException {
        releaseCurrent();
        Sample sample;
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (pending == null && error == null && !ended && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            sample = pending;
            pending = null;
            if (sample == null) {
                if (error != null) {
                    throw new SourceException(error);
                }
                return ended ? END_OF_STREAM : PENDING;
            }
        } finally {
            lock.unlock();
        }
        return picture(sample);
    }

    private Picture picture(Sample sample) {
        current = sample;
        Structure caps = sample.getCaps().getStructure(0);
        String format = caps.hasField("format") ? caps.getString("format") : "?";
        if (!"BGR".equals(format)) {
            throw new SourceException("appsink delivered " + format + " pixels, expected BGR");
        }
        int width = caps.getInteger("width");
        int height = caps.getInteger("height");
        Buffer buffer = sample.getBuffer();
        ByteBuffer bytes = buffer.map(false);
        mapped = buffer;
        // GStreamer pads each BGR row to a multiple of 4 bytes; the buffer holds exactly height rows.
        int stride = bytes.capacity() / height;
        long pts = buffer.getPresentationTimestamp();
        return new Picture(pts < 0 ? Picture.UNKNOWN_TIME : pts / 1000, width, height, bytes, stride);
    }

    @Override
    public void close() {
        releaseCurrent();
        try {
            Bus bus = pipeline.getBus();
            bus.disconnect(errorListener);
            bus.disconnect(eosListener);
            pipeline.stop();
            sink.disconnect(sampleListener);
        } catch (RuntimeException ignored) {
            // Shutting down a broken pipeline; nothing else to release it with.
        }
        lock.lock();
        try {
            if (pending != null) {
                pending.dispose();
                pending = null;
            }
            ended = true;
        } finally {
            lock.unlock();
        }
        pipeline.dispose();
    }

    private FlowReturn onSample(AppSink appSink) {
        Sample sample = appSink.pullSample();
        if (sample == null) {
            return FlowReturn.OK;
        }
        lock.lock();
        try {
            if (ended) {
                sample.dispose();
                return FlowReturn.EOS;
            }
            if (pending != null) {
                pending.dispose();
            }
            pending = sample;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return FlowReturn.OK;
    }

    private void onProblem(String message) {
        lock.lock();
        try {
            if (error == null) {
                error = message;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void onEnd() {
        lock.lock();
        try {
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private String awaitError(Duration timeout) {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (error == null && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            return error;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error;
        } finally {
            lock.unlock();
        }
    }

    private void releaseCurrent() {
        if (mapped != null) {
            mapped.unmap();
            mapped = null;
        }
        if (current != null) {
            current.dispose();
            current = null;
        }
    }

    /** GStreamer's error texts ("Resource not found.") do not say which file or URL; the element's location does. */
    private static String location(GstObject origin) {
        try {
            Object location = origin.get("location");
            return location == null ? "" : " (" + location + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static AppSink findSink(Pipeline pipeline) {
        AppSink found = null;
        for (Element element : pipeline.getElementsRecursive()) {
            if (element instanceof AppSink sink && (found == null || "sink".equals(sink.getName()))) {
                found = sink;
            }
        }
        return found;
    }

    /**
     * The pipeline as it will run: BGR forced in front of the appsink (a converter is
     * inserted unless the user already ends in a BGR caps filter), and the stream's RTSP
     * transport given to {@code rtspsrc} unless the pipeline sets {@code protocols} itself.
     */
    static String prepare(String pipeline, StreamConfig.RtspTransport transport) {
        List<String> parts = splitLinks(pipeline);
        int sinkAt = -1;
        for (int i = parts.size() - 1; i >= 0; i--) {
            String first = parts.get(i).strip().split("\\s+", 2)[0];
            if (first.equals("appsink")) {
                sinkAt = i;
                break;
            }
        }
        if (sinkAt < 0) {
            throw new SourceException("pipeline must end in an appsink element");
        }
        boolean bgrAlready = sinkAt > 0 && BGR_FILTER.matcher(parts.get(sinkAt - 1).strip()).matches();
        if (!bgrAlready) {
            parts.add(sinkAt, " videoconvert ");
            parts.add(sinkAt + 1, " " + BGR_CAPS + " ");
        }
        String text = String.join("!", parts).strip();
        if (!text.contains("protocols=")) {
            Matcher m = RTSPSRC.matcher(text);
            text = m.replaceAll("$1$2rtspsrc protocols=" + transport.name().toLowerCase(Locale.ROOT));
        }
        return text;
    }

    /** Splits on the {@code !} links, leaving any inside quotes alone. */
    private static List<String> splitLinks(String pipeline) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < pipeline.length(); i++) {
            char c = pipeline.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == '!' && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        return parts;
    }

    /** Loads GStreamer once per process; remembers a failure, which only an install fixes. */
    private static void initGst() {
        synchronized (INIT_LOCK) {
            if (initialized) {
                return;
            }
            if (initFailure == null) {
                if (Gst.isInitialized()) {
                    initialized = true;
                    return;
                }
                try {
                    Gst.init(Version.BASELINE, "logowatch");
                    initialized = true;
                    return;
                } catch (UnsatisfiedLinkError | NoClassDefFoundError | GstException e) {
                    initFailure = "GStreamer system libraries could not be loaded (" + e.getMessage()
                            + "); install them with: apt-get install " + APT_PACKAGES;
                }
            }
            throw new SourceException(initFailure);
        }
    }
}
