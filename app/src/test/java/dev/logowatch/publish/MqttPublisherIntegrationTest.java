package dev.logowatch.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.config.MqttConfig;
import dev.logowatch.status.MqttStatus;
import dev.logowatch.track.Appearance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The publisher against a real mosquitto, watched with the real mosquitto_sub. */
@Tag("integration")
class MqttPublisherIntegrationTest {
    static final Pattern ISO_MILLIS = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(20);

    @TempDir
    Path dir;

    final List<MqttStatus> statuses = new CopyOnWriteArrayList<>();

    static ObjectNode stats() {
        ObjectNode node = Payloads.JSON.createObjectNode();
        node.putObject("streams").putObject("cam1").put("fps", 3.9);
        return node;
    }

    @Test
    void everyTopicCarriesItsContractPayloadAndRetainedTopicsReachLateSubscribers() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), "");
             Subscriber sub = Subscriber.start(broker.port(), "dev1/#")) {
            MqttConfig config = Fixtures.config(URI.create("tcp://127.0.0.1:" + broker.port()), dir.resolve("buf"), "dev1");
            MqttPublisher publisher = MqttPublisher.start(config, "dev1", statuses::add, Fixtures.FAST);
            try {
                // QoS 0 detections are only sent while connected.
                await("the publisher connects").atMost(WAIT).pollInterval(POLL)
                        .until(() -> statuses.stream().anyMatch(s -> s.state().equals("connected")));
                publisher.catalog("2026-11-23.3", 12, "logo-embedder-v1");
                publisher.streamStatus("cam1", true);
                publisher.event(Fixtures.event(3, Appearance.EventType.NEW));
                var frame = Fixtures.frame(42);
                publisher.detections(frame, List.of(Fixtures.detection(frame)));
                publisher.detections(Fixtures.frame(43), List.of());
                ObjectNode verdict = Payloads.JSON.createObjectNode();
                verdict.put("event_id", "app-3").put("brand", "acme").put("verdict", "yes").put("confidence", 0.9)
                        .put("cues", "red wordmark").put("model", "qwen2-vl").put("latency_ms", 850);
                publisher.verification(verdict);
                publisher.stats(stats(), java.time.Instant.now());

                assertThat(sub.await(WAIT, m -> has(m, "dev1/verifications") && has(m, "dev1/stats")))
                        .as("messages received: %s", sub.messages()).isTrue();
                assertThat(sub.on("dev1/available")).extracting(Subscriber.Message::payload).contains("online");
                assertThat(sub.on("dev1/streams/cam1/status")).extracting(Subscriber.Message::payload).containsExactly("online");

                JsonNode event = json(sub.on("dev1/events").get(0));
                assertThat(event.get("schema").asInt()).isEqualTo(1);
                assertThat(event.get("type").asText()).isEqualTo("new");
                assertThat(event.get("id").asText()).isEqualTo("app-3");
                assertThat(event.get("brand").asText()).isEqualTo("acme");
                assertThat(event.get("start").asText()).matches(ISO_MILLIS).isEqualTo("2026-05-01T12:00:00.250Z");
                assertThat(event.get("end").asText()).matches(ISO_MILLIS).isEqualTo("2026-05-01T12:00:00.550Z");
                assertThat(event.get("seconds").asDouble()).isEqualTo(0.3);
                assertThat(event.get("box")).hasSize(4);
                assertThat(event.get("verification").asText()).isEqualTo("not-needed");

                assertThat(sub.on("dev1/detections")).as("an empty frame publishes nothing").hasSize(1);
                JsonNode detections = json(sub.on("dev1/detections").get(0));
                assertThat(detections.get("schema").asInt()).isEqualTo(1);
                assertThat(detections.get("ts").asText()).matches(ISO_MILLIS);
                assertThat(detections.get("frame").asLong()).isEqualTo(42);
                assertThat(detections.get("width").asInt()).isEqualTo(64);
                assertThat(detections.get("height").asInt()).isEqualTo(48);
                JsonNode d = detections.get("detections").get(0);
                assertThat(d.get("brand").asText()).isEqualTo("acme");
                assertThat(d.get("runner_up").asText()).isEqualTo("globex");
                assertThat(d.get("similarity").asDouble()).isEqualTo(0.8765);
                assertThat(d.get("state").asText()).isEqualTo("confirmed");

                JsonNode verification = json(sub.on("dev1/verifications").get(0));
                assertThat(verification.get("schema").asInt()).isEqualTo(1);
                assertThat(verification.get("event_id").asText()).isEqualTo("app-3");
                assertThat(verification.get("latency_ms").asInt()).isEqualTo(850);

                JsonNode stats = json(sub.on("dev1/stats").get(0));
                assertThat(stats.get("schema").asInt()).isEqualTo(1);
                assertThat(stats.get("ts").asText()).matches(ISO_MILLIS);
                assertThat(stats.at("/streams/cam1/fps").asDouble()).isEqualTo(3.9);

                JsonNode catalog = json(sub.on("dev1/catalog").get(0));
                assertThat(catalog.get("schema").asInt()).isEqualTo(1);
                assertThat(catalog.get("version").asText()).isEqualTo("2026-11-23.3");
                assertThat(catalog.get("brands").asInt()).isEqualTo(12);
                assertThat(catalog.get("model").asText()).isEqualTo("logo-embedder-v1");

                // A subscriber arriving later gets the retained state, and only that.
                List<Subscriber.Message> late = Subscriber.once(broker.port(), "dev1/#", 4, 5, "--retained-only");
                assertThat(late).allMatch(Subscriber.Message::retained);
                assertThat(late).extracting(Subscriber.Message::topic).containsExactlyInAnyOrder(
                        "dev1/available", "dev1/catalog", "dev1/streams/cam1/status", "dev1/stats");
                assertThat(statuses).anyMatch(s -> s.state().equals("connected")
                        && s.broker().equals("tcp://127.0.0.1:" + broker.port()));
            } finally {
                publisher.close();
            }
            assertThat(sub.await(WAIT, m -> m.stream().anyMatch(x -> x.topic().equals("dev1/available")
                    && x.payload().equals("stopped")))).as("clean shutdown says stopped").isTrue();
            assertThat(statuses.get(statuses.size() - 1).state()).isEqualTo("stopped");
        }
    }

    @Test
    void aKilledPublisherLeavesItsLastWillOffline() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), "");
             Subscriber sub = Subscriber.start(broker.port(), "dev2/available")) {
            Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                    System.getProperty("java.class.path"), PublisherMain.class.getName(),
                    "tcp://127.0.0.1:" + broker.port(), "dev2", dir.resolve("child-buf").toString())
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                List<String> lines = new ArrayList<>();
                String line;
                while ((line = out.readLine()) != null && lines.size() < 200) {
                    lines.add(line);
                    if (line.equals("CONNECTED")) {
                        break;
                    }
                }
                assertThat(lines).as("child output").contains("CONNECTED");
                assertThat(sub.await(WAIT, m -> !m.isEmpty())).isTrue();
                assertThat(sub.messages().get(0).payload()).isEqualTo("online");
                child.destroyForcibly(); // SIGKILL: no chance to say goodbye
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(sub.await(WAIT, m -> m.size() >= 2)).as("subscriber saw %s", sub.messages()).isTrue();
                assertThat(sub.messages().get(1).payload()).isEqualTo("offline");
                List<Subscriber.Message> late = Subscriber.once(broker.port(), "dev2/available", 1, 5);
                assertThat(late).singleElement().isEqualTo(new Subscriber.Message(true, "dev2/available", "offline"));
            } finally {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aThirtySecondOutageLosesNoEventAndKeepsTheirOrder() throws Exception {
        String persistence = "persistence true\npersistence_location " + dir.resolve("broker") + "/\n";
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), persistence);
             Subscriber sub = Subscriber.start(broker.port(), "dev3/events", "-c", "-i", "dev3-analyst")) {
            MqttConfig config = Fixtures.config(URI.create("tcp://127.0.0.1:" + broker.port()), dir.resolve("buf"), "dev3");
            MqttPublisher publisher = MqttPublisher.start(config, "dev3", statuses::add, Fixtures.FAST);
            AtomicInteger sent = new AtomicInteger();
            List<Long> callNanos = new ArrayList<>();
            try {
                long outageStart = 0;
                long outageEnd = 0;
                boolean stopped = false;
                boolean restarted = false;
                long start = System.nanoTime();
                // 20 events a second: 2 s connected, 30 s without broker, 3 s after it is back.
                while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(35)) {
                    long elapsed = System.nanoTime() - start;
                    if (!stopped && elapsed > TimeUnit.SECONDS.toNanos(2)) {
                        broker.stop();
                        stopped = true;
                        outageStart = System.nanoTime();
                    }
                    if (!restarted && elapsed > TimeUnit.SECONDS.toNanos(32)) {
                        broker.start();
                        restarted = true;
                        outageEnd = System.nanoTime();
                    }
                    long t = System.nanoTime();
                    publisher.event(Fixtures.event(sent.getAndIncrement(), Appearance.EventType.UPDATE));
                    callNanos.add(System.nanoTime() - t);
                    Thread.sleep(50);
                }
                assertThat(TimeUnit.NANOSECONDS.toSeconds(outageEnd - outageStart)).isGreaterThanOrEqualTo(29);
                int total = sent.get();
                assertThat(sub.await(Duration.ofSeconds(30), m -> distinctIds(m).size() >= total))
                        .as("received %d of %d", distinctIds(sub.messages()).size(), total).isTrue();

                List<Integer> ids = new ArrayList<>();
                for (Subscriber.Message m : sub.messages()) {
                    ids.add(idNumber(m));
                }
                List<Integer> firstSeen = ids.stream().distinct().toList();
                int duplicates = ids.size() - firstSeen.size();
                // The first calls load classes; what matters is the steady state, outage included.
                List<Long> steady = callNanos.subList(20, callNanos.size()).stream().sorted().toList();
                long p50 = steady.get(steady.size() / 2);
                long p99 = steady.get(steady.size() * 99 / 100);
                System.out.printf("outage: %d events sent, %d received, %d duplicates; event() call p50 %.1f us,"
                                + " p99 %.1f us, max %.1f us%n", total, ids.size(), duplicates, p50 / 1000.0,
                        p99 / 1000.0, steady.get(steady.size() - 1) / 1000.0);
                // Waiting for the broker would take seconds (connect timeout, backoff); the bound
                // leaves room for a busy 2-core test machine.
                assertThat(p99).as("publish calls do not wait for the broker").isLessThan(50_000_000L);
                assertThat(firstSeen).as("every event once, in order").isEqualTo(
                        java.util.stream.IntStream.range(0, total).boxed().toList());
                assertThat(statuses).anyMatch(s -> s.state().equals("disconnected") && s.queued() > 0
                        && s.error().orElse("").contains("tcp://127.0.0.1:" + broker.port()));
                assertThat(statuses.get(statuses.size() - 1).state()).isEqualTo("connected");
                assertThat(publisher.counters().dropped()).isZero();
                assertThat(publisher.counters().connectionLosses()).isEqualTo(1);
            } finally {
                publisher.close();
            }
        }
    }

    @Test
    void eventsBufferedBeforeARestartDuringTheOutageStillArrive() throws Exception {
        String persistence = "persistence true\npersistence_location " + dir.resolve("broker") + "/\n";
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), persistence);
             Subscriber sub = Subscriber.start(broker.port(), "dev4/events", "-c", "-i", "dev4-analyst")) {
            MqttConfig config = Fixtures.config(URI.create("tcp://127.0.0.1:" + broker.port()), dir.resolve("buf"), "dev4");
            MqttPublisher first = MqttPublisher.start(config, "dev4", statuses::add, Fixtures.FAST);
            try {
                first.event(Fixtures.event(0, Appearance.EventType.NEW));
                assertThat(sub.await(WAIT, m -> m.size() == 1)).isTrue();
                broker.stop();
                for (int i = 1; i <= 50; i++) {
                    first.event(Fixtures.event(i, Appearance.EventType.UPDATE));
                }
            } finally {
                first.close();
            }
            assertThat(statuses.get(statuses.size() - 1).queued()).isEqualTo(50);

            MqttPublisher second = MqttPublisher.start(config, "dev4", statuses::add, Fixtures.FAST);
            try {
                second.event(Fixtures.event(51, Appearance.EventType.END));
                broker.start();
                assertThat(sub.await(Duration.ofSeconds(20), m -> distinctIds(m).size() == 52))
                        .as("received %s", sub.messages().size()).isTrue();
                assertThat(sub.messages().stream().map(MqttPublisherIntegrationTest::idNumber).distinct().toList())
                        .isEqualTo(java.util.stream.IntStream.rangeClosed(0, 51).boxed().toList());
            } finally {
                second.close();
            }
        }
    }

    /**
     * The broker dies without warning in the middle of a burst. Every event reached the
     * subscriber or is still in the journal on disk, and after the broker is back every one
     * arrives; only messages that were in flight at the kill may come twice.
     */
    @Test
    void aBrokerKilledMidBurstLosesNoEventEveryOneArrivesOrIsOnDisk() throws Exception {
        // The subscriber's persistent session must survive the kill, so the broker saves every second.
        String persistence = "persistence true\npersistence_location " + dir.resolve("broker") + "/\nautosave_interval 1\n";
        int total = 1200;
        Path buffer = dir.resolve("buf");
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), persistence);
             Subscriber sub = Subscriber.start(broker.port(), "dev7/events", "-c", "-i", "dev7-analyst")) {
            Thread.sleep(1500); // one autosave with the subscriber's session in it
            MqttConfig config = Fixtures.config(URI.create("tcp://127.0.0.1:" + broker.port()), buffer, "dev7");
            MqttPublisher first = MqttPublisher.start(config, "dev7", statuses::add, Fixtures.FAST);
            int killedAfter = -1;
            try {
                await("the publisher connects").atMost(WAIT).pollInterval(POLL)
                        .until(() -> statuses.stream().anyMatch(s -> s.state().equals("connected")));
                for (int i = 0; i < total; i++) {
                    first.event(Fixtures.event(i, Appearance.EventType.UPDATE));
                    if (killedAfter < 0 && distinctIds(sub.messages()).size() >= 300) {
                        broker.kill();
                        killedAfter = i;
                    }
                    Thread.sleep(2);
                }
                // Event i is the (i+1)th sent: a subscriber that keeps up sees 300 right after event 299.
                assertThat(killedAfter).as("the broker was killed mid-burst").isBetween(299, total - 200);
            } finally {
                first.close();
            }
            java.util.Set<Integer> received = distinctIds(sub.messages());
            java.util.Set<Integer> onDisk = new java.util.HashSet<>();
            try (DiskBuffer journal = new DiskBuffer(buffer, 1_000_000, 64)) {
                for (Journal.Buffered m = journal.nextToSend(); m != null; m = journal.nextToSend()) {
                    onDisk.add(Integer.parseInt(Payloads.JSON.readTree(m.payload()).get("id").asText().substring(4)));
                }
            }
            java.util.Set<Integer> missing = new java.util.TreeSet<>();
            for (int i = 0; i < total; i++) {
                if (!received.contains(i) && !onDisk.contains(i)) {
                    missing.add(i);
                }
            }
            System.out.printf("broker SIGKILL after event %d: %d received before, %d on disk after close%n",
                    killedAfter, received.size(), onDisk.size());
            assertThat(missing).as("events neither received nor on disk").isEmpty();
            assertThat(onDisk).as("what the subscriber has is not kept for resending").hasSizeLessThanOrEqualTo(
                    total - received.size() + MqttPublisher.WINDOW);

            broker.start();
            MqttPublisher second = MqttPublisher.start(config, "dev7", statuses::add, Fixtures.FAST);
            try {
                assertThat(sub.await(Duration.ofSeconds(30), m -> distinctIds(m).size() >= total))
                        .as("received %d of %d", distinctIds(sub.messages()).size(), total).isTrue();
            } finally {
                second.close();
            }
            List<Integer> ids = sub.messages().stream().map(MqttPublisherIntegrationTest::idNumber).toList();
            int duplicates = ids.size() - total;
            System.out.printf("broker SIGKILL: %d events, %d deliveries, %d duplicates%n", total, ids.size(), duplicates);
            assertThat(distinctIds(sub.messages())).hasSize(total);
            // QoS 1 may repeat what was in flight when the broker died (the publisher's window and
            // the broker's own queue to the subscriber), never the acknowledged history.
            assertThat(duplicates).as("deliveries beyond one per event").isLessThanOrEqualTo(2 * MqttPublisher.WINDOW);
        }
    }

    @Test
    void theEmbeddedBrokerServesMosquittoSub() throws Exception {
        int port = Mosquitto.freePort();
        MqttPublisher publisher = MqttPublisher.start(Fixtures.embedded(port, dir.resolve("buf"), "dev5"), "dev5",
                statuses::add, Fixtures.FAST);
        try {
            await("the publisher connects").atMost(WAIT).pollInterval(POLL)
                    .until(() -> statuses.stream().anyMatch(s -> s.state().equals("connected")));
            try (Subscriber sub = Subscriber.start(port, "dev5/#")) {
                publisher.event(Fixtures.event(9, Appearance.EventType.END));
                assertThat(sub.await(WAIT, m -> has(m, "dev5/events"))).as("got %s", sub.messages()).isTrue();
                assertThat(sub.messages()).filteredOn(m -> m.topic().equals("dev5/available"))
                        .extracting(Subscriber.Message::payload).containsExactly("online");
                JsonNode event = json(sub.on("dev5/events").get(0));
                assertThat(event.get("type").asText()).isEqualTo("end");
                assertThat(event.get("schema").asInt()).isEqualTo(1);
            }
        } finally {
            publisher.close();
        }
        assertThat(statuses.get(statuses.size() - 1).state()).isEqualTo("stopped");
        try (java.net.Socket s = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(
                    new java.net.InetSocketAddress("127.0.0.1", port), 500)).as("embedded broker closed").isNotNull();
        }
    }

    @Test
    void aFlappingStreamStatusQueuesOneValueAndTheLatestIsRetained() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), "")) {
            // A broker that is down: every change waits in the publisher.
            broker.stop();
            MqttPublisher publisher = MqttPublisher.start(Fixtures.config(URI.create("tcp://127.0.0.1:" + broker.port()), dir.resolve("buf"), "dev8"),
                    "dev8", statuses::add, Fixtures.FAST);
            try {
                int maxQueued = 0;
                for (int i = 0; i < 200_000; i++) {
                    publisher.streamStatus("cam", i % 2 == 0);
                    maxQueued = Math.max(maxQueued, publisher.pendingCommands());
                }
                publisher.streamStatus("cam", false);
                assertThat(maxQueued).as("commands queued while 200,000 values changed").isLessThan(100);
                broker.start();
                try (Subscriber sub = Subscriber.start(broker.port(), "dev8/streams/cam/status")) {
                    assertThat(sub.await(WAIT, m -> has(m, "dev8/streams/cam/status"))).isTrue();
                    assertThat(sub.on("dev8/streams/cam/status")).extracting(Subscriber.Message::payload)
                            .last().isEqualTo("offline");
                }
            } finally {
                publisher.close();
            }
        }
    }

    @Test
    void anEmbeddedBrokerPortTakenByAnotherBrokerRefusesToStartAndPublishesNothingThere() throws Exception {
        try (Mosquitto other = Mosquitto.start(dir.resolve("other"), "");
             Subscriber sub = Subscriber.start(other.port(), "#")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> MqttPublisher.start(
                            Fixtures.embedded(other.port(), dir.resolve("buf"), "dev7"), "dev7", statuses::add,
                            Fixtures.FAST))
                    .isInstanceOf(PublishException.class)
                    .hasMessageContaining("127.0.0.1:" + other.port() + " is already in use")
                    .hasMessageContaining("mqtt.embedded-port");
            // Before, the device went on to publish "online" and its retained topics to that broker.
            assertThat(sub.await(Duration.ofSeconds(2), msgs -> msgs.stream().anyMatch(m -> m.topic().startsWith("dev7/"))))
                    .isFalse();
        }
    }

    @Test
    void homeAssistantGetsOneSensorPerBrandAndItsDiscoveryAgainWhenItComesOnline() throws Exception {
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"), "");
             Subscriber sub = Subscriber.start(broker.port(), "homeassistant/sensor/#", "-t", "dev6/brands/#")) {
            MqttConfig config = Fixtures.withHomeAssistant(Fixtures.config(
                    URI.create("tcp://127.0.0.1:" + broker.port()), dir.resolve("buf"), "dev6"));
            MqttPublisher publisher = MqttPublisher.start(config, "dev6", statuses::add, Fixtures.FAST);
            try {
                publisher.event(Fixtures.event(10, Appearance.EventType.UPDATE)); // 1.0 s visible
                publisher.event(Fixtures.event(20, Appearance.EventType.END));    // another appearance, 2.0 s
                String configTopic = "homeassistant/sensor/logowatch-dev6/acme_seconds_today/config";
                String stateTopic = "dev6/brands/acme/seconds_today";
                assertThat(sub.await(WAIT, m -> m.stream().anyMatch(x -> x.topic().equals(stateTopic)
                        && x.payload().equals("3.0")))).as("got %s", sub.messages()).isTrue();
                assertThat(sub.on(configTopic)).hasSize(1);
                JsonNode discovery = json(sub.on(configTopic).get(0));
                assertThat(discovery.get("state_topic").asText()).isEqualTo(stateTopic);
                assertThat(discovery.get("unit_of_measurement").asText()).isEqualTo("s");
                assertThat(discovery.get("unique_id").asText()).isEqualTo("logowatch-dev6_acme_seconds_today");
                assertThat(discovery.at("/availability/0/topic").asText()).isEqualTo("dev6/available");

                // Home Assistant's birth message is not retained; repeat it until the publisher's
                // subscription (sent right after connecting) is surely in place.
                boolean resent = false;
                for (int i = 0; i < 20 && !resent; i++) {
                    TlsAndAuthIntegrationTest.run("mosquitto_pub", "-h", "127.0.0.1", "-p",
                            String.valueOf(broker.port()), "-t", "homeassistant/status", "-m", "online");
                    resent = sub.await(Duration.ofMillis(500),
                            m -> m.stream().filter(x -> x.topic().equals(configTopic)).count() >= 2);
                }
                assertThat(resent).as("discovery re-sent: %s", sub.messages()).isTrue();
            } finally {
                publisher.close();
            }
        }
    }

    static boolean has(List<Subscriber.Message> messages, String topic) {
        return messages.stream().anyMatch(m -> m.topic().equals(topic));
    }

    static JsonNode json(Subscriber.Message m) throws Exception {
        return Payloads.JSON.readTree(m.payload());
    }

    static int idNumber(Subscriber.Message m) {
        try {
            return Integer.parseInt(json(m).get("id").asText().substring("app-".length()));
        } catch (Exception e) {
            throw new AssertionError("unreadable event " + m, e);
        }
    }

    static java.util.Set<Integer> distinctIds(List<Subscriber.Message> messages) {
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        messages.forEach(m -> ids.add(idNumber(m)));
        return ids;
    }

}
