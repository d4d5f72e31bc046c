package dev.logowatch.testing;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kinds of image file real photo collections and catalogs contain, each made here from
 * nothing (no file is committed): the odd ones a reader must still read, and the broken ones
 * it must refuse with a reason. Every readable picture is the same scene, {@link #draw}: a red
 * upper-left quarter on a white ground with a dark mark in the middle, so a test can check the
 * decoded pixels (colour, orientation), not only that something was returned.
 */
public final class OddImages {
    public static final int WIDTH = 96;
    public static final int HEIGHT = 64;

    /**
     * One file.
     *
     * @param name   file name, with the extension a user would have given it
     * @param bytes  its content
     * @param refusal empty for files that must be read; otherwise words the refusal's reason must contain
     */
    public record Odd(String name, byte[] bytes, String refusal) {
        public boolean readable() {
            return refusal.isEmpty();
        }

        public Path write(Path dir) throws IOException {
            Files.createDirectories(dir);
            return Files.write(dir.resolve(name), bytes);
        }
    }

    private OddImages() {
    }

    /** Every odd file: the readable ones first. */
    public static List<Odd> all() throws IOException, InterruptedException {
        List<Odd> all = new ArrayList<>(readable());
        all.addAll(broken());
        return all;
    }

    public static List<Odd> readable() throws IOException, InterruptedException {
        BufferedImage scene = draw(WIDTH, HEIGHT);
        List<Odd> out = new ArrayList<>();
        byte[] jpeg = jpeg(scene, false);
        out.add(ok("grey-icc-on-rgb.jpg", withSegment(jpeg, iccSegment(ICC_Profile.getInstance(ColorSpace.CS_GRAY)))));
        out.add(ok("srgb-icc.jpg", withSegment(jpeg, iccSegment(ICC_Profile.getInstance(ColorSpace.CS_sRGB)))));
        out.add(ok("cmyk-adobe.jpg", fourChannelJpeg(scene, 0)));
        out.add(ok("ycck-adobe.jpg", fourChannelJpeg(scene, 2)));
        out.add(ok("progressive.jpg", jpeg(scene, true)));
        out.add(ok("dqt-16bit.jpg", sixteenBitTables(jpeg)));
        out.add(ok("exif-rotated-90.jpg", withSegment(jpeg(rotatedForExif6(scene), false), exifOrientation(6))));
        out.add(ok("rgb-16bit.png", png(sixteenBit(scene))));
        out.add(ok("grey-16bit.png", png(grey16(scene))));
        out.add(ok("palette.png", png(palette(scene))));
        out.add(ok("alpha.png", png(withTransparentGround(scene))));
        out.add(ok("animated.gif", animatedGif(scene)));
        out.add(ok("plain.bmp", write(scene, "bmp")));
        out.add(ok("lossless.webp", webp(scene)));
        return out;
    }

    public static List<Odd> broken() throws IOException, InterruptedException {
        BufferedImage scene = draw(WIDTH, HEIGHT);
        byte[] jpeg = jpeg(noisy(scene), false);
        byte[] png = png(noisy(scene));
        byte[] webp = webp(noisy(scene));
        List<Odd> out = new ArrayList<>();
        out.add(new Odd("truncated.jpg", Arrays.copyOf(jpeg, jpeg.length * 6 / 10), "truncated"));
        out.add(new Odd("truncated.png", Arrays.copyOf(png, png.length * 6 / 10), "truncated"));
        out.add(new Odd("truncated.webp", Arrays.copyOf(webp, webp.length * 6 / 10), "truncated"));
        byte[] gif = write(noisy(scene), "gif");
        out.add(new Odd("truncated.gif", Arrays.copyOf(gif, gif.length * 6 / 10), "truncated"));
        byte[] bmp = write(noisy(scene), "bmp");
        out.add(new Odd("truncated.bmp", Arrays.copyOf(bmp, bmp.length * 6 / 10), "truncated"));
        out.add(new Odd("corrupt-scan.jpg", corruptScan(jpeg), "corrupt"));
        out.add(new Odd("empty.jpg", new byte[0], "empty file"));
        out.add(new Odd("error-page.jpg", """
                <!DOCTYPE html>
                <html><head><title>404 Not Found</title></head><body>Not Found</body></html>
                """.getBytes(StandardCharsets.UTF_8), "HTML page"));
        out.add(new Odd("notes.png", "brand guidelines: use the red logo\n".getBytes(StandardCharsets.UTF_8),
                "text file"));
        out.add(new Odd("random.jpg", randomBytes(4096), "not an image"));
        out.add(new Odd("bomb.png", pngHeaderOnly(50_000, 50_000), "too large"));
        out.add(new Odd("tiny.png", png(draw(8, 8)), "too small"));
        return out;
    }

    /** A red upper-left quarter on white, a dark mark in the middle. */
    public static BufferedImage draw(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(220, 20, 30));
        g.fillRect(0, 0, w / 2, h / 2);
        g.setColor(new Color(20, 30, 90));
        g.fillOval(w / 3, h / 3, w / 3, h / 3);
        g.dispose();
        return image;
    }

    private static Odd ok(String name, byte[] bytes) {
        return new Odd(name, bytes, "");
    }

    /** Texture, so compressed data runs long enough that a cut lands inside the picture. */
    private static BufferedImage noisy(BufferedImage scene) {
        BufferedImage out = copy(scene, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                if (random.nextInt(3) == 0) {
                    out.setRGB(x, y, random.nextInt(0xffffff));
                }
            }
        }
        return out;
    }

    /** A stretch in the middle of the entropy-coded data overwritten by a marker that cannot be there. */
    private static byte[] corruptScan(byte[] jpeg) {
        byte[] out = jpeg.clone();
        int sos = 2;
        while ((out[sos + 1] & 0xff) != 0xDA) {
            sos += 2 + (((out[sos + 2] & 0xff) << 8) | (out[sos + 3] & 0xff));
        }
        int middle = (sos + out.length) / 2;
        for (int i = 0; i < 64; i += 2) {
            out[middle + i] = (byte) 0xFF;
            out[middle + i + 1] = (byte) 0xD3; // a restart marker in a file without restart intervals
        }
        return out;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.util.Random(3).nextBytes(b);
        b[0] = 0x13; // never a known signature by chance
        return b;
    }

    private static BufferedImage copy(BufferedImage src, int type) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), type);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, 0, 0, null);
        g.dispose();
        return out;
    }

    static byte[] write(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).as("a %s writer", format).isTrue();
        return out.toByteArray();
    }

    private static byte[] png(BufferedImage image) throws IOException {
        return write(image, "png");
    }

    private static byte[] jpeg(BufferedImage image, boolean progressive) throws IOException {
        ImageWriter writer = jdkJpegWriter();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
        if (progressive) {
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static ImageWriter jdkJpegWriter() {
        for (var it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.")) {
                return w;
            }
        }
        return ImageIO.getImageWritersByFormatName("jpeg").next();
    }

    /**
     * Four components as a print workflow leaves them, with an Adobe APP14 marker saying how
     * to read them: transform 0 is CMYK, 2 is YCCK.
     */
    private static byte[] fourChannelJpeg(BufferedImage scene, int transform) throws IOException {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, scene.getWidth(), scene.getHeight(),
                4, null);
        for (int y = 0; y < scene.getHeight(); y++) {
            for (int x = 0; x < scene.getWidth(); x++) {
                int rgb = scene.getRGB(x, y);
                double r = ((rgb >> 16) & 0xff) / 255.0;
                double gr = ((rgb >> 8) & 0xff) / 255.0;
                double b = (rgb & 0xff) / 255.0;
                double k = 1 - Math.max(r, Math.max(gr, b));
                double d = k >= 1 ? 1 : 1 - k;
                // Adobe writes CMYK inverted (255 = no ink).
                int[] stored = {(int) Math.round(255 * (1 - (1 - r - k) / d)),
                        (int) Math.round(255 * (1 - (1 - gr - k) / d)), (int) Math.round(255 * (1 - (1 - b - k) / d)),
                        (int) Math.round(255 * (1 - k))};
                if (transform == 2) {
                    // YCCK: the decoder turns Y, Cb, Cr into R, G, B and stores C = 255 - R, and so on.
                    double rr = 255 - stored[0];
                    double gg = 255 - stored[1];
                    double bb = 255 - stored[2];
                    stored = new int[]{clamp(0.299 * rr + 0.587 * gg + 0.114 * bb),
                            clamp(-0.168736 * rr - 0.331264 * gg + 0.5 * bb + 128),
                            clamp(0.5 * rr - 0.418688 * gg - 0.081312 * bb + 128), stored[3]};
                }
                cmyk.setPixel(x, y, stored);
            }
        }
        ImageWriter writer = jdkJpegWriter();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), writer.getDefaultWriteParam());
        } finally {
            writer.dispose();
        }
        byte[] data = withoutSegment(bytes.toByteArray(), 0xEE);
        ByteBuffer adobe = ByteBuffer.allocate(2 + 2 + 12);
        adobe.put((byte) 0xFF).put((byte) 0xEE).putShort((short) 14);
        adobe.put("Adobe".getBytes(StandardCharsets.US_ASCII)).putShort((short) 100).putShort((short) 0)
                .putShort((short) 0).put((byte) transform);
        return withSegment(data, adobe.array());
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static byte[] iccSegment(ICC_Profile profile) {
        byte[] icc = profile.getData();
        ByteBuffer b = ByteBuffer.allocate(4 + 12 + 2 + icc.length);
        b.put((byte) 0xFF).put((byte) 0xE2).putShort((short) (2 + 12 + 2 + icc.length));
        b.put("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 1).put(icc);
        return b.array();
    }

    /** An Exif APP1 segment holding only the orientation tag (TIFF tag 274). */
    private static byte[] exifOrientation(int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);
        byte[] payload = tiff.array();
        ByteBuffer b = ByteBuffer.allocate(4 + 6 + payload.length);
        b.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + 6 + payload.length));
        b.put("Exif\0\0".getBytes(StandardCharsets.US_ASCII)).put(payload);
        return b.array();
    }

    /** What a camera held sideways stores for the upright scene: turned a quarter anticlockwise. */
    private static BufferedImage rotatedForExif6(BufferedImage upright) {
        int w = upright.getWidth();
        int h = upright.getHeight();
        BufferedImage stored = new BufferedImage(h, w, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // Orientation 6 shows stored (sx, sy) at upright (H-1-sy, sx).
                stored.setRGB(y, w - 1 - x, upright.getRGB(x, y));
            }
        }
        return stored;
    }

    /** The JPEG with its quantisation tables stored as 16-bit values, as some cameras write them. */
    private static byte[] sixteenBitTables(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int i = 2;
        while ((jpeg[i + 1] & 0xff) != 0xDA) {
            int length = ((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff);
            if ((jpeg[i + 1] & 0xff) == 0xDB) {
                ByteArrayOutputStream tables = new ByteArrayOutputStream();
                int p = i + 4;
                while (p < i + 2 + length) {
                    int id = jpeg[p] & 0x0f;
                    tables.write(0x10 | id);
                    for (int k = 0; k < 64; k++) {
                        tables.write(0);
                        tables.write(jpeg[p + 1 + k] & 0xff);
                    }
                    p += 65;
                }
                byte[] body = tables.toByteArray();
                out.write(0xFF);
                out.write(0xDB);
                out.write((body.length + 2) >> 8);
                out.write((body.length + 2) & 0xff);
                out.write(body, 0, body.length);
            } else {
                out.write(jpeg, i, 2 + length);
            }
            i += 2 + length;
        }
        out.write(jpeg, i, jpeg.length - i);
        return out.toByteArray();
    }

    /** The segment inserted right after SOI and any APP0 (JFIF), where readers look for it. */
    private static byte[] withSegment(byte[] jpeg, byte[] segment) {
        int at = 2;
        if ((jpeg[2] & 0xff) == 0xFF && (jpeg[3] & 0xff) == 0xE0) {
            at = 4 + (((jpeg[4] & 0xff) << 8) | (jpeg[5] & 0xff));
        }
        byte[] out = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, out, 0, at);
        System.arraycopy(segment, 0, out, at, segment.length);
        System.arraycopy(jpeg, at, out, at + segment.length, jpeg.length - at);
        return out;
    }

    /** The JPEG without its header segments of one marker (before the first scan). */
    private static byte[] withoutSegment(byte[] jpeg, int marker) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int i = 2;
        while (i + 4 <= jpeg.length && (jpeg[i] & 0xff) == 0xFF && (jpeg[i + 1] & 0xff) != 0xDA) {
            int length = ((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff);
            if ((jpeg[i + 1] & 0xff) != marker) {
                out.write(jpeg, i, 2 + length);
            }
            i += 2 + length;
        }
        out.write(jpeg, i, jpeg.length - i);
        return out.toByteArray();
    }

    private static BufferedImage sixteenBit(BufferedImage scene) {
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(scene.getWidth(), scene.getHeight());
        for (int y = 0; y < scene.getHeight(); y++) {
            for (int x = 0; x < scene.getWidth(); x++) {
                int rgb = scene.getRGB(x, y);
                raster.setPixel(x, y, new int[]{((rgb >> 16) & 0xff) * 257, ((rgb >> 8) & 0xff) * 257, (rgb & 0xff) * 257});
            }
        }
        return new BufferedImage(model, raster, false, null);
    }

    private static BufferedImage grey16(BufferedImage scene) {
        return copy(scene, BufferedImage.TYPE_USHORT_GRAY);
    }

    private static BufferedImage palette(BufferedImage scene) {
        int[] colours = {0xFFFFFF, 0xDC141E, 0x141E5A, 0x000000};
        IndexColorModel model = new IndexColorModel(2, colours.length, colours, 0, false, -1, DataBuffer.TYPE_BYTE);
        BufferedImage out = new BufferedImage(scene.getWidth(), scene.getHeight(), BufferedImage.TYPE_BYTE_BINARY, model);
        Graphics2D g = out.createGraphics();
        g.drawImage(scene, 0, 0, null);
        g.dispose();
        return out;
    }

    /** The scene's white ground made fully transparent, as logo files usually are. */
    private static BufferedImage withTransparentGround(BufferedImage scene) {
        BufferedImage out = new BufferedImage(scene.getWidth(), scene.getHeight(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < scene.getHeight(); y++) {
            for (int x = 0; x < scene.getWidth(); x++) {
                int rgb = scene.getRGB(x, y) & 0xffffff;
                out.setRGB(x, y, rgb == 0xffffff ? 0x00000000 : 0xff000000 | rgb);
            }
        }
        return out;
    }

    /** Two frames: the scene first, then a blue one that must not be what is read. */
    private static byte[] animatedGif(BufferedImage scene) throws IOException {
        BufferedImage second = new BufferedImage(scene.getWidth(), scene.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = second.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, second.getWidth(), second.getHeight());
        g.dispose();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (BufferedImage frame : List.of(scene, second)) {
                BufferedImage indexed = copy(frame, BufferedImage.TYPE_BYTE_INDEXED);
                writer.writeToSequence(new IIOImage(indexed,
                        null, writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(indexed),
                        null)), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** Lossless WebP by Debian's cwebp (package webp): Java has no WebP writer. */
    private static byte[] webp(BufferedImage scene) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("odd-webp");
        try {
            Path png = Files.write(dir.resolve("in.png"), png(scene));
            Path webp = dir.resolve("out.webp");
            Process p = new ProcessBuilder("cwebp", "-quiet", "-lossless", png.toString(), "-o", webp.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("cwebp finished").isTrue();
            assertThat(p.exitValue()).as("cwebp (apt: webp) made a WebP file: %s", output).isZero();
            return Files.readAllBytes(webp);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /** A valid PNG header claiming width x height, with a few bytes of data: what a decompression bomb looks like. */
    private static byte[] pngHeaderOnly(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[1024]);
        deflater.finish();
        byte[] z = new byte[2048];
        int n = deflater.deflate(z);
        chunk(out, "IDAT", Arrays.copyOf(z, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
