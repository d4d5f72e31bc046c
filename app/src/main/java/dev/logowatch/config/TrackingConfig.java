package dev.logowatch.config;

import java.time.Duration;

/**
 * Smoothing matches over time into appearances.
 *
 * @param iou            minimum box overlap for a match to join an existing track
 * @param minFrames      frames a track must be seen in before it is confirmed
 * @param maxGap         frames a track may go unseen before its appearance ends
 * @param window         number of recent matches whose median similarity confirms a track
 * @param updateInterval how often an open appearance publishes an {@code update} event
 */
public record TrackingConfig(double iou, int minFrames, int maxGap, int window, Duration updateInterval) {
    static TrackingConfig read(ConfigNode node) {
        double iou = node.number("iou", 0.3, 0.0, 1.0);
        int minFrames = node.integer("min-frames", 3, 1, 1000);
        int maxGap = node.integer("max-gap", 6, 0, 10_000);
        int window = node.integer("window", 5, 1, 1000);
        Duration update = node.duration("update-interval", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofHours(1));
        node.rejectUnknownKeys();
        return new TrackingConfig(iou, minFrames, maxGap, window, update);
    }
}
