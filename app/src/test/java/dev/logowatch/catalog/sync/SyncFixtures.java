package dev.logowatch.catalog.sync;

import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.catalog.ReferenceEmbedder;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.CatalogConfig.Aggregation;
import dev.logowatch.config.Secret;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Catalog folders, a loader without a model, and configurations for the sync tests. */
final class SyncFixtures {
    private SyncFixtures() {
    }

    /** A logo stand-in: a filled square of one colour on white, {@code size} pixels wide. */
    static void png(Path file, Color colour, int size) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setColor(colour);
        g.fillRect(size / 8, size / 8, size * 3 / 4, size * 3 / 4);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /**
     * The real {@link CatalogLoader} with a colour embedder (an image's vector is its mean
     * B, G, R), so loading checks every image as on a device but needs no model.
     */
    static CatalogSync.Loader loader() {
        return new CatalogLoader(new ColourEmbedder(), Aggregation.MEAN, Optional.empty())::load;
    }

    static CatalogConfig.Sync config(URI manifest) {
        return new CatalogConfig.Sync(manifest, Duration.ofMinutes(10), Optional.empty(), Optional.empty());
    }

    static CatalogConfig.Sync config(URI manifest, Optional<Path> ca, Optional<String> token) {
        return new CatalogConfig.Sync(manifest, Duration.ofMinutes(10), ca,
                token.map(t -> new Secret("catalog.sync.token-file", Path.of("/etc/logowatch/catalog-token"), t)));
    }

    /** Publishes a source catalog into the served folder, as the central side does. */
    static Manifest publish(Path source, Path served, String version) throws Exception {
        return CatalogBuild.build(source, served, Optional.of(version), Clock.systemUTC()).manifest();
    }

    /**
     * Every visible file under a catalog folder (through the symlink) with its sha256:
     * what the loader would read, hidden sync files aside.
     */
    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path real = dir.toRealPath();
        try (Stream<Path> files = Files.walk(real)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                String rel = real.relativize(f).toString();
                if (!rel.startsWith(".") && !rel.contains("/.")) {
                    out.put(rel, Staging.sha256(f));
                }
            }
        }
        return out;
    }

    /** The images of a source catalog as a synced copy must hold them (brand.json files excluded). */
    static Map<String, String> images(Map<String, String> snapshot) {
        Map<String, String> out = new TreeMap<>(snapshot);
        out.keySet().removeIf(k -> k.endsWith("/brand.json"));
        return out;
    }

    static List<Path> leftovers(Path parent) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().contains(".staging-")
                    || p.getFileName().toString().contains(".link-")).toList();
        }
    }

    static final class ColourEmbedder implements ReferenceEmbedder {
        @Override
        public String modelSha256() {
            return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        }

        @Override
        public float[][] embed(List<BufferedImage> images) {
            float[][] out = new float[images.size()][];
            for (int i = 0; i < out.length; i++) {
                byte[] px = ((DataBufferByte) images.get(i).getRaster().getDataBuffer()).getData();
                double[] sum = new double[3];
                for (int p = 0; p < px.length; p++) {
                    sum[p % 3] += px[p] & 0xff;
                }
                out[i] = new float[] {(float) sum[0] + 1, (float) sum[1] + 1, (float) sum[2] + 1};
            }
            return out;
        }
    }
}
