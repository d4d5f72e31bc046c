package dev.logowatch.web;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * HEAD on Helidon's health and metrics endpoints, answered like GET. Helidon's health observer
 * answers HEAD with 204 and none of the GET's headers, its metrics observer not at all (404),
 * and neither can be asked for its GET answer without sending it. So the GET is made over
 * loopback, and its status and headers go back with the body's length and without the body.
 */
final class ObserverHead implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ObserverHead.class.getName());
    private static final Pattern PATHS = Pattern.compile("/observe/(health(/(live|ready|started))?|metrics)/?");
    private static final List<String> FORWARDED = List.of("Accept", "Authorization");
    /** Set by the server for each answer, or describing the body's framing, which HEAD does not have. */
    private static final Set<String> NOT_COPIED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "date");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String host;
    /** Set once the server listens, so a server that fails to start leaves no client threads behind. */
    private volatile HttpClient client;
    private volatile int port;

    /** @param boundHost the {@code web.host} the server listens on */
    ObserverHead(String boundHost) {
        this.host = loopback(boundHost);
    }

    /** The port the server got; until it is set, nothing is answered here. */
    void port(int port) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.port = port;
    }

    boolean handles(ServerRequest req) {
        return port > 0 && req.prologue().method().equals(Method.HEAD) && PATHS.matcher(req.path().path()).matches();
    }

    void answer(ServerRequest req, ServerResponse res) {
        String query = req.query().rawValue();
        URI uri;
        try {
            uri = URI.create("http://" + host + ":" + port + req.path().rawPath() + (query.isEmpty() ? "" : "?" + query));
        } catch (IllegalArgumentException e) {
            StatusApi.error(req, res, Status.BAD_REQUEST_400, "malformed request target");
            return;
        }
        HttpRequest.Builder get = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
        for (String name : FORWARDED) {
            req.headers().first(HeaderNames.create(name)).ifPresent(value -> get.header(name, value));
        }
        HttpResponse<byte[]> answer;
        try {
            answer = client.send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "HEAD " + req.path().path() + ": the GET over loopback to port "
                    + port + " failed: " + e);
            StatusApi.error(req, res, Status.INTERNAL_SERVER_ERROR_500, "internal error; see the service log");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            StatusApi.error(req, res, Status.SERVICE_UNAVAILABLE_503, "interrupted");
            return;
        }
        res.status(Status.create(answer.statusCode()));
        for (Map.Entry<String, List<String>> header : answer.headers().map().entrySet()) {
            if (!NOT_COPIED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                res.header(HeaderNames.create(header.getKey()), header.getValue().toArray(String[]::new));
            }
        }
        StatusApi.send(req, res, answer.body());
    }

    /** Where this machine reaches a server bound to {@code host}: loopback for the wildcard addresses. */
    static String loopback(String host) {
        return switch (host) {
            case "0.0.0.0", "", "*" -> "127.0.0.1";
            case "::", "[::]", "::0" -> "[::1]";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
    }

    @Override
    public void close() {
        HttpClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
