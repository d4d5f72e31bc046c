package dev.logowatch.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 over a plain socket to 127.0.0.1, so a test can send what no well-behaved client
 * would: any method, raw {@code ..} segments, broken percent-encoding, huge headers and bodies.
 * One request per connection; the response is read by its framing (Content-Length or
 * chunked), so a server that keeps the connection open does not stall the test.
 */
final class RawHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 4 << 20;

    private RawHttp() {
    }

    /**
     * @param status  0 when the server closed the connection without answering
     * @param headers lower-case names
     */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + headers + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    /** A request with the usual framing: {@code Host}, and {@code Content-Length} when there is a body. */
    static byte[] request(String method, String target, List<String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        if (body.length > 0) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[start.length + body.length];
        System.arraycopy(start, 0, all, 0, start.length);
        System.arraycopy(body, 0, all, start.length, body.length);
        return all;
    }

    static Response send(int port, String method, String target, String... headers) throws IOException {
        return exchange(port, request(method, target, List.of(headers), new byte[0]), 10_000);
    }

    /**
     * Writes {@code request} and reads one response. A server may answer and close before it
     * has read a large body, so a failed write is not an error: what it answered is still read.
     *
     * @throws SocketTimeoutException when no complete answer arrives within {@code timeoutMillis}
     */
    static Response exchange(int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException refused) {
                // The server stopped reading (e.g. a body over its limit); read its answer below.
            }
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String statusLine;
            try {
                statusLine = line(in);
            } catch (IOException reset) {
                return new Response(0, Map.of(), new byte[0]);
            }
            if (statusLine == null) {
                return new Response(0, Map.of(), new byte[0]);
            }
            String[] parts = statusLine.split(" ", 3);
            assertThat(parts.length).as("status line '%s'", statusLine).isGreaterThanOrEqualTo(2);
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(h.substring(colon + 1).trim());
            }
            boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1).equals("HEAD ");
            boolean feed = headers.getOrDefault("content-type", List.of("")).getFirst().startsWith("text/event-stream");
            // A live feed never ends: its headers are the answer, and the client hangs up.
            return new Response(status, headers, head || feed ? new byte[0] : body(in, headers));
        }
    }

    /** The body that follows {@code headers}, framed by Content-Length or chunked; empty without either. */
    static byte[] body(InputStream in, Map<String, List<String>> headers) throws IOException {
        List<String> length = headers.get("content-length");
        if (length != null) {
            int n = Integer.parseInt(length.getFirst());
            assertThat(n).as("content-length").isBetween(0, MAX_BODY);
            return in.readNBytes(n);
        }
        List<String> encoding = headers.get("transfer-encoding");
        if (encoding != null && encoding.getFirst().equalsIgnoreCase("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int chunks = 0; chunks < 10_000; chunks++) {
                String size = line(in);
                if (size == null) {
                    break;
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    line(in);
                    break;
                }
                body.writeBytes(in.readNBytes(n));
                line(in);
                assertThat(body.size()).as("chunked body").isLessThan(MAX_BODY);
            }
            return body.toByteArray();
        }
        return new byte[0];
    }

    /** One line without its CR LF, or {@code null} at the end of the stream. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
            if (line.size() > 65_536) {
                throw new IOException("header line over 64 KB");
            }
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Nothing a client sees may show the service's insides. */
    static void assertNoInternals(Response response) {
        assertThat(response.text()).as("body of %s", response)
                .doesNotContain("Exception")
                .doesNotContain("at dev.")
                .doesNotContain("at io.helidon")
                .doesNotContain("\tat ")
                .doesNotContain("root:x:0:0");
    }

    /** A client error answered the way the API promises: JSON {@code {"status": code, "error": "..."}}. */
    static JsonNode assertJsonError(Response response, int... allowed) throws IOException {
        assertThat(response.status).as("status of %s", response).isBetween(400, 499);
        if (allowed.length > 0) {
            assertThat(response.status).as("status of %s", response).isIn(box(allowed));
        }
        assertThat(response.header("content-type")).as("content type of %s", response).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.isObject()).as("JSON object: %s", response).isTrue();
        assertThat(body.get("status").asInt()).as("status field of %s", response).isEqualTo(response.status);
        assertThat(body.get("error").isTextual()).as("error field of %s", response).isTrue();
        assertThat(body.get("error").asText()).isNotBlank();
        assertThat(body.size()).as("only status and error in %s", response).isEqualTo(2);
        assertNoInternals(response);
        return body;
    }

    private static Integer[] box(int[] values) {
        Integer[] boxed = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }
}
