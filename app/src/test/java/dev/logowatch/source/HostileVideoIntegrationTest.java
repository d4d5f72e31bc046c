package dev.logowatch.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.engine.TestModels;
import dev.logowatch.pipeline.Appliance;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.StreamHealth.State;
import dev.logowatch.testing.CapturedLog;
import dev.logowatch.testing.LogoScene;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole service (an {@link Appliance} with the tiny test embedder) fed broken and strange
 * video at once: a zero-byte file, a text file, an mp4 cut before its index, an HTTP server
 * and an RTSP "server" sending random bytes, a transport stream with a damaged middle, a
 * resolution change mid-stream, 4K frames and 1×1 frames. Each broken input is reported once
 * (not per retry) with its reason on the stream's status; the strange but valid ones are
 * recognised; nothing crashes or stacks traces; once the broken inputs are repaired they
 * play; and the whole device stops within its bound with no decoder thread left behind.
 */
@Tag("integration")
class HostileVideoIntegrationTest {
    private static final Duration MAX = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final List<String> BROKEN = List.of("zero", "text", "truncated", "garbage-http", "garbage-rtsp");
    private static final List<String> PLAYING = List.of("good", "corrupt", "reschange", "uhd", "pixel");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path good;
    private static Path goodTs;
    private static GarbageServer garbageHttp;
    private static GarbageServer garbageRtsp;

    private CapturedLog log;
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void inputs() throws Exception {
        good = Clips.testPattern(dir, "good.mp4", "320x240", 25, 4);
        goodTs = Clips.testPattern(dir, "good.ts", "320x240", 25, 4);
        Files.createFile(dir.resolve("zero.mp4"));
        Files.writeString(dir.resolve("text.mp4"), "#EXTM3U\nthis is not a video\n".repeat(300));
        byte[] whole = Files.readAllBytes(good);
        Files.write(dir.resolve("truncated.mp4"), Arrays.copyOf(whole, whole.length / 2));

        // A transport stream with 20 KB of noise in its middle: the decoder must resync, not stop.
        Path clean = Clips.testPattern(dir, "clean.ts", "640x360", 25, 4);
        byte[] ts = Files.readAllBytes(clean);
        byte[] noise = new byte[20_000];
        new Random(3).nextBytes(noise);
        System.arraycopy(noise, 0, ts, ts.length / 2, noise.length);
        Files.write(dir.resolve("corrupt.ts"), ts);

        Path big = Clips.testPattern(dir, "big.ts", "640x360", 25, 2);
        Path small = Clips.testPattern(dir, "small.ts", "320x240", 25, 2);
        Path both = dir.resolve("reschange.ts");
        Files.write(both, Files.readAllBytes(big));
        Files.write(both, Files.readAllBytes(small), StandardOpenOption.APPEND);

        Clips.testPattern(dir, "uhd.mp4", "3840x2160", 5, 1.2);
        // x264 needs 4:4:4 chroma for an odd size; a 1x1 picture is otherwise an ordinary H.264 stream.
        Clips.testPattern(dir, "pixel.mkv", "1x1", 10, 2, "-pix_fmt", "yuv444p");

        garbageHttp = GarbageServer.http(2_000_000, 11);
        garbageRtsp = GarbageServer.raw(200_000, 12);
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (garbageHttp != null) {
            garbageHttp.close();
        }
        if (garbageRtsp != null) {
            garbageRtsp.close();
        }
    }

    private LogowatchConfig config() throws Exception {
        Path embedder = TestModels.model("embedder");
        StringBuilder yaml = new StringBuilder("""
                device:
                  id: hostile
                  state-dir: state
                models:
                  embedder: %s
                """.formatted(embedder) + LogoScene.LOOPBACK + "streams:\n");
        Map<String, String> urls = new java.util.LinkedHashMap<>();
        urls.put("good", "good.mp4");
        urls.put("zero", "zero.mp4");
        urls.put("text", "text.mp4");
        urls.put("truncated", "truncated.mp4");
        urls.put("garbage-http", "http://127.0.0.1:" + garbageHttp.port() + "/x.mp4");
        urls.put("garbage-rtsp", "rtsp://127.0.0.1:" + garbageRtsp.port() + "/x");
        urls.put("corrupt", "corrupt.ts");
        urls.put("reschange", "reschange.ts");
        urls.put("uhd", "uhd.mp4");
        urls.put("pixel", "pixel.mkv");
        urls.forEach((id, url) -> yaml.append("  - id: ").append(id).append("\n    url: ").append(url)
                .append("\n    loop: true\n    fps: 2\n    stall-timeout: 4s\n"));
        Path file = Files.writeString(dir.resolve("hostile.yaml"), yaml.toString());
        return LogowatchConfig.load(file, Map.of());
    }

    @Test
    void brokenInputsAreReportedOnceStrangeOnesRecognisedAndRepairedOnesRecover() throws Exception {
        LogowatchConfig config = config();
        log = CapturedLog.everything();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        Appliance appliance = null;
        try {
            appliance = Appliance.start(config, "test");
            Appliance running = appliance;
            Map<String, Set<String>> sizes = new ConcurrentHashMap<>();

            // The handler above collects uncaught exceptions for the check below; Awaitility must not take them.
            await("every broken input is reported and every playable one processed").atMost(MAX).pollInterval(POLL)
                    .dontCatchUncaughtExceptions().untilAsserted(() -> {
                        recordSizes(running, sizes);
                        assertThat(BROKEN.stream().allMatch(id -> stream(running, id).state() == State.RECONNECTING)
                                && PLAYING.stream().allMatch(id -> stream(running, id).view().framesProcessed() >= 2))
                                .as(() -> views(running)).isTrue();
                    });
            // Let every broken input fail a few more times (the backoff doubles from 1 s).
            long retryUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (System.nanoTime() < retryUntil) {
                recordSizes(running, sizes);
                Thread.sleep(100);
            }

            for (String id : BROKEN) {
                StreamHealth.View v = stream(running, id).view();
                assertThat(v.state()).as(id).isEqualTo("reconnecting");
                assertThat(v.lastError()).as(id + " says why").isPresent();
                assertThat(v.lastError().orElseThrow()).as(id).doesNotContain("Exception").doesNotContain("\n");
                assertThat(v.framesIn()).as(id).isZero();
                assertThat(warnings(id)).as("%s is reported once, not per retry: %s", id, warnings(id)).hasSize(1);
            }
            assertThat(garbageHttp.connections()).as("the HTTP source is retried").isGreaterThanOrEqualTo(3);
            assertThat(garbageRtsp.connections()).as("the RTSP source is retried").isGreaterThanOrEqualTo(3);
            for (String id : List.of("good", "uhd", "pixel", "reschange")) {
                assertThat(warnings(id)).as("%s plays without warnings", id).isEmpty();
            }
            assertThat(sizes.get("uhd")).containsExactly("3840x2160");
            assertThat(sizes.get("pixel")).containsExactly("1x1");
            assertThat(sizes.get("reschange")).as("both resolutions recognised").contains("640x360", "320x240");

            assertThroughTheApi(running);

            // Repair two inputs: the file gets real video, the HTTP server starts serving a real stream.
            Path fixed = dir.resolve("zero.fixing");
            Files.copy(good, fixed);
            Files.move(fixed, dir.resolve("zero.mp4"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            garbageHttp.serve(Files.readAllBytes(goodTs));
            await("repaired inputs play").atMost(MAX).pollInterval(POLL).dontCatchUncaughtExceptions()
                    .untilAsserted(() -> {
                        StreamHealth zero = stream(running, "zero");
                        StreamHealth http = stream(running, "garbage-http");
                        assertThat(zero.view().framesProcessed() > 0 && zero.reconnectCount() >= 1
                                && http.view().framesProcessed() > 0 && http.reconnectCount() >= 1)
                                .as(() -> views(running)).isTrue();
                    });

            assertThat(uncaught).as("no thread died").isEmpty();
            assertThat(log.records()).as("no stack trace in the log").noneMatch(r -> r.getThrown() != null
                    && r.getLoggerName() != null && r.getLoggerName().startsWith("dev.logowatch"));
            assertThat(log.records()).as("every frame of every size was recognised").noneMatch(r ->
                    r.getLoggerName() != null && r.getLoggerName().endsWith("StreamWorker")
                            && r.getLevel().intValue() >= Level.WARNING.intValue());
        } finally {
            if (appliance != null) {
                long closing = System.nanoTime();
                appliance.close();
                double seconds = (System.nanoTime() - closing) / 1e9;
                assertThat(seconds).as("the device stops within its bound").isLessThan(20);
                Appliance stopped = appliance;
                assertThat(stopped.board().streams()).allSatisfy(s -> assertThat(s.state()).isEqualTo(State.STOPPED));
            }
            log.close();
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        await("no decoder or worker thread left running").atMost(Duration.ofSeconds(10)).pollInterval(POLL)
                .until(HostileVideoIntegrationTest::leftoverThreads, List::isEmpty);
    }

    private static StreamHealth stream(Appliance appliance, String id) {
        return appliance.board().stream(id).orElseThrow();
    }

    private static void recordSizes(Appliance appliance, Map<String, Set<String>> sizes) {
        for (StreamHealth s : appliance.board().streams()) {
            appliance.board().snapshot(s.id()).ifPresent(snap -> sizes.computeIfAbsent(s.id(), k -> ConcurrentHashMap.newKeySet())
                    .add(snap.frame().width() + "x" + snap.frame().height()));
        }
    }

    private static String views(Appliance appliance) {
        StringBuilder out = new StringBuilder();
        appliance.board().streams().forEach(s -> out.append("\n  ").append(s.view()));
        return out.toString();
    }

    /** Warnings the source stage logged about one stream. */
    private List<String> warnings(String id) {
        List<String> found = new ArrayList<>();
        for (LogRecord r : log.records()) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue() && r.getLoggerName() != null
                    && r.getLoggerName().startsWith("dev.logowatch.source")
                    && r.getMessage() != null && r.getMessage().startsWith("stream " + id + " ")) {
                found.add(r.getMessage());
            }
        }
        return found;
    }

    private static List<String> leftoverThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && (t.getName().startsWith("source-") || t.getName().startsWith("worker-"))) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /** The page's API shows the same: broken streams reconnecting with a reason, a 4K snapshot served. */
    private static void assertThroughTheApi(Appliance appliance) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + appliance.webPort();
        JsonNode streams = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/streams"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode s : streams) {
            if (BROKEN.contains(s.get("id").asText())) {
                assertThat(s.get("state").asText()).as(s.toString()).isEqualTo("reconnecting");
                assertThat(s.get("last_error").asText()).as(s.toString()).isNotBlank();
            }
        }
        HttpResponse<byte[]> snapshot = http.send(HttpRequest.newBuilder(URI.create(base + "/api/streams/uhd/snapshot.jpg"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(snapshot.statusCode()).isEqualTo(200);
        BufferedImage jpeg = ImageIO.read(new ByteArrayInputStream(snapshot.body()));
        assertThat(jpeg.getWidth()).isEqualTo(3840);
        assertThat(jpeg.getHeight()).isEqualTo(2160);
    }
}
