package dev.logowatch.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.catalog.sync.SyncResult;
import dev.logowatch.publish.Payloads;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.track.Appearance;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.PathMatchers;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The status page and its JSON API, read-only but for one action:
 * <pre>
 * GET /                                 the page
 * GET /api/status                       device, streams, catalog, models, MQTT, verifier, open appearances
 * GET /api/streams                      per-stream state and counters
 * GET /api/streams/{id}/snapshot.jpg    latest processed frame with boxes and brands
 * GET /api/detections?limit=N           the last N (1–50) detections, newest first
 * GET /api/events                       server-sent events: detection, appearance, status
 * POST /api/catalog/sync                syncs the catalog now (needs the bearer token)
 * </pre>
 * HEAD on every GET endpoint answers like GET (status and headers, {@code Content-Length}
 * included) without the body; Helidon does not route HEAD to GET handlers by itself.
 */
final class StatusApi implements HttpService {
    private static final Duration STATUS_EVERY = Duration.ofSeconds(2);
    private static final String JSON = "application/json";
    private static final String FEED = "text/event-stream";

    private final StatusBoard board;
    private final Optional<Supplier<CompletableFuture<SyncResult>>> catalogSync;
    private final boolean actionsAllowed;
    private final byte[] page;
    private final Map<String, CachedSnapshot> snapshots = new ConcurrentHashMap<>();

    private record CachedSnapshot(long sequence, byte[] jpeg) {
    }

    /**
     * @param catalogSync    starts a catalog sync now, when {@code catalog.sync} is configured
     * @param actionsAllowed whether requests that change something are accepted: only with a
     *                       bearer token configured, since the page is otherwise open to the venue network
     */
    StatusApi(StatusBoard board, Optional<Supplier<CompletableFuture<SyncResult>>> catalogSync, boolean actionsAllowed) {
        this.board = board;
        this.catalogSync = catalogSync;
        this.actionsAllowed = actionsAllowed;
        this.page = resource("/web/index.html");
    }

    @Override
    public void routing(HttpRules rules) {
        route(rules, "/", this::page);
        route(rules, "/api/status", (req, res) -> json(req, res, Status.OK_200, status()));
        route(rules, "/api/streams", (req, res) -> json(req, res, Status.OK_200, streams()));
        route(rules, "/api/streams/{id}/snapshot.jpg", this::snapshot);
        route(rules, "/api/detections", this::detections);
        route(rules, "/api/events", this::events);
        rules.post("/api/catalog/sync", this::syncCatalog);
        rules.route(m -> !m.equals(Method.POST), PathMatchers.create("/api/catalog/sync"), (req, res) -> {
            res.header(HeaderNames.ALLOW, "POST");
            error(req, res, Status.METHOD_NOT_ALLOWED_405, req.prologue().method().text() + " is not allowed here; use POST");
        });
    }

    /**
     * Registers GET and HEAD for the path and a 405 naming GET for every other method. The
     * handler answers HEAD itself by sending through {@link #send}, which drops the body.
     */
    private static void route(HttpRules rules, String path, Handler handler) {
        rules.route(m -> m.equals(Method.GET) || m.equals(Method.HEAD), PathMatchers.create(path), handler);
        rules.route(m -> !m.equals(Method.GET) && !m.equals(Method.HEAD), PathMatchers.create(path), (req, res) -> {
            res.header(HeaderNames.ALLOW, "GET");
            error(req, res, Status.METHOD_NOT_ALLOWED_405, req.prologue().method().text() + " is not allowed here; use GET");
        });
    }

    private void page(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        send(req, res, page);
    }

    ObjectNode status() {
        ObjectNode node = Payloads.JSON.createObjectNode();
        node.put("schema", Payloads.SCHEMA);
        node.put("device", board.deviceId());
        node.put("version", board.version());
        node.put("started", Payloads.timestamp(board.started()));
        node.put("uptime_seconds", board.uptime().toSeconds());
        node.put("ready", board.ready());
        node.set("streams", streams());
        node.set("catalog", Payloads.JSON.valueToTree(board.catalog()));
        node.set("models", Payloads.JSON.valueToTree(board.models()));
        node.set("mqtt", Payloads.JSON.valueToTree(board.mqtt()));
        node.set("verifier", Payloads.JSON.valueToTree(board.verifier()));
        ArrayNode open = node.putArray("appearances");
        for (Appearance a : board.openAppearances()) {
            open.add(Payloads.appearance(a));
        }
        ArrayNode recent = node.putArray("recent_appearances");
        for (Appearance a : board.recentAppearances()) {
            recent.add(Payloads.appearance(a));
        }
        node.set("exposure", exposure());
        return node;
    }

    /**
     * Per brand, seconds on screen and appearances today (since local midnight on the device's
     * time zone) and in the last hour, open appearances included.
     */
    private ObjectNode exposure() {
        java.time.Instant now = board.now();
        java.time.Instant midnight = now.atZone(java.time.ZoneId.systemDefault()).toLocalDate()
                .atStartOfDay(java.time.ZoneId.systemDefault()).toInstant();
        ObjectNode node = Payloads.JSON.createObjectNode();
        node.put("today_since", Payloads.timestamp(midnight));
        node.set("today", totals(board.exposureSince(midnight)));
        node.set("last_hour", totals(board.exposureSince(now.minus(java.time.Duration.ofHours(1)))));
        return node;
    }

    private static ObjectNode totals(java.util.Map<String, ExposureTally.Total> totals) {
        ObjectNode node = Payloads.JSON.createObjectNode();
        totals.forEach((brand, t) -> node.putObject(brand)
                .put("seconds", Math.round(t.seconds() * 10) / 10.0).put("appearances", t.appearances()));
        return node;
    }

    private ArrayNode streams() {
        ArrayNode array = Payloads.JSON.createArrayNode();
        for (StreamHealth s : board.streams()) {
            array.add(Payloads.JSON.valueToTree(s.view()));
        }
        return array;
    }

    private void snapshot(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<StreamHealth> stream = board.stream(id);
        if (stream.isEmpty()) {
            error(req, res, Status.NOT_FOUND_404, "no stream with id '" + truncate(id) + "'");
            return;
        }
        Optional<StatusBoard.Snapshot> latest = board.snapshot(id);
        if (latest.isEmpty()) {
            error(req, res, Status.NOT_FOUND_404, "stream '" + id + "' has no processed frame yet");
            return;
        }
        StatusBoard.Snapshot s = latest.get();
        CachedSnapshot cached = snapshots.compute(id, (k, old) ->
                old != null && old.sequence() == s.frame().sequence()
                        ? old
                        : new CachedSnapshot(s.frame().sequence(), SnapshotRenderer.render(s.frame().image(), s.detections())));
        res.header(HeaderNames.CONTENT_TYPE, "image/jpeg");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        send(req, res, cached.jpeg());
    }

    /** Syncs the catalog now and answers with the outcome, or 202 if it takes longer than a minute. */
    private void syncCatalog(ServerRequest req, ServerResponse res) {
        if (!actionsAllowed) {
            error(req, res, Status.FORBIDDEN_403, "actions need web.auth-token-file to be set on this device");
            return;
        }
        if (catalogSync.isEmpty()) {
            error(req, res, Status.CONFLICT_409, "this device does not follow a central catalog (catalog.sync.url)");
            return;
        }
        CompletableFuture<SyncResult> pending = catalogSync.get().get();
        try {
            SyncResult result = pending.get(60, TimeUnit.SECONDS);
            ObjectNode body = Payloads.JSON.createObjectNode();
            body.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
            body.put("version", result.version());
            body.put("downloaded", result.downloaded());
            body.put("reused", result.reused());
            result.error().ifPresent(e -> body.put("error", e));
            json(req, res, Status.OK_200, body);
        } catch (TimeoutException e) {
            error(req, res, Status.ACCEPTED_202, "sync still running; see /api/status");
        } catch (ExecutionException e) {
            error(req, res, Status.BAD_GATEWAY_502, "sync failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(req, res, Status.SERVICE_UNAVAILABLE_503, "interrupted");
        }
    }

    private void detections(ServerRequest req, ServerResponse res) {
        int limit = StatusBoard.RECENT_DETECTIONS;
        Optional<String> text = req.query().first("limit").asOptional();
        if (text.isPresent()) {
            try {
                limit = Integer.parseInt(text.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > StatusBoard.RECENT_DETECTIONS) {
                error(req, res, Status.BAD_REQUEST_400, "limit must be a whole number from 1 to "
                        + StatusBoard.RECENT_DETECTIONS + ", got '" + truncate(text.get()) + "'");
                return;
            }
        }
        ArrayNode array = Payloads.JSON.createArrayNode();
        board.recentDetections(limit).forEach(array::add);
        json(req, res, Status.OK_200, array);
    }

    /**
     * Holds the request open and streams messages to the browser; a status snapshot goes out
     * every two seconds, which doubles as the keep-alive that reveals a closed connection.
     */
    private void events(ServerRequest req, ServerResponse res) {
        if (isHead(req)) {
            // A feed opened only to be dropped would take a subscriber slot; answer what GET would now.
            if (board.subscriberCount() >= StatusBoard.MAX_SUBSCRIBERS) {
                tooManyFeeds(req, res);
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, FEED);
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.send();
            return;
        }
        Optional<StatusBoard.Subscription> subscription = board.subscribe();
        if (subscription.isEmpty()) {
            tooManyFeeds(req, res);
            return;
        }
        try (StatusBoard.Subscription feed = subscription.get(); SseSink sink = res.sink(SseSink.TYPE)) {
            sink.emit(event("status", status().toString()));
            long nextStatus = System.nanoTime() + STATUS_EVERY.toNanos();
            while (!feed.isClosed()) {
                long wait = Math.max(1, nextStatus - System.nanoTime());
                Optional<StatusBoard.Message> message = feed.next(Duration.ofNanos(wait));
                if (message.isPresent()) {
                    sink.emit(event(message.get().event(), message.get().json()));
                }
                if (System.nanoTime() >= nextStatus) {
                    sink.emit(event("status", status().toString()));
                    nextStatus = System.nanoTime() + STATUS_EVERY.toNanos();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException | IllegalStateException e) {
            // The browser went away; nothing to report.
        }
    }

    private static void tooManyFeeds(ServerRequest req, ServerResponse res) {
        error(req, res, Status.SERVICE_UNAVAILABLE_503, "too many live connections (at most "
                + StatusBoard.MAX_SUBSCRIBERS + "); close another status page");
    }

    private static SseEvent event(String name, String json) {
        return SseEvent.builder().name(name).data(json).build();
    }

    static void json(ServerRequest req, ServerResponse res, Status status, Object body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        send(req, res, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The API's error answer, {@code {"status": code, "error": message}}; for HEAD its headers only. */
    static void error(ServerRequest req, ServerResponse res, Status status, String message) {
        ObjectNode body = Payloads.JSON.createObjectNode();
        body.put("status", status.code());
        body.put("error", message);
        json(req, res, status, body);
    }

    /**
     * Sends the body, or for HEAD only the headers GET would have, with the body's length
     * (RFC 9110, 9.3.2): a body after a HEAD answer would be read as the start of the next one.
     */
    static void send(ServerRequest req, ServerResponse res, byte[] body) {
        if (isHead(req)) {
            res.contentLength(body.length);
            res.send();
        } else {
            res.send(body);
        }
    }

    static boolean isHead(ServerRequest req) {
        return req.prologue().method().equals(Method.HEAD);
    }

    private static String truncate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    private static byte[] resource(String name) {
        try (InputStream in = StatusApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " in the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
