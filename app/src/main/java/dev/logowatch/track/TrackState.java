package dev.logowatch.track;

/** A track is tentative until enough frames agree; only confirmed tracks make appearances. */
public enum TrackState {
    TENTATIVE, CONFIRMED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
