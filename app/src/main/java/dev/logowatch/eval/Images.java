package dev.logowatch.eval;

import dev.logowatch.source.Frame;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/** Still images as frames, so they go through exactly the path video frames take. */
public final class Images {
    private Images() {
    }

    /** Reads an image file as a frame of a pseudo-stream; unreadable files are an IOException naming the file. */
    public static Frame frame(Path file, String stream, long sequence) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException(file + ": not an image ImageIO can read (PNG, JPEG, BMP, GIF)");
        }
        return new Frame(stream, Instant.EPOCH.plusMillis(sequence), sequence, toBgr(image));
    }

    /** The image as TYPE_3BYTE_BGR, the layout every stage reads; transparency composited on white. */
    public static BufferedImage toBgr(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return image;
        }
        BufferedImage bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = bgr.createGraphics();
        try {
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return bgr;
    }
}
