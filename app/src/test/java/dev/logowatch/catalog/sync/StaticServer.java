package dev.logowatch.catalog.sync;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A static file server on 127.0.0.1 like nginx with {@code etag on}: serves a folder,
 * answers {@code If-None-Match} with 304, logs every request; handlers can be replaced per
 * path to make it misbehave.
 */
final class StaticServer implements AutoCloseable {
    /** One request as the server saw it. */
    record Request(String path, int status, Optional<String> authorization) {
    }

    private final Path root;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Request> log = new ArrayList<>();
    /** Requests being answered; guarded by {@code this}. */
    private int answering;
    private final Map<String, HttpHandler> overrides = new ConcurrentHashMap<>();
    private volatile String requiredToken;

    private StaticServer(Path root, SSLContext tls) throws IOException {
        this.root = root;
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static StaticServer serve(Path root) throws IOException {
        return new StaticServer(root, null);
    }

    static StaticServer serveHttps(Path root, SSLContext tls) throws IOException {
        return new StaticServer(root, tls);
    }

    URI url(String path) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/" + path);
    }

    /** Replaces what the server does for one path, e.g. {@code /manifest.json}. */
    void override(String path, HttpHandler handler) {
        overrides.put(path, handler);
    }

    void clearOverrides() {
        overrides.clear();
    }

    void requireToken(String token) {
        this.requiredToken = token;
    }

    /**
     * The requests answered so far. A client can hold its response before the handler has
     * logged it, so this first waits (up to 5 s) for requests still being answered.
     */
    synchronized List<Request> requests() {
        awaitAnswered();
        return List.copyOf(log);
    }

    /** Requests for anything but the manifest: the downloads. */
    List<String> downloads() {
        return requests().stream().map(Request::path).filter(p -> !p.equals("/manifest.json")).toList();
    }

    List<Request> manifestRequests() {
        return requests().stream().filter(r -> r.path().equals("/manifest.json")).toList();
    }

    /** Clears the log, once the requests being answered are in it. */
    synchronized void forget() {
        awaitAnswered();
        log.clear();
    }

    private void awaitAnswered() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (answering > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        synchronized (this) {
            answering++;
        }
        String path = exchange.getRequestURI().getPath();
        Optional<String> auth = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"));
        int status = -1; // stays -1 when the handler failed before answering
        try {
            HttpHandler override = overrides.get(path);
            if (requiredToken != null && !auth.equals(Optional.of("Bearer " + requiredToken))) {
                status = 401;
                exchange.sendResponseHeaders(status, -1);
            } else if (override != null) {
                override.handle(exchange);
                status = exchange.getResponseCode();
            } else {
                status = serveFile(exchange, path);
            }
        } finally {
            try {
                exchange.close();
            } finally {
                synchronized (this) {
                    log.add(new Request(path, status, auth));
                    answering--;
                    notifyAll();
                }
            }
        }
    }

    private int serveFile(HttpExchange exchange, String path) throws IOException {
        Path file = root.resolve(path.substring(1)).normalize();
        if (!exchange.getRequestMethod().equals("GET") || !file.startsWith(root) || !Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            return 404;
        }
        byte[] body = Files.readAllBytes(file);
        String etag = "\"" + Staging.sha256Hex(body).substring(0, 16) + "\"";
        exchange.getResponseHeaders().set("ETag", etag);
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        if (etag.equals(ifNoneMatch)) {
            exchange.sendResponseHeaders(304, -1);
            return 304;
        }
        exchange.getResponseHeaders().set("Content-Type", path.endsWith(".json") ? "application/json" : "image/png");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        return 200;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
