package dev.logowatch.engine;

import dev.logowatch.detect.Box;

import java.util.Arrays;

/**
 * A model input tensor being filled, crop by crop, straight from BGR bytes: each crop is
 * fitted to the model's input size as its manifest says (letterbox, stretch or
 * shortest-side resize with centre crop), resampled, put in the model's channel order and
 * normalised. All buffers are kept between batches, so steady-state frames allocate
 * nothing here. Not thread-safe: one batch per worker.
 */
public final class InputBatch {
    private final ModelManifest.Input input;
    private final int capacity;
    private final float[] data;
    private final float[] mul = new float[3];
    private final float[] add = new float[3];
    private final float[] padValue = new float[3];
    private final boolean rgb;
    private final AxisTaps columns = new AxisTaps();
    private final AxisTaps rows = new AxisTaps();
    private float[] rowPass = new float[0];
    private float[] accumulator = new float[0];
    private int count;

    public InputBatch(ModelManifest.Input input, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be at least 1, got " + capacity);
        }
        this.input = input;
        this.capacity = capacity;
        this.data = new float[Math.multiplyExact(capacity, itemSize(input))];
        this.rgb = input.color() == ModelManifest.Color.RGB;
        for (int c = 0; c < 3; c++) {
            double std = input.std().get(c);
            mul[c] = (float) (input.scale() / std);
            add[c] = (float) (-input.mean().get(c) / std);
            padValue[c] = input.pad().get(c) * mul[c] + add[c];
        }
    }

    private static int itemSize(ModelManifest.Input input) {
        return Math.multiplyExact(3, Math.multiplyExact(input.width(), input.height()));
    }

    public ModelManifest.Input input() {
        return input;
    }

    public int capacity() {
        return capacity;
    }

    /** Crops added since the last {@link #clear()}. */
    public int size() {
        return count;
    }

    public boolean isFull() {
        return count == capacity;
    }

    public void clear() {
        count = 0;
    }

    /** The filled items as {@code [size, 3, height, width]}, sharing this batch's buffer. */
    public Tensor tensor() {
        return new Tensor(new long[] {count, 3, input.height(), input.width()}, data);
    }

    /**
     * Appends one crop of {@code image} as the next batch item.
     *
     * @param crop region in image pixels; parts outside the image are ignored
     * @return how the crop maps into the input, to map model answers back
     * @throws IllegalStateException    when the batch is full
     * @throws IllegalArgumentException when the crop does not overlap the image
     */
    public Placement add(BgrImage image, Box crop) {
        if (count == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " items)");
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
                double s = Math.min(width / cw, height / ch);
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
        rows.compute(height, top, contentHeight, region.y1(), ch, image.height());
        int base = count * itemSize(input);
        resample(image, base);
        pad(base);
        count++;
        return new Placement(region, left, top, contentWidth / cw, contentHeight / ch, width, height);
    }

    /** Separable resampling: source rows across into {@code rowPass}, then down into the planes. */
    private void resample(BgrImage image, int base) {
        int outCols = columns.size();
        int outRows = rows.size();
        if (outCols == 0 || outRows == 0) {
            return;
        }
        int rowMin = rows.first[0];
        int rowMax = rows.first[outRows - 1] + rows.count[outRows - 1];
        int rowLength = outCols * 3;
        int needed = (rowMax - rowMin) * rowLength;
        if (rowPass.length < needed) {
            rowPass = new float[needed];
        }
        if (accumulator.length < rowLength) {
            accumulator = new float[rowLength];
        }
        byte[] src = image.pixels();
        int srcStride = image.width() * 3;
        int[] colFirst = columns.first;
        int[] colCount = columns.count;
        float[] colWeights = columns.weights;
        int colStride = columns.stride;
        for (int y = rowMin; y < rowMax; y++) {
            int rowBase = y * srcStride;
            int t = (y - rowMin) * rowLength;
            for (int i = 0; i < outCols; i++) {
                int p = rowBase + colFirst[i] * 3;
                int w0 = i * colStride;
                int n = colCount[i];
                float b = 0;
                float g = 0;
                float r = 0;
                for (int k = 0; k < n; k++, p += 3) {
                    float w = colWeights[w0 + k];
                    b += w * (src[p] & 0xff);
                    g += w * (src[p + 1] & 0xff);
                    r += w * (src[p + 2] & 0xff);
                }
                rowPass[t++] = b;
                rowPass[t++] = g;
                rowPass[t++] = r;
            }
        }
        int width = input.width();
        int plane = width * input.height();
        // Tensor channel c reads interleaved byte 2 - c for RGB models, byte c for BGR ones.
        int firstByte = rgb ? 2 : 0;
        int lastByte = rgb ? 0 : 2;
        float[] acc = accumulator;
        for (int j = 0; j < outRows; j++) {
            Arrays.fill(acc, 0, rowLength, 0f);
            int w0 = j * rows.stride;
            for (int k = 0; k < rows.count[j]; k++) {
                float w = rows.weights[w0 + k];
                int t = (rows.first[j] + k - rowMin) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    acc[i] += w * rowPass[t + i];
                }
            }
            int out = base + (rows.start + j) * width + columns.start;
            for (int i = 0, a = 0; i < outCols; i++, a += 3) {
                data[out + i] = acc[a + firstByte] * mul[0] + add[0];
                data[out + plane + i] = acc[a + 1] * mul[1] + add[1];
                data[out + 2 * plane + i] = acc[a + lastByte] * mul[2] + add[2];
            }
        }
    }

    /** Fills what the content does not cover with the manifest's pad colour. */
    private void pad(int base) {
        int width = input.width();
        int height = input.height();
        int plane = width * height;
        int rowStart = rows.size() == 0 ? height : rows.start;
        int rowEnd = rows.size() == 0 ? height : rows.end;
        for (int c = 0; c < 3; c++) {
            int p = base + c * plane;
            float v = padValue[c];
            Arrays.fill(data, p, p + rowStart * width, v);
            Arrays.fill(data, p + rowEnd * width, p + plane, v);
            if (columns.start > 0 || columns.end < width) {
                for (int y = rowStart; y < rowEnd; y++) {
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
