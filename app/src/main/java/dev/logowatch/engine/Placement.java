package dev.logowatch.engine;


/**
 * Where a crop of the frame landed in the model's input, so that what the model reports in
 * input pixels can be mapped back to the frame: the crop was scaled by {@code scaleX},
 * {@code scaleY} and drawn with its top left corner at {@code (left, top)} of the input;
 * what lies outside it is padding (letterbox), and negative offsets mean the crop was cut
 * (centre crop).
 *
 * @param crop        the region of the frame, in frame pixels, after clipping to the frame
 * @param left        input x of the crop's left edge, in input pixels
 * @param top         input y of the crop's top edge, in input pixels
 * @param scaleX      input pixels per frame pixel, horizontally
 * @param scaleY      input pixels per frame pixel, vertically
 * @param inputWidth  width of the model input, in pixels
 * @param inputHeight height of the model input, in pixels
 */
public record Placement(Box crop, double left, double top, double scaleX, double scaleY,
                        int inputWidth, int inputHeight) {

    public double toFrameX(double inputX) {
        return crop.x1() + (inputX - left) / scaleX;
    }

    public double toFrameY(double inputY) {
        return crop.y1() + (inputY - top) / scaleY;
    }

    /**
     * A box given in input pixels, in frame pixels, clipped to the crop (a box reaching into
     * letterbox padding ends at the picture's edge).
     */
    public Box toFrame(double x1, double y1, double x2, double y2) {
        double fx1 = clip(toFrameX(x1), crop.x1(), crop.x2());
        double fy1 = clip(toFrameY(y1), crop.y1(), crop.y2());
        double fx2 = clip(toFrameX(x2), fx1, crop.x2());
        double fy2 = clip(toFrameY(y2), fy1, crop.y2());
        return new Box(fx1, fy1, fx2, fy2);
    }

    private static double clip(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
