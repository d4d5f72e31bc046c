package dev.logowatch.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logowatch.track.Appearance;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: publish rate and call-to-delivery latency against a local mosquitto, measured by
 * a subscriber in the same JVM (one clock). Run from app/ after test-compile:
 * {@code java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) dev.logowatch.publish.PublishBenchmark}
 */
public final class PublishBenchmark {
    private PublishBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int burst = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Path dir = Files.createTempDirectory("mqtt-bench");
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), "max_queued_messages 1000000")) {
            URI uri = URI.create("tcp://127.0.0.1:" + broker.port());
            var config = Fixtures.config(uri, dir.resolve("buf"), "bench");
            CountDownLatch connected = new CountDownLatch(1);
            MqttPublisher publisher = MqttPublisher.start(config, "bench", s -> {
                if (s.state().equals("connected")) {
                    connected.countDown();
                }
            }, MqttPublisher.Tuning.DEFAULT);
            connected.await(10, TimeUnit.SECONDS);
            try {
                run(publisher, broker.port(), "events", burst, 0);
                run(publisher, broker.port(), "detections", burst, 0);
                run(publisher, broker.port(), "events", 2000, 200);
                run(publisher, broker.port(), "detections", 2000, 200);
            } finally {
                publisher.close();
            }
        }
    }

    /** Publishes {@code n} messages, as fast as possible when {@code perSecond} is 0, else paced. */
    static void run(MqttPublisher publisher, int port, String topic, int n, int perSecond) throws Exception {
        long[] called = new long[n];
        long[] received = new long[n];
        AtomicLong count = new AtomicLong();
        CountDownLatch all = new CountDownLatch(n);
        MqttClient sub = new MqttClient("tcp://127.0.0.1:" + port, "bench-sub-" + topic + perSecond, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(10_000);
        sub.connect(options);
        sub.subscribe("bench/" + topic, topic.equals("events") ? 1 : 0, (t, m) -> {
            long now = System.nanoTime();
            JsonNode json = Payloads.JSON.readTree(m.getPayload());
            int i = topic.equals("events") ? Integer.parseInt(json.get("id").asText().substring(4))
                    : json.get("frame").asInt();
            if (received[i] == 0) {
                received[i] = now;
                count.incrementAndGet();
                all.countDown();
            }
        });
        Thread.sleep(200);
        long start = System.nanoTime();
        long inCalls = 0;
        for (int i = 0; i < n; i++) {
            if (perSecond > 0) {
                long due = start + (long) i * 1_000_000_000L / perSecond;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
            }
            called[i] = System.nanoTime();
            if (topic.equals("events")) {
                publisher.event(Fixtures.event(i, Appearance.EventType.UPDATE));
            } else {
                var frame = Fixtures.frame(i);
                publisher.detections(frame, List.of(Fixtures.detection(frame), Fixtures.detection(frame)));
            }
            inCalls += System.nanoTime() - called[i];
        }
        long callsDone = System.nanoTime();
        all.await(60, TimeUnit.SECONDS);
        long last = 0;
        long[] latency = new long[(int) count.get()];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (received[i] != 0) {
                latency[k++] = received[i] - called[i];
                last = Math.max(last, received[i]);
            }
        }
        Arrays.sort(latency, 0, k);
        double seconds = (last - start) / 1e9;
        System.out.printf("%-10s n=%d %s: calls %.0f/s (%.2f us/call), delivered %d (%.0f/s), latency p50 %.2f ms, "
                        + "p95 %.2f ms, max %.2f ms; dropped so far %d%n",
                topic, n, perSecond == 0 ? "burst" : "paced " + perSecond + "/s",
                n / ((callsDone - start) / 1e9), inCalls / 1e3 / n, k, k / seconds,
                k == 0 ? 0 : latency[k / 2] / 1e6, k == 0 ? 0 : latency[k * 95 / 100] / 1e6,
                k == 0 ? 0 : latency[k - 1] / 1e6, publisher.counters().dropped());
        sub.disconnect();
        sub.close();
    }
}
