package dev.logowatch.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logowatch.engine.Box;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.web.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;

import static dev.logowatch.web.RawHttp.assertJsonError;
import static dev.logowatch.web.RawHttp.assertNoInternals;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status API against requests no browser sends: other methods, oversized bodies and
 * headers, odd stream ids, path traversal, broken HTTP and wrong tokens. Every refusal is a
 * 4xx with the API's JSON error body, nothing leaks the service's insides, and the server
 * keeps answering afterwards.
 */
class StatusApiHostileRequestsTest {
    private static final String TOKEN = "t0ken-Hostile-77";
    private static final List<String> API = List.of("/", "/api/status", "/api/streams", "/api/streams/east/snapshot.jpg",
            "/api/detections", "/api/events");
    private static final List<String> OBSERVE = List.of("/observe/health", "/observe/health/live", "/observe/metrics");

    private StatusBoard board;
    private StatusServer server;

    private int start(boolean withToken) {
        board = StatusBoard.create("venue-9", "1.0");
        DeviceMeters meters = board.meters();
        meters.stream(board.stream("east", "East stand", "rtsp://cam:***@127.0.0.1/s"));
        server = WebFixtures.serve(board, meters, withToken ? TOKEN : null);
        return server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void assertStillServing(int port, String... headers) throws Exception {
        Response status = RawHttp.send(port, "GET", "/api/status", headers);
        assertThat(status.status()).as("the server still answers: %s", status).isEqualTo(200);
        assertThat(RawHttp.JSON.readTree(status.body()).get("device").asText()).isEqualTo("venue-9");
    }

    @Test
    void everyApiEndpointRefusesOtherMethodsWithA405NamingTheMethod() throws Exception {
        int port = start(false);
        for (String path : API) {
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO")) {
                byte[] body = method.equals("TRACE") ? new byte[0] : "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
                Response r = RawHttp.exchange(port, RawHttp.request(method, path,
                        List.of("Content-Type: application/json"), body), 10_000);
                JsonNode error = assertJsonError(r, 405);
                assertThat(r.header("allow")).as(method + " " + path).hasValue("GET");
                assertThat(error.get("error").asText()).contains(method);
            }
        }
        // Health and metrics belong to Helidon's observers: other methods are simply not there.
        for (String path : OBSERVE) {
            for (String method : List.of("POST", "PUT", "DELETE")) {
                assertJsonError(RawHttp.send(port, method, path), 404, 405);
            }
        }
        assertStillServing(port);
    }

    @Test
    void theCatalogSyncActionTakesOnlyAnAuthorisedPost() throws Exception {
        int open = start(false);
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "FOO")) {
            Response r = RawHttp.send(open, method, "/api/catalog/sync");
            assertJsonError(r, 405);
            assertThat(r.header("allow")).as(method).hasValue("POST");
        }
        // Without a token configured the page is open to the venue network, so no actions at all.
        assertJsonError(RawHttp.send(open, "POST", "/api/catalog/sync"), 403);
        assertJsonError(RawHttp.exchange(open, RawHttp.request("POST", "/api/catalog/sync", List.of(),
                new byte[1 << 20]), 10_000), 403, 413);
        stop();

        int guarded = start(true);
        assertJsonError(RawHttp.send(guarded, "POST", "/api/catalog/sync"), 401);
        assertJsonError(RawHttp.send(guarded, "POST", "/api/catalog/sync", "Authorization: Bearer nope"), 401);
        JsonNode noSync = assertJsonError(RawHttp.send(guarded, "POST", "/api/catalog/sync",
                "Authorization: Bearer " + TOKEN), 409);
        assertThat(noSync.get("error").asText()).contains("catalog.sync.url");
        assertStillServing(guarded, "Authorization: Bearer " + TOKEN);
    }

    @Test
    void oversizedBodiesAndHeadersAreRefusedAndTheServerCarriesOn() throws Exception {
        int port = start(false);
        byte[] megabyte = new byte[1 << 20];
        java.util.Arrays.fill(megabyte, (byte) '{');
        for (String path : List.of("/api/status", "/api/streams/east/snapshot.jpg", "/api/nothing", "/observe/metrics")) {
            Response r = RawHttp.exchange(port, RawHttp.request("POST", path, List.of("Content-Type: application/json"),
                    megabyte), 10_000);
            // The server may also hang up mid-upload before answering; what it answers must be a JSON 4xx.
            if (r.status() != 0) {
                assertJsonError(r, 404, 405, 413);
            }
            assertStillServing(port);
        }
        StringBuilder chunked = new StringBuilder("PUT /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        String chunk = "x".repeat(0x8000);
        for (int i = 0; i < 32; i++) {
            chunked.append("8000\r\n").append(chunk).append("\r\n");
        }
        chunked.append("0\r\n\r\n");
        Response r = RawHttp.exchange(port, chunked.toString().getBytes(StandardCharsets.US_ASCII), 10_000);
        if (r.status() != 0) {
            assertJsonError(r, 405, 413);
        }
        Response header = RawHttp.send(port, "GET", "/api/status", "X-Filler: " + "h".repeat(100_000));
        assertJsonError(header, 400, 413, 431);
        Response uri = RawHttp.send(port, "GET", "/api/streams/" + "a".repeat(20_000) + "/snapshot.jpg");
        assertJsonError(uri, 400, 414);
        assertStillServing(port);
    }

    @Test
    void unknownAndStrangeStreamIdsAreA404ThatQuotesThemSafely() throws Exception {
        int port = start(false);
        List<String> ids = List.of("west", "%00", "%252e%252e", "%E2%98%83", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                "%22%7D%2C%22status%22%3A200", "%0D%0AX-Injected%3A%201", "a".repeat(300), "%FF%FE", "%5C..%5C..");
        for (String id : ids) {
            Response r = RawHttp.send(port, "GET", "/api/streams/" + id + "/snapshot.jpg");
            JsonNode error = assertJsonError(r, 400, 404);
            assertThat(r.headers()).as("no header injected by id " + id).doesNotContainKey("x-injected");
            if (r.status() == 404) {
                assertThat(error.get("error").asText().length()).as("long ids are cut").isLessThan(140);
            }
        }
        assertStillServing(port);
    }

    @Test
    void pathTraversalInAnySpellingNeverLeavesTheApi() throws Exception {
        int port = start(false);
        List<String> paths = List.of(
                "/api/streams/../../etc/passwd/snapshot.jpg",
                "/api/streams/%2e%2e/%2e%2e/etc/passwd/snapshot.jpg",
                "/api/streams/%2e%2e%2f%2e%2e%2fetc%2fpasswd/snapshot.jpg",
                "/api/streams/..%2f..%2f..%2fetc%2fpasswd",
                "/api/streams/%252e%252e%252f%252e%252e%252fetc%252fpasswd/snapshot.jpg",
                "/api/streams/..%5c..%5cetc%5cpasswd/snapshot.jpg",
                "/api/streams/%c0%ae%c0%ae%c0%afetc%c0%afpasswd/snapshot.jpg",
                "/../../../../etc/passwd",
                "/..%2f..%2f..%2fetc%2fpasswd",
                "/web/index.html",
                "/api/streams/east/../../../etc/passwd",
                "/api/streams/east/snapshot.jpg/../../../../../etc/passwd",
                "//etc/passwd",
                "/%2fetc%2fpasswd",
                "/api/streams/.../snapshot.jpg",
                "/api/streams/./east/./snapshot.jpg/..");
        for (String path : paths) {
            Response r = RawHttp.send(port, "GET", path);
            assertJsonError(r, 400, 404);
            assertThat(r.header("content-type")).isNotEqualTo(Optional.of("image/jpeg"));
        }
        assertStillServing(port);
    }

    @Test
    void brokenHttpIsAnsweredWithAJsonError() throws Exception {
        int port = start(false);
        List<String> requests = List.of(
                "GARBAGE\r\n\r\n",
                "GET /api/status HTTP/9.9\r\nHost: x\r\n\r\n",
                "GET /api/status HTTP/1.1\r\n\r\n",
                "GET /api/streams/%ZZ/snapshot.jpg HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /api/streams/%/snapshot.jpg HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /api/streams/<script>/snapshot.jpg HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /api/detections?limit=%ZZ HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                "GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                "POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "GET /api/status HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n");
        for (String request : requests) {
            Response r = RawHttp.exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), 10_000);
            assertThat(r.status()).as(request).isBetween(400, 499);
            assertJsonError(r);
        }
        assertStillServing(port);
    }

    @Test
    void anAcceptHeaderNobodyCanParseIsTheClientsMistake() throws Exception {
        int port = start(false);
        for (String path : List.of("/observe/metrics", "/api/events")) {
            for (String accept : List.of("bytes=0-10", "text/html;q=abc", ";;;")) {
                Response r = RawHttp.send(port, "GET", path, "Accept: " + accept);
                assertJsonError(r, 400, 406);
            }
        }
        assertThat(board.subscriberCount()).as("a refused live feed holds no subscription").isZero();
        assertStillServing(port);
    }

    @Test
    void badDetectionLimitsAreA400NamingTheRange() throws Exception {
        int port = start(false);
        for (String limit : List.of("0", "51", "-1", "abc", "1.5", "99999999999999999999", "%20", "0x10", "1e3",
                "%E2%98%83", "")) {
            Response r = RawHttp.send(port, "GET", "/api/detections?limit=" + limit);
            JsonNode error = assertJsonError(r, 400);
            assertThat(error.get("error").asText()).contains("limit must be a whole number from 1 to 50");
        }
        Response fine = RawHttp.send(port, "GET", "/api/detections?limit=50&other=%00&x");
        assertThat(fine.status()).isEqualTo(200);
        assertThat(RawHttp.JSON.readTree(fine.body()).isArray()).isTrue();
    }

    @Test
    void withATokenNothingButThePageShellAnswersWithoutIt() throws Exception {
        int port = start(true);
        String basic = Base64.getEncoder().encodeToString(("user:" + TOKEN).getBytes(StandardCharsets.UTF_8));
        List<List<String>> wrong = List.of(
                List.of(),
                List.of("Authorization: Bearer"),
                List.of("Authorization: Bearer "),
                List.of("Authorization: Bearer wrong"),
                List.of("Authorization: Bearer " + TOKEN + "x"),
                List.of("Authorization: Bearer " + TOKEN.substring(0, TOKEN.length() - 1)),
                List.of("Authorization: Basic " + basic),
                List.of("Authorization: Token " + TOKEN),
                List.of("Authorization: " + TOKEN),
                List.of("Authorization: Bearer " + TOKEN.toUpperCase(java.util.Locale.ROOT)),
                List.of("Cookie: token=" + TOKEN),
                List.of("X-Auth-Token: " + TOKEN));
        List<String> paths = new ArrayList<>(API.subList(1, API.size()));
        paths.addAll(OBSERVE);
        paths.add("/api/nothing");
        paths.add("/api/streams/../../etc/passwd");
        for (String path : paths) {
            for (List<String> headers : wrong) {
                Response r = RawHttp.exchange(port, RawHttp.request("GET", path, headers, new byte[0]), 10_000);
                assertJsonError(r, 401);
                assertThat(r.header("www-authenticate")).as(path + " " + headers).hasValueSatisfying(
                        v -> assertThat(v).startsWith("Bearer"));
                assertThat(r.text()).doesNotContain(TOKEN).doesNotContain("venue-9");
            }
            Response query = RawHttp.send(port, "GET", path + (path.contains("?") ? "&" : "?") + "token=" + TOKEN);
            assertJsonError(query, 401);
            Response post = RawHttp.exchange(port, RawHttp.request("POST", path, List.of(), "x".getBytes(StandardCharsets.UTF_8)), 10_000);
            assertJsonError(post, 401);
        }
        for (String path : List.of("/api/status", "/api/streams", "/api/detections", "/observe/health/live", "/observe/metrics")) {
            Response ok = RawHttp.send(port, "GET", path, "Authorization: Bearer " + TOKEN);
            assertThat(ok.status()).as(path).isEqualTo(200);
            assertNoInternals(ok);
        }
        // The auth scheme is case-insensitive (RFC 9110); the token itself is not.
        assertThat(RawHttp.send(port, "GET", "/api/status", "Authorization: bearer " + TOKEN).status()).isEqualTo(200);
        Response shell = RawHttp.send(port, "GET", "/");
        assertThat(shell.status()).isEqualTo(200);
        assertThat(shell.text()).doesNotContain("venue-9").doesNotContain(TOKEN);
    }

    @Test
    void snapshotsOfFourKAndOnePixelFramesAreServed() throws Exception {
        int port = start(false);
        StreamHealth east = board.stream("east").orElseThrow();
        // A box far larger than the 1x1 frame, and one wholly outside it: drawing must clip, not throw.
        board.processed(new StatusBoard.Snapshot(WebFixtures.grayFrame("east", 1, 1, 1), List.of(
                WebFixtures.detection("east", "nike", 1, new Box(-50, -50, 500, 500)),
                WebFixtures.detection("east", "puma", 1, new Box(10, 10, 20, 20)))));
        assertJpeg(RawHttp.send(port, "GET", "/api/streams/east/snapshot.jpg"), 1, 1);

        board.processed(new StatusBoard.Snapshot(WebFixtures.grayFrame("east", 2, 3840, 2160), List.of(
                WebFixtures.detection("east", "nike", 2, new Box(3000, 1800, 3839, 2159)))));
        assertJpeg(RawHttp.send(port, "GET", "/api/streams/east/snapshot.jpg"), 3840, 2160);
    }

    private static void assertJpeg(Response r, int width, int height) throws Exception {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.header("content-type")).hasValue("image/jpeg");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertThat(image).as("a decodable JPEG").isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }
}
