package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import dev.logowatch.config.StreamConfig.Decoder;
import dev.logowatch.config.StreamConfig.RtspTransport;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.StreamHealth.State;
import dev.logowatch.web.StatusBoard;
import io.helidon.metrics.api.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real files through FFmpeg: sampling, looping, and inputs that must not crash or wedge the reader. */
@Tag("integration")
class FFmpegFileIntegrationTest {
    private static final Duration MAX = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Backoff FAST = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1), 0.1);

    @TempDir
    static Path dir;
    private static Path clip;

    private final StreamHealth status = StatusBoard.create("dev", "test").stream("cam", "Cam", "file");
    private final LatestFrame latest = new LatestFrame(status);
    private final AtomicInteger opens = new AtomicInteger();
    private StreamReader reader;

    @BeforeAll
    static void makeClip() throws IOException, InterruptedException {
        clip = Clips.testPattern(dir, "pattern.mp4", "640x360", 25, 4);
    }

    @AfterEach
    void stop() {
        if (reader != null) {
            reader.close();
        }
    }

    private void start(Path file, double fps, boolean loop) {
        start(file, fps, loop, null);
    }

    private void start(Path file, double fps, boolean loop, DeviceMeters meters) {
        StreamConfig config = new StreamConfig("cam", "Cam", file.toString(), Decoder.FFMPEG, "", fps,
                RtspTransport.TCP, loop, Duration.ofSeconds(5));
        reader = StreamReader.start(config, status, latest, FAST, meters, c -> {
            opens.incrementAndGet();
            return FrameSource.open(c);
        });
    }

    /** Takes frames until the stream ends, bounded in time and count. */
    private List<Frame> allFrames() throws InterruptedException {
        List<Frame> frames = new ArrayList<>();
        long deadline = System.nanoTime() + MAX.toNanos();
        while (System.nanoTime() < deadline && frames.size() < 1000) {
            LatestFrame.Next next = latest.take(Duration.ofSeconds(1));
            if (next instanceof LatestFrame.Fresh(Frame frame)) {
                frames.add(frame);
            } else if (next instanceof LatestFrame.Ended) {
                return frames;
            }
        }
        throw new AssertionError("stream did not end within " + MAX + "; got " + frames.size() + " frames");
    }

    @Test
    void decodesAFileAtTheSampledRateInRealTime() throws Exception {
        DeviceMeters meters = StatusBoard.create("dev", "test").meters();
        long timedBefore = decodeCount(meters);
        long start = System.nanoTime();
        start(clip, 5, false, meters);

        List<Frame> frames = allFrames();
        double seconds = (System.nanoTime() - start) / 1e9;

        // 4 s at 25 fps sampled at 5 fps: 20 frames, every fifth, played at the file's own pace.
        long dropped = status.droppedCount();
        assertThat(frames.size() + dropped).as("sampled frames").isBetween(19L, 21L);
        assertThat(dropped).as("a taker waiting on the slot misses almost nothing").isLessThanOrEqualTo(2);
        assertThat(seconds).as("played in real time").isBetween(3.2, 15.0);
        for (int i = 1; i < frames.size(); i++) {
            assertThat((frames.get(i).sequence() - frames.get(i - 1).sequence()) % 5).isZero();
        }
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.width()).isEqualTo(640);
            assertThat(f.height()).isEqualTo(360);
        });
        assertThat(frames.getFirst().sequence()).isEqualTo(1);
        assertThat(Clips.meanDifference(frames.getFirst(), Clips.firstFrameBgr(clip)))
                .as("same pixels as the ffmpeg command line decodes").isLessThan(3.0);
        assertThat(status.state()).isEqualTo(State.STOPPED);
        assertThat(status.view().framesIn()).isBetween(98L, 100L);
        assertThat(status.view().lastError()).isEmpty();
        assertThat(decodeCount(meters) - timedBefore).as("decode timed per sampled frame")
                .isEqualTo(frames.size() + dropped);
    }

    private static long decodeCount(DeviceMeters meters) {
        return meters.registry().timer("logowatch.stage.duration", List.of(io.helidon.metrics.api.Tag.create("stage", "decode")))
                .map(Timer::count).orElse(0L);
    }

    @Test
    void aLoopingFileStartsAgainAtItsEnd() throws Exception {
        Path short1s = Clips.testPattern(dir, "short.mp4", "320x240", 25, 1);
        start(short1s, 5, true);

        await("played three times").atMost(MAX).pollInterval(POLL).until(() -> opens.get() >= 3);
        int frames = 0;
        while (latest.take(Duration.ZERO) instanceof LatestFrame.Fresh) {
            frames++;
        }

        assertThat(status.state()).isEqualTo(State.LIVE);
        assertThat(status.view().framesIn()).isGreaterThanOrEqualTo(50);
        assertThat(status.reconnectCount()).isZero();
        assertThat(status.view().lastError()).isEmpty();
        assertThat(frames + status.droppedCount()).as("frames delivered").isGreaterThanOrEqualTo(8);
    }

    @Test
    void aZeroByteFileIsReportedAndRetried() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.mp4"));
        assertHostileInputIsRetried(empty);
        assertThat(status.view().lastError().orElseThrow()).startsWith("cannot open");
    }

    @Test
    void aTextFileIsReportedAndRetried() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n".repeat(200));
        assertHostileInputIsRetried(text);
        assertThat(status.view().lastError().orElseThrow())
                .isEqualTo("cannot open: Invalid data found when processing input (avformat_open_input)");
    }

    @Test
    void aFileCutBeforeItsIndexIsReportedAndRetried() throws Exception {
        // ffmpeg writes the mp4 index (moov) last: half a file has frames but no index.
        byte[] whole = Files.readAllBytes(clip);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(whole, whole.length / 2));
        assertHostileInputIsRetried(cut);
    }

    @Test
    void aStreamCutMidwayDeliversWhatItHasThenEnds() throws Exception {
        Path ts = Clips.testPattern(dir, "whole.ts", "640x360", 25, 4);
        byte[] whole = Files.readAllBytes(ts);
        Path cut = Files.write(dir.resolve("cut.ts"), Arrays.copyOf(whole, whole.length / 2 + 777));
        start(cut, 5, false);

        List<Frame> frames = allFrames();

        assertThat(frames).hasSizeBetween(3, 18);
        assertThat(status.state()).isEqualTo(State.STOPPED);
    }

    @Test
    void aResolutionChangeMidStreamIsFollowed() throws Exception {
        Path big = Clips.testPattern(dir, "big.ts", "640x360", 25, 2);
        Path small = Clips.testPattern(dir, "small.ts", "320x240", 25, 2);
        Path both = dir.resolve("both.ts");
        Files.write(both, Files.readAllBytes(big));
        Files.write(both, Files.readAllBytes(small), java.nio.file.StandardOpenOption.APPEND);
        start(both, 5, false);

        List<Frame> frames = allFrames();

        assertThat(frames).hasSizeBetween(16, 22);
        List<String> sizes = frames.stream().map(f -> f.width() + "x" + f.height()).distinct().toList();
        assertThat(sizes).containsExactly("640x360", "320x240");
        assertThat(status.state()).isEqualTo(State.STOPPED);
        assertThat(status.view().lastError()).isEmpty();
    }

    private void assertHostileInputIsRetried(Path file) {
        start(file, 5, false);

        await("the failure shows").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.RECONNECTING);
        await("it is retried").atMost(MAX).pollInterval(POLL).until(() -> opens.get() >= 3);
        assertThat(status.view().lastError()).isPresent();
        assertThat(status.view().framesIn()).isZero();

        long start = System.nanoTime();
        reader.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500);
        assertThat(status.state()).isEqualTo(State.STOPPED);
    }
}
