package dev.logowatch.web;

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

/**
 * The device's meters, exported as Prometheus text on {@code /observe/metrics}. Stream and
 * MQTT figures are read from the {@link StatusBoard} when scraped, so there is one source of
 * truth; stage timings and verifier outcomes are recorded here by the stages.
 */
public final class DeviceMeters {
    /** The stages a frame passes through, each timed. */
    public enum Stage { DECODE, PREPROCESS, PROPOSE, EMBED, MATCH, TRACK, PUBLISH }

    /** How a call to the remote verifier ended. */
    public enum VerifierOutcome { YES, NO, UNVERIFIED, TIMEOUT, ERROR, SKIPPED }

    private final MeterRegistry registry;
    private final Map<Stage, Timer> stages = new ConcurrentHashMap<>();
    private final Map<VerifierOutcome, Counter> outcomes = new ConcurrentHashMap<>();

    public DeviceMeters(MeterRegistry registry, StatusBoard board) {
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
        registry.getOrCreate(Gauge.builder("logowatch.mqtt.queued", board, b -> b.mqtt().queued())
                .description("Messages waiting for the broker"));
        registry.getOrCreate(FunctionalCounter.builder("logowatch.mqtt.dropped", board, b -> b.mqtt().dropped())
                .description("Messages dropped because the buffer was full"));
        registry.getOrCreate(Gauge.builder("logowatch.ready", board, b -> b.ready() ? 1 : 0)
                .description("1 when models are loaded and every stream is live"));
    }

    public static DeviceMeters create(StatusBoard board) {
        return new DeviceMeters(Metrics.createMeterRegistry(), board);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Exposes a stream's figures; call once when the stream is registered. */
    public void stream(StreamStatus stream) {
        List<Tag> tags = List.of(Tag.create("stream", stream.id()));
        registry.getOrCreate(Gauge.builder("logowatch.stream.input.fps", stream, StreamStatus::inputFps)
                .description("Frames per second arriving from the stream").tags(tags));
        registry.getOrCreate(Gauge.builder("logowatch.stream.processed.fps", stream, StreamStatus::processedFps)
                .description("Frames per second recognised").tags(tags));
        registry.getOrCreate(FunctionalCounter.builder("logowatch.stream.dropped", stream, StreamStatus::droppedCount)
                .description("Frames skipped because the pipeline was busy").tags(tags));
        registry.getOrCreate(FunctionalCounter.builder("logowatch.stream.reconnects", stream,
                        StreamStatus::reconnectCount)
                .description("Times the stream was reopened after a failure").tags(tags));
        registry.getOrCreate(Gauge.builder("logowatch.stream.live", stream,
                        s -> s.state() == StreamStatus.State.LIVE ? 1 : 0)
                .description("1 while the stream delivers frames").tags(tags));
    }

    public void record(Stage stage, Duration duration) {
        stages.get(stage).record(duration);
    }

    public void verifierCall(VerifierOutcome outcome) {
        outcomes.get(outcome).increment();
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
