package dev.logowatch.engine;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class InputBatchTest {
    private static final float EPS = 1e-4f;

    private static ModelManifest.Input input(int height, int width, ModelManifest.Color color, double scale,
                                             List<Double> mean, List<Double> std, ModelManifest.Resize resize,
                                             List<Integer> pad) {
        return new ModelManifest.Input("input", ModelManifest.Layout.NCHW, height, width, color, scale, mean, std,
                resize, pad);
    }

    /** Raw values: scale 1, mean 0, std 1, so the tensor holds the resampled bytes. */
    private static ModelManifest.Input raw(int height, int width, ModelManifest.Resize resize) {
        return input(height, width, ModelManifest.Color.RGB, 1.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0),
                resize, List.of(0, 0, 0));
    }

    /** A grey image whose pixel (x, y) is {@code values[y * width + x]}. */
    private static BgrImage gray(int width, int height, int... values) {
        byte[] bytes = new byte[width * height * 3];
        for (int i = 0; i < values.length; i++) {
            bytes[3 * i] = bytes[3 * i + 1] = bytes[3 * i + 2] = (byte) values[i];
        }
        return new BgrImage(bytes, width, height);
    }

    private static float at(Tensor t, int item, int channel, int y, int x) {
        int h = t.dim(2);
        int w = t.dim(3);
        return t.data()[((item * 3 + channel) * h + y) * w + x];
    }

    @Test
    void letterboxKeepsPixelsPadsWithTheManifestColourAndNormalisesInRgbOrder() {
        // 4x2 picture into a 4x4 input: scale 1, one pad row above and below.
        int w = 4;
        int h = 2;
        byte[] bgr = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                bgr[p] = (byte) (5 * x + 7 * y);           // B
                bgr[p + 1] = (byte) (200 - 30 * x - 50 * y); // G
                bgr[p + 2] = (byte) (10 + 40 * x + 100 * y); // R
            }
        }
        InputBatch batch = new InputBatch(input(4, 4, ModelManifest.Color.RGB, 1 / 255.0,
                List.of(0.5, 0.25, 0.0), List.of(0.5, 0.25, 1.0), ModelManifest.Resize.LETTERBOX,
                List.of(255, 0, 128)), 1);

        Placement placement = batch.add(new BgrImage(bgr, w, h), new Box(0, 0, w, h));
        Tensor t = batch.tensor();

        assertThat(t.shape()).containsExactly(1, 3, 4, 4);
        assertThat(placement.left()).isZero();
        assertThat(placement.top()).isEqualTo(1);
        assertThat(placement.scaleX()).isEqualTo(1.0);
        for (int x = 0; x < 4; x++) {
            for (int padRow : new int[] {0, 3}) {
                assertThat(at(t, 0, 0, padRow, x)).isCloseTo(1.0f, within(EPS));      // (255/255 - 0.5) / 0.5
                assertThat(at(t, 0, 1, padRow, x)).isCloseTo(-1.0f, within(EPS));     // (0 - 0.25) / 0.25
                assertThat(at(t, 0, 2, padRow, x)).isCloseTo(128 / 255f, within(EPS)); // (128/255 - 0) / 1
            }
            for (int y = 0; y < h; y++) {
                float r = 10 + 40 * x + 100 * y;
                float g = 200 - 30 * x - 50 * y;
                float b = 5 * x + 7 * y;
                assertThat(at(t, 0, 0, y + 1, x)).isCloseTo((r / 255 - 0.5f) / 0.5f, within(EPS));
                assertThat(at(t, 0, 1, y + 1, x)).isCloseTo((g / 255 - 0.25f) / 0.25f, within(EPS));
                assertThat(at(t, 0, 2, y + 1, x)).isCloseTo(b / 255, within(EPS));
            }
        }
    }

    @Test
    void aZoomedOutItemDrawsTheCropSmallerInTheCentreAndMapsBoxesBack() {
        // A flat 8x4 picture of 200 into an 8x8 input at half its letterboxed size: 4x2 in the middle.
        int[] values = new int[32];
        java.util.Arrays.fill(values, 200);
        InputBatch batch = new InputBatch(raw(8, 8, ModelManifest.Resize.LETTERBOX), 1);

        Placement placement = batch.add(gray(8, 4, values), new Box(0, 0, 8, 4), Runnable::run, 0.5);
        Tensor t = batch.tensor();

        assertThat(placement.scaleX()).isEqualTo(0.5);
        assertThat(placement.left()).isEqualTo(2);
        assertThat(placement.top()).isEqualTo(3);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                boolean content = x >= 2 && x < 6 && y >= 3 && y < 5;
                assertThat(at(t, 0, 0, y, x)).as("(%d, %d)", x, y).isEqualTo(content ? 200f : 0f);
            }
        }
        // What the model reports in input pixels comes back in frame pixels at twice the size.
        assertThat(placement.toFrame(2, 3, 4, 4)).isEqualTo(new Box(0, 0, 4, 2));
        // Only a letterbox can be drawn smaller; a stretch input has no padding to centre it in.
        InputBatch stretch = new InputBatch(raw(8, 8, ModelManifest.Resize.STRETCH), 1);
        assertThatThrownBy(() -> stretch.add(gray(8, 4, values), new Box(0, 0, 8, 4), Runnable::run, 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("letterbox");
    }

    @Test
    void bgrModelsGetBlueFirst() {
        byte[] bgr = {10, 20, 30};
        InputBatch batch = new InputBatch(input(1, 1, ModelManifest.Color.BGR, 1.0, List.of(0.0, 0.0, 0.0),
                List.of(1.0, 1.0, 1.0), ModelManifest.Resize.STRETCH, List.of(0, 0, 0)), 1);

        batch.add(new BgrImage(bgr, 1, 1), new Box(0, 0, 1, 1));

        assertThat(batch.tensor().data()).containsExactly(10f, 20f, 30f);
    }

    @Test
    void upscalingInterpolatesBetweenPixelCentres() {
        InputBatch batch = new InputBatch(raw(1, 4, ModelManifest.Resize.STRETCH), 1);

        batch.add(gray(2, 1, 0, 100), new Box(0, 0, 2, 1));

        // Output centres fall at source x = 0.25, 0.75, 1.25, 1.75; the edges clamp.
        Tensor t = batch.tensor();
        assertThat(new float[] {at(t, 0, 0, 0, 0), at(t, 0, 0, 0, 1), at(t, 0, 0, 0, 2), at(t, 0, 0, 0, 3)})
                .containsExactly(new float[] {0f, 25f, 75f, 100f}, within(EPS));
    }

    @Test
    void downscalingAveragesEverySourcePixelUnderTheOutputPixel() {
        InputBatch batch = new InputBatch(raw(1, 2, ModelManifest.Resize.STRETCH), 1);

        batch.add(gray(4, 1, 0, 0, 200, 200), new Box(0, 0, 4, 1));

        // Triangle of half-width 2 centred on x = 1: weights 3/7, 3/7, 1/7 for x = 0, 1, 2.
        Tensor t = batch.tensor();
        assertThat(at(t, 0, 0, 0, 0)).isCloseTo(200f / 7, within(EPS));
        assertThat(at(t, 0, 0, 0, 1)).isCloseTo(1200f / 7, within(EPS));
    }

    @Test
    void aFlatColourStaysExactAtAnyScale() {
        int w = 37;
        int h = 23;
        byte[] bgr = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            bgr[3 * i] = 10;
            bgr[3 * i + 1] = 20;
            bgr[3 * i + 2] = 30;
        }
        InputBatch batch = new InputBatch(raw(16, 16, ModelManifest.Resize.STRETCH), 1);

        batch.add(new BgrImage(bgr, w, h), new Box(0, 0, w, h));

        float[] data = batch.tensor().data();
        for (int i = 0; i < 256; i++) {
            assertThat(data[i]).isCloseTo(30f, within(EPS));
            assertThat(data[256 + i]).isCloseTo(20f, within(EPS));
            assertThat(data[512 + i]).isCloseTo(10f, within(EPS));
        }
    }

    @Test
    void shortestSideCropScalesTheShortSideAndKeepsTheCentre() {
        // 8x4 columns valued 20x into 2x2: scale 0.5 makes 4x2, centre crop drops one column each side.
        int[] values = new int[32];
        for (int i = 0; i < 32; i++) {
            values[i] = 20 * (i % 8);
        }
        InputBatch batch = new InputBatch(raw(2, 2, ModelManifest.Resize.SHORTEST_SIDE_CROP), 1);

        Placement placement = batch.add(gray(8, 4, values), new Box(0, 0, 8, 4));

        // Output column 0 averages source x 1..4 with weights 1/8, 3/8, 3/8, 1/8: (20 + 3*40 + 3*60 + 80) / 8.
        Tensor t = batch.tensor();
        for (int y = 0; y < 2; y++) {
            assertThat(at(t, 0, 0, y, 0)).isCloseTo(50f, within(EPS));
            assertThat(at(t, 0, 0, y, 1)).isCloseTo(90f, within(EPS));
        }
        assertThat(placement.left()).isEqualTo(-1);
        assertThat(placement.toFrameX(0)).isEqualTo(2.0);
        assertThat(placement.toFrameX(2)).isEqualTo(6.0);
    }

    @Test
    void cropsReadOnlyTheirRegion() {
        int[] values = new int[16];
        for (int i = 0; i < 16; i++) {
            values[i] = 10 * i;
        }
        InputBatch batch = new InputBatch(raw(2, 2, ModelManifest.Resize.STRETCH), 2);

        batch.add(gray(4, 4, values), new Box(1, 1, 3, 3));

        Tensor t = batch.tensor();
        assertThat(new float[] {at(t, 0, 0, 0, 0), at(t, 0, 0, 0, 1), at(t, 0, 0, 1, 0), at(t, 0, 0, 1, 1)})
                .containsExactly(new float[] {50f, 60f, 90f, 100f}, within(EPS));
    }

    @Test
    void itemsFillTheBatchInOrderAndBuffersAreReusedCleanly() {
        int[] values = new int[16];
        for (int i = 0; i < 16; i++) {
            values[i] = 10 * i;
        }
        BgrImage image = gray(4, 4, values);
        InputBatch batch = new InputBatch(input(3, 3, ModelManifest.Color.RGB, 1.0, List.of(0.0, 0.0, 0.0),
                List.of(1.0, 1.0, 1.0), ModelManifest.Resize.LETTERBOX, List.of(7, 7, 7)), 2);
        InputBatch fresh = new InputBatch(batch.input(), 1);
        fresh.add(image, new Box(0, 0, 2, 1));

        batch.add(image, new Box(0, 0, 4, 4));
        batch.add(image, new Box(0, 0, 2, 1));

        assertThat(batch.isFull()).isTrue();
        assertThat(batch.tensor().shape()).containsExactly(2, 3, 3, 3);
        assertThatThrownBy(() -> batch.add(image, new Box(0, 0, 1, 1))).isInstanceOf(IllegalStateException.class);
        float[] second = java.util.Arrays.copyOfRange(batch.tensor().data(), 27, 54);
        assertThat(second).containsExactly(java.util.Arrays.copyOf(fresh.tensor().data(), 27));
        assertThat(batch.tensor().data()[0]).isNotEqualTo(7f);

        batch.clear();
        batch.add(image, new Box(0, 0, 2, 1));
        assertThat(java.util.Arrays.copyOf(batch.tensor().data(), 27))
                .containsExactly(java.util.Arrays.copyOf(fresh.tensor().data(), 27));
    }

    @Test
    void cropsAreClippedToTheImageAndEmptyOnesRefused() {
        InputBatch batch = new InputBatch(raw(2, 2, ModelManifest.Resize.STRETCH), 2);
        BgrImage image = gray(4, 4, new int[16]);

        Placement placement = batch.add(image, new Box(-2, -2, 2, 2));

        assertThat(placement.crop()).isEqualTo(new Box(0, 0, 2, 2));
        assertThatThrownBy(() -> batch.add(image, new Box(10, 10, 20, 20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not overlap the 4x4 image");
    }

    @Test
    void placementMapsInputBoxesBackToTheFrame() {
        // 128x64 frame letterboxed into 64x64: scale 0.5, 16 px of padding above.
        InputBatch batch = new InputBatch(raw(64, 64, ModelManifest.Resize.LETTERBOX), 1);
        Placement placement = batch.add(gray(128, 64, new int[0]), new Box(0, 0, 128, 64));

        assertThat(placement.toFrame(16, 24, 48, 40)).isEqualTo(new Box(32, 16, 96, 48));
        assertThat(placement.toFrame(0, 0, 10, 20)).isEqualTo(new Box(0, 0, 20, 8));
    }

    @Test
    void bgrImageUsesFrameBytesAndCompositesTransparencyOnWhite() {
        BufferedImage frame = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        byte[] own = ((DataBufferByte) frame.getRaster().getDataBuffer()).getData();
        assertThat(BgrImage.of(frame).pixels()).isSameAs(own);

        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = argb.createGraphics();
        g.setComposite(java.awt.AlphaComposite.Src);
        g.setColor(new Color(255, 0, 0, 255));
        g.fillRect(1, 0, 1, 1);
        g.dispose();
        BgrImage converted = BgrImage.of(argb);
        // Transparent pixel on white; opaque red stays red (bytes are B, G, R).
        assertThat(converted.pixels()).containsExactly((byte) 255, (byte) 255, (byte) 255, (byte) 0, (byte) 0,
                (byte) 255);

        frame.getRaster().setPixel(2, 1, new int[] {1, 2, 3});
        BgrImage sub = BgrImage.of(frame.getSubimage(1, 1, 2, 1));
        assertThat(sub.pixels()).isNotSameAs(own);
        assertThat(sub.pixels()).containsExactly(0, 0, 0, 3, 2, 1);
    }

    /** Noise with some structure, so a wrong tap or a row read twice shows in the values. */
    private static BgrImage noise(int width, int height, long seed) {
        byte[] bytes = new byte[width * height * 3];
        java.util.Random random = new java.util.Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = (y * width + x) * 3;
                bytes[p] = (byte) random.nextInt(256);
                bytes[p + 1] = (byte) (x * 7 + y * 3);
                bytes[p + 2] = (byte) (((x / 5) + (y / 3)) % 2 == 0 ? 230 : 20);
            }
        }
        return new BgrImage(bytes, width, height);
    }

    /** The filter {@link AxisTaps} documents, written out directly in two dimensions, in doubles. */
    private static double directFilter(BgrImage image, int channel, double x0, double y0, double stepX, double stepY,
                                       int ox, int oy) {
        double sx = Math.max(1, stepX);
        double sy = Math.max(1, stepY);
        double cx = x0 + (ox + 0.5) * stepX;
        double cy = y0 + (oy + 0.5) * stepY;
        double sum = 0;
        double total = 0;
        for (int y = 0; y < image.height(); y++) {
            double wy = 1 - Math.abs(y + 0.5 - cy) / sy;
            if (wy <= 0) {
                continue;
            }
            for (int x = 0; x < image.width(); x++) {
                double wx = 1 - Math.abs(x + 0.5 - cx) / sx;
                if (wx <= 0) {
                    continue;
                }
                sum += wx * wy * (image.pixels()[(y * image.width() + x) * 3 + channel] & 0xff);
                total += wx * wy;
            }
        }
        return sum / total;
    }

    @Test
    void largeAndSmallCropsMatchTheFilterWrittenOutInTwoDimensions() {
        BgrImage image = noise(400, 300, 3);
        InputBatch batch = new InputBatch(raw(16, 24, ModelManifest.Resize.STRETCH), 6);
        // Shrinking 19x and 12x (many taps per output row), enlarging 2x, and off-pixel edges;
        // then 1.4x, 1.9x and 2.25x across (3, 4 and 5 taps, the written-out cases), the last
        // against the image's right and bottom edges, where short runs get their zero taps first.
        Box[] crops = {new Box(0, 0, 400, 300), new Box(10, 20, 298, 212), new Box(100.5, 50.25, 112.5, 58.25),
            new Box(7.3, 11, 40.9, 30), new Box(200, 100, 245.6, 140), new Box(346, 250, 400, 300)};
        for (Box crop : crops) {
            batch.add(image, crop);
        }

        Tensor t = batch.tensor();
        for (int item = 0; item < crops.length; item++) {
            Box crop = crops[item];
            for (int oy = 0; oy < 16; oy++) {
                for (int ox = 0; ox < 24; ox++) {
                    for (int c = 0; c < 3; c++) {
                        double expected = directFilter(image, 2 - c, crop.x1(), crop.y1(), crop.width() / 24,
                                crop.height() / 16, ox, oy);
                        assertThat((double) at(t, item, c, oy, ox))
                                .as("item %d channel %d at (%d, %d)", item, c, ox, oy)
                                .isCloseTo(expected, within(1e-3));
                    }
                }
            }
        }
    }

    private static List<Box> mixedCrops(int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<Box> crops = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            double side = 8 + random.nextInt(180);
            // Some reach past the borders, none lies wholly outside.
            double x = random.nextInt(310) - side / 2;
            double y = random.nextInt(230) - side / 4;
            crops.add(new Box(x, y, x + side, y + side * (0.5 + random.nextDouble())));
        }
        return crops;
    }

    @Test
    void sharingCropsWithHelpersGivesTheSameTensorBitForBit() throws Exception {
        BgrImage image = noise(320, 240, 5);
        List<Box> crops = mixedCrops(40, 11);
        ModelManifest.Input input = input(32, 32, ModelManifest.Color.RGB, 1 / 255.0, List.of(0.485, 0.456, 0.406),
                List.of(0.229, 0.224, 0.225), ModelManifest.Resize.LETTERBOX, List.of(124, 116, 104));
        InputBatch alone = new InputBatch(input, 48);
        alone.add(image, new Box(0, 0, 50, 50));
        List<Placement> expected = new java.util.ArrayList<>();
        for (Box crop : crops) {
            expected.add(alone.add(image, crop));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            InputBatch shared = new InputBatch(input, 48, 4);
            shared.add(image, new Box(0, 0, 50, 50));

            Placement[] placements = shared.addAll(java.util.Collections.nCopies(crops.size(), image), crops, pool);

            assertThat(shared.size()).isEqualTo(41);
            assertThat(placements).containsExactlyElementsOf(expected);
            assertThat(shared.tensor().data()).containsExactly(alone.tensor().data());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aHelperThatStartsLateFindsNothingLeftAndChangesNothing() {
        BgrImage image = noise(320, 240, 6);
        List<Box> crops = mixedCrops(16, 12);
        List<BgrImage> images = java.util.Collections.nCopies(crops.size(), image);
        InputBatch batch = new InputBatch(raw(24, 24, ModelManifest.Resize.LETTERBOX), 32, 2);
        List<Runnable> parked = new java.util.ArrayList<>();

        batch.addAll(images, crops, parked::add);
        float[] before = batch.tensor().data().clone();
        parked.forEach(Runnable::run);

        assertThat(parked).hasSize(1);
        assertThat(batch.size()).isEqualTo(16);
        assertThat(batch.tensor().data()).containsExactly(before);
    }

    @Test
    void aShutDownHelperPoolLeavesTheWorkToTheCaller() {
        BgrImage image = noise(320, 240, 7);
        List<Box> crops = mixedCrops(16, 13);
        InputBatch batch = new InputBatch(raw(24, 24, ModelManifest.Resize.LETTERBOX), 16, 4);
        InputBatch alone = new InputBatch(raw(24, 24, ModelManifest.Resize.LETTERBOX), 16);
        crops.forEach(crop -> alone.add(image, crop));

        batch.addAll(java.util.Collections.nCopies(crops.size(), image), crops, task -> {
            throw new java.util.concurrent.RejectedExecutionException("pool is shut down");
        });

        assertThat(batch.tensor().data()).containsExactly(alone.tensor().data());
    }

    @Test
    void aBadCropAmongManyIsReportedAndTheBatchKeepsWhatItHad() throws Exception {
        BgrImage image = noise(320, 240, 8);
        List<Box> crops = new java.util.ArrayList<>(mixedCrops(20, 14));
        crops.set(13, new Box(500, 500, 520, 520));
        InputBatch batch = new InputBatch(raw(24, 24, ModelManifest.Resize.LETTERBOX), 32, 2);
        batch.add(image, new Box(0, 0, 10, 10));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            assertThatThrownBy(() -> batch.addAll(java.util.Collections.nCopies(crops.size(), image), crops, pool))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("crop Box[x1=500.0, y1=500.0")
                    .hasMessageContaining("does not overlap the 320x240 image");
            assertThat(batch.size()).isEqualTo(1);
            assertThatThrownBy(() -> batch.addAll(java.util.Collections.nCopies(32, image),
                    java.util.Collections.nCopies(32, new Box(0, 0, 5, 5)), pool))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("32 crops do not fit: the batch holds 1 of 32 items");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneLargeCropSharedByRowsIsTheSameItemBitForBit() throws Exception {
        // A frame letterboxed into a detector-like input: pad rows above and below, content rows
        // split between three writers, with uneven band sizes.
        BgrImage frame = noise(160, 90, 9);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (ModelManifest.Resize resize : ModelManifest.Resize.values()) {
                ModelManifest.Input input = input(24, 40, ModelManifest.Color.RGB, 1 / 255.0,
                        List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), resize, List.of(124, 116, 104));
                InputBatch alone = new InputBatch(input, 2);
                InputBatch shared = new InputBatch(input, 2, 3);
                Box whole = new Box(0, 0, 160, 90);
                Box part = new Box(10, 5, 150, 40);

                Placement expected = alone.add(frame, whole);
                alone.add(frame, part);
                Placement placement = shared.add(frame, whole, pool);
                shared.add(frame, part, task -> {
                    throw new java.util.concurrent.RejectedExecutionException("shut down");
                });

                assertThat(placement).as("%s placement", resize).isEqualTo(expected);
                assertThat(shared.size()).isEqualTo(2);
                assertThat(shared.tensor().data()).as("%s tensor", resize).containsExactly(alone.tensor().data());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
