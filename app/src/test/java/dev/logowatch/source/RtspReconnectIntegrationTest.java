package dev.logowatch.source;

import dev.logowatch.config.StreamConfig;
import dev.logowatch.config.StreamConfig.Decoder;
import dev.logowatch.config.StreamConfig.RtspTransport;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.StreamHealth.State;
import dev.logowatch.web.StatusBoard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real RTSP server on loopback that dies mid-stream and comes back on the same port: both
 * decoders must notice, report it, and deliver frames again by themselves.
 */
@Tag("integration")
class RtspReconnectIntegrationTest {
    private static final Duration MAX = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Backoff FAST = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(2), 0.1);

    @TempDir
    static Path dir;
    private static Path server;

    private final StreamHealth status = StatusBoard.create("dev", "test").stream("cam", "Cam", "rtsp");
    private final LatestFrame latest = new LatestFrame(status);

    @BeforeAll
    static void buildServer() throws Exception {
        server = RtspTestServer.build(dir);
    }

    @Test
    void ffmpegReconnectsAfterTheServerDies() throws Exception {
        try (RtspTestServer rtsp = RtspTestServer.onFreePort(server)) {
            StreamConfig config = new StreamConfig("cam", "Cam", rtsp.url(), Decoder.FFMPEG, "", 5,
                    RtspTransport.TCP, false, Duration.ofSeconds(3));
            survivesARestart(rtsp, config);
        }
    }

    @Test
    void ffmpegOverUdpReconnectsAfterTheServerDies() throws Exception {
        try (RtspTestServer rtsp = RtspTestServer.onFreePort(server)) {
            StreamConfig config = new StreamConfig("cam", "Cam", rtsp.url(), Decoder.FFMPEG, "", 5,
                    RtspTransport.UDP, false, Duration.ofSeconds(3));
            survivesARestart(rtsp, config);
        }
    }

    @Test
    void gstreamerReconnectsAfterTheServerDies() throws Exception {
        try (RtspTestServer rtsp = RtspTestServer.onFreePort(server)) {
            String pipeline = "rtspsrc location=" + rtsp.url() + " latency=100 ! rtph264depay ! h264parse "
                    + "! avdec_h264 ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink";
            StreamConfig config = new StreamConfig("cam", "Cam", "", Decoder.GSTREAMER, pipeline, 5,
                    RtspTransport.TCP, false, Duration.ofSeconds(3));
            survivesARestart(rtsp, config);
        }
    }

    @Test
    void ffmpegGivesUpOnAServerThatAcceptsButNeverAnswers() throws Exception {
        silentServerIsAStall(Decoder.FFMPEG);
    }

    @Test
    void gstreamerGivesUpOnAServerThatAcceptsButNeverAnswers() throws Exception {
        silentServerIsAStall(Decoder.GSTREAMER);
    }

    /** A TCP listener that takes connections and says nothing: the decoder must not wait on it forever. */
    private void silentServerIsAStall(Decoder decoder) throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!silent.isClosed() && accepted.size() < 100) {
                    try {
                        accepted.add(silent.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            String url = "rtsp://127.0.0.1:" + silent.getLocalPort() + "/test";
            StreamConfig config = decoder == Decoder.FFMPEG
                    ? new StreamConfig("cam", "Cam", url, decoder, "", 5, RtspTransport.TCP, false, Duration.ofSeconds(2))
                    : new StreamConfig("cam", "Cam", "", decoder, "rtspsrc location=" + url
                    + " ! rtph264depay ! avdec_h264 ! appsink", 5, RtspTransport.TCP, false, Duration.ofSeconds(2));
            long start = System.nanoTime();
            StreamReader reader = StreamReader.start(config, status, latest, FAST);
            try {
                await("the silence is reported").atMost(MAX).pollInterval(POLL)
                        .until(() -> status.state() == State.RECONNECTING);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertThat(seconds).as("reported after about the stall timeout").isBetween(1.5, 10.0);
                // Reported by the decoder's own timeouts, not by the watchdog for stuck native calls.
                assertThat(status.view().lastError().orElseThrow()).startsWith(
                        decoder == Decoder.FFMPEG ? "cannot open: no answer within" : "no frame for 2.0 s");
                await("it tries again").atMost(MAX).pollInterval(POLL).until(() -> accepted.size() >= 2);
            } finally {
                long closing = System.nanoTime();
                reader.close();
                assertThat((System.nanoTime() - closing) / 1e9).as("close stays prompt").isLessThan(2.5);
            }
            assertThat(status.state()).isEqualTo(State.STOPPED);
            silent.close();
            acceptor.join(5000);
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    private void survivesARestart(RtspTestServer rtsp, StreamConfig config) throws Exception {
        rtsp.start();
        try (StreamReader reader = StreamReader.start(config, status, latest, FAST)) {
            Frame before = takeFrames(3);
            assertThat(status.state()).isEqualTo(State.LIVE);
            assertThat(before.width()).isEqualTo(320);
            assertThat(before.height()).isEqualTo(240);

            rtsp.kill();
            await("the stream leaves LIVE").atMost(MAX).pollInterval(POLL).until(() -> status.state() != State.LIVE);
            assertThat(status.state()).isEqualTo(State.RECONNECTING);
            assertThat(status.view().lastError()).isPresent();
            // Let a retry or two fail against the closed port.
            Thread.sleep(1000);
            assertThat(status.state()).isEqualTo(State.RECONNECTING);

            rtsp.start();
            await("the stream is live again").atMost(MAX).pollInterval(POLL).untilAsserted(() ->
                    assertThat(status.state() == State.LIVE && status.reconnectCount() >= 1)
                            .as(() -> status.view().toString()).isTrue());
            Frame after = takeFrames(3);
            assertThat(after.sequence()).isGreaterThan(before.sequence());
            assertThat(after.timestamp()).isAfter(before.timestamp());
            assertThat(status.reconnectCount()).isGreaterThanOrEqualTo(1);
        }
        assertThat(status.state()).isEqualTo(State.STOPPED);
    }

    /** Takes {@code count} fresh frames (30 s at most) and returns the last. */
    private Frame takeFrames(int count) throws InterruptedException {
        Frame last = null;
        long deadline = System.nanoTime() + MAX.toNanos();
        int taken = 0;
        while (taken < count) {
            assertThat(System.nanoTime()).as("frames within " + MAX + ", state " + status.view()).isLessThan(deadline);
            if (latest.take(Duration.ofSeconds(1)) instanceof LatestFrame.Fresh(Frame frame)) {
                last = frame;
                taken++;
            }
        }
        return last;
    }
}
