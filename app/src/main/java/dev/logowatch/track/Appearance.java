package dev.logowatch.track;

import dev.logowatch.engine.Box;

import java.time.Instant;

/**
 * A brand continuously visible on one stream: "Brand X on camera East for 26 s".
 * Published as events when it starts, while it lasts and when it ends.
 *
 * @param id             unique id, stable across its events
 * @param stream         stream id
 * @param brand          brand id
 * @param start          first frame it was seen in
 * @param end            last frame it was seen in so far
 * @param visibleSeconds seconds it was actually visible (gaps within the track excluded)
 * @param bestSimilarity highest similarity of any of its matches
 * @param box            its latest box
 * @param verification   the verifier's view
 */
public record Appearance(String id, String stream, String brand, Instant start, Instant end, double visibleSeconds,
                         double bestSimilarity, Box box, Verification verification) {

    /** What happened to an appearance. */
    public enum EventType {
        NEW, UPDATE, END;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One change of an appearance, as published on {@code …/events}. */
    public record Event(EventType type, Appearance appearance) {
    }
}
