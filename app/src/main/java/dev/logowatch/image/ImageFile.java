package dev.logowatch.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import dev.logowatch.config.ImagesConfig;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every image file the product reads (catalog references, eval test images) is read here,
 * so a photo that one entry point accepts is accepted by all, and one that cannot be used
 * is refused everywhere with the same reason.
 *
 * <p>Formats are the JDK's ImageIO readers plus TwelveMonkeys' JPEG (any ICC profile, CMYK,
 * YCCK, Adobe APP14 — which the JDK's reader refuses or decodes with wrong colours) and WebP.
 * What comes out is always {@link BufferedImage#TYPE_3BYTE_BGR}, the layout every stage reads,
 * upright by the file's EXIF orientation, transparency composited on white.
 *
 * <p>A file is refused ({@link Refused}, with a reason for people) when it is empty, not an
 * image, too large or too small by its header (checked before decoding), or when the decoder
 * warns about its data: a truncated JPEG otherwise decodes "successfully" with its lower part
 * grey, which would be scored as a real image or embedded as a reference.
 */
public final class ImageFile {
    /** File name endings read as images: what the readers here decode. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "webp");
    /** The same, for messages. */
    public static final String EXTENSION_LIST = ".png, .jpg, .jpeg, .gif, .bmp or .webp";
    /** Larger files are refused before being read into memory. */
    public static final long MAX_BYTES = 64L << 20;
    private static final int TAG_ORIENTATION = TIFF.TAG_ORIENTATION;

    private ImageFile() {
    }

    /** Why a file cannot be used as an image; the message is the reason shown to people. */
    public static final class Refused extends Exception {
        public Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * What the header says, before any pixel is decoded.
     *
     * @param format      the reader's format name, e.g. {@code JPEG}
     * @param width       stored width in pixels
     * @param height      stored height in pixels
     * @param orientation EXIF orientation 1–8 (1 when absent)
     */
    public record Header(String format, int width, int height, int orientation) {
        /** Width as shown, after orientation: 5–8 turn the picture a quarter. */
        public int uprightWidth() {
            return orientation >= 5 ? height : width;
        }

        public int uprightHeight() {
            return orientation >= 5 ? width : height;
        }
    }

    /** The file's bytes, refused when empty, too large or unreadable. */
    public static byte[] bytes(Path file) throws Refused {
        try {
            long size = Files.size(file);
            if (size == 0) {
                throw new Refused("empty file (0 bytes)");
            }
            if (size > MAX_BYTES) {
                throw new Refused("file too large (" + size / (1 << 20) + " MiB; at most " + (MAX_BYTES >> 20) + " MiB)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Refused("file not found");
        } catch (IOException e) {
            throw new Refused("unreadable (" + message(e) + ")");
        }
    }

    /** Reads and decodes a file at full size. */
    public static BufferedImage read(Path file, ImagesConfig limits) throws Refused {
        return decode(bytes(file), limits, Integer.MAX_VALUE);
    }

    /** Whether the file's name ends in one of {@link #EXTENSIONS}, in any case. */
    public static boolean hasImageName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Checks the header against the limits without decoding pixels. */
    public static Header probe(byte[] bytes, ImagesConfig limits) throws Refused {
        try (Opened opened = open(bytes)) {
            return check(opened, limits);
        }
    }

    /**
     * Decodes to upright BGR.
     *
     * @param maxSide decode at most this many pixels on the longer side, by subsampling in the
     *                decoder (references need no more than the embedder looks at)
     */
    public static BufferedImage decode(byte[] bytes, ImagesConfig limits, int maxSide) throws Refused {
        try (Opened opened = open(bytes)) {
            Header header = check(opened, limits);
            ImageReader reader = opened.reader();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            ImageReadParam param = reader.getDefaultReadParam();
            int step = (int) ((Math.max(header.width(), header.height()) + (long) maxSide - 1) / maxSide);
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage decoded;
            try {
                decoded = reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                throw new Refused("corrupt or truncated " + header.format() + " data (" + message(e) + ")");
            } catch (OutOfMemoryError e) {
                throw new Refused("too large to decode in the memory available (" + header.width() + "x"
                        + header.height() + " px); lower images.max-megapixels or give the service more heap");
            }
            if (decoded == null) {
                throw new Refused("the " + header.format() + " reader returned no picture");
            }
            for (String warning : warnings) {
                if (!harmless(warning)) {
                    throw new Refused("corrupt or truncated " + header.format() + " data (" + warning + ")");
                }
            }
            return upright(decoded, header.orientation());
        }
    }

    /**
     * Warnings that say nothing is missing from the picture, so the file is read:
     * <ul>
     *   <li>how colours were interpreted: an ICC profile that does not fit the data (the grey
     *   profiles print workflows leave on RGB photos), CMYK or YCCK without a profile, a JFIF
     *   or Adobe marker that disagrees with the data. The pixels are all there; refusing such
     *   photos is what this reader is here to stop;</li>
     *   <li>libjpeg's "extraneous bytes before marker 0xd9": junk after the last scan, before
     *   the end marker, every pixel decoded. Cameras and editors write such files often;</li>
     *   <li>"16 bit DQT encountered": 16-bit quantisation tables (valid JPEG, 16 of 1,924 real
     *   street photos), which the reader scales to 8 bits for the decoder; the picture is whole.</li>
     * </ul>
     * Every other warning (premature end of data, corrupt entropy-coded data, …) refuses the file.
     */
    static boolean harmless(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        if (w.contains("extraneous bytes before marker 0xd9") || w.contains("16 bit dqt")) {
            return true;
        }
        boolean aboutColour = w.contains("icc") || w.contains("cmyk") || w.contains("ycck") || w.contains("jfif")
                || w.contains("adobe") || w.contains("app14");
        return aboutColour && !w.contains("premature") && !w.contains("corrupt jpeg data");
    }

    /**
     * Formats whose header states the file's length (RIFF for WebP, BMP) are checked against
     * it: their readers fill a cut-off picture with black and do not say so.
     */
    private static void checkLength(String format, byte[] b) throws Refused {
        long declared = 0;
        if (format.equals("WEBP") && b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F') {
            declared = 8 + littleEndianInt(b, 4);
        } else if (format.equals("BMP") && b.length >= 6 && b[0] == 'B' && b[1] == 'M') {
            declared = littleEndianInt(b, 2); // 0 in some writers' files: then nothing to check
        }
        if (declared > b.length) {
            throw new Refused("truncated " + format + " file (its header says " + declared + " bytes, the file has "
                    + b.length + ")");
        }
    }

    private static long littleEndianInt(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    private record Opened(ImageInputStream in, ImageReader reader, String format, byte[] bytes)
            implements AutoCloseable {
        @Override
        public void close() {
            reader.dispose();
            try {
                in.close();
            } catch (IOException ignored) {
                // a stream over a byte array does not fail to close
            }
        }
    }

    private static Opened open(byte[] bytes) throws Refused {
        if (bytes.length == 0) {
            throw new Refused("empty file (0 bytes)");
        }
        ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new Refused(notAnImage(bytes));
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, true);
        String format;
        try {
            format = reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            format = "image";
        }
        return new Opened(in, reader, format, bytes);
    }

    private static Header check(Opened opened, ImagesConfig limits) throws Refused {
        int w;
        int h;
        try {
            w = opened.reader().getWidth(0);
            h = opened.reader().getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new Refused("broken " + opened.format() + " header (" + message(e) + ")");
        }
        if (w < limits.minSide() || h < limits.minSide()) {
            throw new Refused("too small to hold a logo (" + w + "x" + h + " px; at least " + limits.minSide() + "x"
                    + limits.minSide() + ", images.min-side)");
        }
        if ((long) w * h > limits.maxPixels()) {
            throw new Refused("too large (" + w + "x" + h + " px = " + megapixels((long) w * h) + " megapixels; at most "
                    + megapixels(limits.maxPixels()) + ", images.max-megapixels)");
        }
        checkLength(opened.format(), opened.bytes());
        int orientation = opened.format().equals("JPEG") ? exifOrientation(opened.bytes()) : 1;
        return new Header(opened.format(), w, h, orientation);
    }

    /** The EXIF orientation of a JPEG; 1 (as stored) when there is none or it cannot be read. */
    static int exifOrientation(byte[] jpeg) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg))) {
            List<JPEGSegment> exif = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (exif.isEmpty()) {
                return 1;
            }
            InputStream data = exif.getFirst().data();
            // "Exif" is followed by two zero bytes; the segment data starts after the first.
            if (data.read() < 0) {
                return 1;
            }
            try (ImageInputStream tiff = ImageIO.createImageInputStream(data)) {
                Directory directory = new TIFFReader().read(tiff);
                Entry entry = directory.getEntryById(TAG_ORIENTATION);
                if (entry != null && entry.getValue() instanceof Number n && n.intValue() >= 1 && n.intValue() <= 8) {
                    return n.intValue();
                }
                return 1;
            }
        } catch (IOException | RuntimeException e) {
            // A broken EXIF block does not make the picture unusable; it is shown as stored.
            return 1;
        }
    }

    /** The picture as upright BGR on white; the decoded image itself when it already is. */
    static BufferedImage upright(BufferedImage image, int orientation) {
        if (orientation == 1 && image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean quarter = orientation >= 5;
        BufferedImage out = new BufferedImage(quarter ? h : w, quarter ? w : h, BufferedImage.TYPE_3BYTE_BGR);
        // EXIF orientations as transforms from stored to upright pixels (TIFF 6.0, tag 274).
        AffineTransform t = switch (orientation) {
            case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);
            case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);
            case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);
            case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);
            case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);
            case 7 -> new AffineTransform(0, -1, -1, 0, h, w);
            case 8 -> new AffineTransform(0, -1, 1, 0, 0, w);
            default -> new AffineTransform();
        };
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.drawImage(image, t, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static String notAnImage(byte[] bytes) {
        String start = new String(bytes, 0, Math.min(bytes.length, 256), StandardCharsets.ISO_8859_1).stripLeading()
                .toLowerCase(Locale.ROOT);
        if (start.startsWith("<!doctype html") || start.startsWith("<html")) {
            return "an HTML page, not an image (a web page saved under an image name?)";
        }
        if (start.startsWith("<svg") || start.startsWith("<?xml")) {
            return "XML or SVG text, not a bitmap image (export it as PNG)";
        }
        boolean text = true;
        for (int i = 0; i < Math.min(bytes.length, 256); i++) {
            int b = bytes[i] & 0xff;
            if (b < 0x09 || (b > 0x0d && b < 0x20)) {
                text = false;
                break;
            }
        }
        return text ? "a text file, not an image" : "not an image in a known format (PNG, JPEG, GIF, BMP, WebP)";
    }

    private static String megapixels(long pixels) {
        return String.format(Locale.ROOT, "%.1f", pixels / 1e6);
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
