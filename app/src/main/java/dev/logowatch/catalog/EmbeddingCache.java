package dev.logowatch.catalog;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Reference embeddings on disk, one file per embedding model, keyed by the sha256 of each
 * reference file's bytes. A catalog sync that changes two brands of three hundred then
 * embeds only the changed files, and switching the aggregation embeds nothing; prototypes
 * are recomputed from these on every load, which takes milliseconds.
 *
 * <p>File: magic, format, model sha256, dimension, count, then per entry the 32 sha256
 * bytes and the floats, then a CRC32 of everything before it. Anything unexpected makes the
 * file count as corrupt: it is ignored with a warning and rewritten. Writes go to a temporary
 * file in the same folder that is then renamed over the old one, so a power cut leaves
 * either the old file or the new one.
 */
final class EmbeddingCache {
    private static final System.Logger LOG = System.getLogger(EmbeddingCache.class.getName());
    private static final int MAGIC = 0x4C57_5245; // "LWRE"
    private static final int FORMAT = 1;
    private static final String PREFIX = "embeddings-";
    private static final String SUFFIX = ".bin";
    private static final int MAX_DIMENSION = 65_536;

    private EmbeddingCache() {
    }

    /** The cache file for a model; a few hex digits of its sha256 keep the name short. */
    static Path file(Path dir, String modelSha256) {
        String tag = modelSha256.toLowerCase(Locale.ROOT).replaceAll("[^0-9a-f]", "");
        tag = tag.isEmpty() ? "unknown" : tag.substring(0, Math.min(16, tag.length()));
        return dir.resolve(PREFIX + tag + SUFFIX);
    }

    /** Entries by file sha256 (hex); empty when there is no usable cache file. */
    static Map<String, float[]> read(Path dir, String modelSha256, List<CatalogReport.Problem> problems) {
        Path file = file(dir, modelSha256);
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            return parse(file, modelSha256);
        } catch (IOException | RuntimeException e) {
            String reason = e instanceof EOFException ? "truncated" : String.valueOf(e.getMessage());
            problems.add(new CatalogReport.Problem(file.toString(),
                    "embedding cache is corrupt (" + reason + "); ignored, it will be rebuilt"));
            return Map.of();
        }
    }

    private static Map<String, float[]> parse(Path file, String modelSha256) throws IOException {
        long size = Files.size(file);
        CRC32 crc = new CRC32();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
            if (in.readInt() != MAGIC) {
                throw new IOException("not an embedding cache file");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("format " + format + ", expected " + FORMAT);
            }
            String model = in.readUTF();
            if (!model.equals(modelSha256)) {
                throw new IOException("written for model " + model);
            }
            int dim = in.readInt();
            int count = in.readInt();
            if (dim < 1 || dim > MAX_DIMENSION || count < 0) {
                throw new IOException("impossible header (dimension " + dim + ", " + count + " entries)");
            }
            // Check the length before allocating, so a damaged count cannot exhaust memory.
            long header = 4 + 4 + 2 + model.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4 + 4;
            long expected = header + (long) count * (32 + 4L * dim) + 8;
            if (size != expected) {
                throw new IOException(size + " bytes, expected " + expected);
            }
            Map<String, float[]> entries = new HashMap<>(count * 2);
            byte[] key = new byte[32];
            HexFormat hex = HexFormat.of();
            for (int i = 0; i < count; i++) {
                in.readFully(key);
                float[] v = new float[dim];
                for (int d = 0; d < dim; d++) {
                    v[d] = in.readFloat();
                }
                entries.put(hex.formatHex(key), v);
            }
            long computed = crc.getValue();
            long stored = new DataInputStream(raw).readLong();
            if (computed != stored) {
                throw new IOException("checksum mismatch");
            }
            return entries;
        }
    }

    /**
     * Replaces the model's cache file with exactly these entries and removes other models'
     * files, so the folder holds one file of bounded size. Failing to write only costs
     * time at the next start, so it is a warning.
     */
    static void write(Path dir, String modelSha256, int dim, Map<String, float[]> entries,
                      List<CatalogReport.Problem> problems) {
        Path file = file(dir, modelSha256);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, PREFIX, ".tmp");
            CRC32 crc = new CRC32();
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream raw = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc));
                out.writeInt(MAGIC);
                out.writeInt(FORMAT);
                out.writeUTF(modelSha256);
                out.writeInt(dim);
                out.writeInt(entries.size());
                HexFormat hex = HexFormat.of();
                for (Map.Entry<String, float[]> e : entries.entrySet()) {
                    out.write(hex.parseHex(e.getKey()));
                    for (float f : e.getValue()) {
                        out.writeFloat(f);
                    }
                }
                out.flush();
                new DataOutputStream(raw).writeLong(crc.getValue());
                raw.flush();
                channel.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            removeOthers(dir, file);
        } catch (IOException | RuntimeException e) {
            problems.add(new CatalogReport.Problem(file.toString(), "embedding cache not written (" + e
                    + "); the next start embeds the references again"));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "could not remove " + tmp + ": " + e);
                }
            }
        }
    }

    /** Other models' files, and temporary files a power cut left behind (old enough not to be in use). */
    private static void removeOthers(Path dir, Path keep) throws IOException {
        long staleBefore = System.currentTimeMillis() - 3_600_000;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean otherModel = name.endsWith(SUFFIX) && !f.equals(keep);
                boolean leftover = name.endsWith(".tmp") && Files.getLastModifiedTime(f).toMillis() < staleBefore;
                if (otherModel || leftover) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
