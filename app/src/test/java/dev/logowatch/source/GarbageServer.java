package dev.logowatch.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP server for decoders to choke on: each connection gets {@code size} seeded
 * random bytes, optionally behind a valid {@code HTTP/1.1 200} header so the failure is the
 * demuxer's, not the protocol's. {@link #serve(byte[])} switches it to real content, as a
 * camera that comes back to its senses. Counts connections.
 */
final class GarbageServer implements AutoCloseable {
    private final ServerSocket socket;
    private final boolean http;
    private final AtomicReference<byte[]> content;
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    private GarbageServer(boolean http, int size, long seed) throws IOException {
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.http = http;
        byte[] garbage = new byte[size];
        new Random(seed).nextBytes(garbage);
        this.content = new AtomicReference<>(garbage);
        this.acceptor = Thread.ofVirtual().name("garbage-server").start(this::accept);
    }

    /** Random bytes as the body of a well-formed HTTP response. */
    static GarbageServer http(int size, long seed) throws IOException {
        return new GarbageServer(true, size, seed);
    }

    /** Random bytes as the whole answer to whatever the client says (for rtsp:// URLs). */
    static GarbageServer raw(int size, long seed) throws IOException {
        return new GarbageServer(false, size, seed);
    }

    int port() {
        return socket.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    /** From the next connection on, answers with {@code body} instead. */
    void serve(byte[] body) {
        content.set(body);
    }

    private void accept() {
        while (!socket.isClosed() && connections.get() < 10_000) {
            try {
                Socket client = socket.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> answer(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(Socket client) {
        try (client) {
            client.setSoTimeout(2000);
            readRequest(client.getInputStream());
            byte[] body = content.get();
            OutputStream out = client.getOutputStream();
            if (http) {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // The decoder hung up after the first bytes; that is what it should do.
        }
    }

    /** Reads up to the blank line that ends a request's headers (HTTP and RTSP alike), or 2 s. */
    private static void readRequest(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        try {
            for (int read = 0; read < 65_536 && matched < 4; read++) {
                int b = in.read();
                if (b == -1) {
                    return;
                }
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
        } catch (SocketTimeoutException silent) {
            // A client that says nothing gets the garbage anyway.
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.close();
        acceptor.join(5000);
    }
}
