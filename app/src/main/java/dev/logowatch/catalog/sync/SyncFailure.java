package dev.logowatch.catalog.sync;

/**
 * An expected way for a sync attempt to fail (server unreachable, bad manifest, checksum
 * mismatch, disk full). The message is the whole story for the status page and the log:
 * what, where, why; so no stack trace is kept.
 */
final class SyncFailure extends Exception {
    SyncFailure(String message) {
        super(message, null, false, false);
    }
}
