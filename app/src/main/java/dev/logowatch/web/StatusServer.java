package dev.logowatch.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.catalog.sync.SyncResult;
import dev.logowatch.config.Secret;
import dev.logowatch.config.WebConfig;
import dev.logowatch.publish.Payloads;
import dev.logowatch.status.DeviceMeters;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
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
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The device's web server: status page, API, health and metrics on one port. HEAD works on
 * every GET endpoint and answers like GET without the body; on an unknown path it is a 404.
 */
public final class StatusServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StatusServer.class.getName());
    private static final long MAX_BODY = 64 * 1024;

    private final WebServer server;
    private final StatusBoard board;
    private final ObserverHead observerHead;

    private StatusServer(WebServer server, StatusBoard board, ObserverHead observerHead) {
        this.server = server;
        this.board = board;
        this.observerHead = observerHead;
    }

    public static StatusServer start(WebConfig config, StatusBoard board, DeviceMeters meters) {
        return start(config, board, meters, Optional.empty());
    }

    /** @param catalogSync starts a catalog sync now, offered as {@code POST /api/catalog/sync} */
    public static StatusServer start(WebConfig config, StatusBoard board, DeviceMeters meters,
                                     Optional<Supplier<CompletableFuture<SyncResult>>> catalogSync) {
        StatusApi api = new StatusApi(board, catalogSync, config.authToken().isPresent());
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
                board.streams().forEach(s -> response.detail("stream." + s.id(), s.shownState()));
                return response.build();
            }
        };
        ObserverHead observerHead = new ObserverHead(config.host());
        WebServer server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownHook(false)
                .maxPayloadSize(MAX_BODY)
                // Requests Helidon refuses before routing (malformed, too large) get the API's JSON error too.
                .directHandlers(handlers -> {
                    for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
                        handlers.addHandler(type, (request, event, status, headers, message) -> {
                            ObjectNode body = Payloads.JSON.createObjectNode();
                            body.put("status", status.code());
                            body.put("error", message == null || message.isBlank() ? status.reasonPhrase()
                                    : message.length() <= 200 ? message : message.substring(0, 200) + "…");
                            // A HEAD answer has no body; one sent anyway would be read as the next response.
                            return DirectHandler.TransportResponse.builder()
                                    .status(status)
                                    .headers(headers)
                                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                                    .entity("HEAD".equals(request.method()) ? new byte[0]
                                            : body.toString().getBytes(StandardCharsets.UTF_8))
                                    .keepAlive(event.keepAlive())
                                    .build();
                        });
                    }
                })
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
                    // After the token check, so HEAD without it is refused like GET.
                    routing.addFilter((chain, req, res) -> {
                        if (observerHead.handles(req)) {
                            observerHead.answer(req, res);
                        } else {
                            chain.proceed();
                        }
                    });
                    routing.register(api);
                    routing.error(NotFoundException.class, (req, res, e) ->
                            StatusApi.error(req, res, Status.NOT_FOUND_404, "no such resource: " + req.path().path()));
                    routing.error(Throwable.class, (req, res, e) -> {
                        // Helidon's own 4xx (e.g. an Accept header it cannot parse) is the client's mistake, not ours.
                        if (e instanceof HttpException http && http.status().code() < 500) {
                            String reason = http.getMessage() == null ? http.status().reasonPhrase() : http.getMessage();
                            StatusApi.error(req, res, http.status(), reason.length() <= 200 ? reason : reason.substring(0, 200) + "…");
                            return;
                        }
                        LOG.log(System.Logger.Level.WARNING, "request " + req.prologue().method().text() + " "
                                + req.path().path() + " failed: " + e);
                        StatusApi.error(req, res, Status.INTERNAL_SERVER_ERROR_500, "internal error; see the service log");
                    });
                })
                .build()
                .start();
        observerHead.port(server.port());
        LOG.log(System.Logger.Level.INFO, "status page on http://" + displayHost(config.host()) + ":" + server.port()
                + "/" + (token.isPresent() ? " (bearer token required)" : ""));
        return new StatusServer(server, board, observerHead);
    }

    /**
     * Every request needs the bearer token except the page shell itself, which carries no
     * data and must load in a browser so it can ask for the token.
     */
    private static void authorize(byte[] token, FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        String method = req.prologue().method().text();
        if (path.equals("/") && (method.equals("GET") || method.equals("HEAD"))) {
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
        StatusApi.error(req, res, Status.UNAUTHORIZED_401, header.isEmpty()
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
        observerHead.close();
    }
}
