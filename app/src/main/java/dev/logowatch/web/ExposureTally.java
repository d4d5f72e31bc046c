package dev.logowatch.web;

import dev.logowatch.track.Appearance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long each brand was on screen in a time window ("today", "the last hour"), from the
 * appearances that ended and those still open. An appearance that began before the window
 * counts with the share of its visible seconds that falls inside it (visible time is spread
 * evenly over the appearance: the tracker keeps no finer record). Ended appearances are kept
 * for {@link #KEPT} and at most {@link #MAX_KEPT} of them, so memory stays bounded however
 * long the device runs.
 */
public final class ExposureTally {
    static final Duration KEPT = Duration.ofHours(26);
    static final int MAX_KEPT = 20_000;

    /** One brand's exposure in a window. */
    public record Total(double seconds, int appearances) {
    }

    private final ArrayDeque<Appearance> ended = new ArrayDeque<>();

    synchronized void ended(Appearance a) {
        ended.addLast(a);
        while (ended.size() > MAX_KEPT) {
            ended.removeFirst();
        }
    }

    /** Per brand id, sorted: the ended appearances and {@code open} ones, within {@code from} .. {@code now}. */
    synchronized Map<String, Total> since(Instant from, Instant now, Collection<Appearance> open) {
        while (!ended.isEmpty() && ended.peekFirst().end().isBefore(now.minus(KEPT))) {
            ended.removeFirst();
        }
        Map<String, Total> totals = new TreeMap<>();
        for (Appearance a : ended) {
            add(totals, a, from);
        }
        for (Appearance a : open) {
            add(totals, a, from);
        }
        return totals;
    }

    private static void add(Map<String, Total> totals, Appearance a, Instant from) {
        if (a.end().isBefore(from)) {
            return;
        }
        long span = Duration.between(a.start(), a.end()).toMillis();
        long inside = Duration.between(a.start().isBefore(from) ? from : a.start(), a.end()).toMillis();
        double share = span <= 0 ? 1.0 : (double) inside / span;
        double seconds = a.visibleSeconds() * share;
        totals.merge(a.brand(), new Total(seconds, 1), (x, y) -> new Total(x.seconds() + y.seconds(),
                x.appearances() + y.appearances()));
    }
}
