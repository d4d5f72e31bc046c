package dev.logowatch.track;

/** Where a track stands with the remote verifier. */
public enum Verification {
    /** Similarity was high enough that nobody asks. */
    NOT_NEEDED,
    /** Borderline, waiting for the verifier's answer. */
    PENDING,
    /** The verifier said it is the brand. */
    CONFIRMED,
    /** The verifier said it is not the brand. */
    REJECTED,
    /** The verifier could not answer (down, timed out, unreadable reply). */
    UNVERIFIED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
