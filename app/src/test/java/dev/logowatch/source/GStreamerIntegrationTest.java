package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import dev.logowatch.config.StreamConfig.Decoder;
import dev.logowatch.config.StreamConfig.RtspTransport;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.StreamHealth.State;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.DataBufferByte;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** User pipelines through the system's GStreamer: forced BGR, padded rows, files, broken pipelines. */
@Tag("integration")
class GStreamerIntegrationTest {
    private static final Duration MAX = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Backoff FAST = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1), 0.1);

    @TempDir
    Path dir;

    private final StreamHealth status = StatusBoard.create("dev", "test").stream("cam", "Cam", "gst");
    private final LatestFrame latest = new LatestFrame(status);
    private StreamReader reader;

    @AfterEach
    void stop() {
        if (reader != null) {
            reader.close();
        }
    }

    private void start(String pipeline, double fps) {
        StreamConfig config = new StreamConfig("cam", "Cam", "", Decoder.GSTREAMER, pipeline, fps, RtspTransport.TCP,
                false, Duration.ofSeconds(5));
        reader = StreamReader.start(config, status, latest, FAST);
    }

    private Frame next() throws InterruptedException {
        LatestFrame.Next next = latest.take(MAX);
        assertThat(next).as("a frame within " + MAX + "; " + status.view()).isInstanceOf(LatestFrame.Fresh.class);
        return ((LatestFrame.Fresh) next).frame();
    }

    @Test
    void aPipelineWithoutBgrCapsDeliversBgrAnyway() throws InterruptedException {
        // Pure red in, and nothing in the pipeline asks for BGR: the source must add the conversion.
        start("videotestsrc pattern=red is-live=true ! video/x-raw,width=64,height=48,framerate=10/1 ! appsink", 5);

        Frame frame = next();

        assertThat(frame.width()).isEqualTo(64);
        assertThat(frame.height()).isEqualTo(48);
        byte[] px = ((DataBufferByte) frame.image().getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i += 3) {
            assertThat(px[i] & 0xFF).as("blue").isLessThan(10);
            assertThat(px[i + 1] & 0xFF).as("green").isLessThan(10);
            assertThat(px[i + 2] & 0xFF).as("red").isGreaterThan(245);
        }
        assertThat(status.state()).isEqualTo(State.LIVE);
    }

    @Test
    void aFileWithPaddedRowsDecodesToTheSamePixelsAsFfmpegAndEnds() throws Exception {
        // 322 pixels = 966 bytes per row, which GStreamer pads to 968.
        Path clip = Clips.testPattern(dir, "odd.mp4", "322x182", 25, 2);
        start("filesrc location=" + clip + " ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! appsink name=sink", 25);

        List<Frame> frames = new ArrayList<>();
        LatestFrame.Next next;
        long deadline = System.nanoTime() + MAX.toNanos();
        while (!((next = latest.take(Duration.ofSeconds(1))) instanceof LatestFrame.Ended)) {
            assertThat(System.nanoTime()).as("the file ends within " + MAX).isLessThan(deadline);
            if (next instanceof LatestFrame.Fresh(Frame frame)) {
                frames.add(frame);
            }
        }

        // 2 s at 25 fps, all sampled; a taker that falls behind loses some to newer ones.
        assertThat(frames.size() + status.droppedCount()).isBetween(40L, 50L);
        assertThat(frames).hasSizeGreaterThan(25);
        assertThat(frames.getFirst().width()).isEqualTo(322);
        assertThat(Clips.meanDifference(frames.getFirst(), Clips.firstFrameBgr(clip)))
                .as("same pixels as the ffmpeg command line decodes").isLessThan(4.0);
        assertThat(status.state()).isEqualTo(State.STOPPED);
        assertThat(status.view().lastError()).isEmpty();
    }

    @Test
    void aPipelineNamingAMissingElementIsReportedAndRetried() {
        start("videotestsrc ! nvv4l2decoder ! appsink", 5);

        await("the failure shows").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.RECONNECTING);
        assertThat(status.view().lastError().orElseThrow()).contains("nvv4l2decoder");
    }

    @Test
    void aMissingFileIsReportedAndRetried() {
        start("filesrc location=" + dir.resolve("missing.mp4") + " ! qtdemux ! h264parse ! avdec_h264 ! appsink", 5);

        await("the failure shows").atMost(MAX).pollInterval(POLL).until(() -> status.state() == State.RECONNECTING);
        assertThat(status.view().lastError().orElseThrow()).containsIgnoringCase("missing.mp4");
    }
}
