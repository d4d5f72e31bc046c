package dev.logowatch.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.publish.Payloads;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.MqttStatus;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.status.VerifierStatus;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Detection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Everything the status page shows, in memory: the stages write their state here and the
 * web layer reads it. Recent detections and appearance events are also pushed to live
 * subscribers (the page's server-sent events) through bounded queues: a slow browser loses
 * its oldest messages, never slows a stream.
 */
public final class StatusBoard {
    public static final int RECENT_DETECTIONS = 50;
    /** Ended appearances listed on the page, newest first. */
    public static final int RECENT_APPEARANCES = 20;
    static final int MAX_SUBSCRIBERS = 16;
    private static final int SUBSCRIBER_QUEUE = 256;

    public record CatalogStatus(String version, int brands, String state, Optional<String> error) {
        public static CatalogStatus none() {
            return new CatalogStatus("none", 0, "none", Optional.empty());
        }
    }

    public record ModelStatus(String engine, Optional<String> detector, Optional<String> embedder, String state,
                              Optional<String> error) {
        public boolean ready() {
            return state.equals("loaded") || state.equals("none");
        }
    }

    /** The latest processed frame of a stream and what was found in it, for the snapshot image. */
    public record Snapshot(Frame frame, List<Detection> detections) {
    }

    /** One message for live subscribers: an SSE event name and its JSON data. */
    public record Message(String event, String json) {
    }

    private final String deviceId;
    private final String version;
    private final Clock clock;
    private final LongSupplier nanoClock;
    private final Instant started;
    private final Map<String, StreamHealth> streams = new ConcurrentHashMap<>();
    private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final List<String> streamOrder = new CopyOnWriteArrayList<>();
    private final ArrayDeque<ObjectNode> recent = new ArrayDeque<>();
    private final Map<String, Appearance> open = new LinkedHashMap<>();
    private final ArrayDeque<Appearance> recentlyEnded = new ArrayDeque<>();
    private final ExposureTally exposure = new ExposureTally();
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong subscriberDrops = new AtomicLong();
    private volatile CatalogStatus catalog = CatalogStatus.none();
    private volatile ModelStatus models = new ModelStatus("onnx", Optional.empty(), Optional.empty(), "none",
            Optional.empty());
    private volatile MqttStatus mqtt = new MqttStatus("disabled", "", 0, 0, Optional.empty());
    private volatile java.util.function.Supplier<VerifierStatus> verifier = VerifierStatus::disabled;

    public StatusBoard(String deviceId, String version, Clock clock, LongSupplier nanoClock) {
        this.deviceId = deviceId;
        this.version = version;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.started = clock.instant();
    }

    public static StatusBoard create(String deviceId, String version) {
        return new StatusBoard(deviceId, version, Clock.systemUTC(), System::nanoTime);
    }

    /** The device's meters, with the MQTT and readiness figures read from this board. */
    public DeviceMeters meters() {
        return DeviceMeters.create(this::mqtt, this::ready);
    }

    public String deviceId() {
        return deviceId;
    }

    public String version() {
        return version;
    }

    public Instant started() {
        return started;
    }

    public Duration uptime() {
        return Duration.between(started, clock.instant());
    }

    /** Registers a stream (idempotent) so it is listed even before its first frame. */
    public StreamHealth stream(String id, String name, String redactedUrl) {
        return streams.computeIfAbsent(id, k -> {
            streamOrder.add(k);
            return new StreamHealth(k, name, redactedUrl, nanoClock, clock);
        });
    }

    public Optional<StreamHealth> stream(String id) {
        return Optional.ofNullable(streams.get(id));
    }

    public List<StreamHealth> streams() {
        List<StreamHealth> list = new ArrayList<>();
        for (String id : streamOrder) {
            list.add(streams.get(id));
        }
        return list;
    }

    /** A frame has been through the pipeline: counted on its stream, kept for the snapshot image. */
    public void processed(Snapshot latest) {
        snapshots.put(latest.frame().stream(), latest);
        stream(latest.frame().stream()).ifPresent(s -> s.processed(latest.frame().timestamp()));
    }

    public Optional<Snapshot> snapshot(String streamId) {
        return Optional.ofNullable(snapshots.get(streamId));
    }

    public void catalog(CatalogStatus status) {
        this.catalog = status;
    }

    public CatalogStatus catalog() {
        return catalog;
    }

    public void models(ModelStatus status) {
        this.models = status;
    }

    public ModelStatus models() {
        return models;
    }

    public void mqtt(MqttStatus status) {
        this.mqtt = status;
    }

    public MqttStatus mqtt() {
        return mqtt;
    }

    /** Where the verifier's state is read from whenever the page or metrics ask. */
    public void verifier(java.util.function.Supplier<VerifierStatus> source) {
        this.verifier = source;
    }

    public VerifierStatus verifier() {
        return verifier.get();
    }

    /** Ready when the models are loaded and every stream delivers frames. */
    public boolean ready() {
        return models.ready() && streams.values().stream()
                .allMatch(s -> s.state() == StreamHealth.State.LIVE && s.workerRunning());
    }

    public void detection(Detection detection) {
        ObjectNode json = Payloads.detectionWithFrame(detection);
        synchronized (recent) {
            if (recent.size() == RECENT_DETECTIONS) {
                recent.removeLast();
            }
            recent.addFirst(json);
        }
        broadcast(new Message("detection", json.toString()));
    }

    /** The most recent detections, newest first. */
    public List<ObjectNode> recentDetections(int limit) {
        synchronized (recent) {
            return recent.stream().limit(limit).map(ObjectNode::deepCopy).toList();
        }
    }

    public void appearance(Appearance.Event event) {
        synchronized (open) {
            if (event.type() == Appearance.EventType.END) {
                open.remove(event.appearance().id());
                exposure.ended(event.appearance());
                recentlyEnded.addFirst(event.appearance());
                while (recentlyEnded.size() > RECENT_APPEARANCES) {
                    recentlyEnded.removeLast();
                }
            } else {
                open.put(event.appearance().id(), event.appearance());
            }
        }
        broadcast(new Message("appearance", Payloads.event(event).toString()));
    }

    /** Ended appearances, newest first, at most {@link #RECENT_APPEARANCES}. */
    public List<Appearance> recentAppearances() {
        synchronized (open) {
            return List.copyOf(recentlyEnded);
        }
    }

    /** Seconds on screen and appearances per brand since {@code from}, open appearances included. */
    public Map<String, ExposureTally.Total> exposureSince(Instant from) {
        List<Appearance> current = openAppearances();
        return exposure.since(from, clock.instant(), current);
    }

    /** Now, on the board's clock. */
    public Instant now() {
        return clock.instant();
    }

    public List<Appearance> openAppearances() {
        synchronized (open) {
            return List.copyOf(open.values());
        }
    }

    /** Messages dropped because a subscriber did not keep up. */
    public long subscriberDrops() {
        return subscriberDrops.get();
    }

    /** A live feed of messages, or empty when too many browsers are already connected. */
    public Optional<Subscription> subscribe() {
        // Checked and added under one lock: browsers reconnecting at once must not pass the limit together.
        synchronized (subscribers) {
            if (subscribers.size() >= MAX_SUBSCRIBERS) {
                return Optional.empty();
            }
            Subscription subscription = new Subscription();
            subscribers.add(subscription);
            return Optional.of(subscription);
        }
    }

    /** Ends every live feed, e.g. at shutdown, so their request threads return. */
    public void closeSubscriptions() {
        for (Subscription s : subscribers) {
            s.close();
        }
    }

    private void broadcast(Message message) {
        for (Subscription s : subscribers) {
            s.offer(message);
        }
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    Collection<Subscription> subscribers() {
        return subscribers;
    }

    /** One browser's feed. */
    public final class Subscription implements AutoCloseable {
        private static final Message CLOSED = new Message("", "");
        private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(SUBSCRIBER_QUEUE);
        private volatile boolean closed;

        private void offer(Message message) {
            while (!queue.offer(message)) {
                if (queue.poll() != null) {
                    subscriberDrops.incrementAndGet();
                }
            }
        }

        /** The next message, empty after the timeout; empty and {@link #isClosed()} once closed. */
        public Optional<Message> next(Duration timeout) throws InterruptedException {
            if (closed) {
                return Optional.empty();
            }
            Message m = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (m == CLOSED) {
                return Optional.empty();
            }
            return Optional.ofNullable(m);
        }

        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                subscribers.remove(this);
                queue.clear();
                queue.offer(CLOSED);
            }
        }
    }
}
