package dev.logowatch.publish;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real mosquitto on a free loopback port with a configuration file of the test's own,
 * stopped by PID. {@code extra} lines go after the listener line (TLS, passwords, persistence).
 */
final class Mosquitto implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final String extra;
    private Process process;

    private Mosquitto(Path dir, int port, String extra) {
        this.dir = dir;
        this.port = port;
        this.extra = extra;
    }

    static Mosquitto start(Path dir, String extra) throws IOException, InterruptedException {
        Mosquitto m = new Mosquitto(dir, freePort(), extra);
        m.start();
        return m;
    }

    int port() {
        return port;
    }

    /** Starts (again) on the same port. */
    void start() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                // Running as root, mosquitto would switch to its own user and lose access to the test's files.
                "user root",
                "log_type error",
                "log_type warning",
                "log_type notice",
                extra, ""));
        process = new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited: " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        stop();
        throw new IllegalStateException("mosquitto did not listen on " + port + " within 10 s: " + log());
    }

    /** Stops it (SIGTERM, so a persistent broker saves its sessions), then waits for the port to close. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Kills it with SIGKILL: no session saved beyond the last autosave, no goodbye to any client. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly(); // SIGKILL on Linux
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("mosquitto survived SIGKILL");
            }
        }
    }

    String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
