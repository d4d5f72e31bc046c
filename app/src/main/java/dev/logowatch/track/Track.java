package dev.logowatch.track;

import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.engine.Box;
import dev.logowatch.match.Match;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One object followed across the frames of one stream. Mutable and owned by its
 * {@link Tracker}; nothing else sees it.
 */
final class Track {
    /** A brand's share of the track's matches. */
    static final class Votes {
        int count;
        double sum;
        double best = Double.NEGATIVE_INFINITY;
        /** From the brand's latest match, so a swapped catalog's new threshold applies at once. */
        double threshold;
        VerifyPolicy policy;
    }

    final long id;
    final Map<String, Votes> votes = new HashMap<>();
    Box box;
    Instant start;
    Instant lastSeen;
    long lastSeenFrame;
    int missed;
    long visibleNanos;

    // The last `window` matches, oldest first from `ringNext` when full.
    private final String[] ringBrand;
    private final float[] ringSimilarity;
    private final Instant[] ringTime;
    private final long[] ringVisible;
    private int ringSize;
    private int ringNext;

    /** Set when confirmed: the appearance's brand, no longer open to the vote. */
    String confirmedBrand;
    String appearanceId;
    Instant lastEvent;
    Verification published;
    // The latest sighting under the confirmed brand, where its appearance ends if the track splits.
    Instant brandLastSeen;
    long brandVisibleNanos;
    Box brandBox;

    /** The verifier's answer (CONFIRMED, REJECTED or UNVERIFIED), null until one arrives. */
    Verification verdict;
    /** The brand the verifier was asked about, null until asked. */
    String askedBrand;
    /** What detections and events show, recomputed every frame. */
    Verification verification = Verification.NOT_NEEDED;

    Track(long id, int window) {
        this.id = id;
        this.ringBrand = new String[window];
        this.ringSimilarity = new float[window];
        this.ringTime = new Instant[window];
        this.ringVisible = new long[window];
    }

    boolean confirmed() {
        return confirmedBrand != null;
    }

    /**
     * Adds this frame's match. The interval since the previous processed frame counts as
     * visible only when the track was seen in that frame too.
     */
    void see(Match match, Instant timestamp, long frame, long intervalNanos) {
        if (start == null) {
            start = timestamp;
        } else if (lastSeenFrame == frame - 1) {
            visibleNanos += intervalNanos;
        }
        box = match.box();
        lastSeen = timestamp;
        lastSeenFrame = frame;
        missed = 0;
        // A keypoint sighting is evidence on its own, whatever the embedding thought of the crop:
        // it counts as reaching the brand's threshold in the confirmation median.
        double evidence = match.keypointInliers() > 0 ? Math.max(match.similarity(), match.threshold()) : match.similarity();
        vote(match.brand(), match.similarity(), match.threshold(), match.verify());
        remember(match.brand(), (float) evidence, timestamp, visibleNanos);
        if (match.brand().equals(confirmedBrand)) {
            brandLastSeen = timestamp;
            brandVisibleNanos = visibleNanos;
            brandBox = box;
        }
    }

    private void vote(String brand, double similarity, double threshold, VerifyPolicy policy) {
        Votes v = votes.computeIfAbsent(brand, b -> new Votes());
        v.count++;
        v.sum += similarity;
        v.best = Math.max(v.best, similarity);
        v.threshold = threshold;
        v.policy = policy;
    }

    private void remember(String brand, float similarity, Instant timestamp, long visible) {
        ringBrand[ringNext] = brand;
        ringSimilarity[ringNext] = similarity;
        ringTime[ringNext] = timestamp;
        ringVisible[ringNext] = visible;
        ringNext = (ringNext + 1) % ringBrand.length;
        ringSize = Math.min(ringSize + 1, ringBrand.length);
    }

    /** The confirmed brand, else the majority of all its matches (ties: higher similarity sum, then id). */
    String brand() {
        if (confirmedBrand != null) {
            return confirmedBrand;
        }
        String best = null;
        Votes bestVotes = null;
        for (Map.Entry<String, Votes> e : votes.entrySet()) {
            Votes v = e.getValue();
            boolean better = bestVotes == null || v.count > bestVotes.count
                    || (v.count == bestVotes.count && v.sum > bestVotes.sum)
                    || (v.count == bestVotes.count && v.sum == bestVotes.sum && e.getKey().compareTo(best) < 0);
            if (better) {
                best = e.getKey();
                bestVotes = v;
            }
        }
        return best;
    }

    /**
     * Median similarity of the brand's matches among the last {@code window} matches, NaN
     * when there are none.
     *
     * @param scratch at least {@code window} long; reused to avoid allocating per frame
     */
    double recentMedian(String brand, float[] scratch) {
        int n = 0;
        for (int i = 0; i < ringSize; i++) {
            if (brand.equals(ringBrand[i])) {
                scratch[n++] = ringSimilarity[i];
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        Arrays.sort(scratch, 0, n);
        return n % 2 == 1 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2.0;
    }

    /**
     * Whether the last {@code window} matches all name brands other than the confirmed one:
     * what a perimeter board that switched sponsor looks like, as opposed to a misread or
     * two, which leave the confirmed brand somewhere in the window.
     */
    boolean brandReplaced() {
        if (confirmedBrand == null || ringSize < ringBrand.length) {
            return false;
        }
        for (String b : ringBrand) {
            if (confirmedBrand.equals(b)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A new tentative track holding this one's last {@code window} matches, to continue
     * after {@link #brandReplaced()}: it starts at the oldest of them and counts only the
     * visible time since.
     */
    Track successor(long newId) {
        Track next = new Track(newId, ringBrand.length);
        int oldest = ringSize < ringBrand.length ? 0 : ringNext;
        for (int k = 0; k < ringSize; k++) {
            int i = (oldest + k) % ringBrand.length;
            Votes from = votes.get(ringBrand[i]);
            next.vote(ringBrand[i], ringSimilarity[i], from.threshold, from.policy);
            next.remember(ringBrand[i], ringSimilarity[i], ringTime[i], ringVisible[i] - ringVisible[oldest]);
        }
        next.start = ringTime[oldest];
        next.visibleNanos = visibleNanos - ringVisible[oldest];
        next.box = box;
        next.lastSeen = lastSeen;
        next.lastSeenFrame = lastSeenFrame;
        return next;
    }
}
