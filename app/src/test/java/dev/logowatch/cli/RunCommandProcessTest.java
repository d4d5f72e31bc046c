package dev.logowatch.cli;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

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
                mqtt:
                  broker: embedded
                  embedded-port: 0
                web:
                  host: 127.0.0.1
                  port: 0
                """);
        Process process = start(config);
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> output = collect(process, lines);
        try {
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port < 0 && System.nanoTime() < deadline && process.isAlive()) {
                for (String line : lines) {
                    Matcher m = PAGE.matcher(line);
                    if (m.find()) {
                        port = Integer.parseInt(m.group(1));
                    }
                }
                Thread.sleep(50);
            }
            assertThat(port).as("service announced its status page; output:\n" + String.join("\n", lines)).isPositive();
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
}
