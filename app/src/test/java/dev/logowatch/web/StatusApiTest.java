package dev.logowatch.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.config.Secret;
import dev.logowatch.config.WebConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.MqttStatus;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.track.Detection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class StatusApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private StatusBoard board;
    private StatusServer server;

    private void start(Optional<Secret> token) {
        start(token, StatusBoard.create("venue-7", "1.2.3"));
    }

    private void start(Optional<Secret> token, StatusBoard with) {
        board = with;
        DeviceMeters meters = board.meters();
        StreamHealth east = board.stream("east", "East stand", "rtsp://cam:***@10.0.0.5/s");
        meters.stream(east);
        server = StatusServer.start(new WebConfig("127.0.0.1", 0, token), board, meters);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    @Test
    void statusShowsTheDeviceAndItsStreams() throws Exception {
        start(Optional.empty());
        HttpResponse<String> response = get("/api/status");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.get("schema").asInt()).isEqualTo(1);
        assertThat(status.get("device").asText()).isEqualTo("venue-7");
        assertThat(status.get("version").asText()).isEqualTo("1.2.3");
        JsonNode stream = status.get("streams").get(0);
        assertThat(stream.get("id").asText()).isEqualTo("east");
        assertThat(stream.get("name").asText()).isEqualTo("East stand");
        assertThat(stream.get("state").asText()).isEqualTo("connecting");
        assertThat(stream.get("url").asText()).doesNotContain("hunter");
        assertThat(status.get("mqtt").get("state").asText()).isNotEmpty();
        assertThat(status.get("verifier").get("state").asText()).isEqualTo("disabled");
    }

    @Test
    void statusShowsExposureTodayAndInTheLastHourAndTheRecentAppearances() throws Exception {
        // 13:00 UTC is after local midnight in every time zone, so "today" holds the whole appearance.
        Instant now = Instant.parse("2026-12-06T13:00:00Z");
        start(Optional.empty(), new StatusBoard("venue-7", "1.2.3", java.time.Clock.fixed(now, java.time.ZoneOffset.UTC),
                System::nanoTime));
        dev.logowatch.track.Appearance ended = new dev.logowatch.track.Appearance("east-1", "east", "heineken",
                now.minusSeconds(40), now.minusSeconds(10), 26.0, 0.91, new Box(0, 0, 50, 50),
                dev.logowatch.track.Verification.NOT_NEEDED);
        board.appearance(new dev.logowatch.track.Appearance.Event(dev.logowatch.track.Appearance.EventType.NEW, ended));
        board.appearance(new dev.logowatch.track.Appearance.Event(dev.logowatch.track.Appearance.EventType.END, ended));

        JsonNode status = JSON.readTree(get("/api/status").body());

        assertThat(status.at("/exposure/last_hour/heineken/seconds").asDouble()).isEqualTo(26.0);
        assertThat(status.at("/exposure/last_hour/heineken/appearances").asInt()).isEqualTo(1);
        assertThat(status.at("/exposure/today/heineken/seconds").asDouble()).isEqualTo(26.0);
        assertThat(status.at("/exposure/today_since").asText()).endsWith("Z");
        assertThat(status.get("recent_appearances")).singleElement()
                .satisfies(a -> assertThat(a.get("brand").asText()).isEqualTo("heineken"));
        assertThat(status.get("appearances")).as("no longer open").isEmpty();
    }

    @Test
    void streamsListCountersAndLastError() throws Exception {
        start(Optional.empty());
        StreamHealth east = board.stream("east").orElseThrow();
        east.dropped(4);
        east.reconnected();
        east.failed(StreamHealth.State.RECONNECTING, "connection refused");
        JsonNode stream = JSON.readTree(get("/api/streams").body()).get(0);
        assertThat(stream.get("state").asText()).isEqualTo("reconnecting");
        assertThat(stream.get("dropped").asLong()).isEqualTo(4);
        assertThat(stream.get("reconnects").asLong()).isEqualTo(1);
        assertThat(stream.get("last_error").asText()).isEqualTo("connection refused");
    }

    @Test
    void detectionsComeNewestFirstAndLimitIsChecked() throws Exception {
        start(Optional.empty());
        for (int i = 1; i <= 3; i++) {
            board.detection(WebFixtures.detection("east", "brand" + i, i, new Box(10, 20, 110, 80)));
        }
        JsonNode list = JSON.readTree(get("/api/detections?limit=2").body());
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("brand").asText()).isEqualTo("brand3");
        assertThat(list.get(0).get("box").toString()).isEqualTo("[10,20,110,80]");
        assertThat(list.get(0).get("runner_up").asText()).isEqualTo("adidas");
        assertThat(list.get(0).get("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

        for (String bad : List.of("0", "51", "abc", "-3")) {
            HttpResponse<String> response = get("/api/detections?limit=" + bad);
            assertThat(response.statusCode()).as("limit=" + bad).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).get("error").asText()).contains("limit must be");
        }
    }

    @Test
    void unknownPathsAndMethodsAnswerWithJsonErrors() throws Exception {
        start(Optional.empty());
        HttpResponse<String> missing = get("/api/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).get("error").asText()).contains("/api/nothing");

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/api/status"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET");
        assertThat(JSON.readTree(post.body()).get("error").asText()).contains("POST");

        HttpResponse<String> noStream = get("/api/streams/west/snapshot.jpg");
        assertThat(noStream.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(noStream.body()).get("error").asText()).contains("west");

        HttpResponse<String> traversal = get("/api/streams/..%2F..%2Fetc%2Fpasswd/snapshot.jpg");
        assertThat(traversal.statusCode()).isEqualTo(404);
        assertThat(traversal.body()).doesNotContain("root:");
    }

    @Test
    void snapshotIsTheLatestFrameWithBoxesDrawn() throws Exception {
        start(Optional.empty());
        HttpResponse<String> before = get("/api/streams/east/snapshot.jpg");
        assertThat(before.statusCode()).isEqualTo(404);
        assertThat(before.body()).contains("no processed frame yet");

        Detection d = WebFixtures.detection("east", "nike", 5, new Box(40, 60, 200, 160));
        board.processed(
                new StatusBoard.Snapshot(WebFixtures.grayFrame("east", 5, 320, 240), List.of(d)));
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri("/api/streams/east/snapshot.jpg")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("image/jpeg");
        BufferedImage jpeg = ImageIO.read(new ByteArrayInputStream(response.body()));
        assertThat(jpeg.getWidth()).isEqualTo(320);
        assertThat(jpeg.getHeight()).isEqualTo(240);
        // The box's left edge is drawn in the confirmed colour (green), the background stays grey.
        int edge = jpeg.getRGB(40, 130);
        int green = (edge >> 8) & 0xff;
        int red = (edge >> 16) & 0xff;
        assertThat(green).isGreaterThan(red + 60);
        int background = jpeg.getRGB(300, 230);
        assertThat(Math.abs(((background >> 8) & 0xff) - ((background >> 16) & 0xff))).isLessThan(20);
    }

    @Test
    void liveEventsDeliverNewDetections() throws Exception {
        start(Optional.empty());
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri("/api/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try {
                    String event = "";
                    for (int lines = 0; lines < 10_000; lines++) {
                        String line = reader.readLine();
                        if (line == null) {
                            return "closed";
                        }
                        if (line.startsWith("event:")) {
                            event = line.substring(6).trim();
                        } else if (line.startsWith("data:") && event.equals("detection")) {
                            return line.substring(5).trim();
                        }
                    }
                    return "too many lines";
                } catch (IOException e) {
                    return "error " + e;
                }
            });
            await("the live feed subscribed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> board.subscriberCount() > 0);
            board.detection(WebFixtures.detection("east", "puma", 9, new Box(0, 0, 50, 50)));
            String data = seen.get(10, TimeUnit.SECONDS);
            assertThat(JSON.readTree(data).get("brand").asText()).isEqualTo("puma");
        }
    }

    @Test
    void withATokenEveryDataRequestNeedsIt() throws Exception {
        start(Optional.of(new Secret("web.auth-token-file", Path.of("/dev/null"), "t0ken-xyz")));
        HttpResponse<String> none = get("/api/status");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(JSON.readTree(none.body()).get("error").asText()).contains("Authorization: Bearer");
        assertThat(get("/api/status", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(get("/api/status", "Authorization", "Bearer t0ken-xyz").statusCode()).isEqualTo(200);
        assertThat(get("/observe/metrics").statusCode()).isEqualTo(401);
        assertThat(get("/observe/health").statusCode()).isEqualTo(401);
        // The page shell carries no data and must load so it can ask for the token.
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>logowatch</title>").doesNotContain("venue-7");
        assertThat(none.body() + page.body()).doesNotContain("t0ken-xyz");
    }

    @Test
    void healthIsReadyOnlyWhenEveryStreamIsLive() throws Exception {
        start(Optional.empty());
        HttpResponse<String> notReady = get("/observe/health");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("\"stream.east\":\"connecting\"");
        board.stream("east").orElseThrow().state(StreamHealth.State.LIVE);
        assertThat(get("/observe/health").statusCode()).isEqualTo(200);
        assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsExposeStreamCountersAsPrometheusText() throws Exception {
        start(Optional.empty());
        StreamHealth east = board.stream("east").orElseThrow();
        east.dropped(3);
        east.reconnected();
        board.mqtt(new MqttStatus("disconnected", "tcp://b:1883", 42, 0, Optional.empty()));
        String text = get("/observe/metrics", "Accept", "text/plain").body();
        assertThat(text).containsPattern("logowatch_stream_dropped_total\\{[^}]*stream=\"east\"[^}]*} 3\\.0");
        assertThat(text).containsPattern("logowatch_stream_reconnects_total\\{[^}]*stream=\"east\"[^}]*} 1\\.0");
        assertThat(text).containsPattern("logowatch_mqtt_queued\\{[^}]*} 42\\.0");
        assertThat(text).contains("logowatch_stage_duration_seconds_count{").contains("stage=\"embed\"");
        assertThat(text).contains("logowatch_verifier_calls_total{").contains("outcome=\"timeout\"");
    }

    @Test
    void catalogSyncIsAnActionThatNeedsATokenAndASyncedCatalog() throws Exception {
        start(Optional.empty());
        HttpResponse<String> open = http.send(HttpRequest.newBuilder(uri("/api/catalog/sync"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(open.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(open.body()).get("error").asText()).contains("web.auth-token-file");
        server.close();

        start(Optional.of(new Secret("web.auth-token-file", Path.of("/dev/null"), "t")));
        HttpResponse<String> notSynced = http.send(HttpRequest.newBuilder(uri("/api/catalog/sync"))
                .header("Authorization", "Bearer t").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(notSynced.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(notSynced.body()).get("error").asText()).contains("catalog.sync.url");
        HttpResponse<String> get = get("/api/catalog/sync", "Authorization", "Bearer t");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("allow")).hasValue("POST");
    }
}
