package dev.logowatch.config;

import java.util.Optional;

/**
 * The status page and API.
 *
 * @param host      address to bind: {@code 0.0.0.0} for the venue network, {@code 127.0.0.1} for local only
 * @param port      TCP port; 0 picks a free one (tests)
 * @param authToken when set, every data request needs {@code Authorization: Bearer <token>}
 */
public record WebConfig(String host, int port, Optional<Secret> authToken) {
    static WebConfig read(ConfigNode node) {
        String host = node.string("host", "0.0.0.0");
        if (!host.matches("[A-Za-z0-9.:\\-\\[\\]]+")) {
            node.problem("host", "'" + host + "' is not a host name or IP address");
        }
        int port = node.integer("port", 8080, 0, 65535);
        Optional<Secret> token = node.secret("auth-token-file");
        node.rejectUnknownKeys();
        return new WebConfig(host, port, token);
    }
}
