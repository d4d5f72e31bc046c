package dev.logowatch.engine;

import java.util.Arrays;

/**
 * Resampling weights along one axis: for each output pixel, the run of source pixels it
 * reads and their weights. The filter is a triangle (bilinear) that widens with the
 * reduction factor when shrinking, so it averages every source pixel under the output
 * pixel instead of skipping most of them (what PIL and torchvision do with antialiasing,
 * which is how training pipelines see images). Buffers are reused between crops.
 */
final class AxisTaps {
    /** First output pixel that shows source content; before it is padding. */
    int start;
    /** One past the last output pixel that shows source content. */
    int end;
    int stride;
    /**
     * Taps every output pixel reads, once {@link #pad} made them all the same; 0 before. A fixed
     * count lets the horizontal pass run a loop without a data-dependent branch per pixel.
     */
    int taps;
    private int sourceLimit;
    int[] first = new int[0];
    int[] count = new int[0];
    float[] weights = new float[0];

    /**
     * @param outputSize  output pixels along the axis
     * @param offset      output position of the scaled content's first pixel (negative: cut)
     * @param contentSize length of the scaled content in output pixels
     * @param sourceStart source coordinate of the content's first edge
     * @param sourceSpan  source length the content covers
     * @param sourceLimit source pixels along the axis; taps stay inside
     */
    void compute(int outputSize, int offset, int contentSize, double sourceStart, double sourceSpan,
                 int sourceLimit) {
        this.sourceLimit = sourceLimit;
        start = Math.max(0, offset);
        end = Math.min(outputSize, offset + contentSize);
        int n = Math.max(0, end - start);
        double step = sourceSpan / contentSize;
        double support = Math.max(1.0, step);
        stride = (int) Math.ceil(2 * support) + 2;
        if (first.length < n) {
            first = new int[n];
            count = new int[n];
        }
        if (weights.length < n * stride) {
            weights = new float[n * stride];
        }
        for (int i = 0; i < n; i++) {
            double center = sourceStart + (start + i - offset + 0.5) * step;
            int lo = Math.max(0, (int) Math.floor(center - support));
            int hi = Math.min(sourceLimit, (int) Math.ceil(center + support));
            int base = i * stride;
            int used = 0;
            int firstUsed = -1;
            double total = 0;
            for (int j = lo; j < hi; j++) {
                double w = 1 - Math.abs(j + 0.5 - center) / support;
                if (w <= 0) {
                    if (firstUsed >= 0) {
                        break;
                    }
                    continue;
                }
                if (firstUsed < 0) {
                    firstUsed = j;
                }
                weights[base + used++] = (float) w;
                total += w;
            }
            if (used == 0) {
                // Only reachable for a content edge exactly on the image border.
                firstUsed = Math.min(sourceLimit - 1, Math.max(0, (int) Math.floor(center)));
                weights[base] = 1;
                used = 1;
                total = 1;
            }
            for (int k = 0; k < used; k++) {
                weights[base + k] = (float) (weights[base + k] / total);
            }
            first[i] = firstUsed;
            count[i] = used;
        }
        taps = 0;
    }

    /**
     * Gives every output pixel the same number of taps, the most any reads, by adding taps of
     * weight zero after its run (or before it, at the source's far edge). Each output value is
     * the same, bit for bit: the added products are zero and the real ones keep their order.
     * A run never holds more pixels than the source has, so there is always room.
     */
    void pad() {
        int n = size();
        int most = 0;
        for (int i = 0; i < n; i++) {
            most = Math.max(most, count[i]);
        }
        for (int i = 0; i < n; i++) {
            int used = count[i];
            if (used == most) {
                continue;
            }
            int base = i * stride;
            int from = Math.min(first[i], sourceLimit - most);
            int shift = first[i] - from;
            if (shift > 0) {
                System.arraycopy(weights, base, weights, base + shift, used);
                Arrays.fill(weights, base, base + shift, 0f);
            }
            Arrays.fill(weights, base + shift + used, base + most, 0f);
            first[i] = from;
            count[i] = most;
        }
        taps = most;
    }

    int size() {
        return Math.max(0, end - start);
    }
}
