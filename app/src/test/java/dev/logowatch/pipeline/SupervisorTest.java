package dev.logowatch.pipeline;

import dev.logowatch.retry.Backoff;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SupervisorTest {
    private final StatusBoard board = StatusBoard.create("supervisor-test", "test");
    private final StreamHealth status = board.stream("east", "East", "rtsp://camera/east");

    /** A worker that dies {@code failures} times, then runs until stopped. */
    private static final class FlakyWorker implements Runnable {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch stop = new CountDownLatch(1);
        final int failures;

        FlakyWorker(int failures) {
            this.failures = failures;
        }

        @Override
        public void run() {
            if (runs.incrementAndGet() <= failures) {
                throw new IllegalStateException("tracker bug " + runs.get());
            }
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aDeadWorkerIsShownFailedWithItsReasonThenRestartedAndCounted() throws Exception {
        status.state(StreamHealth.State.LIVE);
        FlakyWorker worker = new FlakyWorker(2);
        // The first delay is long enough to see the stream down, the second short.
        Backoff backoff = new Backoff(Duration.ofMillis(400), Duration.ofMillis(800), 0);
        Supervisor supervisor = new Supervisor("east", worker, worker.stop::countDown, status, backoff, System::nanoTime);
        Thread thread = Thread.ofPlatform().start(supervisor);

        await().atMost(Duration.ofSeconds(5)).until(() -> status.view().state().equals("failed"));
        assertThat(board.ready()).as("health while the worker is dead").isFalse();
        assertThat(status.view().lastError()).get().asString()
                .contains("worker failed: IllegalStateException: tracker bug 1").contains("restart 1 in 0.4 s");

        await().atMost(Duration.ofSeconds(10)).until(() -> worker.runs.get() == 3 && status.workerRunning());
        assertThat(status.view().workerRestarts()).isEqualTo(2);
        assertThat(status.view().state()).isEqualTo("live");
        assertThat(board.ready()).isTrue();

        supervisor.stop();
        thread.join(5_000);
        assertThat(thread.isAlive()).isFalse();
        assertThat(worker.runs.get()).as("no restart after a stop").isEqualTo(3);
    }

    @Test
    void stopDuringTheBackoffReturnsAtOnceWithoutRestarting() throws Exception {
        FlakyWorker worker = new FlakyWorker(Integer.MAX_VALUE);
        Backoff backoff = new Backoff(Duration.ofSeconds(60), Duration.ofSeconds(60), 0);
        Supervisor supervisor = new Supervisor("east", worker, worker.stop::countDown, status, backoff, System::nanoTime);
        Thread thread = Thread.ofPlatform().start(supervisor);
        await().atMost(Duration.ofSeconds(5)).until(() -> !status.workerRunning());

        long begin = System.nanoTime();
        supervisor.stop();
        thread.join(5_000);

        assertThat(thread.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(2));
        assertThat(worker.runs.get()).isEqualTo(1);
    }

    @Test
    void aWorkerThatRanLongBeforeFailingRestartsAfterTheShortestDelay() throws Exception {
        AtomicLong now = new AtomicLong();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch stop = new CountDownLatch(1);
        Runnable worker = () -> {
            int run = runs.incrementAndGet();
            if (run == 1) {
                throw new IllegalStateException("early");
            }
            if (run == 2) {
                now.addAndGet(Supervisor.HEALTHY_AFTER.toNanos()); // ran for the healthy time
                throw new IllegalStateException("late");
            }
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        // Without the reset the second delay would be twice the first: 0.4 s.
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0);
        Supervisor supervisor = new Supervisor("east", worker, stop::countDown, status, backoff, now::get);
        Thread thread = Thread.ofPlatform().start(supervisor);

        await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 3);
        assertThat(status.view().lastError()).get().asString().contains("late").contains("in 0.2 s");

        supervisor.stop();
        thread.join(5_000);
        assertThat(thread.isAlive()).isFalse();
    }

    @Test
    void aVerificationCandidateHoldsOnlyItsCropNotTheFrame() {
        BufferedImage frame = new BufferedImage(3840, 2160, BufferedImage.TYPE_3BYTE_BGR);
        frame.setRGB(1001, 501, 0x123456);

        BufferedImage crop = StreamWorker.copy(frame.getSubimage(1000, 500, 64, 32));

        assertThat(((DataBufferByte) crop.getRaster().getDataBuffer()).getData()).hasSize(64 * 32 * 3);
        assertThat(crop.getRGB(1, 1)).isEqualTo(0xff123456);
        assertThat(crop.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
    }
}
