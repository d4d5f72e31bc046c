package dev.logowatch.engine;

import dev.logowatch.source.Frame;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.WritableRaster;
import java.util.Arrays;

/**
 * Pixels as preprocessing reads them: one {@code byte[]} of interleaved B, G, R rows with no
 * gaps. A frame's image is used as it is, without copying; anything else is converted once.
 *
 * @param pixels {@code width * height * 3} bytes, row by row
 * @param width  in pixels
 * @param height in pixels
 */
public record BgrImage(byte[] pixels, int width, int height) {
    public BgrImage {
        if (width < 1 || height < 1 || pixels.length < (long) width * height * 3) {
            throw new IllegalArgumentException("a " + width + "x" + height + " BGR image needs "
                    + (long) width * height * 3 + " bytes, got " + pixels.length);
        }
    }

    public static BgrImage of(Frame frame) {
        return of(frame.image());
    }

    /**
     * The image's own bytes when it is a plain {@link BufferedImage#TYPE_3BYTE_BGR} raster;
     * otherwise a converted copy, with transparent pixels composited on white (how reference
     * logos with alpha look on a page).
     */
    public static BgrImage of(BufferedImage image) {
        if (isPlainBgr(image)) {
            return new BgrImage(((DataBufferByte) image.getRaster().getDataBuffer()).getData(),
                    image.getWidth(), image.getHeight());
        }
        BufferedImage bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = bgr.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return new BgrImage(((DataBufferByte) bgr.getRaster().getDataBuffer()).getData(),
                image.getWidth(), image.getHeight());
    }

    /** Sub-images share their parent's buffer with offsets and strides, so they are converted. */
    private static boolean isPlainBgr(BufferedImage image) {
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            return false;
        }
        WritableRaster raster = image.getRaster();
        return raster.getSampleModel() instanceof PixelInterleavedSampleModel model
                && raster.getDataBuffer() instanceof DataBufferByte buffer
                && buffer.getOffset() == 0
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && model.getPixelStride() == 3
                && model.getScanlineStride() == image.getWidth() * 3
                && Arrays.equals(model.getBandOffsets(), new int[] {2, 1, 0});
    }

    @Override
    public String toString() {
        return "BgrImage[" + width + "x" + height + "]";
    }
}
