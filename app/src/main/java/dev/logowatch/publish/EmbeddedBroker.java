package dev.logowatch.publish;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The broker of the out-of-the-box demo ({@code mqtt.broker: embedded}): Moquette on
 * {@code 127.0.0.1:<port>}, anonymous, in memory. In memory because the publisher keeps its
 * own disk buffer and re-publishes every retained topic on each connect, so a restarted
 * device's broker is repopulated at once. The publisher connects to it like to any broker, so
 * {@code mosquitto_sub -h 127.0.0.1 -p <port> -t 'logowatch/#' -v} shows what a central server
 * would receive.
 */
public final class EmbeddedBroker implements AutoCloseable {
    // Moquette logs every start, bind and connection at INFO through SLF4J to
    // java.util.logging; the device log keeps its warnings only. Held strongly because
    // java.util.logging forgets the levels of loggers nobody references.
    private static final Logger MOQUETTE_LOG = Logger.getLogger("io.moquette");
    private static final Logger NETTY_LOG = Logger.getLogger("io.netty");

    static {
        MOQUETTE_LOG.setLevel(Level.WARNING);
        NETTY_LOG.setLevel(Level.WARNING);
    }

    private final Server server;
    private final int port;

    private EmbeddedBroker(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts listening on the loopback interface.
     *
     * @param port TCP port; 0 picks a free one (see {@link #port()})
     * @throws PublishException when the port is taken, e.g. by a system mosquitto: the device
     *                          must not publish to a broker it was not configured for
     */
    public static EmbeddedBroker start(int port) {
        if (port == 0) {
            // Moquette reports the port it bound only asynchronously; pick one ourselves.
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            } catch (IOException e) {
                throw new PublishException("embedded MQTT broker: no free loopback port: " + e.getMessage(), e);
            }
        }
        requireFree(port);
        Properties props = new Properties();
        props.setProperty("host", "127.0.0.1");
        props.setProperty("port", Integer.toString(port));
        props.setProperty("allow_anonymous", "true");
        // mosquitto_sub and most command-line clients connect without a client id.
        props.setProperty("allow_zero_byte_client_id", "true");
        props.setProperty("persistence_enabled", "false");
        // Moquette reports usage to its authors' server by default; a device must not call home.
        props.setProperty("telemetry_enabled", "false");
        props.setProperty("netty.epoll", "false");
        props.setProperty("netty.mqtt.message_size", Integer.toString(1024 * 1024));
        Server server = new Server();
        try {
            server.startServer(new MemoryConfig(props));
        } catch (IOException | RuntimeException e) {
            try {
                server.stopServer();
            } catch (RuntimeException ignored) {
                // Half-started: release what was allocated, report the start failure.
            }
            throw new PublishException("embedded MQTT broker cannot listen on 127.0.0.1:" + port + ": "
                    + rootMessage(e) + " (another broker running there? set mqtt.embedded-port)", e);
        }
        return new EmbeddedBroker(server, port);
    }

    /**
     * Moquette binds asynchronously and does not fail its start when the port is taken, so
     * the device would publish to whatever listens there (a system mosquitto with other
     * clients, another device's test broker). The port is tried first.
     */
    private static void requireFree(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        } catch (IOException e) {
            throw new PublishException("embedded MQTT broker: 127.0.0.1:" + port + " is already in use ("
                    + e.getMessage() + "); another broker (a system mosquitto?) or program listens there. Stop it, "
                    + "set mqtt.embedded-port to a free port, or set mqtt.broker to that broker's URL to use it", e);
        }
    }

    public int port() {
        return port;
    }

    /** Where clients connect: {@code tcp://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("tcp://127.0.0.1:" + port);
    }

    @Override
    public void close() {
        server.stopServer();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
