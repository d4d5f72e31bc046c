package dev.logowatch.catalog;

import dev.logowatch.config.CatalogConfig.Aggregation;

import java.util.Arrays;

/**
 * Turns a brand's reference embeddings into the rows the matcher compares against.
 *
 * <p>{@code TRIMMED_MEAN} drops only clear outliers, such as a wrong file dropped into the
 * brand's folder: with at least {@value #TRIM_MIN_REFERENCES} references, a reference whose
 * cosine to the plain mean lies more than {@value #TRIM_K} × MAD below the median of those
 * cosines is left out (MAD is floored at {@value #TRIM_MAD_FLOOR}, so references that agree
 * closely are never trimmed for tiny differences). At most half can lie below the median, so
 * at least half are always kept. A fixed "drop the worst 20 %" would throw away good variants
 * of every clean brand; this rule leaves clean brands untouched.
 */
final class Prototypes {
    static final int TRIM_MIN_REFERENCES = 4;
    static final double TRIM_K = 3.0;
    static final double TRIM_MAD_FLOOR = 0.05;

    /**
     * @param rows prototype rows, L2-normalised: one for the means, every kept reference for max
     * @param kept per reference, whether it contributed
     */
    record Result(float[][] rows, boolean[] kept) {
    }

    private Prototypes() {
    }

    /** @param references L2-normalised, at least one, all of one length */
    static Result aggregate(Aggregation aggregation, float[][] references) {
        boolean[] kept = new boolean[references.length];
        Arrays.fill(kept, true);
        return switch (aggregation) {
            case MAX -> new Result(references.clone(), kept);
            case MEAN -> new Result(new float[][] {mean(references, kept)}, kept);
            case TRIMMED_MEAN -> {
                trim(references, kept);
                yield new Result(new float[][] {mean(references, kept)}, kept);
            }
        };
    }

    private static void trim(float[][] references, boolean[] kept) {
        int n = references.length;
        if (n < TRIM_MIN_REFERENCES) {
            return;
        }
        float[] mean = mean(references, kept);
        double[] cosines = new double[n];
        for (int i = 0; i < n; i++) {
            cosines[i] = dot(references[i], mean);
        }
        double median = median(cosines.clone());
        double[] deviations = new double[n];
        for (int i = 0; i < n; i++) {
            deviations[i] = Math.abs(cosines[i] - median);
        }
        double mad = Math.max(median(deviations), TRIM_MAD_FLOOR);
        for (int i = 0; i < n; i++) {
            kept[i] = cosines[i] >= median - TRIM_K * mad;
        }
    }

    /**
     * The re-normalised mean of the kept references. Should they cancel out (opposite
     * vectors, which real logos never give), the first kept reference stands in.
     */
    private static float[] mean(float[][] references, boolean[] kept) {
        int dim = references[0].length;
        double[] sum = new double[dim];
        int first = -1;
        for (int i = 0; i < references.length; i++) {
            if (!kept[i]) {
                continue;
            }
            if (first < 0) {
                first = i;
            }
            for (int d = 0; d < dim; d++) {
                sum[d] += references[i][d];
            }
        }
        double norm = 0;
        for (double v : sum) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        if (norm < 1e-9) {
            return references[first].clone();
        }
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (sum[d] / norm);
        }
        return out;
    }

    /** A unit-length copy, or {@code null} for a zero or non-finite vector. */
    static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        if (!(norm > 1e-12) || !Double.isFinite(norm)) {
            return null;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double median(double[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
