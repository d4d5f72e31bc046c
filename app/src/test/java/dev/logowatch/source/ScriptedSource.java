package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A decoder that plays a script: a number of 4x2 pictures at a steady rate (each filled
 * with its own index, reusing one buffer like a real decoder), then one way of ending.
 * Used to drive the reader's state machine without a camera.
 */
final class ScriptedSource implements FrameSource {
    enum Then { END, FAIL, STALL, BLOCK, FRAMES_FOREVER }

    static final int WIDTH = 4;
    static final int HEIGHT = 2;

    private final int frames;
    private final long frameMillis;
    private final Then then;
    private final ByteBuffer buffer = ByteBuffer.allocate(WIDTH * HEIGHT * 3);
    private final CountDownLatch release = new CountDownLatch(1);
    private int grabbed;
    volatile boolean closed;

    ScriptedSource(int frames, long frameMillis, Then then) {
        this.frames = frames;
        this.frameMillis = frameMillis;
        this.then = then;
    }

    /** Lets a source stuck in {@link Then#BLOCK} return. */
    void unblock() {
        release.countDown();
    }

    @Override
    public Grab grab(Duration timeout) throws InterruptedException {
        if (grabbed < frames || then == Then.FRAMES_FOREVER) {
            Thread.sleep(frameMillis);
            int index = grabbed++;
            for (int i = 0; i < buffer.capacity(); i++) {
                buffer.put(i, (byte) index);
            }
            return new Picture(index * frameMillis * 1000, WIDTH, HEIGHT, buffer, WIDTH * 3);
        }
        switch (then) {
            case END -> {
                return END_OF_STREAM;
            }
            case FAIL -> throw new SourceException("connection reset by rtsp://admin:hunter2@cam.local/live");
            case STALL -> {
                Thread.sleep(timeout.toMillis());
                return PENDING;
            }
            default -> {
                // Like a native call: deaf to interrupts until the script releases it (30 s at most).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (release.getCount() > 0 && System.nanoTime() < deadline) {
                    try {
                        release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    } catch (InterruptedException ignored) {
                        // keep blocking
                    }
                }
                return END_OF_STREAM;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    /**
     * Opens the scripted sources in turn, one per open; an entry of {@code null} makes that
     * open fail. The last entry repeats.
     */
    static final class Opener implements Function<StreamConfig, FrameSource> {
        private final List<Supplier<ScriptedSource>> script = new ArrayList<>();
        final List<ScriptedSource> opened = new CopyOnWriteArrayList<>();
        final List<Long> openTimes = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();

        @SafeVarargs
        Opener(Supplier<ScriptedSource>... script) {
            for (Supplier<ScriptedSource> step : script) {
                this.script.add(step);
            }
        }

        @Override
        public FrameSource apply(StreamConfig config) {
            int n = attempts.getAndIncrement();
            openTimes.add(System.nanoTime());
            ScriptedSource source = script.get(Math.min(n, script.size() - 1)).get();
            if (source == null) {
                throw new SourceException("cannot open: Connection refused");
            }
            opened.add(source);
            return source;
        }
    }
}
