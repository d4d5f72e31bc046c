package dev.logowatch.cli;

import dev.logowatch.testing.LogoScene;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The service as a separate process, as systemd runs it. */
@Tag("integration")
class RunCommandProcessTest {
    private static final Pattern PAGE = Pattern.compile("status page on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private Process start(Path config) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--config", config.toString())
                .redirectErrorStream(true)
                .start();
    }

    private static CompletableFuture<Void> collect(Process process, List<String> lines) {
        return CompletableFuture.runAsync(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            }
        });
    }

    /** The port of the status page the service announced, or -1 before it has. */
    private static int announcedPort(List<String> lines) {
        for (String line : lines) {
            Matcher m = PAGE.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return -1;
    }

    @Test
    void aBadConfigurationExitsWithCode2NamingTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"), "device:\n  id: d1\nmqtt:\n  broker: embedded\nweb:\n  port: huge\n");
        Process process = start(config);
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> output = collect(process, lines);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits promptly").isTrue();
        output.get(5, TimeUnit.SECONDS);
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(String.join("\n", lines)).contains("web.port").contains(config.toString()).doesNotContain("Exception");
    }

    @Test
    void sigtermStopsTheServiceCleanlyWithExitCode0() throws Exception {
        Path config = Files.writeString(dir.resolve("ok.yaml"), """
                device:
                  id: d1
                  state-dir: state
                """ + LogoScene.LOOPBACK);
        Process process = start(config);
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> output = collect(process, lines);
        try {
            int port;
            try {
                port = await("the service announces its status page").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .failFast("the service exited", () -> !process.isAlive())
                        .until(() -> announcedPort(lines), announced -> announced > 0);
            } catch (ConditionTimeoutException | TerminalFailureException e) {
                throw new AssertionError(e.getMessage() + "; output:\n" + String.join("\n", lines), e);
            }
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/observe/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            // SIGTERM, as systemd sends; Process.destroy() would also close our end of its output.
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start()
                    .waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("stops within 10 s of SIGTERM").isTrue();
            output.get(5, TimeUnit.SECONDS);
            assertThat(process.exitValue()).isZero();
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("stopped"));
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * The worst a venue gives a stopping device: six cameras whose RTSP server froze (SIGSTOP:
     * connections open, nothing sent, every decoder blocked in a read), a VLM that takes
     * requests and never answers, and a broker address that accepts TCP and never speaks
     * MQTT. systemd waits 10 s after SIGTERM before it kills; the service must be gone by then.
     */
    @Test
    void sigtermWithHangingPeersStillStopsWithinTenSeconds() throws Exception {
        dev.logowatch.testing.LogoScene.write(dir);
        dev.logowatch.source.RtspTestServer camera = dev.logowatch.source.RtspTestServer.onFreePort(
                dev.logowatch.source.RtspTestServer.build(dir));
        camera.start();
        StringBuilder cameras = new StringBuilder();
        for (int i = 1; i <= 6; i++) {
            cameras.append("  - {id: cam-").append(i).append(", url: '").append(camera.url())
                    .append("', fps: 1, stall-timeout: 30s}\n");
        }
        CountDownLatch release = new CountDownLatch(1);
        com.sun.net.httpserver.HttpServer vlm = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        vlm.createContext("/", exchange -> {
            asked.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        vlm.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        vlm.start();
        java.net.ServerSocket silentBroker = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        List<java.net.Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
            while (!silentBroker.isClosed()) {
                try {
                    held.add(silentBroker.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
        Path config = Files.writeString(dir.resolve("busy.yaml"), """
                device:
                  id: busy
                  state-dir: state-busy
                streams:
                %scatalog:
                  dir: catalog
                  threshold: 0.97
                verify:
                  enabled: true
                  url: http://127.0.0.1:%d/v1
                  model: test-vlm
                  verify-low: 0.5
                  accept-high: 0.99
                  timeout: 60s
                mqtt:
                  broker: tcp://127.0.0.1:%d
                web:
                  host: 127.0.0.1
                  port: 0
                """.formatted(cameras, vlm.getAddress().getPort(), silentBroker.getLocalPort())
                + dev.logowatch.testing.LogoScene.SETTINGS);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-jar", dev.logowatch.testing.ClasspathJar.write(dir).toString(),
                "run", "--config", config.toString()).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> output = collect(process, lines);
        try {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> !process.isAlive() || !held.isEmpty()
                            && lines.stream().filter(l -> l.contains(" is live, ")).count() == 6);
            // Freeze the cameras: each reader now waits in a socket read for up to its stall timeout.
            assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(camera.pid())).start()
                    .waitFor(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(1_000);
            if (!process.isAlive()) {
                output.get(5, TimeUnit.SECONDS);
            }
            assertThat(process.isAlive()).as("service running (exit %s); output:%n%s",
                    process.isAlive() ? "-" : process.exitValue(), String.join("\n", lines)).isTrue();

            long signalled = System.nanoTime();
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start()
                    .waitFor(10, TimeUnit.SECONDS)).isTrue();
            boolean gone = process.waitFor(10, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - signalled) / 1e9;
            assertThat(gone).as("stopped within 10 s of SIGTERM; output:%n%s", String.join("\n", lines)).isTrue();
            output.get(5, TimeUnit.SECONDS);
            assertThat(process.exitValue()).as("exit status after %.1f s", seconds).isZero();
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("stopped"));
        } finally {
            process.destroyForcibly();
            new ProcessBuilder("kill", "-CONT", Long.toString(camera.pid())).start().waitFor(10, TimeUnit.SECONDS);
            camera.close();
            release.countDown();
            vlm.stop(0);
            silentBroker.close();
            for (java.net.Socket s : held) {
                s.close();
            }
            acceptor.join(2_000);
        }
    }
}
