package dev.logowatch.pipeline;

import dev.logowatch.config.ConfigException;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.testing.LogoScene;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The device's secrets (MQTT password, verifier API key, web token, a camera password in a
 * stream URL) are used but never shown: not in the log at any level, the status page, the
 * API, metrics, health, MQTT messages, the configuration's {@code toString()} or
 * configuration errors. The service runs with all of them set and with the verifier and
 * one camera pointing at dead loopback ports, so error paths are exercised too.
 */
@Tag("integration")
class SecretsNeverLeakIntegrationTest {
    private static final String MQTT_PASSWORD = "mqtt-S3cr3t-Passw0rd-AAA";
    private static final String VLM_KEY = "vlm-K3y-BBB-9f8e7d";
    private static final String WEB_TOKEN = "web-T0ken-CCC-123456";
    private static final String CAMERA_PASSWORD = "cam-Pw-DDD-4321";
    private static final List<String> SECRETS = List.of(MQTT_PASSWORD, VLM_KEY, WEB_TOKEN, CAMERA_PASSWORD);

    @TempDir
    static Path dir;
    private static int deadPort;

    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void scene() throws Exception {
        LogoScene.write(dir);
        Files.writeString(dir.resolve("mqtt-password"), MQTT_PASSWORD + "\n");
        Files.writeString(dir.resolve("vlm-key"), VLM_KEY + "\n");
        Files.writeString(dir.resolve("web-token"), WEB_TOKEN + "\n");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort();
        }
    }

    private static String yaml() {
        return """
                device:
                  id: secrets-test
                  state-dir: state
                streams:
                  - id: cam
                    url: clip.mp4
                    loop: true
                    fps: 5
                  - id: door
                    url: rtsp://admin:%2$s@127.0.0.1:%1$d/live
                    stall-timeout: 2s
                catalog:
                  dir: catalog
                  threshold: 0.97
                  margin: 0.05
                verify:
                  enabled: true
                  url: http://127.0.0.1:%1$d/v1
                  model: test-vlm
                  api-key-file: vlm-key
                  verify-low: 0.6
                  accept-high: 0.99
                  timeout: 2s
                mqtt:
                  broker: embedded
                  embedded-port: 0
                  username: device-user
                  password-file: mqtt-password
                web:
                  host: 127.0.0.1
                  port: 0
                  auth-token-file: web-token
                """.formatted(deadPort, CAMERA_PASSWORD) + LogoScene.SETTINGS;
    }

    @Test
    void noSecretAppearsInLogsPagesMetricsMessagesOrErrors() throws Exception {
        Path file = Files.writeString(dir.resolve("secrets.yaml"), yaml());
        LogowatchConfig config = LogowatchConfig.load(file, Map.of());
        assertThat(config.web().authToken().orElseThrow().value()).as("the token was read").isEqualTo(WEB_TOKEN);
        assertThat(config.verify().apiKey().orElseThrow().value()).isEqualTo(VLM_KEY);
        assertThat(config.mqtt().password().orElseThrow().value()).isEqualTo(MQTT_PASSWORD);

        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("config.toString()", config.toString());
        seen.put("streams.toString()", config.streams().toString());
        seen.putAll(configErrors());

        Handler capture = captureLog();
        Logger project = Logger.getLogger("dev.logowatch");
        Level previous = project.getLevel();
        // Debug messages too: a secret must not be one log level away from the journal.
        project.setLevel(Level.ALL);
        try (Appliance appliance = Appliance.start(config, "test")) {
            waitForErrorPaths(appliance);
            seen.putAll(pages(appliance.webPort()));
            seen.put("mqtt", mqttMessages(appliance));
            seen.put("stream views", appliance.board().streams().stream().map(s -> s.view().toString()).toList().toString());
            seen.put("board", appliance.board().mqtt() + " " + appliance.board().verifier() + " "
                    + appliance.board().models() + " " + appliance.board().catalog());
        } finally {
            project.setLevel(previous);
            Logger.getLogger("").removeHandler(capture);
        }
        seen.put("log", String.join("\n", log));

        assertThat(log).as("the log says something about the failing verifier and camera")
                .anySatisfy(l -> assertThat(l).contains("Verifier"))
                .anySatisfy(l -> assertThat(l).contains("stream door"));
        assertThat(String.join("\n", log)).as("the camera URL is shown redacted").contains("admin:***@127.0.0.1");
        for (Map.Entry<String, String> where : seen.entrySet()) {
            for (String secret : SECRETS) {
                assertThat(where.getValue()).as("%s must not show %s", where.getKey(), secret).doesNotContain(secret)
                        .doesNotContain(secret.substring(4, secret.length() - 4));
            }
        }
    }

    /** Configuration mistakes next to the secrets, and secrets pasted where they do not belong. */
    private static Map<String, String> configErrors() throws IOException {
        Map<String, String> messages = new LinkedHashMap<>();
        String good = yaml();
        List<String> broken = List.of(
                good.replace("  port: 0\n  auth-token-file", "  port: huge\n  auth-token-file"),
                good.replace("broker: embedded", "broker: tcp://device-user:" + MQTT_PASSWORD + "@127.0.0.1:1883"),
                good.replace("url: http://127.0.0.1:" + deadPort + "/v1", "url: http://key:" + VLM_KEY + "@127.0.0.1/v1"),
                good.replace("rtsp://admin:", "ftp://admin:"),
                good.replace("rtsp://admin:" + CAMERA_PASSWORD + "@127.0.0.1:" + deadPort + "/live",
                        "\"rtsp://admin:" + CAMERA_PASSWORD + "@bad host/live\""),
                // Not YAML at all: the parser's message quotes the line with the password.
                good.replace("rtsp://admin:" + CAMERA_PASSWORD + "@127.0.0.1:" + deadPort + "/live",
                        "\"rtsp://admin:" + CAMERA_PASSWORD + "@127.0.0.1/live"),
                good.replace("api-key-file: vlm-key", "api-key-file: vlm-key\n  surprise: " + "1"),
                good.replace("password-file: mqtt-password", "password-file: missing-password"));
        for (int i = 0; i < broken.size(); i++) {
            Path file = Files.writeString(dir.resolve("broken-" + i + ".yaml"), broken.get(i));
            String name = "config error " + i;
            assertThatThrownBy(() -> LogowatchConfig.load(file, Map.of())).as(name)
                    .isInstanceOfSatisfying(ConfigException.class, e -> messages.put(name,
                            e.getMessage() + "\n" + String.join("\n", e.problems())));
        }
        assertThat(messages.values()).as("the YAML error still points at the line, password hidden")
                .anySatisfy(m -> assertThat(m).contains("not valid YAML").contains("admin:***@"));
        // Overrides from the environment are echoed in errors; a secret given there must not be.
        Path file = Files.writeString(dir.resolve("env.yaml"), good);
        assertThatThrownBy(() -> LogowatchConfig.load(file, Map.of("LOGOWATCH_MQTT_BROKER",
                "tcp://u:" + MQTT_PASSWORD + "@127.0.0.1:1883", "LOGOWATCH_STREAMS_1_URL",
                "gopher://admin:" + CAMERA_PASSWORD + "@cam/x")))
                .isInstanceOfSatisfying(ConfigException.class, e -> messages.put("config error from env", e.getMessage()));
        return messages;
    }

    private Handler captureLog() {
        SimpleFormatter formatter = new SimpleFormatter();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                log.add(formatter.format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    /** Until the verifier has failed against its dead port and the camera has failed against its own. */
    private static void waitForErrorPaths(Appliance appliance) {
        StreamHealth door = appliance.board().stream("door").orElseThrow();
        StreamHealth cam = appliance.board().stream("cam").orElseThrow();
        await("error paths reached").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    boolean verifierFailed = appliance.board().verifier().outcomes().getOrDefault("error", 0L) > 0;
                    boolean doorFailed = door.view().lastError().isPresent();
                    assertThat(verifierFailed && doorFailed && cam.view().framesProcessed() > 10)
                            .as(() -> "verifier " + appliance.board().verifier() + ", door " + door.view()
                                    + ", cam " + cam.view())
                            .isTrue();
                });
    }

    private static Map<String, String> pages(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, String> bodies = new LinkedHashMap<>();
        for (String path : List.of("/", "/api/status", "/api/streams", "/api/detections", "/observe/metrics",
                "/observe/health", "/observe/health/ready", "/api/nothing")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + WEB_TOKEN).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isIn(200, 404, 503);
            bodies.put(path, r.headers().map() + "\n" + r.body());
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + WEB_TOKEN.substring(0, 10)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            bodies.put(path + " (wrong token)", wrong.headers().map() + "\n" + wrong.body());
        }
        assertThat(bodies.get("/api/status")).contains("\"device\":\"secrets-test\"");
        assertThat(bodies.get("/observe/metrics")).contains("logowatch_stream_reconnects_total");
        bodies.put("/api/events", firstEvents(http, port));
        return bodies;
    }

    /** The first few lines of the live feed (a status snapshot comes at once). */
    private static String firstEvents(HttpClient http, int port) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/events")).header("Authorization", "Bearer " + WEB_TOKEN).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            CompletableFuture<String> lines = CompletableFuture.supplyAsync(() -> {
                StringBuilder out = new StringBuilder();
                try {
                    for (int i = 0; i < 6; i++) {
                        String line = reader.readLine();
                        if (line == null) {
                            break;
                        }
                        out.append(line).append('\n');
                    }
                } catch (IOException e) {
                    out.append("read failed: ").append(e.getMessage());
                }
                return out.toString();
            });
            String text = lines.get(15, TimeUnit.SECONDS);
            assertThat(text).contains("secrets-test");
            return text;
        }
    }

    /** Whatever the embedded broker holds and carries for a few seconds, read with mosquitto_sub. */
    private static String mqttMessages(Appliance appliance) throws Exception {
        String broker = appliance.board().mqtt().broker();
        int port = Integer.parseInt(broker.substring(broker.lastIndexOf(':') + 1).replaceAll("\\D.*", ""));
        List<String> command = new ArrayList<>(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-t", "logowatch/#", "-v", "-W", "4"));
        Path out = dir.resolve("mqtt.txt");
        Process sub;
        try {
            sub = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } catch (IOException noClient) {
            return "(mosquitto_sub not installed: " + noClient.getMessage() + ")";
        }
        try {
            assertThat(sub.waitFor(20, TimeUnit.SECONDS)).as("mosquitto_sub ends after -W 4").isTrue();
        } finally {
            sub.destroyForcibly();
        }
        String text = Files.readString(out);
        assertThat(text).as("retained messages were read").contains("logowatch/secrets-test/");
        return text;
    }
}
