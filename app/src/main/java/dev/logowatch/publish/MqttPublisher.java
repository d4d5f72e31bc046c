package dev.logowatch.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.config.MqttConfig;
import dev.logowatch.retry.Backoff;
import dev.logowatch.source.Frame;
import dev.logowatch.status.MqttStatus;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Detection;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Publishes what the device sees to the central MQTT broker (topics and payloads: DESIGN.md
 * "MQTT"), and keeps doing so through broker outages and restarts of the service.
 *
 * <p><b>Threads.</b> The pipeline's calls serialize the payload and hand it to a bounded
 * in-memory queue; they never wait for the network or the disk. One publisher thread owns
 * everything else: the disk buffer, the Paho client, reconnecting, the status board. Paho's
 * callbacks only post to that thread's queue. When the hand-over queue is half full,
 * detections are refused (and counted); events and verifications only when it is full.
 *
 * <p><b>Why our own disk buffer and not Paho's.</b> Paho 1.2.5's disconnected buffer cannot
 * give the two promises this device makes. (1) "A restart loses nothing already buffered":
 * the buffer itself is an in-memory list; with {@code persistBuffer} it also writes
 * {@code sb-} entries to {@code MqttDefaultFilePersistence}, but on restart those are
 * restored as in-flight messages and deleted by the first clean-session connect
 * ({@code ClientState.clearState}); with a persistent session they come back as in-flight
 * messages keyed by message id, and nothing removes the {@code sb-} entries after delivery. It also needs a
 * free 16-bit message id per buffered message, so at most 65,535 could wait. (2) "Drop
 * detections before events": {@code DisconnectedBufferOptions.deleteOldestMessages} drops
 * whatever is at position 0, whatever its topic. So every QoS&nbsp;1 message goes first to
 * {@link DiskBuffer}: one append-only journal per kind (events, verifications, detections)
 * of segment files with a CRC per record, a global sequence number to send them in their
 * original order, a head file marking what the broker acknowledged, segments deleted once
 * delivered. Over {@code buffer.max-messages}, the oldest detection goes first, then the
 * oldest verification, events last; every drop is counted. Data are fsync'ed and the head
 * written about once a second: a killed process loses nothing (the bytes are in the page
 * cache), a power cut at most the last second; a stale head only means a few messages are
 * delivered twice, which QoS&nbsp;1 (at least once) allows: receivers dedupe by {@code id}.
 * Paho itself runs with a clean session, in-memory persistence and no automatic reconnect.
 *
 * <p><b>Connection.</b> Reconnects follow {@link Backoff}; each connect publishes
 * {@code online} (retained) on {@code …/available}, whose last will is {@code offline}, then
 * every retained topic's latest value ({@code catalog}, stream status, stats), then resumes
 * the buffer where the broker's acknowledgements left it. {@link #close()} publishes
 * {@code stopped}. QoS 0 messages are sent only while connected; offline they are dropped
 * and counted. State (connecting, connected, disconnected, stopped), queued and dropped
 * messages and the last error go to the status consumer.
 */
public final class MqttPublisher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MqttPublisher.class.getName());
    static final int HANDOFF_CAPACITY = 10_000;
    /** Buffered messages in flight at once: enough to fill a long link, small enough to resend. */
    static final int WINDOW = 64;
    private static final Duration CLOSE_FLUSH = Duration.ofSeconds(3);
    private static final Duration STATUS_INTERVAL = Duration.ofMillis(200);

    /** Timings that tests shorten; production uses {@link #DEFAULT}. */
    record Tuning(Backoff backoff, int segmentRecords, Duration flushInterval) {
        static final Tuning DEFAULT = new Tuning(Backoff.DEFAULT, 4096, Duration.ofSeconds(1));
    }

    /**
     * Totals since start.
     *
     * @param published        messages the broker took (QoS 0: written; QoS 1: acknowledged)
     * @param dropped          messages that will never reach the broker: buffer over its bound,
     *                         hand-over queue full, QoS 0 while disconnected, after close
     * @param droppedByKind    the same by topic: {@code events}, {@code verifications}, {@code detections}
     * @param connects         successful connections
     * @param connectFailures  failed connection attempts
     * @param connectionLosses established connections that broke
     */
    public record Counters(long published, long dropped, Map<String, Long> droppedByKind, long connects,
                           long connectFailures, long connectionLosses) {
    }

    private enum State {
        CONNECTING, CONNECTED, DISCONNECTED, STOPPED;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private record Outgoing(MessageKind kind, String topic, byte[] payload, int qos, boolean retained) {
    }

    private record Retained(byte[] payload, int qos) {
    }

    private record ConnectComplete() {
    }

    private record ConnectFailed(int generation, Throwable cause) {
    }

    private record ConnectionLost(Throwable cause) {
    }

    private record Delivered(int generation, Journal.Buffered message) {
    }

    private record Undelivered(int generation, Journal.Buffered message, Throwable cause) {
    }

    private record BrandSeconds(String brand, String appearance, double seconds, LocalDate day) {
    }

    private record HomeAssistantOnline() {
    }

    private record Close() {
    }

    /** A retained topic has a new latest value in {@link #latestRetained}. */
    private record RetainedChanged(String topic) {
    }

    private final MqttConfig config;
    private final Consumer<MqttStatus> status;
    private final Tuning tuning;
    private final EmbeddedBroker embedded;
    private final String broker;
    private final MqttAsyncClient client;
    private final MqttConnectOptions options;
    private final DiskBuffer buffer;
    private final Topics topics;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    /**
     * Latest values of retained topics not yet taken by the publisher's thread: a stream
     * flapping online/offline replaces its value here instead of queueing every change, so
     * the inbox holds at most one entry per retained topic.
     */
    private final ConcurrentHashMap<String, Outgoing> latestRetained = new ConcurrentHashMap<>();
    private final AtomicInteger handoff = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread thread;

    private final AtomicLong published = new AtomicLong();
    private final Map<MessageKind, AtomicLong> dropped = new EnumMap<>(MessageKind.class);
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong connectionLosses = new AtomicLong();

    // Owned by the publisher thread.
    private final Map<String, Retained> retained = new LinkedHashMap<>();
    private final HomeAssistantSensors sensors;
    private State state = State.CONNECTING;
    private String lastError;
    private int generation;
    private int attempt;
    private long nextConnectAt;
    private long nextFlushAt;
    private long lastStatusAt;
    private MqttStatus lastStatus;
    private boolean closing;

    private MqttPublisher(MqttConfig config, String deviceId, Consumer<MqttStatus> status,
                          Tuning tuning, EmbeddedBroker embedded, URI brokerUri,
                          MqttConnectOptions options, DiskBuffer buffer) throws MqttException {
        this.config = config;
        this.status = status;
        this.tuning = tuning;
        this.embedded = embedded;
        this.broker = BrokerFailure.label(brokerUri);
        this.options = options;
        this.buffer = buffer;
        this.topics = new Topics(config.topicPrefix());
        this.sensors = new HomeAssistantSensors(topics, config.clientId(), deviceId);
        for (MessageKind kind : MessageKind.values()) {
            dropped.put(kind, new AtomicLong());
        }
        this.client = new MqttAsyncClient(broker, config.clientId(), new MemoryPersistence());
        client.setCallback(new Callbacks());
        options.setWill(topics.available(), "offline".getBytes(StandardCharsets.US_ASCII), 1, true);
        this.thread = new Thread(this::run, "mqtt-publisher");
        thread.setDaemon(true);
    }

    /**
     * Starts publishing: opens the disk buffer (delivering what an earlier run left), starts
     * the embedded broker when configured, and connects in the background. Returns at once;
     * an unreachable broker is reported through {@code status}, not thrown.
     *
     * @param deviceId identifies the device in Home Assistant discovery
     * @param status   receives the connection state, queue and drop figures, the last error
     * @throws PublishException when TLS files are unusable or the buffer folder cannot be written
     */
    public static MqttPublisher start(MqttConfig config, String deviceId, Consumer<MqttStatus> status) {
        return start(config, deviceId, status, Tuning.DEFAULT);
    }

    static MqttPublisher start(MqttConfig config, String deviceId, Consumer<MqttStatus> status, Tuning tuning) {
        EmbeddedBroker embedded = null;
        DiskBuffer buffer = null;
        try {
            URI uri;
            if (config.embedded()) {
                embedded = EmbeddedBroker.start(config.embeddedPort());
                uri = embedded.uri();
            } else {
                uri = config.broker().orElseThrow();
            }
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(true);
            options.setAutomaticReconnect(false);
            options.setKeepAliveInterval((int) Math.max(1, config.keepAlive().toSeconds()));
            options.setConnectionTimeout(10);
            options.setMaxInflight(WINDOW + 1000);
            config.username().ifPresent(options::setUserName);
            config.password().ifPresent(secret -> options.setPassword(secret.value().toCharArray()));
            if ("ssl".equals(uri.getScheme())) {
                options.setSocketFactory(TlsContext.socketFactory(config.tls()));
            }
            try {
                buffer = new DiskBuffer(config.bufferDir(), config.bufferMax(), config.bufferMaxBytes(),
                        tuning.segmentRecords());
            } catch (UncheckedIOException e) {
                throw new PublishException(e.getMessage(), e);
            }
            MqttPublisher publisher = new MqttPublisher(config, deviceId, status, tuning, embedded, uri,
                    options, buffer);
            if (buffer.size() > 0) {
                LOG.log(System.Logger.Level.INFO, buffer.size() + " MQTT messages left buffered in "
                        + config.bufferDir() + " will be delivered");
            }
            publisher.thread.start();
            return publisher;
        } catch (MqttException | RuntimeException e) {
            if (buffer != null) {
                buffer.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            if (e instanceof PublishException p) {
                throw p;
            }
            throw new PublishException("cannot set up MQTT publishing: " + e.getMessage(), e);
        }
    }

    /** Publishes a processed frame's matches on {@code …/detections}; nothing when there are none. */
    public void detections(Frame frame, List<Detection> detections) {
        if (!detections.isEmpty()) {
            offer(MessageKind.DETECTION, topics.detections(), Payloads.detections(frame, detections),
                    config.qos().detections(), false);
        }
    }

    /** Publishes an appearance event on {@code …/events}. */
    public void event(Appearance.Event event) {
        offer(MessageKind.EVENT, topics.events(), Payloads.event(event), config.qos().events(), false);
        if (config.homeAssistant()) {
            Appearance a = event.appearance();
            post(new BrandSeconds(a.brand(), a.id(), a.visibleSeconds(), LocalDate.ofInstant(a.end(), ZoneId.systemDefault())));
        }
    }

    /** Publishes a verifier verdict on {@code …/verifications}; {@code schema} is added. */
    public void verification(ObjectNode payload) {
        offer(MessageKind.VERIFICATION, topics.verifications(), Payloads.wrap(payload, null),
                config.qos().verifications(), false);
    }

    /**
     * Publishes the device's figures as of {@code at} on {@code …/stats} (retained, QoS 0);
     * {@code schema} and {@code ts} are added. Only the latest value waits while the broker is away.
     */
    public void stats(ObjectNode body, Instant at) {
        offer(null, topics.stats(), Payloads.wrap(body, at), 0, true);
    }

    /** Publishes the catalog in use on {@code …/catalog} (retained, re-sent on every connect). */
    public void catalog(String version, int brands, String model) {
        offer(null, topics.catalog(), Payloads.catalog(version, brands, model), 1, true);
    }

    /** Publishes {@code online}/{@code offline} on {@code …/streams/<id>/status} (retained). */
    public void streamStatus(String streamId, boolean online) {
        offer(new Outgoing(null, topics.streamStatus(streamId), (online ? "online" : "offline")
                .getBytes(StandardCharsets.US_ASCII), 1, true));
    }

    public Counters counters() {
        Map<String, Long> byKind = new LinkedHashMap<>();
        long total = 0;
        for (MessageKind kind : MessageKind.values()) {
            long n = dropped.get(kind).get();
            byKind.put(kind.folder, n);
            total += n;
        }
        return new Counters(published.get(), total, Map.copyOf(byKind), connects.get(), connectFailures.get(),
                connectionLosses.get());
    }

    /** The broker this publisher connects to, {@code scheme://host:port}. */
    /** Commands waiting for the publisher's thread; bounded however often retained values change. */
    int pendingCommands() {
        return inbox.size();
    }

    public String broker() {
        return broker;
    }

    /**
     * Delivers what it can within about 3 s, publishes {@code stopped} on {@code …/available},
     * disconnects, and keeps the rest on disk for the next start. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            inbox.add(new Close());
            try {
                if (!finished.await(CLOSE_FLUSH.toMillis() + 4000, TimeUnit.MILLISECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "MQTT publisher did not stop in time; undelivered "
                            + "messages stay in " + config.bufferDir());
                    thread.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private void offer(MessageKind kind, String topic, ObjectNode payload, int qos, boolean retain) {
        byte[] bytes;
        try {
            bytes = Payloads.JSON.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize MQTT payload for " + topic + ": " + e.getMessage(), e);
        }
        offer(new Outgoing(kind, topic, bytes, qos, retain));
    }

    private void offer(Outgoing message) {
        if (closed.get()) {
            drop(message.kind());
            return;
        }
        if (message.retained()) {
            if (latestRetained.put(message.topic(), message) == null) {
                inbox.add(new RetainedChanged(message.topic()));
            }
            return;
        }
        int limit = message.kind() == MessageKind.DETECTION ? HANDOFF_CAPACITY / 2 : HANDOFF_CAPACITY;
        if (handoff.incrementAndGet() > limit) {
            handoff.decrementAndGet();
            drop(message.kind());
            return;
        }
        inbox.add(message);
    }

    private void post(Object command) {
        if (!closed.get()) {
            inbox.add(command);
        }
    }

    private void drop(MessageKind kind) {
        if (kind != null) {
            dropped.get(kind).incrementAndGet();
        }
    }

    private void run() {
        try {
            long now = System.nanoTime();
            nextFlushAt = now + tuning.flushInterval().toNanos();
            connect();
            while (!closing) {
                now = System.nanoTime();
                long deadline = nextFlushAt;
                if (state == State.DISCONNECTED) {
                    deadline = Math.min(deadline, nextConnectAt);
                }
                Object command = inbox.poll(Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
                for (int i = 0; command != null && i < 1000; i++) {
                    handle(command);
                    command = inbox.poll();
                }
                if (command != null) {
                    handle(command);
                }
                timers();
                pump();
                reportStatus(false);
            }
            shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            buffer.close();
        } catch (RuntimeException | Error e) {
            // The pipeline keeps running without MQTT; what is on disk is kept for the next start.
            LOG.log(System.Logger.Level.ERROR, "MQTT publisher stopped: " + e, e);
            lastError = "publisher failed: " + e.getMessage();
            state = State.STOPPED;
            reportStatus(true);
            try {
                buffer.close();
            } catch (RuntimeException ignored) {
                // Already reported the first failure.
            }
        } finally {
            finished.countDown();
        }
    }

    private void handle(Object command) {
        switch (command) {
            case Outgoing m -> accept(m);
            case RetainedChanged r -> {
                Outgoing latest = latestRetained.remove(r.topic());
                if (latest != null) {
                    accept(latest);
                }
            }
            case ConnectComplete c -> connected();
            case ConnectFailed f -> connectFailed(f);
            case ConnectionLost l -> lost(BrokerFailure.connectionLost(broker, l.cause()));
            case Delivered d -> {
                if (d.generation() == generation) {
                    buffer.acknowledged(d.message());
                    published.incrementAndGet();
                }
            }
            case Undelivered u -> {
                if (u.generation() == generation && state == State.CONNECTED) {
                    forceReconnect("delivery to broker " + broker + " failed: " + u.cause().getMessage());
                }
            }
            case BrandSeconds b -> sensors.appearance(b.brand(), b.appearance(), b.seconds(), b.day())
                    .forEach(m -> accept(new Outgoing(null, m.topic(), m.payload(), m.qos(), true)));
            case HomeAssistantOnline h -> retained.forEach((topic, r) -> {
                if (topic.startsWith(HomeAssistantSensors.DISCOVERY_PREFIX)) {
                    send(topic, r.payload(), r.qos(), true);
                }
            });
            case Close c -> closing = true;
            default -> throw new IllegalStateException("unknown command " + command);
        }
    }

    private void accept(Outgoing m) {
        if (m.retained()) {
            retained.put(m.topic(), new Retained(m.payload(), m.qos()));
            if (state == State.CONNECTED) {
                send(m.topic(), m.payload(), m.qos(), true);
            }
            return;
        }
        handoff.decrementAndGet();
        if (m.qos() > 0) {
            try {
                for (Journal.Buffered victim : buffer.append(m.kind(), m.topic(), m.qos(), m.payload())) {
                    drop(victim.kind());
                }
            } catch (UncheckedIOException e) {
                // A full or failing disk costs this message, not the publisher.
                drop(m.kind());
                diskTrouble(e);
            }
        } else if (state == State.CONNECTED && send(m.topic(), m.payload(), 0, false)) {
            published.incrementAndGet();
        } else {
            drop(m.kind());
        }
    }

    private void diskTrouble(UncheckedIOException e) {
        String message = e.getMessage();
        if (!message.equals(lastError)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
        lastError = message;
    }

    /** Publishes directly, outside the buffer: QoS 0 and retained latest values. */
    private boolean send(String topic, byte[] payload, int qos, boolean retain) {
        try {
            client.publish(topic, payload, qos, retain);
            return true;
        } catch (MqttException e) {
            if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                LOG.log(System.Logger.Level.DEBUG, "publish to " + topic + " failed: " + e.getMessage());
            }
            return false;
        }
    }

    /** Sends buffered messages in order while the connection has room. */
    private void pump() {
        while (state == State.CONNECTED && buffer.inFlight() < WINDOW) {
            Journal.Buffered next = buffer.nextToSend();
            if (next == null) {
                return;
            }
            try {
                client.publish(next.topic(), next.payload(), next.qos(), false, new Delivered(generation, next),
                        deliveryListener);
            } catch (MqttException e) {
                buffer.notSent(next);
                if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                    forceReconnect("publish to broker " + broker + " failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    private void timers() {
        long now = System.nanoTime();
        if (now - nextFlushAt >= 0) {
            try {
                buffer.flush();
            } catch (UncheckedIOException e) {
                diskTrouble(e);
            }
            nextFlushAt = now + tuning.flushInterval().toNanos();
        }
        if (state == State.DISCONNECTED && now - nextConnectAt >= 0) {
            connect();
        }
    }

    private void connect() {
        generation++;
        state = State.CONNECTING;
        reportStatus(true);
        try {
            client.connect(options, generation, connectListener);
        } catch (MqttException e) {
            connectFailed(new ConnectFailed(generation, e));
        }
    }

    private void connected() {
        if (state != State.CONNECTING) {
            return;
        }
        state = State.CONNECTED;
        if (attempt > 0 || connects.get() > 0) {
            LOG.log(System.Logger.Level.INFO, "connected to MQTT broker " + broker
                    + (buffer.size() > 0 ? ", delivering " + buffer.size() + " buffered messages" : ""));
        } else {
            LOG.log(System.Logger.Level.INFO, "connected to MQTT broker " + broker);
        }
        attempt = 0;
        lastError = null;
        connects.incrementAndGet();
        send(topics.available(), "online".getBytes(StandardCharsets.US_ASCII), 1, true);
        retained.forEach((topic, r) -> send(topic, r.payload(), r.qos(), true));
        if (config.homeAssistant()) {
            try {
                client.subscribe(HomeAssistantSensors.STATUS_TOPIC, 1);
            } catch (MqttException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot subscribe to " + HomeAssistantSensors.STATUS_TOPIC + " on " + broker + ": "
                        + e.getMessage());
            }
        }
        reportStatus(true);
    }

    private void connectFailed(ConnectFailed failure) {
        if (failure.generation() != generation || state != State.CONNECTING) {
            return;
        }
        connectFailures.incrementAndGet();
        attempt++;
        String message = BrokerFailure.connectFailed(broker, failure.cause());
        Duration delay = tuning.backoff().delay(attempt);
        if (!message.equals(lastError)) {
            LOG.log(System.Logger.Level.WARNING, message + "; retrying in " + seconds(delay));
        } else {
            LOG.log(System.Logger.Level.DEBUG, message + " (attempt " + attempt + "); retrying in " + seconds(delay));
        }
        lastError = message;
        state = State.DISCONNECTED;
        nextConnectAt = System.nanoTime() + delay.toNanos();
        reportStatus(true);
    }

    private void lost(String message) {
        if (state != State.CONNECTED) {
            return;
        }
        connectionLosses.incrementAndGet();
        generation++;
        buffer.resendAll();
        attempt = 1;
        Duration delay = tuning.backoff().delay(attempt);
        LOG.log(System.Logger.Level.WARNING, message + "; buffering, reconnecting in " + seconds(delay));
        lastError = message;
        state = State.DISCONNECTED;
        nextConnectAt = System.nanoTime() + delay.toNanos();
        reportStatus(true);
    }

    private void forceReconnect(String message) {
        lost(message);
        try {
            client.disconnectForcibly(0, 200);
        } catch (MqttException e) {
            LOG.log(System.Logger.Level.DEBUG, "forced disconnect from " + broker + ": " + e.getMessage());
        }
    }

    private void shutdown() throws InterruptedException {
        Object command;
        while ((command = inbox.poll()) != null) {
            if (!(command instanceof Close)) {
                handle(command);
            }
        }
        long deadline = System.nanoTime() + CLOSE_FLUSH.toNanos();
        while (state == State.CONNECTED && buffer.size() > 0 && System.nanoTime() - deadline < 0) {
            pump();
            command = inbox.poll(50, TimeUnit.MILLISECONDS);
            if (command != null && !(command instanceof Close)) {
                handle(command);
            }
        }
        try {
            if (state == State.CONNECTED) {
                IMqttDeliveryToken token = client.publish(topics.available(),
                        "stopped".getBytes(StandardCharsets.US_ASCII), 1, true);
                token.waitForCompletion(1000);
                client.disconnect(1000).waitForCompletion(1500);
            }
        } catch (MqttException e) {
            LOG.log(System.Logger.Level.DEBUG, "disconnect from " + broker + ": " + e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the MQTT client: " + e.getMessage());
        }
        long left = buffer.size();
        buffer.close();
        if (left > 0) {
            LOG.log(System.Logger.Level.INFO, left + " MQTT messages stay buffered in " + config.bufferDir()
                    + " for the next start");
        }
        state = State.STOPPED;
        reportStatus(true);
    }

    private void reportStatus(boolean now) {
        long time = System.nanoTime();
        if (!now && time - lastStatusAt < STATUS_INTERVAL.toNanos()) {
            return;
        }
        long droppedTotal = 0;
        for (AtomicLong n : dropped.values()) {
            droppedTotal += n.get();
        }
        MqttStatus current = new MqttStatus(state.wireName(), broker,
                buffer.size() + handoff.get(), droppedTotal, Optional.ofNullable(lastError));
        if (!current.equals(lastStatus)) {
            lastStatus = current;
            lastStatusAt = time;
            try {
                status.accept(current);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "MQTT status consumer failed: " + e);
            }
        }
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private final IMqttActionListener connectListener = new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
            // connectComplete() reports it, for first connects and reconnects alike.
        }

        @Override
        public void onFailure(IMqttToken token, Throwable failure) {
            post(new ConnectFailed((Integer) token.getUserContext(), failure));
        }
    };

    private final IMqttActionListener deliveryListener = new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
            post(token.getUserContext());
        }

        @Override
        public void onFailure(IMqttToken token, Throwable failure) {
            Delivered d = (Delivered) token.getUserContext();
            post(new Undelivered(d.generation(), d.message(), Objects.requireNonNullElse(failure,
                    new IllegalStateException("no reason given"))));
        }
    };

    private final class Callbacks implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            post(new ConnectComplete());
        }

        @Override
        public void connectionLost(Throwable cause) {
            post(new ConnectionLost(cause));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (HomeAssistantSensors.STATUS_TOPIC.equals(topic) && "online".equals(new String(message.getPayload(), StandardCharsets.UTF_8))) {
                post(new HomeAssistantOnline());
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // Tracked per message through deliveryListener.
        }
    }
}
