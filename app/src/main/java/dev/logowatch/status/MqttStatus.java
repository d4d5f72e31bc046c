package dev.logowatch.status;

import java.util.Optional;

/** The MQTT publisher's connection as the page and the metrics show it. */
public record MqttStatus(String state, String broker, long queued, long dropped, Optional<String> error) {
}
