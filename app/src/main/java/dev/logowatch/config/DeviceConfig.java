package dev.logowatch.config;

import java.nio.file.Path;

/**
 * The device itself.
 *
 * @param id       names the device in MQTT topics and client ids ({@code device.id})
 * @param stateDir where the device keeps what it learns and queues: catalog copies,
 *                 prototype cache, the MQTT buffer ({@code device.state-dir})
 */
public record DeviceConfig(String id, Path stateDir) {
    static DeviceConfig read(ConfigNode node) {
        String id = node.identifier("id", true);
        Path stateDir = node.path("state-dir", ConfigNode.PathKind.ANY).orElse(Path.of("/var/lib/logowatch"));
        node.rejectUnknownKeys();
        return new DeviceConfig(id, stateDir);
    }
}
