package dev.logowatch.catalog.sync;

import dev.logowatch.catalog.CatalogLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Color;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.logowatch.catalog.sync.SyncFixtures.images;
import static dev.logowatch.catalog.sync.SyncFixtures.leftovers;
import static dev.logowatch.catalog.sync.SyncFixtures.png;
import static dev.logowatch.catalog.sync.SyncFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a syncing process with SIGKILL at each step of an update and checks that the
 * catalog folder then holds exactly the old or exactly the new version, that the real
 * loader reads it without a complaint, and that the next sync finishes the job.
 */
@Tag("integration")
class CatalogSyncCrashTest {
    @TempDir
    Path root;
    private Path source;
    private Path served;
    private Path device;
    private StaticServer server;
    private Process child;

    @BeforeEach
    void serveFirstVersion() throws Exception {
        source = root.resolve("source");
        served = root.resolve("www");
        device = root.resolve("device/catalog");
        png(source.resolve("acme/logo.png"), Color.RED, 64);
        png(source.resolve("bolt/logo.png"), Color.BLUE, 64);
        SyncFixtures.publish(source, served, "v1");
        server = StaticServer.serve(served);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        server.close();
    }

    private CatalogSync sync() {
        return CatalogSync.builder(SyncFixtures.config(server.url("manifest.json")), device, SyncFixtures.loader()).build();
    }

    /** Publishes v2: one brand's image changed, one brand added. */
    private Map<String, String> publishSecondVersion() throws Exception {
        png(source.resolve("bolt/logo.png"), Color.GREEN, 64);
        png(source.resolve("coda/logo.png"), Color.YELLOW, 64);
        SyncFixtures.publish(source, served, "v2");
        return images(snapshot(source));
    }

    @ParameterizedTest
    @ValueSource(strings = {"downloaded", "staged", "validated", "installed", "swapped"})
    void aSyncKilledAtAnyStepLeavesTheOldOrTheNewVersionWhole(String step) throws Exception {
        try (CatalogSync first = sync()) {
            assertThat(first.syncNow().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        }
        Map<String, String> v1 = images(snapshot(device));
        Map<String, String> v2 = publishSecondVersion();

        killAt(step);

        String inForce = Files.readSymbolicLink(device).toString();
        Map<String, String> found = images(snapshot(device));
        if (step.equals("swapped")) {
            assertThat(inForce).isEqualTo("catalog.versions/v2");
            assertThat(found).isEqualTo(v2);
        } else {
            assertThat(inForce).isEqualTo("catalog.versions/v1");
            assertThat(found).isEqualTo(v1);
        }
        CatalogLoader.Result loaded = SyncFixtures.loader().load(device);
        assertThat(loaded.report().problems()).isEmpty();
        assertThat(loaded.catalog().size()).isEqualTo(found.size());

        try (CatalogSync next = sync()) {
            assertThat(next.recover()).contains(step.equals("swapped") ? "v2" : "v1");
            assertThat(leftovers(device.getParent())).isEmpty();
            SyncResult result = next.syncNow().get(30, TimeUnit.SECONDS);
            assertThat(result.error()).isEmpty();
            assertThat(result.outcome()).isEqualTo(step.equals("swapped") ? SyncResult.Outcome.UNCHANGED
                    : SyncResult.Outcome.UPDATED);
            if (step.equals("installed")) {
                // The complete but never switched-to version is reused, not downloaded again.
                assertThat(result.downloaded()).isZero();
            }
        }
        assertThat(Files.readSymbolicLink(device).toString()).isEqualTo("catalog.versions/v2");
        assertThat(images(snapshot(device))).isEqualTo(v2);
        assertThat(leftovers(device.getParent())).isEmpty();
        try (var versions = Files.list(device.resolveSibling("catalog.versions"))) {
            assertThat(versions.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("v1", "v2");
        }
    }

    @Test
    void aFirstSyncKilledBeforeTheLinkExistsIsCompletedByRecovery() throws Exception {
        killAt("installed");
        assertThat(Files.exists(device, LinkOption.NOFOLLOW_LINKS)).isFalse();

        try (CatalogSync next = sync()) {
            assertThat(next.recover()).contains("v1");
        }
        assertThat(Files.readSymbolicLink(device).toString()).isEqualTo("catalog.versions/v1");
        assertThat(images(snapshot(device))).isEqualTo(images(snapshot(source)));
        assertThat(SyncFixtures.loader().load(device).catalog().size()).isEqualTo(2);
    }

    private void jstack(long pid, String step) {
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        try {
            Process p = new ProcessBuilder(jstack.toString(), Long.toString(pid))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("child-" + step + ".log").toFile()))
                    .redirectErrorStream(true).start();
            p.waitFor(20, TimeUnit.SECONDS);
            p.destroyForcibly();
        } catch (IOException e) {
            // diagnostics only
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Runs a sync in a child JVM, waits until it reaches {@code step}, and kills it with SIGKILL. */
    private void killAt(String step) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(java, SyncChild.class.getName(), device.toString(),
                server.url("manifest.json").toString(), step)
                .redirectError(root.resolve("child-" + step + ".log").toFile());
        // The class path goes by environment: test class paths are long, command lines should not be.
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        child = builder.start();
        child.getOutputStream().close();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
                lines.add("EOF: the child ended its output");
            } catch (IOException e) {
                lines.add("EOF: " + e);
            }
        });
        String line = lines.poll(90, TimeUnit.SECONDS);
        if (line == null) {
            // Show where it hangs before the test fails.
            ProcessHandle.of(child.pid()).ifPresent(h -> jstack(h.pid(), step));
        }
        Path log = root.resolve("child-" + step + ".log");
        assertThat(line).as(() -> "child output; its log:\n" + read(log)).isEqualTo("PAUSED " + step);
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        reader.join(5_000);
        assertThat(List.copyOf(lines)).noneMatch(l -> l.startsWith("DONE"));
    }
}
