package dev.logowatch.source;

import dev.logowatch.status.StreamHealth;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-over from a stream's reader to its pipeline worker: one slot, latest frame wins.
 * A frame that arrives while the previous one is still unread replaces it, and the replaced
 * one is counted as dropped on the stream's status; nothing ever queues up behind a busy
 * worker. Thread-safe for one producer and one consumer.
 */
public final class LatestFrame {

    /** What {@link #take} found. */
    public sealed interface Next permits Fresh, TimedOut, Ended {
    }

    /** A frame not seen before. */
    public record Fresh(Frame frame) implements Next {
    }

    /** No new frame within the timeout; the stream may be reconnecting (see its status). */
    public record TimedOut() implements Next {
    }

    /** The stream ended (a file without {@code loop}) or its reader was closed; no more frames will come. */
    public record Ended() implements Next {
    }

    private static final Next TIMED_OUT = new TimedOut();
    private static final Next ENDED = new Ended();

    private final StreamHealth status;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private Frame slot;
    private boolean ended;

    public LatestFrame(StreamHealth status) {
        this.status = status;
    }

    /** Puts a frame in the slot, dropping (and counting) an unread one. Ignored after {@link #end}. */
    public void offer(Frame frame) {
        boolean replaced;
        lock.lock();
        try {
            if (ended) {
                return;
            }
            replaced = slot != null;
            slot = frame;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (replaced) {
            status.dropped(1);
        }
    }

    /**
     * Takes the newest unread frame, waiting up to {@code timeout} for one. After {@link #end}
     * a frame still in the slot is delivered first, then every call answers {@link Ended}.
     */
    public Next take(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (slot == null && !ended && nanos > 0) {
                nanos = arrived.awaitNanos(nanos);
            }
            if (slot != null) {
                Frame frame = slot;
                slot = null;
                return new Fresh(frame);
            }
            return ended ? ENDED : TIMED_OUT;
        } finally {
            lock.unlock();
        }
    }

    /** No more frames will be offered; wakes a waiting consumer. */
    public void end() {
        lock.lock();
        try {
            ended = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }
}
