package dev.logowatch.cli;

import dev.logowatch.testing.ClasspathJar;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The installed launcher starts the demo without a JVM warning on the console. */
@Tag("integration")
class QuietStartTest {
    private static final Path REPO = Optional.ofNullable(System.getProperty("logowatch.repo"))
            .map(Path::of).orElse(Path.of("..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static CompletableFuture<Void> collect(InputStream in, List<String> lines) {
        return CompletableFuture.runAsync(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            }
        });
    }

    @Test
    void theDemoStartsWithoutJvmWarnings() throws Exception {
        // The installed layout: the launcher beside lib/logowatch.jar, which it runs without building.
        Path home = Files.createDirectories(dir.resolve("opt"));
        Path launcher = Files.copy(REPO.resolve("logowatch"), home.resolve("logowatch"));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(home.resolve("lib"));
        Files.move(ClasspathJar.write(dir), home.resolve("lib/logowatch.jar"));
        String demo = Files.readString(REPO.resolve("config/demo.yaml"))
                .replace("../samples/", REPO + "/samples/").replace("../models/", REPO + "/models/")
                .replace("state-dir: ../.state/demo", "state-dir: " + dir.resolve("state"))
                .replace("embedded-port: 1883", "embedded-port: 0").replace("port: 8080", "port: 0");
        Path config = Files.writeString(dir.resolve("demo.yaml"), demo);

        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        List<String> out = new CopyOnWriteArrayList<>();
        List<String> err = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> outDone = collect(process.getInputStream(), out);
        CompletableFuture<Void> errDone = collect(process.getErrorStream(), err);
        try {
            // The broker and the first frames are where Netty and JavaCPP first touch Unsafe.
            await().atMost(Duration.ofSeconds(90)).until(() -> !process.isAlive()
                    || out.stream().anyMatch(l -> l.contains("connected to MQTT broker")) && out.stream().anyMatch(l -> l.contains("is live")));
            Thread.sleep(3_000);
            assertThat(process.isAlive()).as("demo running; output:%n%s%n%s", String.join("\n", out),
                    String.join("\n", err)).isTrue();
        } finally {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            outDone.get(10, TimeUnit.SECONDS);
            errDone.get(10, TimeUnit.SECONDS);
        }
        assertThat(out).anySatisfy(l -> assertThat(l).contains("status page on"));
        assertThat(err).as("stderr").noneMatch(l -> l.regionMatches(true, 0, "warning:", 0, 8));
        assertThat(out).as("stdout").noneMatch(l -> l.regionMatches(true, 0, "warning:", 0, 8));
    }

    /** A JDK whose {@code java} prints its arguments, one a line, instead of running anything. */
    private Path fakeJdk(String version) throws IOException {
        Path jdk = Files.createDirectories(dir.resolve("jdk-" + version + "/bin"));
        // Answers the launcher's version probe as a JDK would, and echoes any other command line.
        Path java = Files.writeString(jdk.resolve("java"), """
                #!/bin/sh
                if [ "$1" = -XshowSettings:properties ]; then echo "    java.specification.version = %s" >&2; exit 0; fi
                for a in "$@"; do echo "$a"; done
                """.formatted(version));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return jdk.getParent();
    }

    private List<String> launch(Path jdk) throws Exception {
        Path home = Files.createDirectories(dir.resolve("opt-" + jdk.getFileName()));
        Path launcher = Files.copy(REPO.resolve("logowatch"), home.resolve("logowatch"));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/logowatch.jar"), "");
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", jdk.toString());
        Process process = builder.start();
        List<String> args = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return args;
    }

    @Test
    void theLauncherAllowsUnsafeMemoryAccessOnlyWhereTheJdkWarnsOfIt() throws Exception {
        // JDK 23 and later print four WARNING lines at Netty's first use of sun.misc.Unsafe;
        // JDK 21 and 22 would refuse to start with an option they do not know.
        assertThat(launch(fakeJdk("25"))).contains("--sun-misc-unsafe-memory-access=allow", "-jar", "--version");
        assertThat(launch(fakeJdk("21"))).doesNotContain("--sun-misc-unsafe-memory-access=allow")
                .contains("-jar", "--version");
    }
}
