package dev.logowatch.cli;

import java.util.Locale;

/**
 * A progress line on the terminal (items done, rate, ETA), redrawn at most a few times a
 * second; on a non-terminal (logs, CI) it prints a line every 10% instead.
 */
final class Progress {
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private long done;
    private long lastDraw;
    private int lastDecile = -1;

    Progress(String label, long total) {
        this.label = label;
        this.total = total;
    }

    void step() {
        done++;
        long now = System.nanoTime();
        if (terminal && now - lastDraw > 200_000_000L) {
            lastDraw = now;
            System.err.print("\r" + line(now));
        } else if (!terminal && total > 0) {
            int decile = (int) (done * 10 / total);
            if (decile != lastDecile) {
                lastDecile = decile;
                System.err.println(line(now));
            }
        }
    }

    void done() {
        if (terminal) {
            System.err.print("\r" + line(System.nanoTime()) + "\n");
        }
    }

    private String line(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        String eta = total > 0 && rate > 0 ? String.format(Locale.ROOT, "%.0f s", (total - done) / rate) : "?";
        int width = 30;
        int filled = total > 0 ? (int) (width * done / total) : 0;
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d  %.1f/s  ETA %s ", label, "#".repeat(filled),
                " ".repeat(width - filled), done, total, rate, eta);
    }
}
