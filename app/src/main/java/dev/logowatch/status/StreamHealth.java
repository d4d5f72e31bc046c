package dev.logowatch.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The health of one stream: state, rates, counters and the charts' history. Written by the
 * stream's reader and worker, read by the status page and the metrics; counters are atomics,
 * the rest single volatile references. It knows no pipeline record, so every stage can write
 * into it and none depends on the web layer.
 */
public final class StreamHealth {
    /** The states a stream moves through; {@code STOPPED} is final until restart. */
    public enum State {
        CONNECTING, LIVE, RECONNECTING, STOPPED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * An immutable view for the API. {@code state} is the reader's, except {@code failed}
     * while the stream's worker is down: frames arriving are then not looked at.
     */
    public record View(String id, String name, String url, String state, double inputFps, double processedFps,
                       long framesIn, long framesProcessed, long dropped, long reconnects, long workerRestarts,
                       Optional<String> lastError, Optional<Instant> lastFrame, List<Sample> history) {
    }

    /**
     * One point of the page's charts: frames processed per second and the mean latency (from
     * capture to the end of processing) over the {@link #SAMPLE_EVERY} before {@code at}.
     */
    public record Sample(Instant at, double fps, double latencyMs) {
    }

    /** Chart resolution, and how far back the charts go ({@link #SAMPLES} of them: 10 minutes). */
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);
    static final int SAMPLES = 60;

    private final String id;
    private final String name;
    private final String url;
    private final Rate input;
    private final Rate processed;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong framesProcessed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile State state = State.CONNECTING;
    private volatile String lastError;
    private volatile Instant lastFrame;
    private volatile Consumer<State> stateListener = s -> { };
    private final AtomicLong workerRestarts = new AtomicLong();
    private volatile boolean workerDown;
    private final Clock clock;
    private final ArrayDeque<Sample> history = new ArrayDeque<>();
    private Instant sampleStart;
    private long sampleFrames;
    private double sampleLatencyMs;

    public StreamHealth(String id, String name, String redactedUrl, LongSupplier nanoClock, Clock clock) {
        this.clock = clock;
        this.id = id;
        this.name = name;
        this.url = redactedUrl;
        this.input = new Rate(nanoClock);
        this.processed = new Rate(nanoClock);
    }

    public String id() {
        return id;
    }

    public State state() {
        return state;
    }

    public void state(State newState) {
        State old = this.state;
        this.state = newState;
        if (old != newState) {
            stateListener.accept(newState);
        }
    }

    /** Enters a failing state and says why; the reason stays visible until the next error. */
    public void failed(State newState, String reason) {
        this.lastError = reason;
        state(newState);
    }

    /** Tells {@code listener} of every change of state (e.g. to publish online/offline), from the reader's thread. */
    public void onStateChange(Consumer<State> listener) {
        this.stateListener = listener;
    }

    public void frameIn() {
        framesIn.incrementAndGet();
        input.mark();
    }

    /** A frame captured at {@code captured} has been through the whole pipeline. */
    public void processed(Instant captured) {
        framesProcessed.incrementAndGet();
        processed.mark();
        this.lastFrame = captured;
        Instant now = clock.instant();
        double latencyMs = Math.max(0, Duration.between(captured, now).toNanos() / 1e6);
        synchronized (history) {
            if (sampleStart == null) {
                sampleStart = now;
            }
            sampleFrames++;
            sampleLatencyMs += latencyMs;
            Duration elapsed = Duration.between(sampleStart, now);
            if (elapsed.compareTo(SAMPLE_EVERY) >= 0) {
                history.addLast(new Sample(now, round(sampleFrames / (elapsed.toNanos() / 1e9)),
                        round(sampleLatencyMs / sampleFrames)));
                while (history.size() > SAMPLES) {
                    history.removeFirst();
                }
                sampleStart = now;
                sampleFrames = 0;
                sampleLatencyMs = 0;
            }
        }
    }

    /** The chart points, oldest first. */
    public List<Sample> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    public void dropped(long count) {
        dropped.addAndGet(count);
    }

    public void reconnected() {
        reconnects.incrementAndGet();
    }

    /** The worker died with {@code reason}; it stays down (not ready) until {@link #workerRestarted()}. */
    public void workerFailed(String reason) {
        this.lastError = reason;
        this.workerDown = true;
    }

    /** The worker runs again after a failure. */
    public void workerRestarted() {
        workerRestarts.incrementAndGet();
        this.workerDown = false;
    }

    /** Whether the worker is running, i.e. frames are being looked at. */
    public boolean workerRunning() {
        return !workerDown;
    }

    public long workerRestartCount() {
        return workerRestarts.get();
    }

    /** The state as the page and health show it: the reader's, or {@code failed} while the worker is down. */
    public String shownState() {
        return workerDown ? "failed" : state.wireName();
    }

    public long droppedCount() {
        return dropped.get();
    }

    public long reconnectCount() {
        return reconnects.get();
    }

    public double inputFps() {
        return input.perSecond();
    }

    public double processedFps() {
        return processed.perSecond();
    }

    public View view() {
        return new View(id, name, url, shownState(), round(input.perSecond()), round(processed.perSecond()),
                framesIn.get(), framesProcessed.get(), dropped.get(), reconnects.get(), workerRestarts.get(),
                Optional.ofNullable(lastError), Optional.ofNullable(lastFrame),
                history());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /**
     * Events per second over the last few seconds, from the times of the latest events: exact
     * at the 2–30 fps streams run at and constant in memory.
     */
    static final class Rate {
        private static final int SIZE = 32;
        private static final long WINDOW_NANOS = 5_000_000_000L;
        private final long[] times = new long[SIZE];
        private final LongSupplier clock;
        private int next;
        private int count;

        Rate(LongSupplier clock) {
            this.clock = clock;
        }

        synchronized void mark() {
            times[next] = clock.getAsLong();
            next = (next + 1) % SIZE;
            count = Math.min(count + 1, SIZE);
        }

        synchronized double perSecond() {
            long now = clock.getAsLong();
            int inWindow = 0;
            long oldest = now;
            for (int i = 0; i < count; i++) {
                long t = times[(next - 1 - i + SIZE) % SIZE];
                if (now - t > WINDOW_NANOS) {
                    break;
                }
                inWindow++;
                oldest = t;
            }
            if (inWindow < 2) {
                return 0;
            }
            // n events span n-1 intervals; measuring up to now makes a stalled stream decay to 0.
            return (inWindow - 1) / (Math.max(now - oldest, 1) / 1e9);
        }
    }
}
