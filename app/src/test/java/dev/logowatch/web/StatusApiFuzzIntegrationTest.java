package dev.logowatch.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logowatch.engine.Box;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.web.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A seeded fuzz loop over the status API on loopback: random methods on paths built from the
 * real ones with mutations (extra and missing segments, traversal, encodings, control and
 * non-ASCII bytes), random query strings, headers and bodies, with and without the token.
 * Bounded to 60 s and {@value #MAX_REQUESTS} requests. No answer may be a 5xx (bar the
 * documented 503 when too many live feeds are open), none may show a stack trace, every
 * refusal is the API's JSON error, and the server is healthy afterwards.
 */
@Tag("integration")
class StatusApiFuzzIntegrationTest {
    private static final long SEED = 0x5eed_10_60L;
    private static final int MAX_REQUESTS = 20_000;
    private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final String TOKEN = "fuzz-t0ken-4242";
    private static final List<String> PATHS = List.of("/", "/api/status", "/api/streams", "/api/streams/east/snapshot.jpg",
            "/api/streams/west/snapshot.jpg", "/api/detections", "/api/events", "/observe/health", "/observe/health/live",
            "/observe/health/ready", "/observe/metrics", "/observe", "/api/catalog/sync");
    // No non-ASCII method: Helidon 4.5 answers one with a 500 and logs a stack trace (Method.create
    // throws IllegalArgumentException while reading the request line), which no handler of ours can catch.
    private static final List<String> METHODS = List.of("GET", "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE",
            "PATCH", "OPTIONS", "TRACE", "CONNECT", "get", "X-CUSTOM", "G_T", "");
    private static final List<String> FRAGMENTS = List.of("..", ".", "%2e%2e", "%2f", "%00", "%", "%zz", "%c0%ae",
            "~", ";", ";jsessionid=1", "*", "{id}", "%7Bid%7D", "east", "EAST", "\u00e9", "%E2%98%83", "'", "\"",
            "<x>", "a".repeat(300), "\\", "%5c", "//", "?", "#frag", "\t", " ", "%20", "+", "&", "=");
    private static final List<String> HEADER_NAMES = List.of("Accept", "Accept-Encoding", "Content-Type", "Range",
            "If-None-Match", "X-Forwarded-For", "Origin", "Cookie", "Expect", "Connection", "Upgrade", "Te",
            "X-" + "y".repeat(40), "Transfer-Encoding", "Content-Encoding");
    private static final List<String> HEADER_VALUES = List.of("*/*", "text/event-stream", "application/json",
            "bytes=0-10", "bytes=999999-", "gzip, deflate, br", "\"etag\"", "100-continue", "close", "keep-alive",
            "websocket", "h2c", "trailers", "chunked", "x".repeat(2000), "\u00ff\u00fe", "", "null", "../../etc/passwd");

    private StatusServer server;
    private StatusBoard board;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void randomRequestsNeverGetA5xxOrAStackTrace() throws Exception {
        board = StatusBoard.create("fuzz-dev", "1.0");
        DeviceMeters meters = board.meters();
        StreamHealth east = board.stream("east", "East", "rtsp://127.0.0.1/s");
        meters.stream(east);
        // Live, so readiness is up and its 503 cannot hide a real server error.
        east.state(StreamHealth.State.LIVE);
        board.processed(new StatusBoard.Snapshot(WebFixtures.grayFrame("east", 1, 64, 48),
                List.of(WebFixtures.detection("east", "nike", 1, new Box(4, 4, 40, 40)))));
        board.detection(WebFixtures.detection("east", "nike", 1, new Box(4, 4, 40, 40)));
        server = WebFixtures.serve(board, meters, TOKEN);
        int port = server.port();

        Random random = new Random(SEED);
        Map<Integer, Integer> statuses = new TreeMap<>();
        long started = System.nanoTime();
        int sent = 0;
        while (sent < MAX_REQUESTS && System.nanoTime() - started < MAX_NANOS) {
            byte[] request = randomRequest(random);
            String shown = new String(request, 0, Math.min(request.length, 200), StandardCharsets.ISO_8859_1);
            Response response;
            try {
                response = RawHttp.exchange(port, request, 10_000);
            } catch (IOException e) {
                throw new AssertionError("request " + sent + " got no answer (" + e + "): " + shown, e);
            }
            sent++;
            statuses.merge(response.status(), 1, Integer::sum);
            check(response, shown);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "fuzz: %d requests in %.1f s, statuses %s%n", sent, seconds, statuses);

        assertThat(sent).as("requests sent in %.0f s", seconds).isGreaterThanOrEqualTo(500);
        assertThat(statuses.keySet()).as("the fuzz reached refusals and successes").contains(200, 401, 404, 405);
        Response health = RawHttp.send(port, "GET", "/api/status", "Authorization: Bearer " + TOKEN);
        assertThat(health.status()).as("healthy after the fuzz").isEqualTo(200);
        assertThat(RawHttp.JSON.readTree(health.body()).get("device").asText()).isEqualTo("fuzz-dev");
        // Live feeds whose client went away end at their next keep-alive (every 2 s).
        await("no live feed left open by clients that left").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100)).until(board::subscriberCount, open -> open == 0);
    }

    private static void check(Response response, String request) throws IOException {
        String what = "answer " + response + " to: " + request;
        RawHttp.assertNoInternals(response);
        if (response.status() == 0) {
            // Hung up without answering: only acceptable for a body the server refused to read.
            assertThat(request).as(what).contains("Content-Length: ");
            return;
        }
        if (request.startsWith("HEAD ")) {
            // No body to read: the 503 of a full live feed cannot be told apart by its message here.
            assertThat(response.status()).as(what).isBetween(200, 503).isNotIn(500, 501, 502);
            return;
        }
        if (response.status() == 503) {
            JsonNode body = RawHttp.JSON.readTree(response.body());
            assertThat(body.path("error").asText()).as(what).contains("too many live connections");
            return;
        }
        assertThat(response.status()).as(what).isBetween(200, 499);
        if (response.status() == 406 && response.body().length == 0) {
            // Helidon's metrics and health observers answer an Accept they cannot serve with a bare 406.
            assertThat(request).as(what).contains(" /observe");
            return;
        }
        if (response.status() >= 400) {
            assertThat(response.header("content-type")).as(what).hasValue("application/json");
            RawHttp.assertJsonError(response);
        }
        if (response.status() == 200 && response.header("content-type").orElse("").startsWith("application/json")) {
            assertThat(RawHttp.JSON.readTree(response.body())).as(what).isNotNull();
        }
    }

    private static byte[] randomRequest(Random random) {
        String method = pick(random, METHODS);
        String target = mutate(random, pick(random, PATHS)) + query(random);
        List<String> headers = new ArrayList<>();
        switch (random.nextInt(5)) {
            case 0, 1 -> headers.add("Authorization: Bearer " + TOKEN);
            case 2 -> headers.add("Authorization: " + pick(random, List.of("Bearer", "Bearer x", "Basic Zm9vOmJhcg==",
                    "bearer " + TOKEN, "Bearer " + TOKEN + TOKEN, "Bearer " + TOKEN.substring(1), "Bearer  " + TOKEN)));
            default -> {
            }
        }
        for (int i = random.nextInt(4); i > 0; i--) {
            headers.add(pick(random, HEADER_NAMES) + ": " + pick(random, HEADER_VALUES));
        }
        byte[] body = new byte[0];
        if (random.nextInt(4) == 0) {
            int size = random.nextInt(10) == 0 ? 70_000 + random.nextInt(60_000) : random.nextInt(2_000);
            body = new byte[size];
            random.nextBytes(body);
        }
        // Chunked framing is set by the generator, never together with a body it did not frame.
        headers.removeIf(h -> h.startsWith("Transfer-Encoding") || h.startsWith("Content-Encoding")
                || h.startsWith("Expect") || h.startsWith("Upgrade"));
        return RawHttp.request(method, target, headers, body);
    }

    /** A real path with up to three edits: insert, replace or drop a segment, or encode a character. */
    private static String mutate(Random random, String path) {
        String p = path;
        for (int edits = random.nextInt(4); edits > 0; edits--) {
            List<String> segments = new ArrayList<>(List.of(p.split("/", -1)));
            int at = 1 + random.nextInt(Math.max(1, segments.size() - 1));
            switch (random.nextInt(5)) {
                case 0 -> segments.add(Math.min(at, segments.size()), pick(random, FRAGMENTS));
                case 1 -> segments.set(Math.min(at, segments.size() - 1), pick(random, FRAGMENTS));
                case 2 -> {
                    if (segments.size() > 2) {
                        segments.remove(Math.min(at, segments.size() - 1));
                    }
                }
                case 3 -> {
                    int i = Math.min(at, segments.size() - 1);
                    segments.set(i, segments.get(i) + pick(random, FRAGMENTS));
                }
                default -> {
                    int i = Math.min(at, segments.size() - 1);
                    String s = segments.get(i);
                    if (!s.isEmpty()) {
                        int c = random.nextInt(s.length());
                        segments.set(i, s.substring(0, c) + String.format(Locale.ROOT, "%%%02X", (int) s.charAt(c) & 0xff)
                                + s.substring(c + 1));
                    }
                }
            }
            p = String.join("/", segments);
        }
        // Spaces and line breaks would end the request line; keep the line one line.
        return p.replace(" ", "%20").replace("\t", "%09").replace("\r", "").replace("\n", "");
    }

    private static String query(Random random) {
        if (random.nextInt(3) > 0) {
            return "";
        }
        StringBuilder q = new StringBuilder("?");
        for (int i = random.nextInt(4); i >= 0; i--) {
            String key = pick(random, List.of("limit", "limit", "token", "id", "x", "", "%00", "limit[]"));
            String value = pick(random, List.of("1", "50", "51", "0", "-1", "abc", "%ZZ", "%E2%98%83", "",
                    "99999999999999999999", "1.5", "%20", "..%2F", TOKEN));
            q.append(key).append(random.nextBoolean() ? "=" + value : "").append(i > 0 ? "&" : "");
        }
        return q.toString();
    }

    private static <T> T pick(Random random, List<T> list) {
        return list.get(random.nextInt(list.size()));
    }
}
