package dev.logowatch.web;

import dev.logowatch.engine.Box;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.web.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HEAD on the status API, as {@code curl -I} and uptime monitors send it: the same status and
 * headers as GET, and no body. Each HEAD is followed by a GET on the same connection, so a body
 * sent after the headers would show up as the start of the next response.
 */
class StatusApiHeadRequestsTest {
    private static final String TOKEN = "t0ken-Head-31";

    private StatusBoard board;
    private StatusServer server;

    private int start(boolean withToken) {
        board = StatusBoard.create("venue-3", "1.0");
        DeviceMeters meters = board.meters();
        StreamHealth east = board.stream("east", "East stand", "rtsp://127.0.0.1/s");
        meters.stream(east);
        east.state(StreamHealth.State.LIVE);
        board.processed(new StatusBoard.Snapshot(WebFixtures.grayFrame("east", 4, 320, 240),
                List.of(WebFixtures.detection("east", "nike", 4, new Box(10, 10, 90, 70)))));
        board.detection(WebFixtures.detection("east", "nike", 4, new Box(10, 10, 90, 70)));
        server = WebFixtures.serve(board, meters, withToken ? TOKEN : null);
        return server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** The answers to a HEAD and then a GET of the same target, sent one after the other on one connection. */
    private record Pair(Response head, Response get) {
    }

    private static Pair headThenGet(int port, String target, String... headers) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(RawHttp.request("HEAD", target, List.of(headers), new byte[0]));
            out.flush();
            Response head = readHead(in);
            out.write(RawHttp.request("GET", target, List.of(headers), new byte[0]));
            out.flush();
            Response get = readHead(in);
            return new Pair(head, new Response(get.status(), get.headers(), RawHttp.body(in, get.headers())));
        }
    }

    /** Status line and headers only: what a HEAD answer consists of. */
    private static Response readHead(InputStream in) throws IOException {
        String status = RawHttp.line(in);
        assertThat(status).as("a status line, not left-over body bytes").startsWith("HTTP/1.1 ");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String h = RawHttp.line(in); h != null && !h.isEmpty(); h = RawHttp.line(in)) {
            int colon = h.indexOf(':');
            headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        return new Response(Integer.parseInt(status.split(" ")[1]), headers, new byte[0]);
    }

    private static void assertLikeGet(Pair pair, String target, int status) {
        assertThat(pair.get().status()).as("GET %s", target).isEqualTo(status);
        assertThat(pair.head().status()).as("HEAD %s: %s", target, pair.head()).isEqualTo(status);
        for (String name : List.of("content-type", "cache-control", "allow", "www-authenticate")) {
            assertThat(pair.head().header(name)).as("%s of HEAD %s", name, target).isEqualTo(pair.get().header(name));
        }
        // Also where GET is chunked (health): RFC 9110 allows no other Content-Length on HEAD.
        assertThat(pair.head().header("content-length").map(Integer::parseInt))
                .as("HEAD %s announces the length GET sends", target).hasValue(pair.get().body().length);
    }

    @Test
    void headOnEveryPageAndApiEndpointAnswersLikeGetWithoutABody() throws Exception {
        int port = start(false);
        // /api/status is left out here: its uptime can tick between the two requests and change the length.
        for (String target : List.of("/", "/api/streams", "/api/streams/east/snapshot.jpg", "/api/detections",
                "/api/detections?limit=1")) {
            Pair pair = headThenGet(port, target);
            assertLikeGet(pair, target, 200);
            assertThat(pair.get().body()).as("GET %s has a body", target).isNotEmpty();
        }
        Pair status = headThenGet(port, "/api/status");
        assertThat(status.head().status()).isEqualTo(200);
        assertThat(status.head().header("content-type")).hasValue("application/json");
        assertThat(Integer.parseInt(status.head().header("content-length").orElseThrow())).isPositive();
        assertThat(RawHttp.JSON.readTree(status.get().body()).get("device").asText()).isEqualTo("venue-3");
    }

    @Test
    void headOnRefusalsAndUnknownPathsGivesTheSameStatusWithoutABody() throws Exception {
        int port = start(false);
        assertLikeGet(headThenGet(port, "/api/nothing"), "/api/nothing", 404);
        assertLikeGet(headThenGet(port, "/api/streams/west/snapshot.jpg"), "/api/streams/west/snapshot.jpg", 404);
        assertLikeGet(headThenGet(port, "/api/detections?limit=0"), "/api/detections?limit=0", 400);
        assertLikeGet(headThenGet(port, "/api/streams/..%2F..%2Fetc%2Fpasswd/snapshot.jpg"),
                "/api/streams/..%2F..%2Fetc%2Fpasswd/snapshot.jpg", 404);
        // Not a GET endpoint: HEAD is refused like GET, each named in the message (so the lengths differ).
        Pair action = headThenGet(port, "/api/catalog/sync");
        assertThat(action.get().status()).isEqualTo(405);
        assertThat(action.head().status()).isEqualTo(405);
        assertThat(action.head().header("allow")).hasValue("POST");
        assertThat(action.head().header("content-type")).hasValue("application/json");
    }

    @Test
    void headWithoutTheTokenIsRefusedLikeGet() throws Exception {
        int port = start(true);
        for (String target : List.of("/api/status", "/api/nothing", "/observe/metrics")) {
            Pair pair = headThenGet(port, target);
            assertLikeGet(pair, target, 401);
            assertThat(pair.head().header("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        }
        Pair authorised = headThenGet(port, "/api/streams", "Authorization: Bearer " + TOKEN);
        assertLikeGet(authorised, "/api/streams", 200);
    }

    @Test
    void headOnTheLiveFeedAnswersItsHeadersAndHoldsNoSubscription() throws Exception {
        int port = start(false);
        Response head = RawHttp.send(port, "HEAD", "/api/events");
        assertThat(head.status()).isEqualTo(200);
        assertThat(board.subscriberCount()).as("HEAD opened no feed").isZero();
        // RawHttp reads only the headers of a live feed.
        Response get = RawHttp.send(port, "GET", "/api/events");
        assertThat(get.status()).isEqualTo(200);
        assertThat(head.header("content-type")).isEqualTo(get.header("content-type"));
        assertThat(head.header("cache-control")).isEqualTo(get.header("cache-control"));
        // The connection is free for the next request at once: nothing streams after the headers.
        Pair pair = headThenGet(port, "/api/streams");
        assertLikeGet(pair, "/api/streams", 200);
    }

    @Test
    void headOnHealthAndMetricsAnswersLikeGet() throws Exception {
        int port = start(false);
        for (String target : List.of("/observe/health", "/observe/health/live", "/observe/health/ready")) {
            Pair pair = headThenGet(port, target);
            assertLikeGet(pair, target, 200);
            assertThat(pair.head().header("content-type")).as(target).hasValue("application/json");
        }
        Pair metrics = headThenGet(port, "/observe/metrics", "Accept: text/plain");
        assertThat(metrics.head().status()).isEqualTo(200);
        assertThat(metrics.head().header("content-type")).hasValue("text/plain");
        // The counters move between the two requests, so the length is only roughly the same.
        assertThat(Integer.parseInt(metrics.head().header("content-length").orElseThrow()))
                .isCloseTo(metrics.get().body().length, org.assertj.core.data.Percentage.withPercentage(10));

        board.stream("east").orElseThrow().state(StreamHealth.State.RECONNECTING);
        Pair down = headThenGet(port, "/observe/health/ready");
        assertLikeGet(down, "/observe/health/ready", 503);
    }

    @Test
    void observerHeadReachesAServerOnAnyBoundAddressThroughLoopback() {
        assertThat(ObserverHead.loopback("0.0.0.0")).isEqualTo("127.0.0.1");
        assertThat(ObserverHead.loopback("::")).isEqualTo("[::1]");
        assertThat(ObserverHead.loopback("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(ObserverHead.loopback("10.0.0.5")).isEqualTo("10.0.0.5");
        assertThat(ObserverHead.loopback("fe80::1")).isEqualTo("[fe80::1]");
        assertThat(ObserverHead.loopback("[fe80::1]")).isEqualTo("[fe80::1]");
        assertThat(ObserverHead.loopback("jetson.local")).isEqualTo("jetson.local");
    }
}
