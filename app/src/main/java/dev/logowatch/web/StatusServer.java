package dev.logowatch.web;

import dev.logowatch.config.Secret;
import dev.logowatch.config.WebConfig;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The device's web server: status page, API, health and metrics on one port.
 */
public final class StatusServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StatusServer.class.getName());
    private static final long MAX_BODY = 64 * 1024;

    private final WebServer server;
    private final StatusBoard board;

    private StatusServer(WebServer server, StatusBoard board) {
        this.server = server;
        this.board = board;
    }

    public static StatusServer start(WebConfig config, StatusBoard board, DeviceMeters meters) {
        StatusApi api = new StatusApi(board);
        Optional<byte[]> token = config.authToken().map(Secret::value).map(t -> t.getBytes(StandardCharsets.UTF_8));
        HealthCheck readiness = new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "pipeline";
            }

            @Override
            public HealthCheckResponse call() {
                HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(board.ready());
                response.detail("models", board.models().state());
                board.streams().forEach(s -> response.detail("stream." + s.id(), s.state().wireName()));
                return response.build();
            }
        };
        WebServer server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownHook(false)
                .maxPayloadSize(MAX_BODY)
                .addFeature(ObserveFeature.builder()
                        .observersDiscoverServices(false)
                        .addObserver(HealthObserver.builder()
                                .useSystemServices(false)
                                .details(true)
                                .addCheck(readiness)
                                .build())
                        .addObserver(MetricsObserver.builder().meterRegistry(meters.registry()).build())
                        .build())
                .routing(routing -> {
                    token.ifPresent(t -> routing.addFilter((chain, req, res) -> authorize(t, chain, req, res)));
                    routing.register(api);
                    routing.error(NotFoundException.class, (req, res, e) ->
                            StatusApi.error(res, Status.NOT_FOUND_404, "no such resource: " + req.path().path()));
                    routing.error(Throwable.class, (req, res, e) -> {
                        LOG.log(System.Logger.Level.WARNING, "request " + req.prologue().method().text() + " "
                                + req.path().path() + " failed: " + e);
                        StatusApi.error(res, Status.INTERNAL_SERVER_ERROR_500, "internal error; see the service log");
                    });
                })
                .build()
                .start();
        LOG.log(System.Logger.Level.INFO, "status page on http://" + displayHost(config.host()) + ":" + server.port()
                + "/" + (token.isPresent() ? " (bearer token required)" : ""));
        return new StatusServer(server, board);
    }

    /**
     * Every request needs the bearer token except the page shell itself, which carries no
     * data and must load in a browser so it can ask for the token.
     */
    private static void authorize(byte[] token, FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (path.equals("/") && req.prologue().method().text().equals("GET")) {
            chain.proceed();
            return;
        }
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        byte[] offered = header.filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim().getBytes(StandardCharsets.UTF_8))
                .orElse(new byte[0]);
        // Constant-time comparison: the token must not leak through response timing.
        if (MessageDigest.isEqual(token, offered)) {
            chain.proceed();
            return;
        }
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"logowatch\"");
        StatusApi.error(res, Status.UNAUTHORIZED_401, header.isEmpty()
                ? "this device requires 'Authorization: Bearer <token>' (web.auth-token-file)"
                : "wrong token");
    }

    private static String displayHost(String host) {
        return host.equals("0.0.0.0") ? "localhost" : host;
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        board.closeSubscriptions();
        server.stop();
    }
}
