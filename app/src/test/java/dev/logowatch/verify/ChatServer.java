package dev.logowatch.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A chat-completions server on 127.0.0.1 that answers as its {@link Behaviour} says and
 * records every request, to test the verifier against the protocol as the OpenAI API
 * documents it: {@code POST /v1/chat/completions}, a JSON body, a {@code chat.completion}
 * object back with the assistant's message in {@code choices[0].message.content}.
 */
final class ChatServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hanging handlers give up after this, so a failed test cannot leave threads behind for long. */
    private static final long HANG_LIMIT_SECONDS = 10;

    /** One request as received. */
    record Request(String method, String path, String authorization, JsonNode body) {
        /** The text of the user message, which names the brand asked about. */
        String question() {
            return body.path("messages").path(1).path("content").path(0).path("text").asText();
        }
    }

    @FunctionalInterface
    interface Behaviour {
        void answer(HttpExchange exchange, Request request) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Behaviour behaviour;

    private ChatServer(Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    static ChatServer start(Behaviour behaviour) throws IOException {
        return new ChatServer(behaviour);
    }

    /** The API base the verifier is configured with. */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    void behave(Behaviour next) {
        this.behaviour = next;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] bytes;
            try (InputStream in = exchange.getRequestBody()) {
                bytes = in.readAllBytes();
            }
            JsonNode body = bytes.length == 0 ? JSON.nullNode() : JSON.readTree(bytes);
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"), body);
            requests.add(request);
            behaviour.answer(exchange, request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Answers with the assistant message {@code content}, as a chat.completion object. */
    static Behaviour replying(String content) {
        return (exchange, request) -> send(exchange, 200, completion(request, content));
    }

    static Behaviour status(int code, String body) {
        return (exchange, request) -> send(exchange, code, body);
    }

    /** Never answers (until the server closes or the hang limit passes). */
    Behaviour hanging() {
        return (exchange, request) -> closing.await(HANG_LIMIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits for the gate, then behaves as {@code then}. */
    Behaviour gated(CountDownLatch gate, Behaviour then) {
        return (exchange, request) -> {
            if (gate.await(HANG_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                then.answer(exchange, request);
            }
        };
    }

    /** Drops the connection without a response. */
    static Behaviour closingTheConnection() {
        return (exchange, request) -> exchange.close();
    }

    static String completion(Request request, String content) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-test").put("object", "chat.completion").put("created", 1_700_000_000L)
                .put("model", request.body().path("model").asText());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (content == null) {
            message.putNull("content");
        } else {
            message.put("content", content);
        }
        root.putObject("usage").put("prompt_tokens", 100).put("completion_tokens", 20).put("total_tokens", 120);
        return root.toString();
    }

    static void send(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
