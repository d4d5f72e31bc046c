package dev.logowatch.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logowatch.config.MqttConfig;
import dev.logowatch.status.MqttStatus;
import dev.logowatch.track.Appearance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** TLS with a CA, server and client certificates made by openssl, and password checks, against mosquitto. */
@Tag("integration")
class TlsAndAuthIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(20);

    @TempDir
    Path dir;

    final List<MqttStatus> statuses = new CopyOnWriteArrayList<>();

    @Test
    void publishesOverTlsWithAClientCertificate() throws Exception {
        Path pki = makePki(dir.resolve("pki"));
        String tls = String.join("\n",
                "cafile " + pki.resolve("ca.pem"),
                "certfile " + pki.resolve("server.pem"),
                "keyfile " + pki.resolve("server.key"),
                "require_certificate true");
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), tls);
             Subscriber sub = Subscriber.start(broker.port(), "tls1/#", "--cafile", pki.resolve("ca.pem").toString(),
                     "--cert", pki.resolve("client.pem").toString(), "--key", pki.resolve("client.key").toString())) {
            MqttConfig config = Fixtures.withTls(
                    Fixtures.config(URI.create("ssl://127.0.0.1:" + broker.port()), dir.resolve("buf"), "tls1"),
                    new MqttConfig.Tls(Optional.of(pki.resolve("ca.pem")), Optional.of(pki.resolve("client.pem")),
                            Optional.of(pki.resolve("client.key"))));
            MqttPublisher publisher = MqttPublisher.start(config, "tls1", statuses::add,
                    Fixtures.FAST);
            try {
                publisher.event(Fixtures.event(1, Appearance.EventType.NEW));
                assertThat(sub.await(Duration.ofSeconds(15), m -> m.stream().anyMatch(x -> x.topic().equals("tls1/events"))))
                        .as("received %s; statuses %s; broker log %s", sub.messages(), statuses, broker.log()).isTrue();
                JsonNode event = Payloads.JSON.readTree(sub.on("tls1/events").get(0).payload());
                assertThat(event.get("id").asText()).isEqualTo("app-1");
                assertThat(statuses).anyMatch(s -> s.state().equals("connected")
                        && s.broker().equals("ssl://127.0.0.1:" + broker.port()));
            } finally {
                publisher.close();
            }
        }
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsRefusedWithAClearError() throws Exception {
        Path pki = makePki(dir.resolve("pki"));
        Path other = makePki(dir.resolve("other"));
        String tls = "cafile " + pki.resolve("ca.pem") + "\ncertfile " + pki.resolve("server.pem")
                + "\nkeyfile " + pki.resolve("server.key");
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), tls)) {
            MqttConfig config = Fixtures.withTls(
                    Fixtures.config(URI.create("ssl://127.0.0.1:" + broker.port()), dir.resolve("buf"), "tls2"),
                    new MqttConfig.Tls(Optional.of(other.resolve("ca.pem")), Optional.empty(), Optional.empty()));
            MqttPublisher publisher = MqttPublisher.start(config, "tls2", statuses::add,
                    Fixtures.FAST);
            try {
                await("the connection fails and is retried").atMost(WAIT).pollInterval(POLL)
                        .until(() -> publisher.counters().connectFailures() >= 2);
                assertThat(statuses).anyMatch(s -> s.error().orElse("").equals("cannot reach broker ssl://127.0.0.1:"
                        + broker.port() + ": TLS failed: the broker's certificate is not signed by a trusted CA"
                        + " (check mqtt.tls.ca-file)"));
            } finally {
                publisher.close();
            }
        }
    }

    @Test
    void aWrongPasswordIsReportedAndRetriedWithoutCrashing() throws Exception {
        Path passwords = dir.resolve("passwd");
        run("mosquitto_passwd", "-c", "-b", passwords.toString(), "device7", "right-secret");
        String auth = "password_file " + passwords + "\nallow_anonymous false";
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), auth)) {
            URI uri = URI.create("tcp://127.0.0.1:" + broker.port());
            MqttConfig wrong = Fixtures.withAuth(Fixtures.config(uri, dir.resolve("buf"), "auth1"), "device7", "wrong");
            MqttPublisher publisher = MqttPublisher.start(wrong, "auth1", statuses::add,
                    Fixtures.FAST);
            try {
                for (int i = 0; i < 5; i++) {
                    publisher.event(Fixtures.event(i, Appearance.EventType.UPDATE));
                }
                await("keeps retrying").atMost(WAIT).pollInterval(POLL)
                        .until(publisher::counters, counters -> counters.connectFailures() >= 3);
                MqttStatus last = statuses.get(statuses.size() - 1);
                assertThat(last.error()).hasValue("broker " + uri + " refused the connection: not authorized"
                        + " (check mqtt.username and mqtt.password-file)");
                assertThat(statuses).extracting(MqttStatus::state).contains("connecting", "disconnected")
                        .doesNotContain("connected");
                assertThat(last.queued()).as("events wait on disk").isEqualTo(5);
            } finally {
                publisher.close();
            }

            // The right password delivers what the wrong one had to keep.
            try (Subscriber sub = Subscriber.start(broker.port(), "auth1/events", "-u", "device7", "-P", "right-secret")) {
                MqttConfig right = Fixtures.withAuth(Fixtures.config(uri, dir.resolve("buf"), "auth1"), "device7",
                        "right-secret");
                MqttPublisher again = MqttPublisher.start(right, "auth1", statuses::add,
                        Fixtures.FAST);
                try {
                    assertThat(sub.await(Duration.ofSeconds(15), m -> m.size() == 5)).as("got %s", sub.messages()).isTrue();
                } finally {
                    again.close();
                }
            }
        }
    }

    @Test
    void unsupportedKeyFormatsAreNamedWithTheConversionCommand() throws Exception {
        Path key = dir.resolve("device.key");
        run("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048");
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThatThrownBy(() -> TlsContext.privateKey(key))
                .isInstanceOf(PublishException.class)
                .hasMessageContaining(key.toString())
                .hasMessageContaining("'RSA PRIVATE KEY', which is not supported")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + key);
    }

    /** A CA, a server certificate for 127.0.0.1 and localhost (RSA), a client certificate (EC, PKCS#8). */
    static Path makePki(Path pki) throws IOException, InterruptedException {
        Files.createDirectories(pki);
        String d = pki.toString();
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=logowatch test CA",
                "-keyout", d + "/ca.key", "-out", d + "/ca.pem");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", d + "/server.key", "-out", d + "/server.csr");
        Files.writeString(pki.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        run("openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", d + "/server.ext", "-out", d + "/server.pem");
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", d + "/client.key");
        run("openssl", "req", "-new", "-key", d + "/client.key", "-subj", "/CN=device7", "-out", d + "/client.csr");
        run("openssl", "x509", "-req", "-in", d + "/client.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
                "-CAcreateserial", "-days", "2", "-out", d + "/client.pem");
        return pki;
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(out));
        }
    }
}
