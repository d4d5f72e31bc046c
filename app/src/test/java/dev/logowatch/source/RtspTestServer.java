package dev.logowatch.source;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The test RTSP server (app/src/test/resources/rtsp/rtsp-test-server.c, built here against
 * the system's gst-rtsp-server) serving a live H.264 test pattern on a loopback port.
 */
public final class RtspTestServer implements AutoCloseable {
    private final Path binary;
    private final int port;
    private Process process;

    private RtspTestServer(Path binary, int port) {
        this.binary = binary;
        this.port = port;
    }

    /** Compiles the server into {@code dir}. */
    public static Path build(Path dir) throws IOException, InterruptedException, URISyntaxException {
        Path source = Path.of(RtspTestServer.class.getResource("/rtsp/rtsp-test-server.c").toURI());
        Path binary = dir.resolve("rtsp-test-server");
        Clips.run(List.of("sh", "-c", "gcc -O1 -o '" + binary + "' '" + source
                + "' $(pkg-config --cflags --libs gstreamer-rtsp-server-1.0)"), dir);
        return binary;
    }

    public static RtspTestServer onFreePort(Path binary) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new RtspTestServer(binary, probe.getLocalPort());
        }
    }

    public String url() {
        return "rtsp://127.0.0.1:" + port + "/test";
    }

    public long pid() {
        return process.pid();
    }

    /** Starts serving; retries a few times while the port is still held by a killed predecessor. */
    public void start() throws IOException, InterruptedException {
        for (int attempt = 1; attempt <= 20; attempt++) {
            process = new ProcessBuilder(binary.toString(), Integer.toString(port))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            });
            try {
                String line = ready.get(10, TimeUnit.SECONDS);
                if (line != null && line.startsWith("READY")) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // treated like a failed start below
            }
            kill();
            Thread.sleep(250);
        }
        throw new IllegalStateException("RTSP test server did not start on 127.0.0.1:" + port);
    }

    /** Kills the server by its PID, as a crash or power cut would. */
    public void kill() throws InterruptedException {
        if (process != null) {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
