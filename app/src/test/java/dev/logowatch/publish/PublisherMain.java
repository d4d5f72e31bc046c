package dev.logowatch.publish;

import dev.logowatch.track.Appearance;

import java.net.URI;
import java.nio.file.Path;

/**
 * A publisher in a process of its own, for the last-will test: connects, publishes one event,
 * prints {@code CONNECTED}, then waits to be killed (at most 60 s).
 * Arguments: broker URI, topic prefix, buffer folder.
 */
public final class PublisherMain {
    private PublisherMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        var connected = new java.util.concurrent.CountDownLatch(1);
        MqttPublisher publisher = MqttPublisher.start(Fixtures.config(URI.create(args[0]), Path.of(args[2]), args[1]),
                "child", s -> {
                    if (s.state().equals("connected")) {
                        connected.countDown();
                    }
                }, Fixtures.FAST);
        if (!connected.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
            System.out.println("NOT CONNECTED");
            System.exit(2);
        }
        publisher.event(Fixtures.event(1, Appearance.EventType.NEW));
        System.out.println("CONNECTED");
        System.out.flush();
        Thread.sleep(60_000);
        System.exit(3);
    }
}
