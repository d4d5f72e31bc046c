package dev.logowatch.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Publishing to the central broker.
 *
 * @param broker        {@code tcp://host:1883}, {@code ssl://host:8883}, or empty for the embedded broker
 * @param embeddedPort  loopback port of the embedded broker ({@code broker: embedded})
 * @param topicPrefix   every topic starts with this; default {@code logowatch/<device.id>}
 * @param clientId      MQTT client id; default {@code logowatch-<device.id>}
 * @param username      optional user name
 * @param password      optional password, read from {@code password-file}
 * @param tls           certificates for {@code ssl://}
 * @param bufferDir     where QoS 1 messages wait while the broker is unreachable
 * @param bufferMax     at most this many buffered messages; beyond, the oldest detections go first
 * @param bufferMaxBytes at most this much disk for buffered messages (a long outage with large
 *                      payloads must not fill the device's storage); beyond, the same order
 * @param qos           quality of service per topic
 * @param keepAlive     MQTT keep-alive interval
 * @param homeAssistant publish Home Assistant discovery for per-brand sensors
 */
public record MqttConfig(Optional<URI> broker, int embeddedPort, String topicPrefix, String clientId,
                         Optional<String> username, Optional<Secret> password, Tls tls, Path bufferDir,
                         int bufferMax, long bufferMaxBytes, Qos qos, Duration keepAlive, boolean homeAssistant) {

    public boolean embedded() {
        return broker.isEmpty();
    }

    /**
     * @param caFile   CA that signed the broker's certificate; default: the JVM's trust store
     * @param certFile client certificate, for brokers that authenticate devices by certificate
     * @param keyFile  the client certificate's private key (PEM)
     */
    public record Tls(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {
    }

    public record Qos(int events, int detections, int verifications) {
    }

    static MqttConfig read(ConfigNode node, DeviceConfig device) {
        Optional<URI> broker = Optional.empty();
        String brokerText = node.string("broker").orElse(null);
        if (brokerText == null) {
            node.problem("broker", "is required: a tcp:// or ssl:// URL of the central broker, or 'embedded'");
        } else if (!brokerText.equals("embedded")) {
            broker = node.url("broker", Set.of("tcp", "ssl"));
            broker.filter(u -> u.getPort() < 0).ifPresent(u -> node.problem("broker",
                    "give the port, e.g. tcp://" + u.getHost() + ":1883 or ssl://" + u.getHost() + ":8883"));
        }
        int embeddedPort = node.integer("embedded-port", 1883, 0, 65535);
        String prefix = node.string("topic-prefix", "logowatch/" + device.id());
        if (prefix.contains("#") || prefix.contains("+") || prefix.endsWith("/")) {
            node.problem("topic-prefix", "must not contain '#' or '+' nor end with '/', got '" + prefix + "'");
        }
        String clientId = node.string("client-id", "logowatch-" + device.id());
        Optional<String> username = node.string("username");
        Optional<Secret> password = node.secret("password-file");

        ConfigNode tlsNode = node.section("tls");
        Tls tls = new Tls(tlsNode.path("ca-file", ConfigNode.PathKind.EXISTING_FILE),
                tlsNode.path("cert-file", ConfigNode.PathKind.EXISTING_FILE),
                tlsNode.path("key-file", ConfigNode.PathKind.EXISTING_FILE));
        if (tls.certFile().isPresent() != tls.keyFile().isPresent()) {
            tlsNode.problem(tls.certFile().isPresent() ? "key-file" : "cert-file",
                    "cert-file and key-file go together");
        }
        tlsNode.rejectUnknownKeys();

        ConfigNode bufferNode = node.section("buffer");
        Path bufferDir = bufferNode.path("dir", ConfigNode.PathKind.ANY)
                .orElse(device.stateDir().resolve("mqtt-buffer"));
        int bufferMax = bufferNode.integer("max-messages", 100_000, 10, 10_000_000);
        long bufferMaxBytes = (long) bufferNode.integer("max-megabytes", 256, 1, 1_000_000) << 20;
        bufferNode.rejectUnknownKeys();

        ConfigNode qosNode = node.section("qos");
        Qos qos = new Qos(qosNode.integer("events", 1, 0, 2), qosNode.integer("detections", 0, 0, 2),
                qosNode.integer("verifications", 1, 0, 2));
        qosNode.rejectUnknownKeys();

        Duration keepAlive = node.duration("keep-alive", Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(30));
        boolean homeAssistant = node.bool("home-assistant", false);
        node.rejectUnknownKeys();
        return new MqttConfig(broker, embeddedPort, prefix, clientId, username, password, tls, bufferDir,
                bufferMax, bufferMaxBytes, qos, keepAlive, homeAssistant);
    }
}
