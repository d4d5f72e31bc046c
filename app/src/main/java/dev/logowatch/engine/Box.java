package dev.logowatch.engine;

/**
 * An axis-aligned box in pixels of the frame, corners inclusive-exclusive:
 * {@code (x1, y1)} top left, {@code (x2, y2)} bottom right.
 */
public record Box(double x1, double y1, double x2, double y2) {
    public Box {
        if (!(x2 >= x1 && y2 >= y1)) {
            throw new IllegalArgumentException("box corners out of order: " + x1 + "," + y1 + " " + x2 + "," + y2);
        }
    }

    public double width() {
        return x2 - x1;
    }

    public double height() {
        return y2 - y1;
    }

    public double area() {
        return width() * height();
    }

    /** Intersection over union, 0 for disjoint boxes. */
    public double iou(Box other) {
        double iw = Math.min(x2, other.x2) - Math.max(x1, other.x1);
        double ih = Math.min(y2, other.y2) - Math.max(y1, other.y1);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        return inter / (area() + other.area() - inter);
    }

    /** As {@code [x1, y1, x2, y2]} rounded to whole pixels, the form MQTT payloads carry. */
    public int[] toArray() {
        return new int[] {(int) Math.round(x1), (int) Math.round(y1), (int) Math.round(x2), (int) Math.round(y2)};
    }
}
