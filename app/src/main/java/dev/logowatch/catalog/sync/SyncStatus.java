package dev.logowatch.catalog.sync;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the catalog sync stands, for the status page, metrics and MQTT.
 *
 * @param state               what the sync is doing or how its last attempt ended
 * @param version             the catalog version in force on this device ({@code none} before
 *                            the first; the content hash of a hand-made folder)
 * @param brands              brands in the catalog in force
 * @param lastAttempt         when the last attempt started
 * @param lastSuccess         when an attempt last ended well (updated or unchanged)
 * @param lastError           why the last attempt failed; empty once one succeeds
 * @param consecutiveFailures failed attempts since the last good one
 * @param nextAttempt         when the next poll is due, while polling runs
 */
public record SyncStatus(State state, String version, int brands, Optional<Instant> lastAttempt,
                         Optional<Instant> lastSuccess, Optional<String> lastError, int consecutiveFailures,
                         Optional<Instant> nextAttempt) {

    public enum State {
        /** No attempt yet. */
        PENDING,
        /** An attempt is running. */
        SYNCING,
        /** The last attempt installed a new version or found nothing new. */
        OK,
        /** The last attempt failed; the catalog in force is unchanged. */
        FAILED;

        /** {@code pending}, {@code syncing}, {@code ok}, {@code failed}: the name in JSON payloads. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static SyncStatus initial(String version, int brands) {
        return new SyncStatus(State.PENDING, version, brands, Optional.empty(), Optional.empty(), Optional.empty(), 0,
                Optional.empty());
    }
}
