package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import dev.logowatch.config.StreamConfig.Decoder;
import dev.logowatch.config.StreamConfig.RtspTransport;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.StreamHealth.State;
import dev.logowatch.testing.CapturedLog;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.image.DataBufferByte;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class StreamReaderTest {
    private static final Duration MAX = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final String CAMERA = "rtsp://admin:hunter2@cam.local/live";

    private final StreamHealth status = StatusBoard.create("dev", "test").stream("cam", "Cam", "rtsp://cam.local/");
    private final LatestFrame latest = new LatestFrame(status);
    private CapturedLog logged;
    private StreamReader reader;

    @BeforeEach
    void captureLog() {
        logged = CapturedLog.of(StreamReader.class);
    }

    @AfterEach
    void stop() {
        if (reader != null) {
            reader.close();
        }
        logged.close();
    }

    private static StreamConfig camera(double fps, Duration stall) {
        return new StreamConfig("cam", "Cam", CAMERA, Decoder.FFMPEG, "", fps, RtspTransport.TCP, false, stall);
    }

    private static StreamConfig file(boolean loop) {
        return new StreamConfig("cam", "Cam", "/videos/demo.mp4", Decoder.FFMPEG, "", 50, RtspTransport.TCP, loop,
                Duration.ofSeconds(5));
    }

    private static Backoff backoff(long initialMillis) {
        return new Backoff(Duration.ofMillis(initialMillis), Duration.ofMillis(initialMillis * 8), 0.0);
    }

    private Frame next() throws InterruptedException {
        LatestFrame.Next next = latest.take(MAX);
        assertThat(next).as("a frame within " + MAX).isInstanceOf(LatestFrame.Fresh.class);
        return ((LatestFrame.Fresh) next).frame();
    }

    private List<String> warnings() {
        return logged.records().stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
    }

    private String lastError() {
        return status.view().lastError().orElse("");
    }

    @Test
    void deliversOwnedFramesSampledToTheConfiguredRate() throws InterruptedException {
        // 100 fps decoded, 20 fps wanted: every fifth frame.
        ScriptedSource.Opener opener = new ScriptedSource.Opener(
                () -> new ScriptedSource(0, 10, ScriptedSource.Then.FRAMES_FOREVER));
        reader = StreamReader.start(camera(20, Duration.ofSeconds(5)), status, latest, backoff(100), null, opener);

        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            frames.add(next());
        }

        assertThat(status.state()).isEqualTo(State.LIVE);
        for (int i = 1; i < frames.size(); i++) {
            long gap = frames.get(i).sequence() - frames.get(i - 1).sequence();
            // Every fifth frame is sampled; a slow taker may miss (drop) some of those.
            assertThat(gap % 5).as("decoded frames between deliveries: " + gap).isZero();
            assertThat(gap).isPositive();
        }
        for (Frame frame : frames) {
            byte[] px = ((DataBufferByte) frame.image().getRaster().getDataBuffer()).getData();
            // The script fills picture n with n and counts sequences from 1: each frame kept its own pixels.
            assertThat(px).containsOnly((byte) (frame.sequence() - 1));
            assertThat(frame.stream()).isEqualTo("cam");
            assertThat(frame.timestamp()).isBetween(Instant.now().minusSeconds(30), Instant.now());
        }
        assertThat(status.view().framesIn()).isGreaterThanOrEqualTo(frames.getLast().sequence());
        assertThat(status.reconnectCount()).isZero();
        assertThat(opener.attempts.get()).isEqualTo(1);
    }

    @Test
    void aFailureReconnectsWithBackoffAndCountsTheReconnect() throws InterruptedException {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(
                () -> new ScriptedSource(20, 10, ScriptedSource.Then.FAIL),
                () -> new ScriptedSource(0, 10, ScriptedSource.Then.FRAMES_FOREVER));
        reader = StreamReader.start(camera(20, Duration.ofSeconds(5)), status, latest, backoff(400), null, opener);

        await("the stream goes live").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.LIVE);
        await("the failure shows").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.RECONNECTING);
        assertThat(lastError()).isEqualTo("connection reset by rtsp://admin:***@cam.local/live");
        await("frames flow again").atMost(MAX).pollInterval(POLL)
                .until(() -> status.state() == State.LIVE && status.reconnectCount() == 1);

        assertThat(opener.opened.getFirst().closed).as("the failed decoder was closed").isTrue();
        long pause = opener.openTimes.get(1) - opener.openTimes.get(0);
        assertThat(pause).as("waited the backoff before reopening").isGreaterThan(TimeUnit.MILLISECONDS.toNanos(380));
        long before = next().sequence();
        assertThat(next().sequence()).isGreaterThan(before);
    }

    @Test
    void aCameraThatStaysDownIsRetriedWithGrowingDelaysAndOneWarning() {
        ScriptedSource.Opener failing = new ScriptedSource.Opener(() -> null, () -> null, () -> null, () -> null,
                () -> new ScriptedSource(0, 10, ScriptedSource.Then.FRAMES_FOREVER));
        reader = StreamReader.start(camera(20, Duration.ofSeconds(5)), status, latest, backoff(100), null, failing);

        await("the fifth attempt succeeds").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.LIVE);

        assertThat(failing.attempts.get()).isEqualTo(5);
        List<Long> times = failing.openTimes;
        long[] expectedMillis = {100, 200, 400, 800};
        for (int i = 1; i < 5; i++) {
            long gapMillis = TimeUnit.NANOSECONDS.toMillis(times.get(i) - times.get(i - 1));
            assertThat(gapMillis).as("pause before attempt " + (i + 1)).isBetween(expectedMillis[i - 1] - 5,
                    expectedMillis[i - 1] + 1500);
        }
        assertThat(warnings()).hasSize(1);
        assertThat(warnings().getFirst()).contains("cam", "rtsp://admin:***@cam.local/live",
                "cannot open: Connection refused").doesNotContain("hunter2");
        assertThat(status.reconnectCount()).isEqualTo(1);
        assertThat(logged.records().stream().anyMatch(r -> r.getLevel() == Level.INFO && r.getMessage().contains(
                "back after 4 failed attempts"))).isTrue();
        assertThat(logged.records()).allSatisfy(r -> assertThat(r.getThrown()).as("no stack traces").isNull());
    }

    @Test
    void aStreamThatGoesSilentIsReopenedAfterTheStallTimeout() throws InterruptedException {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(
                () -> new ScriptedSource(5, 10, ScriptedSource.Then.STALL),
                () -> new ScriptedSource(0, 10, ScriptedSource.Then.FRAMES_FOREVER));
        reader = StreamReader.start(camera(20, Duration.ofMillis(400)), status, latest, backoff(300), null, opener);

        await("the stall is reported").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.RECONNECTING);
        assertThat(lastError()).startsWith("no frame for 0.4 s");
        await("frames flow again").atMost(MAX).pollInterval(POLL)
                .until(() -> status.state() == State.LIVE && status.reconnectCount() == 1);
        assertThat(opener.opened.getFirst().closed).isTrue();
        next();
    }

    @Test
    void aDecoderBlockedForeverIsLeftBehindAndTheStreamReopened() throws InterruptedException {
        ScriptedSource stuck = new ScriptedSource(5, 10, ScriptedSource.Then.BLOCK);
        ScriptedSource.Opener opener = new ScriptedSource.Opener(() -> stuck,
                () -> new ScriptedSource(0, 10, ScriptedSource.Then.FRAMES_FOREVER));
        try {
            reader = StreamReader.start(camera(20, Duration.ofMillis(500)), status, latest, backoff(100), null,
                    opener);

            await("the blocked decoder is noticed").atMost(MAX).pollInterval(POLL)
                    .until(() -> lastError().startsWith("decoder blocked for"));
            await("frames flow from a new decoder").atMost(MAX).pollInterval(POLL)
                    .until(() -> status.state() == State.LIVE && status.reconnectCount() == 1);
            assertThat(opener.attempts.get()).isEqualTo(2);
            long before = next().sequence();
            assertThat(next().sequence()).isGreaterThan(before);
            assertThat(stuck.closed).as("still inside its blocked call").isFalse();
        } finally {
            stuck.unblock();
        }
        await("the released decoder is closed by its old thread").atMost(MAX).pollInterval(POLL)
                .until(() -> stuck.closed);
        assertThat(status.state()).isEqualTo(State.LIVE);
    }

    @Test
    void aFileWithoutLoopEndsTheStream() throws InterruptedException {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(() -> new ScriptedSource(10, 5, ScriptedSource.Then.END));
        reader = StreamReader.start(file(false), status, latest, backoff(100), null, opener);

        int frames = 0;
        LatestFrame.Next next;
        while ((next = latest.take(MAX)) instanceof LatestFrame.Fresh) {
            frames++;
            assertThat(frames).isLessThanOrEqualTo(10);
        }

        assertThat(next).isInstanceOf(LatestFrame.Ended.class);
        assertThat(frames).isPositive();
        assertThat(status.state()).isEqualTo(State.STOPPED);
        assertThat(status.view().lastError()).isEmpty();
        assertThat(opener.attempts.get()).isEqualTo(1);
        assertThat(opener.opened.getFirst().closed).isTrue();
    }

    @Test
    void aLoopingFileRestartsAtItsEndWithoutCountingAFailure() {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(() -> new ScriptedSource(10, 5, ScriptedSource.Then.END));
        reader = StreamReader.start(file(true), status, latest, backoff(2000), null, opener);

        await("three plays").atMost(MAX).pollInterval(POLL).until(() -> opener.attempts.get() >= 3);

        assertThat(status.state()).isEqualTo(State.LIVE);
        assertThat(status.reconnectCount()).isZero();
        assertThat(status.view().lastError()).isEmpty();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aFileWithNoFramesIsAFailureRetriedWithBackoffNotASpin() {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(() -> new ScriptedSource(0, 5, ScriptedSource.Then.END));
        reader = StreamReader.start(file(true), status, latest, backoff(200), null, opener);

        await("the failure shows").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.RECONNECTING);
        assertThat(lastError()).contains("before its first frame");
        long start = System.nanoTime();
        await("a few retries").atMost(MAX).pollInterval(POLL).until(() -> opener.attempts.get() >= 3);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
        assertThat(opener.attempts.get()).isLessThan(10);
    }

    @Test
    void closeStopsAStreamingReaderPromptly() throws InterruptedException {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(
                () -> new ScriptedSource(0, 10, ScriptedSource.Then.FRAMES_FOREVER));
        reader = StreamReader.start(camera(20, Duration.ofSeconds(5)), status, latest, backoff(100), null, opener);
        next();

        long start = System.nanoTime();
        reader.close();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500);
        assertThat(status.state()).isEqualTo(State.STOPPED);
        assertThat(opener.opened.getFirst().closed).isTrue();
        while (latest.take(Duration.ZERO) instanceof LatestFrame.Fresh) {
            // the frame offered before close
        }
        assertThat(latest.take(Duration.ofSeconds(1))).isInstanceOf(LatestFrame.Ended.class);
    }

    @Test
    void closeInterruptsABackoffWait() {
        ScriptedSource.Opener opener = new ScriptedSource.Opener(() -> null);
        reader = StreamReader.start(camera(20, Duration.ofSeconds(5)), status, latest, backoff(30_000), null, opener);
        await("the first attempt failed").atMost(MAX).pollInterval(POLL)
                .until(() -> status.state() == State.RECONNECTING);

        long start = System.nanoTime();
        reader.close();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500);
        assertThat(status.state()).isEqualTo(State.STOPPED);
        assertThat(opener.attempts.get()).isEqualTo(1);
    }
}
