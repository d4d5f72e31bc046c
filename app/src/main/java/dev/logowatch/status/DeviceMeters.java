package dev.logowatch.status;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The device's meters, exported as Prometheus text on {@code /observe/metrics}. Stream, MQTT
 * and readiness figures are read from their owners when scraped, so there is one source of
 * truth; stage timings and verifier outcomes are recorded here by the stages.
 */
public final class DeviceMeters {
    /**
     * The stages a frame passes through, each timed; {@code FRAME} is a frame's whole time in
     * its stream worker (everything after decoding), so overhead outside the stages shows.
     */
    public enum Stage { DECODE, PREPROCESS, PROPOSE, EMBED, MATCH, KEYPOINTS, TEXT, TRACK, PUBLISH, FRAME }

    /** A stage's totals so far: calls and seconds, for differences over a measuring window. */
    public record StageTotals(long count, double seconds) {
        public StageTotals minus(StageTotals earlier) {
            return new StageTotals(count - earlier.count, seconds - earlier.seconds);
        }
    }

    /** How a call to the remote verifier ended. */
    public enum VerifierOutcome { YES, NO, UNVERIFIED, TIMEOUT, ERROR, SKIPPED }

    private final MeterRegistry registry;
    private final Map<Stage, Timer> stages = new ConcurrentHashMap<>();
    private final Map<VerifierOutcome, Counter> outcomes = new ConcurrentHashMap<>();

    public DeviceMeters(MeterRegistry registry, Supplier<MqttStatus> mqtt, BooleanSupplier ready) {
        this.registry = registry;
        for (Stage stage : Stage.values()) {
            stages.put(stage, registry.getOrCreate(Timer.builder("logowatch.stage.duration")
                    .description("Time spent per frame in each pipeline stage")
                    .tags(List.of(Tag.create("stage", name(stage))))));
        }
        for (VerifierOutcome outcome : VerifierOutcome.values()) {
            outcomes.put(outcome, registry.getOrCreate(Counter.builder("logowatch.verifier.calls")
                    .description("Remote verifier calls by outcome")
                    .tags(List.of(Tag.create("outcome", name(outcome))))));
        }
        bind(Gauge.builder("logowatch.mqtt.queued", mqtt, m -> m.get().queued())
                .description("Messages waiting for the broker"), List.of());
        bind(FunctionalCounter.builder("logowatch.mqtt.dropped", mqtt, m -> m.get().dropped())
                .description("Messages that will never reach the broker: buffer full, or QoS 0 while disconnected"), List.of());
        bind(Gauge.builder("logowatch.ready", ready, r -> r.getAsBoolean() ? 1 : 0)
                .description("1 when models are loaded and every stream is live"), List.of());
    }

    /** Meters in the process-wide registry, which Helidon's {@code /observe/metrics} endpoint exports. */
    public static DeviceMeters create(Supplier<MqttStatus> mqtt, BooleanSupplier ready) {
        return new DeviceMeters(Metrics.globalRegistry(), mqtt, ready);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Exposes a stream's figures; call once when the stream is registered. */
    public void stream(StreamHealth stream) {
        List<Tag> tags = List.of(Tag.create("stream", stream.id()));
        bind(Gauge.builder("logowatch.stream.input.fps", stream, StreamHealth::inputFps)
                .description("Frames per second arriving from the stream"), tags);
        bind(Gauge.builder("logowatch.stream.processed.fps", stream, StreamHealth::processedFps)
                .description("Frames per second recognised"), tags);
        bind(FunctionalCounter.builder("logowatch.stream.dropped", stream, StreamHealth::droppedCount)
                .description("Frames skipped because the pipeline was busy"), tags);
        bind(FunctionalCounter.builder("logowatch.stream.reconnects", stream, StreamHealth::reconnectCount)
                .description("Times the stream was reopened after a failure"), tags);
        bind(Gauge.builder("logowatch.stream.live", stream, s -> s.state() == StreamHealth.State.LIVE ? 1 : 0)
                .description("1 while the stream delivers frames"), tags);
    }

    /**
     * Registers a meter that reads an object's state, replacing one of the same name and tags:
     * Helidon keeps meters process-wide, and a meter bound to a stopped board would report
     * stale figures after a restart within the same JVM.
     */
    private <B extends io.helidon.metrics.api.Meter.Builder<B, M>, M extends io.helidon.metrics.api.Meter> void bind(
            B builder, List<Tag> tags) {
        builder.tags(tags);
        Map<String, String> wanted = new java.util.HashMap<>();
        tags.forEach(t -> wanted.put(t.key(), t.value()));
        // Match on our own tags only: the registry adds a scope tag of its own.
        List.copyOf(registry.meters(m -> m.id().name().equals(builder.name())
                        && m.id().tagsMap().entrySet().containsAll(wanted.entrySet())))
                .forEach(registry::remove);
        registry.getOrCreate(builder);
    }

    public void record(Stage stage, Duration duration) {
        stages.get(stage).record(duration);
    }

    public java.util.EnumMap<Stage, StageTotals> stageTotals() {
        java.util.EnumMap<Stage, StageTotals> totals = new java.util.EnumMap<>(Stage.class);
        stages.forEach((stage, timer) -> totals.put(stage,
                new StageTotals(timer.count(), timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) / 1e9)));
        return totals;
    }

    public void verifierCall(VerifierOutcome outcome) {
        outcomes.get(outcome).increment();
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
