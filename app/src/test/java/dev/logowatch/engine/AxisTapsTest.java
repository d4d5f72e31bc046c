package dev.logowatch.engine;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class AxisTapsTest {

    /** Each output pixel's weighted sum, in the order the horizontal pass forms it. */
    private static float[] filter(AxisTaps taps, float[] row) {
        float[] out = new float[taps.size()];
        for (int i = 0; i < out.length; i++) {
            float sum = 0;
            for (int k = 0; k < taps.count[i]; k++) {
                sum += taps.weights[i * taps.stride + k] * row[taps.first[i] + k];
            }
            out[i] = sum;
        }
        return out;
    }

    @Test
    void paddingToOneTapCountChangesNoOutputBit() {
        Random random = new Random(7);
        float[] row = new float[500];
        for (int i = 0; i < row.length; i++) {
            row[i] = random.nextInt(256);
        }
        // Enlarging, mild and strong shrinking, a run ending at the source's last pixel, and a
        // fractional start: every case where the raw counts differ from pixel to pixel.
        double[][] cases = {{100, 37.5}, {128, 180}, {128, 288}, {24, 54}, {64, 433.3}, {90, 127.25}};
        for (double[] c : cases) {
            int output = (int) c[0];
            double span = c[1];
            double start = row.length - span;
            AxisTaps taps = new AxisTaps();
            taps.compute(output, 0, output, start, span, row.length);
            int rawMost = 0;
            int rawLeast = Integer.MAX_VALUE;
            for (int i = 0; i < taps.size(); i++) {
                rawMost = Math.max(rawMost, taps.count[i]);
                rawLeast = Math.min(rawLeast, taps.count[i]);
            }
            assertThat(rawLeast).as("%s px from %s has runs of different lengths", output, span).isLessThan(rawMost);
            float[] before = filter(taps, row);

            taps.pad();

            assertThat(taps.taps).as("%s px from %s", output, span).isEqualTo(rawMost);
            for (int i = 0; i < taps.size(); i++) {
                assertThat(taps.count[i]).isEqualTo(rawMost);
                assertThat(taps.first[i] + taps.count[i]).as("pixel %d stays inside the source", i)
                        .isLessThanOrEqualTo(row.length);
            }
            assertThat(filter(taps, row)).as("%s px from %s (raw counts %d..%d)", output, span, rawLeast, rawMost)
                    .containsExactly(before);
        }
    }
}
