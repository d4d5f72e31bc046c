package dev.logowatch.testing;

import dev.logowatch.engine.Box;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.util.Random;

/** Printed logos drawn in the test: textured marks, cluttered scenes, and marks placed in them. */
public final class PrintedMarks {
    private PrintedMarks() {
    }

    /** A mark with corners and lettering, as real logos have: what keypoints latch on to. */
    public static BufferedImage mark(long seed, String text) {
        BufferedImage image = new BufferedImage(320, 200, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 320, 200);
        Random random = new Random(seed);
        for (int i = 0; i < 14; i++) {
            g.setColor(new Color(random.nextInt(200), random.nextInt(200), random.nextInt(200)));
            int x = random.nextInt(260), y = random.nextInt(140), w = 15 + random.nextInt(60), h = 15 + random.nextInt(60);
            if (random.nextBoolean()) {
                g.fillRect(x, y, w, h);
            } else {
                g.setStroke(new BasicStroke(3 + random.nextInt(6)));
                g.drawOval(x, y, w, h);
            }
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 44));
        g.drawString(text, 20, 180);
        g.dispose();
        return image;
    }

    public static BufferedImage scene(long seed) {
        BufferedImage image = new BufferedImage(960, 640, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        Random random = new Random(seed);
        g.setColor(new Color(90, 110, 90));
        g.fillRect(0, 0, 960, 640);
        for (int i = 0; i < 60; i++) {
            g.setColor(new Color(60 + random.nextInt(80), 80 + random.nextInt(60), 60 + random.nextInt(80)));
            g.fillOval(random.nextInt(960), random.nextInt(640), 10 + random.nextInt(50), 10 + random.nextInt(50));
        }
        g.dispose();
        return image;
    }

    /** Draws the mark into the scene turned and scaled; returns the outline's bounding box. */
    public static Box place(BufferedImage scene, BufferedImage mark, double x, double y, double scale, double degrees) {
        AffineTransform at = new AffineTransform();
        at.translate(x, y);
        at.rotate(Math.toRadians(degrees));
        at.scale(scale, scale);
        Graphics2D g = scene.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(mark, at, null);
        g.dispose();
        double x1 = Double.MAX_VALUE, y1 = Double.MAX_VALUE, x2 = -Double.MAX_VALUE, y2 = -Double.MAX_VALUE;
        for (double[] c : new double[][] {{0, 0}, {mark.getWidth(), 0}, {mark.getWidth(), mark.getHeight()}, {0, mark.getHeight()}}) {
            Point2D p = at.transform(new Point2D.Double(c[0], c[1]), null);
            x1 = Math.min(x1, p.getX());
            y1 = Math.min(y1, p.getY());
            x2 = Math.max(x2, p.getX());
            y2 = Math.max(y2, p.getY());
        }
        return new Box(x1, y1, x2, y2);
    }

}
