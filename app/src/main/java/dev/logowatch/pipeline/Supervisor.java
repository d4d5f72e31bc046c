package dev.logowatch.pipeline;

import dev.logowatch.retry.Backoff;
import dev.logowatch.status.StreamHealth;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps one stream's worker running for as long as the device runs. A worker that dies of
 * an unexpected exception (a tracker, publisher or board bug; a model failure is already
 * handled per frame) is restarted after a backoff; meanwhile the stream is shown as
 * {@code failed} with the reason, health is DOWN, and restarts are counted. A worker that
 * ran a while before dying starts over from the first, shortest delay.
 */
final class Supervisor implements Runnable {
    private static final System.Logger LOG = System.getLogger(Supervisor.class.getName());
    /** A worker that ran this long before failing was healthy: its next failure is a first one. */
    static final Duration HEALTHY_AFTER = Duration.ofMinutes(5);

    private final String streamId;
    private final Runnable worker;
    private final Runnable stopWorker;
    private final StreamHealth status;
    private final Backoff backoff;
    private final LongSupplier nanoClock;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    /**
     * @param worker     one run of the worker; returns when the stream ends or it is stopped
     * @param stopWorker asks a running worker to return
     */
    Supervisor(String streamId, Runnable worker, Runnable stopWorker, StreamHealth status, Backoff backoff,
               LongSupplier nanoClock) {
        this.streamId = Objects.requireNonNull(streamId, "streamId");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.stopWorker = Objects.requireNonNull(stopWorker, "stopWorker");
        this.status = Objects.requireNonNull(status, "status");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    @Override
    public void run() {
        int attempt = 0;
        while (!stopping) {
            long started = nanoClock.getAsLong();
            try {
                worker.run();
                return; // ended or stopped: nothing to restart
            } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
                if (stopping) {
                    return;
                }
                if (nanoClock.getAsLong() - started >= HEALTHY_AFTER.toNanos()) {
                    attempt = 0;
                }
                Duration delay = backoff.delay(++attempt);
                String reason = "worker failed: " + describe(e) + "; restart " + (status.workerRestartCount() + 1)
                        + " in " + seconds(delay);
                status.workerFailed(reason);
                LOG.log(System.Logger.Level.ERROR, "stream " + streamId + ": " + reason, e);
                try {
                    if (stopped.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                        return;
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                status.workerRestarted();
                LOG.log(System.Logger.Level.INFO, "stream " + streamId + ": worker restarted ("
                        + status.workerRestartCount() + " restarts so far)");
            }
        }
    }

    /** Stops the worker and any pending restart; {@link #run()} returns soon after. */
    void stop() {
        stopping = true;
        stopped.countDown();
        stopWorker.run();
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
