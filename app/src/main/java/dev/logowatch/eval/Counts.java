package dev.logowatch.eval;

/** True positives, false positives and false negatives, and what follows from them. */
public record Counts(long tp, long fp, long fn) {
    public static final Counts ZERO = new Counts(0, 0, 0);

    public Counts plus(Counts o) {
        return new Counts(tp + o.tp, fp + o.fp, fn + o.fn);
    }

    /** 1 when nothing was predicted: no prediction was wrong. */
    public double precision() {
        return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
    }

    /** 1 when nothing was there to find. */
    public double recall() {
        return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
    }

    public double f1() {
        double p = precision();
        double r = recall();
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
