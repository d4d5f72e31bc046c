package dev.logowatch.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.config.Secret;
import dev.logowatch.status.DeviceMeters.VerifierOutcome;
import dev.logowatch.track.Verification;
import dev.logowatch.verify.VerdictParser.Reading;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * One OpenAI-compatible {@code POST {base}/chat/completions} per candidate: the crop as a
 * base64 JPEG {@code image_url}, temperature 0, a few hundred tokens at most, and a
 * {@code response_format} JSON schema for servers that constrain output. A server that
 * answers 400 naming {@code response_format} is asked again without it, and never with it
 * again. Every call completes normally with a {@link Reply}, within the timeout (twice, when
 * that retry happens); failures are replies too.
 */
final class ChatClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChatClient.class.getName());
    static final int MAX_TOKENS = 200;
    /** Longer crops are scaled down: VLM servers resize anyway, and the device's uplink is shared. */
    static final int MAX_SIDE = 1024;
    private static final float JPEG_QUALITY = 0.9f;
    private static final int ERROR_BODY_LIMIT = 200;
    static final String SYSTEM_PROMPT = "You check logo detections from venue cameras. You are shown a crop of a "
            + "camera frame around a detected logo, with some of its surroundings, and the brand it was matched to. "
            + "Reply with a single JSON object and nothing else: {\"verdict\": \"yes\" or \"no\", "
            + "\"confidence\": a number from 0 to 1, \"visual_cues\": a short description of what you see}.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How a call ended.
     *
     * @param reading     the verdict (an {@code UNVERIFIED} one with the reason for failures)
     * @param outcome     for the meters
     * @param serverFault whether it counts against the server for the circuit breaker
     * @param responded   whether the server sent an HTTP response (its latency is meaningful)
     */
    record Reply(Reading reading, VerifierOutcome outcome, boolean serverFault, boolean responded) {
        static Reply failed(VerifierOutcome outcome, String detail, boolean serverFault, boolean responded) {
            return new Reply(new Reading(Verification.UNVERIFIED, 0, "", false, detail, Optional.empty()), outcome,
                    serverFault, responded);
        }

        static Reply answered(Reading reading) {
            VerifierOutcome outcome = switch (reading.verification()) {
                case CONFIRMED -> VerifierOutcome.YES;
                case REJECTED -> VerifierOutcome.NO;
                default -> VerifierOutcome.UNVERIFIED;
            };
            return new Reply(reading, outcome, !reading.readable(), true);
        }
    }

    private final URI endpoint;
    private final String where;
    private final String model;
    private final Optional<Secret> apiKey;
    private final Duration timeout;
    private final double minConfidence;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private volatile boolean structuredOutput = true;

    /**
     * @param base  API base such as {@code http://host:8000/v1}
     * @param timer runs the watchdog that ends requests whose body stalls after the headers
     */
    ChatClient(URI base, String model, Optional<Secret> apiKey, Duration timeout, double minConfidence,
               ScheduledExecutorService timer) {
        this.endpoint = endpoint(base);
        this.where = redact(endpoint);
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.minConfidence = minConfidence;
        this.timer = timer;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .build();
    }

    static URI endpoint(URI base) {
        String text = base.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text + "/chat/completions");
    }

    /** The URL without user info, for logs and messages. */
    static String redact(URI uri) {
        return uri.getRawUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
    }

    String where() {
        return where;
    }

    /** False once the server rejected {@code response_format}. */
    boolean structuredOutput() {
        return structuredOutput;
    }

    CompletableFuture<Reply> ask(Candidate candidate) {
        String image;
        try {
            image = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg(candidate.crop()));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.completedFuture(Reply.failed(VerifierOutcome.ERROR,
                    "cannot encode the crop as JPEG: " + e.getMessage(), false, false));
        }
        return attempt(candidate, image, structuredOutput);
    }

    private CompletableFuture<Reply> attempt(Candidate candidate, String image, boolean structured) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(candidate, image, structured)));
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key.value()));
        CompletableFuture<HttpResponse<String>> sent;
        try {
            sent = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Reply.failed(VerifierOutcome.ERROR,
                    "cannot send to " + where + ": " + e.getMessage(), true, false));
        }
        // The request timeout covers the wait for the headers; this also ends a body that stalls.
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> watchdog = timer.schedule(() -> {
            if (!sent.isDone()) {
                timedOut.set(true);
                sent.cancel(true);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return sent.handle((response, error) -> {
            watchdog.cancel(false);
            if (error != null) {
                return CompletableFuture.completedFuture(failure(error, timedOut.get()));
            }
            return replied(candidate, image, structured, response);
        }).thenCompose(Function.identity());
    }

    private CompletableFuture<Reply> replied(Candidate candidate, String image, boolean structured,
                                             HttpResponse<String> response) {
        int status = response.statusCode();
        String body = response.body() == null ? "" : response.body();
        if (status / 100 == 2) {
            return CompletableFuture.completedFuture(Reply.answered(VerdictParser.fromResponse(body, minConfidence)));
        }
        if (structured && (status == 400 || status == 422)
                && body.toLowerCase(Locale.ROOT).contains("response_format")) {
            if (structuredOutput) {
                structuredOutput = false;
                LOG.log(System.Logger.Level.INFO, "Verifier at {0} does not accept response_format (HTTP {1}); "
                        + "asking without it from now on", where, status);
            }
            return attempt(candidate, image, false);
        }
        return CompletableFuture.completedFuture(Reply.failed(VerifierOutcome.ERROR,
                "HTTP " + status + " from " + where + ": " + VerdictParser.truncate(body.strip(), ERROR_BODY_LIMIT),
                true, true));
    }

    private Reply failure(Throwable error, boolean timedOut) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (timedOut || cause instanceof HttpTimeoutException) {
            return Reply.failed(VerifierOutcome.TIMEOUT,
                    "no reply from " + where + " within " + timeout.toMillis() + " ms", true, false);
        }
        if (cause instanceof CancellationException) {
            return Reply.failed(VerifierOutcome.ERROR, "request to " + where + " cancelled", false, false);
        }
        if (cause instanceof ConnectException) {
            return Reply.failed(VerifierOutcome.ERROR, "cannot connect to " + where + ": "
                    + (cause.getMessage() == null ? "connection refused" : cause.getMessage()), true, false);
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return Reply.failed(VerifierOutcome.ERROR, "request to " + where + " failed: " + message, true, false);
    }

    byte[] body(Candidate candidate, String image, boolean structured) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        root.put("temperature", 0);
        root.put("max_tokens", MAX_TOKENS);
        root.put("stream", false);
        ArrayNode messages = root.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM_PROMPT);
        ObjectNode user = messages.addObject().put("role", "user");
        ArrayNode content = user.putArray("content");
        content.addObject().put("type", "text").put("text", question(candidate.brandDisplayName()));
        content.addObject().put("type", "image_url").putObject("image_url").put("url", image);
        if (structured) {
            ObjectNode format = root.putObject("response_format").put("type", "json_schema");
            ObjectNode schema = format.putObject("json_schema").put("name", "logo_verdict").put("strict", true)
                    .putObject("schema").put("type", "object");
            ObjectNode properties = schema.putObject("properties");
            properties.putObject("verdict").put("type", "string").putArray("enum").add("yes").add("no");
            properties.putObject("confidence").put("type", "number").put("minimum", 0).put("maximum", 1);
            properties.putObject("visual_cues").put("type", "string");
            schema.putArray("required").add("verdict").add("confidence").add("visual_cues");
            schema.put("additionalProperties", false);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the verifier request", e);
        }
    }

    static String question(String brand) {
        return "Is this the " + brand + " logo? Answer \"yes\" only if the " + brand + " logo itself is visible in "
                + "the image, and \"no\" for a different logo, a lookalike or no logo. Answer only JSON: "
                + "{\"verdict\": \"yes\" | \"no\", \"confidence\": 0..1, \"visual_cues\": \"what you see\"}";
    }

    /** The crop as a JPEG: three-channel (JPEG has no alpha), no longer than {@link #MAX_SIDE}. */
    static byte[] jpeg(BufferedImage crop) throws IOException {
        BufferedImage image = crop;
        int longest = Math.max(crop.getWidth(), crop.getHeight());
        double scale = longest > MAX_SIDE ? MAX_SIDE / (double) longest : 1;
        boolean jpegReady = crop.getType() == BufferedImage.TYPE_3BYTE_BGR || crop.getType() == BufferedImage.TYPE_INT_RGB
                || crop.getType() == BufferedImage.TYPE_BYTE_GRAY;
        if (scale < 1 || !jpegReady) {
            int w = Math.max(1, (int) Math.round(crop.getWidth() * scale));
            int h = Math.max(1, (int) Math.round(crop.getHeight() * scale));
            image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = image.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(crop, 0, 0, w, h, null);
            } finally {
                g.dispose();
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
