package dev.logowatch.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logowatch.config.Secret;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.DeviceMeters.VerifierOutcome;
import dev.logowatch.status.VerifierStatus;
import dev.logowatch.track.Verification;
import dev.logowatch.verify.ChatServer.Request;
import dev.logowatch.verify.Verifier.SkipReason;
import dev.logowatch.verify.Verifier.Tuning;
import dev.logowatch.web.StatusBoard;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Tag;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

class VerifierTest {
    private static final String KEY = "sk-test-7f3a9c";
    private static final String MODEL = "qwen2.5-vl-7b-instruct";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String YES = "{\"verdict\": \"yes\", \"confidence\": 0.91, \"visual_cues\": \"red tick\"}";

    private final BlockingQueue<Verdict> verdicts = new LinkedBlockingQueue<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Logger log = Logger.getLogger("dev.logowatch.verify");
    private final Handler capture = new Handler() {
        private final SimpleFormatter format = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            logged.add(record.getLevel() + " " + format.formatMessage(record)
                    + (record.getThrown() == null ? "" : " " + record.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level savedLevel;
    private ChatServer server;
    private Verifier verifier;

    @BeforeEach
    void captureLog() {
        savedLevel = log.getLevel();
        log.setLevel(Level.ALL);
        log.addHandler(capture);
    }

    @AfterEach
    void stop() {
        if (verifier != null) {
            verifier.close();
        }
        if (server != null) {
            server.close();
        }
        log.removeHandler(capture);
        log.setLevel(savedLevel);
        assertThat(logged).as("the API key never reaches the log").noneMatch(line -> line.contains(KEY));
    }

    @Test
    void aConfidentYesConfirmsAndTheRequestHasTheDocumentedShape() throws Exception {
        server = ChatServer.start(ChatServer.replying(YES));
        DeviceMeters meters = StatusBoard.create("dev", "test").meters();
        double yesBefore = count(meters, "yes");
        verifier = new Verifier(config(server.base(), Duration.ofSeconds(5), 2, 30), meters, Tuning.DEFAULT,
                System::nanoTime);

        verifier.submit(candidate(7, "Acme \"Sport\"", 0.7, 64, 48), verdicts::add);

        Verdict v = next();
        assertThat(v.verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.YES);
        assertThat(v.trackId()).isEqualTo(7);
        assertThat(v.stream()).isEqualTo("east");
        assertThat(v.brand()).isEqualTo("acme");
        assertThat(v.confidence()).isEqualTo(0.91);
        assertThat(v.cues()).isEqualTo("red tick");
        assertThat(v.model()).isEqualTo(MODEL);
        assertThat(v.rawReply()).contains(YES);
        assertThat(v.detail()).isEmpty();

        List<Request> requests = server.requests();
        assertThat(requests).hasSize(1);
        Request r = requests.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.authorization()).isEqualTo("Bearer " + KEY);
        JsonNode body = r.body();
        assertThat(body.path("model").asText()).isEqualTo(MODEL);
        assertThat(body.path("temperature").asDouble(-1)).isZero();
        assertThat(body.path("max_tokens").asInt()).isBetween(50, 500);
        assertThat(body.path("messages")).hasSize(2);
        assertThat(body.path("messages").path(0).path("role").asText()).isEqualTo("system");
        assertThat(body.path("messages").path(0).path("content").asText()).contains("JSON");
        JsonNode user = body.path("messages").path(1);
        assertThat(user.path("role").asText()).isEqualTo("user");
        assertThat(user.path("content").path(0).path("type").asText()).isEqualTo("text");
        assertThat(r.question()).contains("Is this the Acme \"Sport\" logo?").contains("JSON");
        JsonNode image = user.path("content").path(1);
        assertThat(image.path("type").asText()).isEqualTo("image_url");
        String url = image.path("image_url").path("url").asText();
        assertThat(url).startsWith("data:image/jpeg;base64,");
        byte[] jpeg = Base64.getDecoder().decode(url.substring("data:image/jpeg;base64,".length()));
        assertThat(jpeg).startsWith((byte) 0xFF, (byte) 0xD8);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertThat(decoded.getWidth()).isEqualTo(64);
        assertThat(decoded.getHeight()).isEqualTo(48);
        assertThat(new Color(decoded.getRGB(8, 24)).getRed()).as("the crop's left half is red").isGreaterThan(200);
        JsonNode format = body.path("response_format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        JsonNode schema = format.path("json_schema").path("schema");
        assertThat(schema.path("properties").path("verdict").path("enum").toString()).isEqualTo("[\"yes\",\"no\"]");
        assertThat(schema.path("required").toString()).contains("verdict", "confidence", "visual_cues");

        VerifierStatus status = verifier.status();
        assertThat(status.state()).isEqualTo("ready");
        assertThat(status.outcomes()).containsEntry("yes", 1L).containsEntry("skipped", 0L);
        assertThat(status.latencyMs()).isGreaterThanOrEqualTo(0);
        assertThat(count(meters, "yes") - yesBefore).isEqualTo(1);
    }

    @Test
    void aNoRejects() throws Exception {
        start(ChatServer.replying("{\"verdict\": \"no\", \"confidence\": 0.88, \"visual_cues\": \"a blue bird\"}"));
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        assertThat(v.verification()).isEqualTo(Verification.REJECTED);
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.NO);
        assertThat(v.cues()).isEqualTo("a blue bird");
    }

    @Test
    void aLowConfidenceYesIsUnverifiedWithoutCountingAgainstTheServer() throws Exception {
        start(ChatServer.replying("{\"verdict\": \"yes\", \"confidence\": 0.4, \"visual_cues\": \"partly hidden\"}"),
                new Tuning(16, 2, new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), 0)));
        for (int i = 0; i < 3; i++) {
            verifier.submit(candidate(i, "Acme", 0.7), verdicts::add);
            Verdict v = next();
            assertThat(v.verification()).isEqualTo(Verification.UNVERIFIED);
            assertThat(v.outcome()).isEqualTo(VerifierOutcome.UNVERIFIED);
            assertThat(v.confidence()).isEqualTo(0.4);
            assertThat(v.detail()).contains("below min-confidence");
        }
        assertThat(verifier.status().state()).isEqualTo("ready");
        assertThat(server.requests()).hasSize(3);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Sure! Here is my answer: {\"verdict\": \"yes\", \"confidence\": 0.8} Hope that helps.|CONFIRMED",
            "```json\\n{\"verdict\": \"no\", \"confidence\": 0.9, \"visual_cues\": \"other logo\"}\\n```|REJECTED",
            "{\u201Cverdict\u201D: \u201Cyes\u201D, \u201Cconfidence\u201D: 0.75}|CONFIRMED",
    })
    void readsVerdictsWrappedTheWayModelsWrapThem(String reply, Verification expected) throws Exception {
        start(ChatServer.replying(reply.replace("\\n", "\n")));
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        assertThat(next().verification()).isEqualTo(expected);
    }

    @Test
    void emptyAndInvalidRepliesAreUnverifiedAndKeepTheRawReply() throws Exception {
        start(ChatServer.replying(""));
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict empty = next();
        assertThat(empty.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(empty.outcome()).isEqualTo(VerifierOutcome.UNVERIFIED);
        assertThat(empty.detail()).isEqualTo("empty reply");

        server.behave(ChatServer.replying("I think it is probably the Acme logo, yes."));
        verifier.submit(candidate(2, "Acme", 0.7), verdicts::add);
        Verdict prose = next();
        assertThat(prose.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(prose.rawReply()).contains("I think it is probably the Acme logo, yes.");

        server.behave(ChatServer.status(200, "<html>not an API</html>"));
        verifier.submit(candidate(3, "Acme", 0.7), verdicts::add);
        Verdict html = next();
        assertThat(html.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(html.detail()).contains("not JSON");
        assertThat(html.rawReply()).contains("<html>not an API</html>");
    }

    @Test
    void serverErrorsAreUnverifiedErrors() throws Exception {
        start(ChatServer.status(500, "{\"error\": {\"message\": \"CUDA out of memory\"}}"));
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        assertThat(v.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.ERROR);
        assertThat(v.detail()).contains("HTTP 500").contains("CUDA out of memory").contains(server.base().toString());
        assertThat(v.rawReply()).isEmpty();
    }

    @Test
    void aServerThatHangsTimesOut() throws Exception {
        server = ChatServer.start(null);
        server.behave(server.hanging());
        verifier = new Verifier(config(server.base(), Duration.ofMillis(300), 2, 30), null, Tuning.DEFAULT,
                System::nanoTime);
        long start = System.nanoTime();
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(v.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.TIMEOUT);
        assertThat(v.detail()).contains("within 300 ms");
        assertThat(tookMs).isBetween(250L, 3000L);
        assertThat(verifier.status().inFlight()).isZero();
    }

    @Test
    void aStalledBodyAlsoTimesOut() throws Exception {
        server = ChatServer.start(null);
        CountDownLatch never = new CountDownLatch(1);
        server.behave((exchange, request) -> {
            exchange.sendResponseHeaders(200, 1000);
            exchange.getResponseBody().write("{\"choices\": [".getBytes());
            exchange.getResponseBody().flush();
            never.await(10, TimeUnit.SECONDS);
        });
        verifier = new Verifier(config(server.base(), Duration.ofMillis(300), 2, 30), null, Tuning.DEFAULT,
                System::nanoTime);
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.TIMEOUT);
        never.countDown();
    }

    @Test
    void aDroppedConnectionIsAnError() throws Exception {
        start(ChatServer.closingTheConnection());
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        assertThat(v.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.ERROR);
        assertThat(v.detail()).contains(server.base().toString());
    }

    @Test
    void aRefusedConnectionIsAnError() throws Exception {
        URI nobody;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1");
        }
        verifier = new Verifier(config(nobody, Duration.ofSeconds(2), 2, 30), null, Tuning.DEFAULT, System::nanoTime);
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.ERROR);
        assertThat(v.detail()).startsWith("cannot connect to " + nobody);
    }

    @Test
    void theBreakerOpensAfterRepeatedFailuresAndClosesWhenTheServerIsFixed() throws Exception {
        start(ChatServer.status(503, "{\"error\": \"model loading\"}"),
                new Tuning(16, 3, new Backoff(Duration.ofMillis(300), Duration.ofSeconds(2), 0)));
        for (int i = 0; i < 3; i++) {
            verifier.submit(candidate(i, "Acme", 0.7), verdicts::add);
            assertThat(next().outcome()).isEqualTo(VerifierOutcome.ERROR);
        }
        assertThat(verifier.status().state()).isEqualTo("open");
        assertThat(logged).anyMatch(line -> line.startsWith("WARNING") && line.contains(server.base().toString())
                && line.contains("HTTP 503"));

        verifier.submit(candidate(3, "Acme", 0.7), verdicts::add);
        Verdict skipped = next();
        assertThat(skipped.outcome()).isEqualTo(VerifierOutcome.SKIPPED);
        assertThat(skipped.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(skipped.detail()).isEqualTo("circuit open");
        assertThat(server.requests()).as("not asked while open").hasSize(3);

        // Still broken at the first probe: open again, for longer.
        awaitTrue(Duration.ofSeconds(3), "open period over", () -> submitAndWait(4).outcome() != VerifierOutcome.SKIPPED);
        assertThat(server.requests()).hasSize(4);
        assertThat(verifier.status().state()).isEqualTo("open");

        server.behave(ChatServer.replying(YES));
        List<Verdict> seen = new ArrayList<>();
        awaitTrue(Duration.ofSeconds(5), "a confirmed verdict after the fix", () -> {
            Verdict v = submitAndWait(5);
            seen.add(v);
            return v.verification() == Verification.CONFIRMED;
        });
        assertThat(seen).allMatch(v -> v.outcome() == VerifierOutcome.SKIPPED || v.outcome() == VerifierOutcome.YES);
        assertThat(verifier.status().state()).isEqualTo("ready");
        assertThat(logged).anyMatch(line -> line.startsWith("INFO") && line.contains("answering again"));
        assertThat(verifier.skips().get(SkipReason.CIRCUIT_OPEN)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void queuedCandidatesAreAnsweredAtOnceWhenTheBreakerOpens() throws Exception {
        server = ChatServer.start(null);
        CountDownLatch gate = new CountDownLatch(1);
        server.behave(server.gated(gate, ChatServer.status(500, "")));
        verifier = new Verifier(config(server.base(), Duration.ofSeconds(5), 1, 100), null,
                new Tuning(16, 1, new Backoff(Duration.ofSeconds(30), Duration.ofSeconds(30), 0)), System::nanoTime);
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        awaitTrue(WAIT, "first request in flight", () -> server.requests().size() == 1);
        for (int i = 2; i <= 4; i++) {
            verifier.submit(candidate(i, "Acme", 0.7), verdicts::add);
        }
        assertThat(verifier.status().queued()).isEqualTo(3);
        gate.countDown();
        List<Verdict> all = List.of(next(), next(), next(), next());
        assertThat(all).filteredOn(v -> v.outcome() == VerifierOutcome.SKIPPED).hasSize(3)
                .allMatch(v -> v.detail().equals("circuit open"));
        assertThat(server.requests()).hasSize(1);
        assertThat(verifier.status().queued()).isZero();
    }

    @Test
    void aFullQueueDropsTheLowestSimilarities() throws Exception {
        server = ChatServer.start(null);
        CountDownLatch gate = new CountDownLatch(1);
        server.behave(server.gated(gate, ChatServer.replying(YES)));
        verifier = new Verifier(config(server.base(), Duration.ofSeconds(5), 1, 100), null,
                new Tuning(3, 5, Tuning.DEFAULT.openBackoff()), System::nanoTime);
        verifier.submit(candidate(50, "Brand 50", 0.50), verdicts::add);
        awaitTrue(WAIT, "first request in flight", () -> server.requests().size() == 1);

        for (int similarity : new int[] {61, 75, 62, 70, 65, 60}) {
            verifier.submit(candidate(similarity, "Brand " + similarity, similarity / 100.0), verdicts::add);
        }
        List<Verdict> dropped = List.of(next(), next(), next());
        assertThat(dropped).allMatch(v -> v.outcome() == VerifierOutcome.SKIPPED && v.detail().equals("queue full"));
        assertThat(dropped).extracting(Verdict::trackId).containsExactlyInAnyOrder(61L, 62L, 60L);
        assertThat(verifier.skips().get(SkipReason.QUEUE_FULL)).isEqualTo(3);
        assertThat(verifier.status().queued()).isEqualTo(3);

        gate.countDown();
        List<Verdict> answered = List.of(next(), next(), next(), next());
        assertThat(answered).allMatch(v -> v.verification() == Verification.CONFIRMED);
        assertThat(server.requests()).extracting(Request::question)
                .extracting(q -> q.substring(0, q.indexOf(" logo?")))
                .as("sent highest similarity first")
                .containsExactly("Is this the Brand 50", "Is this the Brand 75", "Is this the Brand 70",
                        "Is this the Brand 65");
    }

    @Test
    void theBudgetCapsRequestsPerMinute() throws Exception {
        start(ChatServer.replying(YES), config -> new VerifyConfig(true, config.url(), MODEL, config.apiKey(), 0.6,
                0.8, 0.7, Duration.ofSeconds(5), 4, 3));
        for (int i = 0; i < 5; i++) {
            verifier.submit(candidate(i, "Acme", 0.7), verdicts::add);
        }
        List<Verdict> all = List.of(next(), next(), next(), next(), next());
        assertThat(all).filteredOn(v -> v.verification() == Verification.CONFIRMED).hasSize(3);
        assertThat(all).filteredOn(v -> v.outcome() == VerifierOutcome.SKIPPED)
                .hasSize(2).allMatch(v -> v.detail().equals("over budget"));
        assertThat(server.requests()).hasSize(3);
        assertThat(verifier.skips().get(SkipReason.OVER_BUDGET)).isEqualTo(2);
        assertThat(verifier.status().outcomes()).containsEntry("skipped", 2L).containsEntry("yes", 3L);
    }

    @Test
    void retriesWithoutResponseFormatWhenTheServerRejectsItAndRemembers() throws Exception {
        server = ChatServer.start((exchange, request) -> {
            if (request.body().has("response_format")) {
                ChatServer.send(exchange, 400, "{\"error\": {\"message\": \"Unsupported parameter: response_format\"}}");
            } else {
                ChatServer.send(exchange, 200, ChatServer.completion(request, YES));
            }
        });
        verifier = new Verifier(config(server.base(), Duration.ofSeconds(5), 2, 30), null, Tuning.DEFAULT,
                System::nanoTime);
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        assertThat(next().verification()).isEqualTo(Verification.CONFIRMED);
        verifier.submit(candidate(2, "Acme", 0.7), verdicts::add);
        assertThat(next().verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(server.requests()).extracting(r -> r.body().has("response_format"))
                .containsExactly(true, false, false);
        assertThat(verifier.status().outcomes()).containsEntry("error", 0L);
    }

    @Test
    void submitNeverBlocksWhileTheServerHangs() throws Exception {
        server = ChatServer.start(null);
        server.behave(server.hanging());
        verifier = new Verifier(config(server.base(), Duration.ofSeconds(4), 2, 1000), null, Tuning.DEFAULT,
                System::nanoTime);
        BufferedImage crop = crop(96, 64);
        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            verifier.submit(new Candidate("east", i, "acme", "Acme", 0.6 + (i % 97) / 500.0, crop), verdicts::add);
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMs).as("1000 submits while the server hangs, ms").isLessThan(1000);

        // Whether the first requests left the queue before it filled depends on thread timing:
        // 16 or 18 candidates are kept, every other one is answered at once.
        awaitTrue(WAIT, "two requests hanging", () -> verifier.status().inFlight() == 2);
        int kept = verifier.status().queued() + 2;
        assertThat(kept).isBetween(Tuning.DEFAULT.queueCapacity(), Tuning.DEFAULT.queueCapacity() + 2);
        awaitTrue(WAIT, "every dropped candidate answered", () -> verdicts.size() == 1000 - kept);
        assertThat(verdicts).allMatch(v -> v.outcome() == VerifierOutcome.SKIPPED && v.detail().equals("queue full"));
        assertThat(server.requests()).hasSizeLessThanOrEqualTo(2);

        verifier.close();
        awaitTrue(WAIT, "every candidate answered after close", () -> verdicts.size() == 1000);
        assertThat(verdicts).filteredOn(v -> v.detail().equals("stopped")).hasSize(kept);
        assertThat(verdicts).extracting(Verdict::trackId).doesNotHaveDuplicates();
    }

    @Test
    void aDisabledVerifierAnswersAtOnce() throws Exception {
        verifier = Verifier.create(new VerifyConfig(false, Optional.empty(), "", Optional.empty(), 0.6, 0.8, 0.7,
                Duration.ofSeconds(20), 2, 30), null);
        verifier.submit(candidate(1, "Acme", 0.7), verdicts::add);
        Verdict v = next();
        assertThat(v.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(v.outcome()).isEqualTo(VerifierOutcome.SKIPPED);
        assertThat(verifier.status().state()).isEqualTo("disabled");
    }

    @Test
    void scalesDownLargeCropsAndDropsAlpha() throws Exception {
        BufferedImage big = new BufferedImage(2048, 1024, BufferedImage.TYPE_INT_ARGB);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(ChatClient.jpeg(big)));
        assertThat(decoded.getWidth()).isEqualTo(ChatClient.MAX_SIDE);
        assertThat(decoded.getHeight()).isEqualTo(ChatClient.MAX_SIDE / 2);

        BufferedImage region = crop(200, 100).getSubimage(60, 20, 80, 60);
        BufferedImage part = ImageIO.read(new ByteArrayInputStream(ChatClient.jpeg(region)));
        assertThat(part.getWidth()).isEqualTo(80);
        assertThat(part.getHeight()).isEqualTo(60);
        assertThat(new Color(part.getRGB(10, 30)).getRed()).as("red left of x=100").isGreaterThan(200);
        assertThat(new Color(part.getRGB(70, 30)).getBlue()).as("white right of x=100").isGreaterThan(200);
    }

    private Verdict submitAndWait(long track) {
        verifier.submit(candidate(track, "Acme", 0.7), verdicts::add);
        return next();
    }

    private void start(ChatServer.Behaviour behaviour) throws IOException {
        start(behaviour, Tuning.DEFAULT);
    }

    private void start(ChatServer.Behaviour behaviour, Tuning tuning) throws IOException {
        server = ChatServer.start(behaviour);
        verifier = new Verifier(config(server.base(), Duration.ofSeconds(5), 2, 30), null, tuning, System::nanoTime);
    }

    private void start(ChatServer.Behaviour behaviour, java.util.function.UnaryOperator<VerifyConfig> adjust)
            throws IOException {
        server = ChatServer.start(behaviour);
        verifier = new Verifier(adjust.apply(config(server.base(), Duration.ofSeconds(5), 2, 30)), null,
                Tuning.DEFAULT, System::nanoTime);
    }

    private static VerifyConfig config(URI base, Duration timeout, int inFlight, int budget) {
        Secret key = new Secret("verify.api-key-file", Path.of("/etc/logowatch/vlm-key"), KEY);
        return new VerifyConfig(true, Optional.of(base), MODEL, Optional.of(key), 0.6, 0.8, 0.7, timeout, inFlight,
                budget);
    }

    private static Candidate candidate(long track, String display, double similarity) {
        return candidate(track, display, similarity, 48, 32);
    }

    private static Candidate candidate(long track, String display, double similarity, int w, int h) {
        return new Candidate("east", track, display.toLowerCase(Locale.ROOT).split(" ")[0], display, similarity,
                crop(w, h));
    }

    /** Left half red, right half white. */
    private static BufferedImage crop(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.RED);
        g.fillRect(0, 0, w / 2, h);
        g.dispose();
        return image;
    }

    private Verdict next() {
        try {
            Verdict v = verdicts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (v == null) {
                fail("no verdict within " + WAIT.toMillis() + " ms");
            }
            return v;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for a verdict", e);
        }
    }

    private void awaitTrue(Duration max, String what, Callable<Boolean> condition) {
        try {
            await(what).atMost(max).pollInterval(Duration.ofMillis(20)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; verifier " + verifier.status()
                    + ", verdicts " + verdicts.stream().map(v -> v.outcome() + " " + v.detail()).distinct().toList()
                    + ", log " + logged, e);
        }
    }

    private static double count(DeviceMeters meters, String outcome) {
        return meters.registry().counter("logowatch.verifier.calls", List.of(Tag.create("outcome", outcome)))
                .map(Counter::count).orElse(0L);
    }
}
