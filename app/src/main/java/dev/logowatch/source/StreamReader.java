package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.StreamHealth.State;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Keeps one stream's frames coming: opens its {@link FrameSource} on a platform thread of
 * its own, samples the decoded frames to the configured fps and hands them to the worker
 * through a {@link LatestFrame}. Any failure (cannot open, decoder error, end of a live
 * stream, no frame for the stall timeout) closes the source and reopens it after a
 * {@link Backoff} delay, forever; a file with {@code loop} restarts at its end, one without
 * ends the stream.
 *
 * <pre>
 * CONNECTING ──first frame──▶ LIVE ──failure──▶ RECONNECTING ──frames again──▶ LIVE (reconnects + 1)
 *      └──────────failure──────────────────────────▲   (retry after backoff, warn once per episode)
 * LIVE ──end of a file without loop──▶ STOPPED;  close() ──▶ STOPPED
 * </pre>
 *
 * A decoder stuck in native code beyond the stall timeout (FFmpeg's own I/O timeouts and
 * GStreamer's bus normally report first) cannot be interrupted from Java, so a watchdog
 * leaves that thread to finish on its own and opens the stream anew on a fresh one.
 */
public final class StreamReader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StreamReader.class.getName());
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long CLOSE_WAIT_MILLIS = 2000;
    private static final long PACE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Decoder threads left blocked in native code at once before the watchdog waits for one to return. */
    static final int MAX_STUCK = 3;

    private final StreamConfig config;
    private final StreamHealth status;
    private final LatestFrame latest;
    private final Backoff backoff;
    private final DeviceMeters meters;
    private final Function<StreamConfig, FrameSource> opener;
    /** Stamps each frame; every time downstream (tracks, appearances, events) follows from it. */
    private final Clock clock;
    private final boolean finite;
    private final String where;
    private final long stallNanos;
    private final long stuckNanos;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger stuck = new AtomicInteger();
    private final Object lock = new Object();
    private volatile boolean running = true;
    private Worker worker;
    private volatile Thread watchdog;
    private int failures;
    private boolean announced;
    private boolean stuckReported;

    private StreamReader(StreamConfig config, StreamHealth status, LatestFrame latest, Backoff backoff,
                         DeviceMeters meters, Function<StreamConfig, FrameSource> opener, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.status = status;
        this.latest = latest;
        this.backoff = backoff;
        this.meters = meters;
        this.opener = opener;
        this.finite = endsNaturally(config);
        this.where = describe(config);
        this.stallNanos = config.stallTimeout().toNanos();
        // FFmpeg's I/O timeout equals the stall timeout and JavaCV tries to open twice, so a
        // call may legitimately take two of them; only beyond that is it stuck.
        this.stuckNanos = 2 * stallNanos + Math.max(stallNanos / 2, TimeUnit.SECONDS.toNanos(2));
    }

    /** Starts reading {@code config}'s stream; frames arrive in {@code latest}, state in {@code status}. */
    public static StreamReader start(StreamConfig config, StreamHealth status, LatestFrame latest, Backoff backoff) {
        return start(config, status, latest, backoff, null, FrameSource::open, Clock.systemUTC());
    }

    /**
     * As {@link #start(StreamConfig, StreamHealth, LatestFrame, Backoff)}, also recording
     * {@link DeviceMeters.Stage#DECODE} per sampled frame: the reader thread's time to get the
     * picture from the decoder (for a live FFmpeg stream this includes waiting for it) and copy it.
     */
    public static StreamReader start(StreamConfig config, StreamHealth status, LatestFrame latest, Backoff backoff,
                                     DeviceMeters meters) {
        return start(config, status, latest, backoff, meters, FrameSource::open, Clock.systemUTC());
    }

    /** As {@link #start(StreamConfig, StreamHealth, LatestFrame, Backoff, DeviceMeters)}, frames stamped by {@code clock}. */
    public static StreamReader start(StreamConfig config, StreamHealth status, LatestFrame latest, Backoff backoff,
                                     DeviceMeters meters, Clock clock) {
        return start(config, status, latest, backoff, meters, FrameSource::open, clock);
    }

    static StreamReader start(StreamConfig config, StreamHealth status, LatestFrame latest, Backoff backoff,
                              DeviceMeters meters, Function<StreamConfig, FrameSource> opener) {
        return start(config, status, latest, backoff, meters, opener, Clock.systemUTC());
    }

    static StreamReader start(StreamConfig config, StreamHealth status, LatestFrame latest, Backoff backoff,
                              DeviceMeters meters, Function<StreamConfig, FrameSource> opener, Clock clock) {
        StreamReader reader = new StreamReader(config, status, latest, backoff, meters, opener, clock);
        status.state(State.CONNECTING);
        synchronized (reader.lock) {
            reader.startWorker();
        }
        reader.watchdog = Thread.ofVirtual().name("source-watchdog-" + config.id()).start(reader::watch);
        return reader;
    }

    /**
     * Stops reading: the stream becomes {@code STOPPED} and {@code latest} ends. Waits up to
     * about 2 s for the decoder to close; one stuck in native code is left to finish alone.
     */
    @Override
    public void close() {
        running = false;
        Worker w;
        synchronized (lock) {
            w = worker;
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
        if (w != null) {
            w.thread.interrupt();
            try {
                w.thread.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (w.thread.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "stream " + config.id() + " (" + where
                        + "): decoder did not stop within 2 s; leaving it to finish in the background");
            }
        }
        status.state(State.STOPPED);
        latest.end();
    }

    private void startWorker() {
        Worker w = new Worker();
        worker = w;
        w.thread.start();
    }

    private final class Worker implements Runnable {
        final Thread thread = Thread.ofPlatform().daemon().name("source-" + config.id()).unstarted(this);
        /** {@link System#nanoTime} when the current call into the decoder began; 0 outside calls. */
        volatile long callStart;
        volatile boolean abandoned;

        boolean current() {
            return running && !abandoned;
        }

        @Override
        public void run() {
            try {
                read(this);
            } catch (InterruptedException e) {
                // close() asked us to stop
            } finally {
                if (abandoned) {
                    stuck.decrementAndGet();
                }
            }
        }

        <T> T call(Callable<T> decoderCall) throws Exception {
            callStart = System.nanoTime();
            try {
                return decoderCall.call();
            } finally {
                callStart = 0;
            }
        }
    }

    private void read(Worker w) throws InterruptedException {
        FrameSampler sampler = new FrameSampler(config.fps());
        while (w.current()) {
            int attempt;
            synchronized (lock) {
                attempt = failures;
            }
            if (attempt > 0) {
                Thread.sleep(backoff.delay(attempt));
            }
            if (!w.current()) {
                return;
            }
            FrameSource source = null;
            try {
                source = w.call(() -> opener.apply(config));
                if (!w.current()) {
                    return;
                }
                sampler.reset();
                long frames = pump(w, source, sampler);
                if (!w.current()) {
                    return;
                }
                if (frames == 0) {
                    fail(w, "input ended before its first frame (empty, damaged or not a video?)");
                } else if (!finite) {
                    fail(w, "stream ended (the server closed it)");
                } else if (!config.loop()) {
                    // Released before the stream shows STOPPED, so whoever sees it may reuse the file.
                    closeSource(w, source);
                    source = null;
                    ended(w);
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (SourceException e) {
                fail(w, e.getMessage());
            } catch (Exception | LinkageError e) {
                fail(w, SourceException.redact(e.getClass().getSimpleName() + ": " + e.getMessage()));
            } finally {
                if (source != null) {
                    closeSource(w, source);
                }
            }
        }
    }

    /** Reads one opened source until it ends; returns the number of frames it decoded. */
    private long pump(Worker w, FrameSource source, FrameSampler sampler) throws Exception {
        Opened opened = new Opened(System.nanoTime());
        while (w.current()) {
            long silent = System.nanoTime() - opened.lastFrame;
            if (silent >= stallNanos) {
                throw new SourceException("no frame for " + seconds(silent));
            }
            Duration wait = Duration.ofNanos(Math.min(POLL_NANOS, stallNanos - silent));
            long before = System.nanoTime();
            FrameSource.Grab grab = w.call(() -> source.grab(wait));
            if (!w.current()) {
                break;
            }
            switch (grab) {
                case FrameSource.Pending pending -> {
                }
                case FrameSource.EndOfStream end -> {
                    return opened.frames;
                }
                case FrameSource.Picture picture -> decoded(w, opened, picture, sampler, before);
            }
        }
        return opened.frames;
    }

    /** What the reader knows about the source it has open. */
    private static final class Opened {
        long lastFrame;
        long frames;
        int width;
        int height;
        long paceMedia = Long.MIN_VALUE;
        long paceWall;

        Opened(long now) {
            lastFrame = now;
        }
    }

    private void decoded(Worker w, Opened opened, FrameSource.Picture picture, FrameSampler sampler,
                         long grabStart) throws InterruptedException {
        long grabbed = System.nanoTime();
        opened.lastFrame = grabbed;
        opened.frames++;
        long seq = sequence.incrementAndGet();
        status.frameIn();
        if (opened.frames == 1) {
            live(w, picture);
        } else if (picture.width() != opened.width || picture.height() != opened.height) {
            LOG.log(System.Logger.Level.INFO, "stream " + config.id() + ": resolution changed from "
                    + opened.width + "x" + opened.height + " to " + picture.width() + "x" + picture.height());
        }
        opened.width = picture.width();
        opened.height = picture.height();
        long media = picture.mediaMicros() == FrameSource.Picture.UNKNOWN_TIME ? grabbed / 1000 : picture.mediaMicros();
        if (finite && config.decoder() == StreamConfig.Decoder.FFMPEG) {
            pace(opened, media);
        }
        if (sampler.admit(media)) {
            long copyStart = System.nanoTime();
            Frame frame = picture.copy(config.id(), clock.instant(), seq);
            if (meters != null) {
                meters.record(DeviceMeters.Stage.DECODE, Duration.ofNanos(grabbed - grabStart
                        + System.nanoTime() - copyStart));
            }
            if (w.current()) {
                latest.offer(frame);
            }
        }
    }

    /**
     * A file decodes far faster than real time; play it like the camera it stands in for.
     * Jumps of more than a second (a loop, a damaged timestamp) restart the clock instead of
     * sleeping through them.
     */
    private static void pace(Opened opened, long mediaMicros) throws InterruptedException {
        long ahead = opened.paceMedia == Long.MIN_VALUE ? Long.MAX_VALUE
                : (mediaMicros - opened.paceMedia) * 1000 - (System.nanoTime() - opened.paceWall);
        if (Math.abs(ahead) > PACE_LIMIT_NANOS) {
            opened.paceMedia = mediaMicros;
            opened.paceWall = System.nanoTime();
        } else if (ahead > 0) {
            TimeUnit.NANOSECONDS.sleep(ahead);
        }
    }

    private void closeSource(Worker w, FrameSource source) {
        try {
            w.call(() -> {
                source.close();
                return null;
            });
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "stream " + config.id() + ": closing the decoder failed: " + e);
        }
    }

    private void live(Worker w, FrameSource.Picture first) {
        synchronized (lock) {
            if (!w.current()) {
                return;
            }
            int failed = failures;
            failures = 0;
            stuckReported = false;
            status.state(State.LIVE);
            if (failed > 0) {
                status.reconnected();
                LOG.log(System.Logger.Level.INFO, "stream " + config.id() + " (" + where + ") is back after "
                        + failed + " failed attempt" + (failed == 1 ? "" : "s"));
            } else if (!announced) {
                LOG.log(System.Logger.Level.INFO, "stream " + config.id() + " (" + where + ") is live, "
                        + first.width() + "x" + first.height() + ", sampled at " + config.fps() + " fps");
            }
            announced = true;
        }
    }

    private void fail(Worker w, String reason) {
        synchronized (lock) {
            if (!w.current()) {
                return;
            }
            failures++;
            status.failed(State.RECONNECTING, reason);
            if (failures == 1) {
                LOG.log(System.Logger.Level.WARNING, "stream " + config.id() + " (" + where + "): " + reason
                        + "; reconnecting with backoff");
            } else {
                LOG.log(System.Logger.Level.DEBUG, "stream " + config.id() + " attempt " + failures + ": " + reason);
            }
        }
    }

    private void ended(Worker w) {
        synchronized (lock) {
            if (!w.current()) {
                return;
            }
            running = false;
            status.state(State.STOPPED);
            latest.end();
            LOG.log(System.Logger.Level.INFO, "stream " + config.id() + " (" + where
                    + ") reached the end of the file (set loop: true to repeat it)");
        }
    }

    /** Catches a decoder call that never returns, which no timeout inside the reader can. */
    private void watch() {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(stallNanos / 4, POLL_NANOS * 2));
        while (running) {
            try {
                TimeUnit.NANOSECONDS.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (!running) {
                    return;
                }
                Worker w = worker;
                long start = w == null ? 0 : w.callStart;
                if (start != 0 && System.nanoTime() - start > stuckNanos) {
                    abandon(w, System.nanoTime() - start);
                }
                if (worker == null) {
                    if (stuck.get() < MAX_STUCK) {
                        startWorker();
                    } else if (!stuckReported) {
                        stuckReported = true;
                        status.failed(State.RECONNECTING, "decoder blocked in native code " + stuck.get()
                                + " times; waiting for one to return");
                    }
                }
            }
        }
    }

    private void abandon(Worker w, long blockedNanos) {
        w.abandoned = true;
        stuck.incrementAndGet();
        worker = null;
        failures++;
        String reason = "decoder blocked for " + seconds(blockedNanos) + "; reopening on a new thread";
        status.failed(State.RECONNECTING, reason);
        if (failures == 1) {
            LOG.log(System.Logger.Level.WARNING, "stream " + config.id() + " (" + where + "): " + reason);
        }
    }

    /** Files end; cameras and network streams that end have failed. */
    static boolean endsNaturally(StreamConfig config) {
        if (config.decoder() == StreamConfig.Decoder.GSTREAMER) {
            String p = config.pipeline();
            return p.matches("(?s).*(^|[!\\s])(multi)?filesrc\\s.*") || p.contains("uri=file:");
        }
        String url = config.url().toLowerCase(Locale.ROOT);
        return url.startsWith("file:") || (!url.contains("://") && !url.startsWith("/dev/"));
    }

    private static String describe(StreamConfig config) {
        if (!config.url().isEmpty()) {
            return config.redactedUrl();
        }
        String pipeline = SourceException.redact(config.pipeline().strip());
        return "pipeline '" + (pipeline.length() > 60 ? pipeline.substring(0, 57) + "..." : pipeline) + "'";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
