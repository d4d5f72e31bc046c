package dev.logowatch.web;

import dev.logowatch.engine.Box;
import dev.logowatch.track.Detection;
import dev.logowatch.track.TrackState;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws a frame's detections (box, brand, similarity) onto a copy of the frame and encodes
 * it as JPEG. Runs only when someone asks for a snapshot, never per processed frame.
 */
public final class SnapshotRenderer {
    private static final Color CONFIRMED = new Color(0x22, 0xc5, 0x5e);
    private static final Color TENTATIVE = new Color(0xf5, 0x9e, 0x0b);

    private SnapshotRenderer() {
    }

    public static byte[] render(BufferedImage frame, List<Detection> detections) {
        BufferedImage copy = new BufferedImage(frame.getWidth(), frame.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = copy.createGraphics();
        try {
            g.drawImage(frame, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int line = Math.max(2, frame.getWidth() / 400);
            g.setStroke(new BasicStroke(line));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, frame.getWidth() / 60)));
            FontMetrics metrics = g.getFontMetrics();
            for (Detection d : detections) {
                Color color = d.state() == TrackState.CONFIRMED ? CONFIRMED : TENTATIVE;
                Box b = d.box();
                int x = (int) b.x1();
                int y = (int) b.y1();
                g.setColor(color);
                g.drawRect(x, y, (int) b.width(), (int) b.height());
                String label = String.format(Locale.ROOT, "%s %.2f", d.brand(), d.similarity());
                int textWidth = metrics.stringWidth(label) + 8;
                int textHeight = metrics.getHeight();
                int labelY = y - textHeight >= 0 ? y - textHeight : y;
                g.fillRect(x, labelY, textWidth, textHeight);
                g.setColor(Color.BLACK);
                g.drawString(label, x + 4, labelY + metrics.getAscent());
            }
        } finally {
            g.dispose();
        }
        return jpeg(copy, 0.8f);
    }

    static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
