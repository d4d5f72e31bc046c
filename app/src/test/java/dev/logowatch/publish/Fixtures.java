package dev.logowatch.publish;

import dev.logowatch.config.MqttConfig;
import dev.logowatch.config.Secret;
import dev.logowatch.engine.Box;
import dev.logowatch.retry.Backoff;
import dev.logowatch.source.Frame;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Detection;
import dev.logowatch.track.TrackState;
import dev.logowatch.track.Verification;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Configurations and pipeline records for the publisher's tests. */
final class Fixtures {
    /** Retries within a second or two, so tests finish quickly. */
    static final MqttPublisher.Tuning FAST = new MqttPublisher.Tuning(
            new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0.25), 64,
            Duration.ofMillis(200));

    static final Instant T0 = Instant.parse("2026-05-01T12:00:00.250Z");

    private Fixtures() {
    }

    static MqttConfig config(URI broker, Path bufferDir, String prefix) {
        return new MqttConfig(Optional.ofNullable(broker), 0, prefix, "logowatch-" + prefix.replace('/', '-'),
                Optional.empty(), Optional.empty(), new MqttConfig.Tls(Optional.empty(), Optional.empty(), Optional.empty()),
                bufferDir, 100_000, 256L << 20, new MqttConfig.Qos(1, 0, 1), Duration.ofSeconds(30), false);
    }

    static MqttConfig withAuth(MqttConfig c, String user, String password) {
        return new MqttConfig(c.broker(), c.embeddedPort(), c.topicPrefix(), c.clientId(), Optional.of(user),
                Optional.of(new Secret("password-file", Path.of("/etc/logowatch/mqtt-password"), password)), c.tls(),
                c.bufferDir(), c.bufferMax(), c.bufferMaxBytes(), c.qos(), c.keepAlive(), c.homeAssistant());
    }

    static MqttConfig withTls(MqttConfig c, MqttConfig.Tls tls) {
        return new MqttConfig(c.broker(), c.embeddedPort(), c.topicPrefix(), c.clientId(), c.username(), c.password(),
                tls, c.bufferDir(), c.bufferMax(), c.bufferMaxBytes(), c.qos(), c.keepAlive(), c.homeAssistant());
    }

    static MqttConfig withHomeAssistant(MqttConfig c) {
        return new MqttConfig(c.broker(), c.embeddedPort(), c.topicPrefix(), c.clientId(), c.username(), c.password(),
                c.tls(), c.bufferDir(), c.bufferMax(), c.bufferMaxBytes(), c.qos(), c.keepAlive(), true);
    }

    static MqttConfig embedded(int port, Path bufferDir, String prefix) {
        MqttConfig c = config(null, bufferDir, prefix);
        return new MqttConfig(Optional.empty(), port, c.topicPrefix(), c.clientId(), c.username(), c.password(),
                c.tls(), c.bufferDir(), c.bufferMax(), c.bufferMaxBytes(), c.qos(), c.keepAlive(), false);
    }

    static Appearance.Event event(int n, Appearance.EventType type) {
        Instant end = T0.plusMillis(100L * n);
        return new Appearance.Event(type, new Appearance("app-" + n, "cam1", "acme", T0, end,
                (end.toEpochMilli() - T0.toEpochMilli()) / 1000.0, 0.91, new Box(10, 20, 110, 80),
                Verification.NOT_NEEDED));
    }

    static Frame frame(long sequence) {
        return new Frame("cam1", T0.plusMillis(sequence * 250), sequence, new BufferedImage(64, 48,
                BufferedImage.TYPE_3BYTE_BGR));
    }

    static Detection detection(Frame frame) {
        return new Detection(frame.stream(), frame.timestamp(), frame.sequence(), 7, "acme", 0.8765, 0.2101,
                Optional.of("globex"), new Box(10, 20, 110, 80), TrackState.CONFIRMED, Verification.NOT_NEEDED);
    }
}
