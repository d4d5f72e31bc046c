package dev.logowatch.engine;

import java.util.Arrays;

/**
 * Writes one crop of a BGR image into one item of an input tensor: fitted to the model's input
 * size as its manifest says (letterbox, stretch or shortest-side resize with centre crop),
 * resampled, put in the model's channel order and normalised. Each thread filling a batch has
 * its own writer, because the tap tables and the row ring are reused from crop to crop.
 */
final class CropWriter {
    private final ModelManifest.Input input;
    private final float[] mul = new float[3];
    private final float[] add = new float[3];
    private final float[] padValue = new float[3];
    private final boolean rgb;
    private final AxisTaps columns = new AxisTaps();
    private final AxisTaps rows = new AxisTaps();
    /** The last few source rows filtered across, as a ring: the rows the current output row reads. */
    private float[] ring = new float[0];
    private float[] accumulator = new float[0];

    CropWriter(ModelManifest.Input input) {
        this.input = input;
        this.rgb = input.color() == ModelManifest.Color.RGB;
        for (int c = 0; c < 3; c++) {
            double std = input.std().get(c);
            mul[c] = (float) (input.scale() / std);
            add[c] = (float) (-input.mean().get(c) / std);
            padValue[c] = input.pad().get(c) * mul[c] + add[c];
        }
    }

    static int itemSize(ModelManifest.Input input) {
        return Math.multiplyExact(3, Math.multiplyExact(input.width(), input.height()));
    }

    /**
     * @param crop region in image pixels; parts outside the image are ignored
     * @param data the tensor's buffer
     * @param base where the item starts in {@code data}
     * @return how the crop maps into the input, to map model answers back
     * @throws IllegalArgumentException when the crop does not overlap the image
     */
    Placement write(BgrImage image, Box crop, float[] data, int base) {
        return write(image, crop, data, base, 0, 1, 1.0);
    }

    /**
     * Writes band {@code part} of {@code parts} of the item: an even share of its content rows
     * with their padding, the rows above the content with the first band and those below with
     * the last. Writers given every band of the same crop fill the item together, exactly as
     * one writer would.
     *
     * @param fit share of the letterboxed size the crop is drawn at, centred in padding (1: the
     *            whole input; below 1 only for letterbox inputs)
     */
    Placement write(BgrImage image, Box crop, float[] data, int base, int part, int parts, double fit) {
        if (!(fit > 0 && fit <= 1) || fit < 1 && input.resize() != ModelManifest.Resize.LETTERBOX) {
            throw new IllegalArgumentException("fit " + fit + " needs a letterbox input and 0 < fit <= 1");
        }
        double x1 = Math.max(0, crop.x1());
        double y1 = Math.max(0, crop.y1());
        double x2 = Math.min(image.width(), crop.x2());
        double y2 = Math.min(image.height(), crop.y2());
        if (x2 - x1 < 0.5 || y2 - y1 < 0.5) {
            throw new IllegalArgumentException("crop " + crop + " does not overlap the "
                    + image.width() + "x" + image.height() + " image");
        }
        Box region = new Box(x1, y1, x2, y2);
        int width = input.width();
        int height = input.height();
        double cw = region.width();
        double ch = region.height();
        int contentWidth;
        int contentHeight;
        int left;
        int top;
        switch (input.resize()) {
            case STRETCH -> {
                contentWidth = width;
                contentHeight = height;
                left = 0;
                top = 0;
            }
            case LETTERBOX -> {
                double s = Math.min(width / cw, height / ch) * fit;
                contentWidth = clamp((int) Math.round(cw * s), 1, width);
                contentHeight = clamp((int) Math.round(ch * s), 1, height);
                left = (width - contentWidth) / 2;
                top = (height - contentHeight) / 2;
            }
            case SHORTEST_SIDE_CROP -> {
                double s = Math.max(width / cw, height / ch);
                contentWidth = Math.max(width, (int) Math.round(cw * s));
                contentHeight = Math.max(height, (int) Math.round(ch * s));
                left = -(int) Math.round((contentWidth - width) / 2.0);
                top = -(int) Math.round((contentHeight - height) / 2.0);
            }
            default -> throw new IllegalStateException("unhandled resize " + input.resize());
        }
        columns.compute(width, left, contentWidth, region.x1(), cw, image.width());
        columns.pad();
        rows.compute(height, top, contentHeight, region.y1(), ch, image.height());
        int outRows = rows.size();
        int from = (int) ((long) outRows * part / parts);
        int to = (int) ((long) outRows * (part + 1) / parts);
        resample(image, data, base, from, to);
        pad(data, base, from, to, part == 0, part == parts - 1);
        return new Placement(region, left, top, contentWidth / cw, contentHeight / ch, width, height);
    }

    /**
     * Separable resampling, output row by output row: the source rows it reads are filtered
     * across into the ring (each source row once), then combined down into the planes. The ring
     * holds as many rows as one output row can read, so it stays in the first-level cache
     * instead of a whole crop's worth of filtered rows going through memory. Ring rows are
     * planar (all blue, all green, all red), so combining them down into the tensor's planes
     * reads and writes contiguously, which the JIT vectorises.
     */
    private void resample(BgrImage image, float[] data, int base, int fromRow, int toRow) {
        int outCols = columns.size();
        int outRows = rows.size();
        if (outCols == 0 || outRows == 0) {
            return;
        }
        int rowLength = outCols * 3;
        int slots = rows.stride;
        if (ring.length < slots * rowLength) {
            ring = new float[slots * rowLength];
        }
        if (accumulator.length < outCols) {
            accumulator = new float[outCols];
        }
        byte[] src = image.pixels();
        int srcStride = image.width() * 3;
        int width = input.width();
        int plane = width * input.height();
        float[] filtered = ring;
        int nextRow = 0;
        for (int j = fromRow; j < toRow; j++) {
            int first = rows.first[j];
            int n = rows.count[j];
            // Output rows read non-decreasing source rows, at most `slots` of them, so the rows
            // still needed were filtered within the last `slots` rows and are still in the ring.
            for (int y = Math.max(nextRow, first); y < first + n; y++) {
                filterAcross(src, y * srcStride, (y % slots) * rowLength, outCols);
            }
            nextRow = Math.max(nextRow, first + n);
            int w0 = j * rows.stride;
            int out = base + (rows.start + j) * width + columns.start;
            for (int c = 0; c < 3; c++) {
                // Tensor channel c is the ring's plane 2 - c (R, G, B) for RGB models, plane c for BGR ones.
                int channel = (rgb ? 2 - c : c) * outCols;
                combineDown(filtered, first, n, w0, slots, rowLength, channel, outCols, data, out + c * plane,
                        mul[c], add[c]);
            }
        }
    }

    /**
     * One channel of one output row: {@code n} ring rows weighted and summed, then normalised
     * into the tensor. The one- and two-row cases (enlarging, and the last rows of a crop) skip
     * the accumulator; the sums are formed in the same order, so every case gives the same bits.
     */
    private void combineDown(float[] filtered, int first, int n, int w0, int slots, int rowLength, int channel,
                             int outCols, float[] data, int out, float m, float b) {
        float[] weights = rows.weights;
        int t0 = (first % slots) * rowLength + channel;
        float u = weights[w0];
        if (n == 1) {
            for (int i = 0; i < outCols; i++) {
                data[out + i] = u * filtered[t0 + i] * m + b;
            }
            return;
        }
        int t1 = ((first + 1) % slots) * rowLength + channel;
        float v = weights[w0 + 1];
        if (n == 2) {
            for (int i = 0; i < outCols; i++) {
                data[out + i] = (u * filtered[t0 + i] + v * filtered[t1 + i]) * m + b;
            }
            return;
        }
        float[] acc = accumulator;
        for (int i = 0; i < outCols; i++) {
            acc[i] = u * filtered[t0 + i] + v * filtered[t1 + i];
        }
        for (int k = 2; k < n; k++) {
            float w = weights[w0 + k];
            int t = ((first + k) % slots) * rowLength + channel;
            for (int i = 0; i < outCols; i++) {
                acc[i] += w * filtered[t + i];
            }
        }
        for (int i = 0; i < outCols; i++) {
            data[out + i] = acc[i] * m + b;
        }
    }

    /**
     * One source row filtered across into {@code ring} at {@code t}: a blue, a green and a red
     * plane. With a fixed tap count the common counts are written out, so the loop over output
     * pixels has no branch that depends on the pixel.
     */
    private void filterAcross(byte[] src, int rowBase, int t, int outCols) {
        switch (columns.taps) {
            case 2 -> filterAcross2(src, rowBase, t, outCols);
            case 3 -> filterAcross3(src, rowBase, t, outCols);
            case 4 -> filterAcross4(src, rowBase, t, outCols);
            case 5 -> filterAcross5(src, rowBase, t, outCols);
            default -> filterAcrossAny(src, rowBase, t, outCols);
        }
    }

    private void filterAcross2(byte[] src, int rowBase, int t, int outCols) {
        int[] colFirst = columns.first;
        float[] cw = columns.weights;
        int stride = columns.stride;
        float[] filtered = ring;
        int green = t + outCols;
        int red = t + 2 * outCols;
        for (int i = 0; i < outCols; i++) {
            int p = rowBase + colFirst[i] * 3;
            int w = i * stride;
            float u = cw[w];
            float v = cw[w + 1];
            filtered[t + i] = u * (src[p] & 0xff) + v * (src[p + 3] & 0xff);
            filtered[green + i] = u * (src[p + 1] & 0xff) + v * (src[p + 4] & 0xff);
            filtered[red + i] = u * (src[p + 2] & 0xff) + v * (src[p + 5] & 0xff);
        }
    }

    private void filterAcross3(byte[] src, int rowBase, int t, int outCols) {
        int[] colFirst = columns.first;
        float[] cw = columns.weights;
        int stride = columns.stride;
        float[] filtered = ring;
        int green = t + outCols;
        int red = t + 2 * outCols;
        for (int i = 0; i < outCols; i++) {
            int p = rowBase + colFirst[i] * 3;
            int w = i * stride;
            float u = cw[w];
            float v = cw[w + 1];
            float x = cw[w + 2];
            filtered[t + i] = u * (src[p] & 0xff) + v * (src[p + 3] & 0xff) + x * (src[p + 6] & 0xff);
            filtered[green + i] = u * (src[p + 1] & 0xff) + v * (src[p + 4] & 0xff) + x * (src[p + 7] & 0xff);
            filtered[red + i] = u * (src[p + 2] & 0xff) + v * (src[p + 5] & 0xff) + x * (src[p + 8] & 0xff);
        }
    }

    private void filterAcross4(byte[] src, int rowBase, int t, int outCols) {
        int[] colFirst = columns.first;
        float[] cw = columns.weights;
        int stride = columns.stride;
        float[] filtered = ring;
        int green = t + outCols;
        int red = t + 2 * outCols;
        for (int i = 0; i < outCols; i++) {
            int p = rowBase + colFirst[i] * 3;
            int w = i * stride;
            float u = cw[w];
            float v = cw[w + 1];
            float x = cw[w + 2];
            float y = cw[w + 3];
            filtered[t + i] = u * (src[p] & 0xff) + v * (src[p + 3] & 0xff) + x * (src[p + 6] & 0xff)
                    + y * (src[p + 9] & 0xff);
            filtered[green + i] = u * (src[p + 1] & 0xff) + v * (src[p + 4] & 0xff) + x * (src[p + 7] & 0xff)
                    + y * (src[p + 10] & 0xff);
            filtered[red + i] = u * (src[p + 2] & 0xff) + v * (src[p + 5] & 0xff) + x * (src[p + 8] & 0xff)
                    + y * (src[p + 11] & 0xff);
        }
    }

    private void filterAcross5(byte[] src, int rowBase, int t, int outCols) {
        int[] colFirst = columns.first;
        float[] cw = columns.weights;
        int stride = columns.stride;
        float[] filtered = ring;
        int green = t + outCols;
        int red = t + 2 * outCols;
        for (int i = 0; i < outCols; i++) {
            int p = rowBase + colFirst[i] * 3;
            int w = i * stride;
            float u = cw[w];
            float v = cw[w + 1];
            float x = cw[w + 2];
            float y = cw[w + 3];
            float z = cw[w + 4];
            filtered[t + i] = u * (src[p] & 0xff) + v * (src[p + 3] & 0xff) + x * (src[p + 6] & 0xff)
                    + y * (src[p + 9] & 0xff) + z * (src[p + 12] & 0xff);
            filtered[green + i] = u * (src[p + 1] & 0xff) + v * (src[p + 4] & 0xff) + x * (src[p + 7] & 0xff)
                    + y * (src[p + 10] & 0xff) + z * (src[p + 13] & 0xff);
            filtered[red + i] = u * (src[p + 2] & 0xff) + v * (src[p + 5] & 0xff) + x * (src[p + 8] & 0xff)
                    + y * (src[p + 11] & 0xff) + z * (src[p + 14] & 0xff);
        }
    }

    /** Any other number of taps. */
    private void filterAcrossAny(byte[] src, int rowBase, int t, int outCols) {
        int[] colFirst = columns.first;
        int n = columns.taps;
        float[] cw = columns.weights;
        int stride = columns.stride;
        float[] filtered = ring;
        int green = t + outCols;
        int red = t + 2 * outCols;
        for (int i = 0; i < outCols; i++) {
            int p = rowBase + colFirst[i] * 3;
            int w = i * stride;
            float b = 0;
            float g = 0;
            float r = 0;
            for (int k = 0; k < n; k++, p += 3) {
                float weight = cw[w + k];
                b += weight * (src[p] & 0xff);
                g += weight * (src[p + 1] & 0xff);
                r += weight * (src[p + 2] & 0xff);
            }
            filtered[t + i] = b;
            filtered[green + i] = g;
            filtered[red + i] = r;
        }
    }

    /** Fills what the content does not cover with the manifest's pad colour. */
    private void pad(float[] data, int base, int fromRow, int toRow, boolean above, boolean below) {
        int width = input.width();
        int height = input.height();
        int plane = width * height;
        int rowStart = rows.size() == 0 ? height : rows.start;
        int rowEnd = rows.size() == 0 ? height : rows.end;
        for (int c = 0; c < 3; c++) {
            int p = base + c * plane;
            float v = padValue[c];
            if (above) {
                Arrays.fill(data, p, p + rowStart * width, v);
            }
            if (below) {
                Arrays.fill(data, p + rowEnd * width, p + plane, v);
            }
            if (columns.start > 0 || columns.end < width) {
                for (int y = rowStart + fromRow; y < Math.min(rowEnd, rowStart + toRow); y++) {
                    int row = p + y * width;
                    Arrays.fill(data, row, row + columns.start, v);
                    Arrays.fill(data, row + Math.max(columns.start, columns.end), row + width, v);
                }
            }
        }
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
