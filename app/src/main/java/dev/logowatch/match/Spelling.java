package dev.logowatch.match;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;

/**
 * Whether text read off a logo spells a brand's name. Readings of real logos drop, swap and
 * add characters (stylised letters, a mark's edge read as an "I"), and a crop often holds more
 * than the name or only part of it, so the name is looked for inside the reading, and a
 * reading of four or more characters inside the name, allowing edits.
 */
public final class Spelling {
    /** Shorter parts of a name are too easily read by chance. */
    private static final int MIN_PART = 4;

    private Spelling() {
    }

    /** Upper-case letters and digits only, accents removed: how names and readings are compared. */
    public static String normalise(String text) {
        String decomposed = Normalizer.normalize(text, Normalizer.Form.NFKD);
        StringBuilder out = new StringBuilder(decomposed.length());
        decomposed.codePoints()
                .filter(Character::isLetterOrDigit)
                .forEach(out::appendCodePoint);
        return out.toString().toUpperCase(Locale.ROOT);
    }

    /**
     * How well {@code reading} spells any of {@code names}, from 0 to 1: for the best name, 1
     * minus the fewest edits that turn part of the reading into the name (or, for a reading of
     * at least four characters, part of the name into the reading), over the shorter's length.
     */
    public static double agreement(String reading, List<String> names) {
        String r = normalise(reading);
        double best = 0;
        for (String name : names) {
            String n = normalise(name);
            if (r.isEmpty() || n.isEmpty()) {
                continue;
            }
            best = Math.max(best, holds(r, n));
            if (r.length() >= MIN_PART && r.length() < n.length()) {
                best = Math.max(best, 1 - (double) editsWithin(r, n) / r.length());
            }
        }
        return Math.max(0, best);
    }

    /**
     * How well {@code reading} holds a whole name, from 0 to 1: for the best name, 1 minus the
     * fewest edits that turn part of the reading into the name, over the name's length. A
     * reading of part of a name does not count here.
     */
    public static double wholeAgreement(String reading, List<String> names) {
        String r = normalise(reading);
        double best = 0;
        for (String name : names) {
            String n = normalise(name);
            if (!r.isEmpty() && !n.isEmpty()) {
                best = Math.max(best, holds(r, n));
            }
        }
        return best;
    }

    /** 1 minus the edits that turn part of the normalised reading into the normalised name, over its length. */
    private static double holds(String reading, String name) {
        return 1 - (double) editsWithin(name, reading) / name.length();
    }

    /**
     * Whether the reading, two characters or more, is found letter for letter inside one of the
     * names: too weak to name a brand, enough not to contradict it.
     */
    public static boolean partOf(String reading, List<String> names) {
        String r = normalise(reading);
        return r.length() >= 2 && names.stream().anyMatch(n -> normalise(n).contains(r));
    }

    /** Fewest edits turning some substring of {@code text} into {@code word} (free start and end in text). */
    static int editsWithin(String word, String text) {
        int[] previous = new int[text.length() + 1];
        int[] current = new int[text.length() + 1];
        for (int i = 1; i <= word.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= text.length(); j++) {
                int substitute = previous[j - 1] + (word.charAt(i - 1) == text.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        int best = Integer.MAX_VALUE;
        for (int v : previous) {
            best = Math.min(best, v);
        }
        return best;
    }
}
