package dev.logowatch.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.logowatch.engine.Box;
import dev.logowatch.source.Frame;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Detection;
import dev.logowatch.verify.Verdict;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * The wire form of what the device reports, shared by MQTT and the status page. Written
 * out field by field, not derived from the records, because the payloads are a contract
 * that central servers parse: renaming a Java field must not rename a JSON key.
 */
public final class Payloads {
    /** Version of the payload contract, present in every payload. */
    public static final int SCHEMA = 1;

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** snake_case keys, ISO-8601 UTC timestamps with milliseconds, absent optionals omitted. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new Jdk8Module())
            .registerModule(new SimpleModule().addSerializer(Instant.class, new JsonSerializer<>() {
                @Override
                public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers)
                        throws IOException {
                    gen.writeString(timestamp(value));
                }
            }))
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_ABSENT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Payloads() {
    }

    public static String timestamp(Instant instant) {
        return ISO_MILLIS.format(instant);
    }

    public static ObjectNode detection(Detection d) {
        ObjectNode node = JSON.createObjectNode();
        node.put("track", d.track());
        node.put("brand", d.brand());
        node.put("similarity", round(d.similarity()));
        node.put("margin", round(d.margin()));
        if (d.runnerUp().isPresent()) {
            node.put("runner_up", d.runnerUp().get());
        } else {
            node.putNull("runner_up");
        }
        box(node, d.box());
        node.put("state", d.state().wireName());
        node.put("verification", d.verification().wireName());
        return node;
    }

    /** A detection with its frame context, as the status page lists recent ones. */
    public static ObjectNode detectionWithFrame(Detection d) {
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", SCHEMA);
        node.put("stream", d.stream());
        node.put("ts", timestamp(d.timestamp()));
        node.put("frame", d.frame());
        node.setAll(detection(d));
        return node;
    }

    /** One processed frame's matches, as on {@code …/detections}. */
    public static ObjectNode detections(Frame frame, List<Detection> detections) {
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", SCHEMA);
        node.put("stream", frame.stream());
        node.put("ts", timestamp(frame.timestamp()));
        node.put("frame", frame.sequence());
        node.put("width", frame.width());
        node.put("height", frame.height());
        var array = node.putArray("detections");
        for (Detection d : detections) {
            array.add(detection(d));
        }
        return node;
    }

    /** The catalog in use, as on {@code …/catalog}. */
    public static ObjectNode catalog(String version, int brands, String model) {
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", SCHEMA);
        node.put("version", version);
        node.put("brands", brands);
        node.put("model", model);
        return node;
    }

    /**
     * A payload assembled elsewhere (verifications, stats), with {@code schema} first and,
     * when {@code at} is given, {@code ts}; keys of {@code body} win over both.
     */
    public static ObjectNode wrap(ObjectNode body, Instant at) {
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", SCHEMA);
        if (at != null) {
            node.put("ts", timestamp(at));
        }
        node.setAll(body);
        return node;
    }

    public static ObjectNode event(Appearance.Event event) {
        Appearance a = event.appearance();
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", SCHEMA);
        node.put("type", event.type().wireName());
        node.setAll(appearance(a));
        return node;
    }

    public static ObjectNode appearance(Appearance a) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", a.id());
        node.put("stream", a.stream());
        node.put("brand", a.brand());
        node.put("start", timestamp(a.start()));
        node.put("end", timestamp(a.end()));
        node.put("seconds", Math.round(a.visibleSeconds() * 10) / 10.0);
        node.put("best_similarity", round(a.bestSimilarity()));
        box(node, a.box());
        node.put("verification", a.verification().wireName());
        return node;
    }

    /**
     * A verifier's verdict on a track. {@code event} is the appearance id when the track is
     * already an appearance, else null (a borderline track becomes one only after a "yes").
     */
    public static ObjectNode verification(Verdict v, Optional<String> appearanceId) {
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", SCHEMA);
        if (appearanceId.isPresent()) {
            node.put("event", appearanceId.get());
        } else {
            node.putNull("event");
        }
        node.put("stream", v.stream());
        node.put("track", v.trackId());
        node.put("brand", v.brand());
        node.put("verdict", switch (v.verification()) {
            case CONFIRMED -> "yes";
            case REJECTED -> "no";
            default -> "unverified";
        });
        node.put("confidence", round(v.confidence()));
        node.put("cues", v.cues());
        node.put("model", v.model());
        node.put("latency_ms", v.latencyMs());
        node.put("detail", v.detail());
        return node;
    }

    private static void box(ObjectNode node, Box box) {
        var array = node.putArray("box");
        for (int v : box.toArray()) {
            array.add(v);
        }
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
