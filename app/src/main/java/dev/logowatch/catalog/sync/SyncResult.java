package dev.logowatch.catalog.sync;

import java.time.Duration;
import java.util.Optional;

/**
 * How one sync attempt ended.
 *
 * @param outcome    updated, unchanged or failed
 * @param version    the version in force afterwards
 * @param downloaded files fetched from the server
 * @param bytes      bytes fetched for those files
 * @param reused     files taken from versions already on the device
 * @param error      why it failed; empty unless {@link Outcome#FAILED}
 * @param took       wall time of the attempt
 */
public record SyncResult(Outcome outcome, String version, int downloaded, long bytes, int reused,
                         Optional<String> error, Duration took) {

    public enum Outcome {
        /** A new version was installed and published. */
        UPDATED,
        /** The server's manifest is the one in force (304, or the same content). */
        UNCHANGED,
        /** Nothing changed on the device; see {@link #error()}. */
        FAILED
    }

    public boolean failed() {
        return outcome == Outcome.FAILED;
    }
}
