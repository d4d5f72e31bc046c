package dev.logowatch.match;

import dev.logowatch.catalog.Catalog;
import dev.logowatch.engine.Box;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;

/**
 * What one stream's crops said lately. A board's text does not change between frames, and
 * reading a crop costs several milliseconds, so a proposal that lies where a crop was read
 * a few frames ago and still looks the same (its embedding nearly that of the crop read)
 * takes that reading instead of being read again. Comparing the embedding as well as the
 * place keeps a new mark that appears where an old one was from inheriting its text.
 */
public final class RecentReadings {
    /** Overlap with the crop read, and cosine similarity to its embedding, for a reading to carry over. */
    static final double SAME_PLACE = 0.5;
    static final double SAME_LOOK = 0.9;
    /** Regions remembered per stream; a frame reads a handful, so this spans many frames. */
    private static final int CAPACITY = 64;

    private final int reuseFrames;
    private final Deque<Entry> entries = new ArrayDeque<>();

    private record Entry(Box box, float[] vector, long sequence, TextReader.Reading reading) {
    }

    /** @param reuseFrames how many frames a reading is trusted for; 0 reads every frame afresh */
    public RecentReadings(int reuseFrames) {
        if (reuseFrames < 0) {
            throw new IllegalArgumentException("reuseFrames must be at least 0, was " + reuseFrames);
        }
        this.reuseFrames = reuseFrames;
    }

    /** The reading of a crop like {@code vector} at {@code box} within the last reuse-frames, if any. */
    public synchronized Optional<TextReader.Reading> recall(Box box, float[] vector, long sequence) {
        if (reuseFrames == 0) {
            return Optional.empty();
        }
        Iterator<Entry> it = entries.iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            long age = sequence - e.sequence;
            if (age < 0 || age > reuseFrames) {
                it.remove();
            } else if (e.box.iou(box) >= SAME_PLACE && e.vector.length == vector.length
                    && Catalog.similarity(e.vector, vector) >= SAME_LOOK) {
                return Optional.of(e.reading);
            }
        }
        return Optional.empty();
    }

    /** Remembers what the crop at {@code box}, embedded as {@code vector}, said in frame {@code sequence}. */
    public synchronized void remember(Box box, float[] vector, long sequence, TextReader.Reading reading) {
        if (reuseFrames == 0) {
            return;
        }
        entries.addFirst(new Entry(box, vector.clone(), sequence, reading));
        while (entries.size() > CAPACITY) {
            entries.removeLast();
        }
    }
}
