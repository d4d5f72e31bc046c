package dev.logowatch.pipeline;

import com.sun.net.httpserver.HttpServer;
import dev.logowatch.catalog.sync.CatalogBuild;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.testing.LogoScene;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A brand added to the central catalog while a stream runs: after {@code POST
 * /api/catalog/sync} the device recognises it, without restarting the stream.
 */
@Tag("integration")
class CatalogSyncPipelineTest {
    private static final Duration POLL = Duration.ofMillis(200);

    @TempDir
    static Path dir;

    private HttpServer central;

    @BeforeAll
    static void scene() throws Exception {
        LogoScene.write(dir);
    }

    @AfterEach
    void stop() {
        if (central != null) {
            central.stop(0);
        }
    }

    /** Publishes {@code brands} of the scene's catalog as the central catalog, version {@code version}. */
    private static void publish(Path out, String version, List<String> brands) throws Exception {
        Path source = Files.createDirectories(dir.resolve("source-" + version));
        for (String brand : brands) {
            Path target = Files.createDirectories(source.resolve(brand));
            Files.copy(dir.resolve("catalog/" + brand + "/ref.png"), target.resolve("ref.png"));
        }
        Path built = dir.resolve("built-" + version);
        CatalogBuild.build(source, built, Optional.of(version), Clock.systemUTC());
        try (var files = Files.walk(built)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = out.resolve(built.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void aBrandAddedCentrallyIsRecognisedWithoutRestartingTheStream() throws Exception {
        Path served = Files.createDirectories(dir.resolve("served"));
        publish(served, "v1", List.of("greenmark"));
        central = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        central.createContext("/", exchange -> {
            Path file = served.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(served) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                byte[] body = Files.readAllBytes(file);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        central.start();
        Files.writeString(dir.resolve("token"), "sync-t0ken\n");
        Path config = dir.resolve("sync.yaml");
        Files.writeString(config, """
                device:
                  id: sync-test
                  state-dir: state-sync
                streams:
                  - id: cam
                    url: clip.mp4
                    loop: true
                    fps: 3
                catalog:
                  dir: synced-catalog
                  threshold: 0.8
                  margin: 0.05
                  sync:
                    url: http://127.0.0.1:%d/manifest.json
                    interval: 1h
                mqtt:
                  broker: embedded
                  embedded-port: 0
                web:
                  host: 127.0.0.1
                  port: 0
                  auth-token-file: token
                """.formatted(central.getAddress().getPort()) + LogoScene.SETTINGS);
        LogowatchConfig loaded = LogowatchConfig.load(config, Map.of());
        try (Appliance appliance = Appliance.start(loaded, "test")) {
            await("first sync installs v1").atMost(Duration.ofSeconds(60)).pollInterval(POLL)
                    .until(() -> appliance.board().catalog().version().equals("v1"));
            // The clip loops every 7 s: let redmark pass in full (27 frames at 3 fps) while it is not in the catalog.
            StreamHealth cam = appliance.board().stream("cam").orElseThrow();
            long from = cam.view().framesProcessed();
            await("9 s of the clip processed under v1").atMost(Duration.ofSeconds(60)).pollInterval(POLL)
                    .until(() -> cam.view().framesProcessed() >= from + 27);
            assertThat(appliance.board().openAppearances()).isEmpty();
            assertThat(appliance.board().recentDetections(50)).noneMatch(d -> d.get("brand").asText().equals("redmark"));

            publish(served, "v2", List.of("greenmark", "redmark"));
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + appliance.webPort() + "/api/catalog/sync"))
                    .header("Authorization", "Bearer sync-t0ken")
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(90)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"outcome\":\"updated\"").contains("\"version\":\"v2\"");
            assertThat(appliance.board().catalog().brands()).isEqualTo(2);

            await("redmark recognised after the sync").atMost(Duration.ofSeconds(40)).pollInterval(POLL)
                    .until(() -> appliance.board().recentDetections(50).stream()
                            .anyMatch(d -> d.get("brand").asText().equals("redmark")));
            assertThat(appliance.board().stream("cam").orElseThrow().reconnectCount()).isZero();
        }
    }
}
