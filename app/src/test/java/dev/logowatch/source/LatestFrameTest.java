package dev.logowatch.source;

import dev.logowatch.status.StreamHealth;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LatestFrameTest {
    private final StreamHealth status = StatusBoard.create("dev", "test").stream("cam", "Cam", "rtsp://cam/");
    private final LatestFrame latest = new LatestFrame(status);

    private static Frame frame(long sequence) {
        return new Frame("cam", Instant.EPOCH.plusMillis(sequence), sequence,
                new BufferedImage(4, 2, BufferedImage.TYPE_3BYTE_BGR));
    }

    private static long sequenceOf(LatestFrame.Next next) {
        assertThat(next).isInstanceOf(LatestFrame.Fresh.class);
        return ((LatestFrame.Fresh) next).frame().sequence();
    }

    @Test
    void aNewFrameReplacesAnUnreadOneAndCountsItAsDropped() throws InterruptedException {
        latest.offer(frame(1));
        latest.offer(frame(2));
        latest.offer(frame(3));

        assertThat(sequenceOf(latest.take(Duration.ZERO))).isEqualTo(3);
        assertThat(status.droppedCount()).isEqualTo(2);
        assertThat(latest.take(Duration.ZERO)).isInstanceOf(LatestFrame.TimedOut.class);
    }

    @Test
    void framesTakenInTimeAreNotDropped() throws InterruptedException {
        for (long i = 1; i <= 5; i++) {
            latest.offer(frame(i));
            assertThat(sequenceOf(latest.take(Duration.ZERO))).isEqualTo(i);
        }
        assertThat(status.droppedCount()).isZero();
    }

    @Test
    void takeWaitsUpToItsTimeoutWhenNothingArrives() throws InterruptedException {
        long start = System.nanoTime();
        LatestFrame.Next next = latest.take(Duration.ofMillis(150));
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(next).isInstanceOf(LatestFrame.TimedOut.class);
        assertThat(waitedMillis).isBetween(140L, 2000L);
    }

    @Test
    void aWaitingConsumerWakesAsSoonAsAFrameArrives() throws Exception {
        CompletableFuture<LatestFrame.Next> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return latest.take(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        long offered = System.nanoTime();
        latest.offer(frame(7));

        assertThat(sequenceOf(taken.get(5, TimeUnit.SECONDS))).isEqualTo(7);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - offered)).isLessThan(2000);
    }

    @Test
    void afterTheEndTheLastFrameIsStillDeliveredThenEnded() throws Exception {
        latest.offer(frame(9));
        latest.end();
        latest.offer(frame(10));

        assertThat(sequenceOf(latest.take(Duration.ZERO))).isEqualTo(9);
        assertThat(latest.take(Duration.ofSeconds(5))).isInstanceOf(LatestFrame.Ended.class);
        assertThat(latest.isEnded()).isTrue();
    }

    @Test
    void endWakesAWaitingConsumer() throws Exception {
        CompletableFuture<LatestFrame.Next> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return latest.take(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        latest.end();

        assertThat(taken.get(5, TimeUnit.SECONDS)).isInstanceOf(LatestFrame.Ended.class);
    }
}
