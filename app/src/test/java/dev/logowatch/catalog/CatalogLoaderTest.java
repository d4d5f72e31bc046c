package dev.logowatch.catalog;

import dev.logowatch.config.CatalogConfig.Aggregation;
import dev.logowatch.testing.OddImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CatalogLoaderTest {
    @TempDir
    Path catalog;
    @TempDir
    Path cache;

    /** Embeds an image as its mean (B, G, R), so colours stand in for logos; counts what it is asked. */
    static final class ColourEmbedder implements ReferenceEmbedder {
        final String sha;
        final List<Integer> batches = new ArrayList<>();

        ColourEmbedder(String sha) {
            this.sha = sha;
        }

        int images() {
            return batches.stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public String modelSha256() {
            return sha;
        }

        @Override
        public float[][] embed(List<BufferedImage> images) {
            batches.add(images.size());
            float[][] out = new float[images.size()][];
            for (int i = 0; i < images.size(); i++) {
                BufferedImage img = images.get(i);
                assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
                byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
                double[] sum = new double[3];
                for (int p = 0; p < px.length; p++) {
                    sum[p % 3] += px[p] & 0xff;
                }
                float[] v = {(float) sum[0], (float) sum[1], (float) sum[2]};
                out[i] = Prototypes.normalized(v);
            }
            return out;
        }
    }

    private final ColourEmbedder embedder = new ColourEmbedder("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");

    private CatalogLoader.Result load(ReferenceEmbedder e, Aggregation aggregation) throws IOException {
        return new CatalogLoader(e, aggregation, Optional.of(cache)).load(catalog);
    }

    private CatalogLoader.Result load() throws IOException {
        return load(embedder, Aggregation.MEAN);
    }

    @Test
    void unusableImagesAreSkippedWithTheirReasonAndTheRestLoads() throws IOException {
        png("acme/good.png", Color.RED, 32, 32);
        write("acme/empty.png", new byte[0]);
        write("acme/notes.png", "not an image at all".getBytes(StandardCharsets.UTF_8));
        png("acme/dot.png", Color.RED, 1, 1);
        write("acme/readme.txt", "hello".getBytes(StandardCharsets.UTF_8));

        CatalogLoader.Result result = load();

        CatalogReport.BrandEntry acme = result.report().brands().get(0);
        assertThat(acme.used()).containsExactly("acme/good.png");
        assertThat(acme.skipped()).extracting(CatalogReport.Problem::toString).containsExactlyInAnyOrder(
                "acme/dot.png: skipped: too small to hold a logo (1x1 px; at least 16x16, images.min-side)",
                "acme/empty.png: skipped: empty file (0 bytes)",
                "acme/notes.png: skipped: a text file, not an image",
                "acme/readme.txt: skipped: not a .png, .jpg, .jpeg, .gif, .bmp or .webp file");
        assertThat(result.report().imagesSkipped()).isEqualTo(4);
        assertThat(result.catalog().brand("acme")).isPresent();
        assertThat(embedder.images()).isEqualTo(1);
    }

    @Test
    void everyOddReferenceIsReadOrItsBrandExcludedWithTheReason() throws Exception {
        // One brand per file, so each file alone decides whether its brand loads.
        List<OddImages.Odd> odd = OddImages.all();
        for (OddImages.Odd o : odd) {
            o.write(catalog.resolve(brandOf(o)));
        }

        CatalogLoader.Result result = load();

        List<String> loaded = odd.stream().filter(OddImages.Odd::readable).map(CatalogLoaderTest::brandOf).toList();
        List<String> excluded = odd.stream().filter(o -> !o.readable()).map(CatalogLoaderTest::brandOf).toList();
        assertThat(result.report().loadedBrands()).containsExactlyInAnyOrderElementsOf(loaded);
        assertThat(result.report().excludedBrands()).containsExactlyInAnyOrderElementsOf(excluded);
        assertThat(result.catalog().brands()).extracting(Brand::id).containsExactlyInAnyOrderElementsOf(loaded);
        for (OddImages.Odd o : odd.stream().filter(o -> !o.readable()).toList()) {
            assertThat(result.report().problems()).extracting(CatalogReport.Problem::toString).as(o.name())
                    .anySatisfy(p -> assertThat(p).startsWith(brandOf(o) + "/" + o.name() + ": skipped: ")
                            .contains(o.refusal()))
                    .contains(brandOf(o) + "/: brand excluded: no usable reference image");
        }
        // Upright and on white: the alpha logo's mean colour is the opaque scene's, not grey's.
        float[] alpha = result.catalog().prototypes("alpha-png")[0];
        float[] plain = result.catalog().prototypes("palette-png")[0];
        assertThat(dot(alpha, plain)).isGreaterThan(0.999);
    }

    private static String brandOf(OddImages.Odd o) {
        return o.name().replace('.', '-');
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void hugeImageIsRefusedFromItsHeaderWithoutDecoding() throws IOException {
        png("acme/good.png", Color.RED, 16, 16);
        write("acme/huge.png", pngClaiming(10_000, 5_000));

        CatalogReport report = load().report();

        assertThat(report.brands().get(0).skipped()).extracting(CatalogReport.Problem::toString)
                .containsExactly("acme/huge.png: skipped: too large (10000x5000 px = 50.0 megapixels; at most 40.0, images.max-megapixels)");
        assertThat(embedder.images()).isEqualTo(1);
    }

    @Test
    void brandWithoutUsableImageIsExcludedAndReported() throws IOException {
        png("acme/logo.png", Color.RED, 32, 32);
        write("ghost/empty.jpg", new byte[0]);
        Files.createDirectories(catalog.resolve("hollow"));

        CatalogLoader.Result result = load();

        assertThat(result.catalog().brands()).extracting(Brand::id).containsExactly("acme");
        assertThat(result.report().loadedBrands()).containsExactly("acme");
        assertThat(result.report().excludedBrands()).containsExactly("ghost", "hollow");
        assertThat(result.report().problems()).extracting(CatalogReport.Problem::toString)
                .contains("ghost/: brand excluded: no usable reference image",
                        "hollow/: brand excluded: no usable reference image");
        assertThat(result.report().summary()).startsWith("1 brands loaded, 2 excluded; 1 images used, 1 skipped");
    }

    @Test
    void foldersThatAreNotBrandIdsAreSkippedAndHiddenOnesIgnored() throws IOException {
        png("acme/logo.png", Color.RED, 32, 32);
        png("Coca Cola/logo.png", Color.RED, 32, 32);
        png(".sync-work/logo.png", Color.RED, 32, 32);
        write("manifest.json", "{}".getBytes(StandardCharsets.UTF_8));

        CatalogLoader.Result result = load();

        assertThat(result.catalog().brands()).extracting(Brand::id).containsExactly("acme");
        assertThat(result.report().problems()).extracting(CatalogReport.Problem::path).containsExactly("Coca Cola/");
        assertThat(result.report().problems().get(0).reason()).contains("letters, digits");
    }

    @Test
    void brandJsonOverridesTheDefaults() throws IOException {
        png("acme/logo.png", Color.RED, 32, 32);
        write("acme/brand.json", """
                {"display_name": "Acme Corp.", "threshold": 0.9, "margin": 0.12, "verify": "always",
                 "text": ["ACME", "Acme Corporation"]}
                """.getBytes(StandardCharsets.UTF_8));
        png("plain/logo.png", Color.BLUE, 32, 32);

        CatalogLoader.Result result = load();

        Brand acme = result.catalog().brand("acme").orElseThrow();
        assertThat(acme.displayName()).isEqualTo("Acme Corp.");
        assertThat(acme.threshold().getAsDouble()).isEqualTo(0.9);
        assertThat(acme.margin().getAsDouble()).isEqualTo(0.12);
        assertThat(acme.verify()).isEqualTo(VerifyPolicy.ALWAYS);
        assertThat(acme.wordmarks()).containsExactly("ACME", "Acme Corporation");
        assertThat(result.catalog().brand("plain").orElseThrow()).isEqualTo(Brand.of("plain"));
        assertThat(result.catalog().brand("plain").orElseThrow().wordmarks()).as("read as its name").containsExactly("plain");
        assertThat(result.report().problems()).isEmpty();
    }

    @Test
    void badBrandJsonFieldsWarnByNameAndKeepTheirDefaults() throws IOException {
        png("acme/logo.png", Color.RED, 32, 32);
        write("acme/brand.json", """
                {"display_name": "Acme", "threshold": 1.5, "margin": "wide", "verify": "sometimes", "colour": "red",
                 "text": ["ACME", "."]}
                """.getBytes(StandardCharsets.UTF_8));

        CatalogLoader.Result result = load();

        Brand acme = result.catalog().brand("acme").orElseThrow();
        assertThat(acme.displayName()).isEqualTo("Acme");
        assertThat(acme.threshold()).isEmpty();
        assertThat(acme.margin()).isEmpty();
        assertThat(acme.verify()).isEqualTo(VerifyPolicy.BORDERLINE);
        assertThat(acme.wordmarks()).containsExactly("Acme");
        assertThat(result.report().problems()).extracting(CatalogReport.Problem::toString).containsExactly(
                "acme/brand.json: field 'threshold' must be a number from 0 to 1, got 1.5; default kept",
                "acme/brand.json: field 'margin' must be a number from 0 to 1, got \"wide\"; default kept",
                "acme/brand.json: field 'verify' must be \"always\", \"never\" or \"borderline\", got \"sometimes\"; "
                        + "default kept",
                "acme/brand.json: unknown field 'colour' ignored (known: display_name, threshold, margin, verify, text)",
                "acme/brand.json: field 'text' must list how the logo is written, e.g. [\"HUGO BOSS\", \"BOSS\"]: texts "
                        + "of at most 100 characters with at least two letters or digits, got [\"ACME\",\".\"]; default kept");
    }

    @Test
    void malformedBrandJsonLeavesTheBrandLoadedWithDefaults() throws IOException {
        png("acme/logo.png", Color.RED, 32, 32);
        write("acme/brand.json", "{\"display_name\": \"Acme\",".getBytes(StandardCharsets.UTF_8));

        CatalogLoader.Result result = load();

        assertThat(result.catalog().brand("acme")).contains(Brand.of("acme"));
        assertThat(result.report().problems()).hasSize(1);
        assertThat(result.report().problems().get(0).path()).isEqualTo("acme/brand.json");
        assertThat(result.report().problems().get(0).reason()).startsWith("not valid JSON").endsWith("brand uses defaults");
    }

    @Test
    void secondLoadTakesEmbeddingsFromTheCache() throws IOException {
        png("acme/a.png", Color.RED, 32, 32);
        png("acme/b.png", new Color(200, 30, 30), 32, 32);
        png("blue/a.png", Color.BLUE, 32, 32);

        CatalogLoader.Result first = load();
        assertThat(embedder.images()).isEqualTo(3);
        assertThat(first.report().embedded()).isEqualTo(3);

        CatalogLoader.Result second = load();

        assertThat(embedder.images()).as("embedder not asked again").isEqualTo(3);
        assertThat(second.report().fromCache()).isEqualTo(3);
        assertThat(second.report().embedded()).isZero();
        assertThat(second.catalog().version()).isEqualTo(first.catalog().version());
        assertThat(second.catalog().prototypes("acme")).isDeepEqualTo(first.catalog().prototypes("acme"));
        // Switching the aggregation reuses the same reference embeddings.
        load(embedder, Aggregation.MAX);
        assertThat(embedder.images()).isEqualTo(3);
    }

    @Test
    void changedReferenceBytesAreEmbeddedAgainAndChangeTheVersion() throws IOException {
        png("acme/a.png", Color.RED, 32, 32);
        png("blue/a.png", Color.BLUE, 32, 32);
        CatalogLoader.Result first = load();

        png("blue/a.png", Color.GREEN, 32, 32);
        CatalogLoader.Result second = load();

        assertThat(embedder.batches).containsExactly(2, 1);
        assertThat(second.catalog().version()).isNotEqualTo(first.catalog().version());
        assertThat(second.catalog().prototypes("blue")[0]).containsExactly(new float[] {0, 1, 0}, within(1e-6f));
        assertThat(second.report().fromCache()).isEqualTo(1);
    }

    @Test
    void anotherModelDoesNotUseTheCachedEmbeddings() throws IOException {
        png("acme/a.png", Color.RED, 32, 32);
        load();
        ColourEmbedder other = new ColourEmbedder("ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000");

        CatalogLoader.Result result = load(other, Aggregation.MEAN);

        assertThat(other.images()).isEqualTo(1);
        assertThat(result.report().fromCache()).isZero();
        assertThat(result.catalog().modelSha256()).isEqualTo(other.sha);
        // One cache file per folder: the other model's file was replaced, not kept beside.
        try (var files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("embeddings-ffff0000ffff0000.bin");
        }
    }

    @Test
    void corruptCacheFileIsIgnoredWithAWarningAndRebuilt() throws IOException {
        png("acme/a.png", Color.RED, 32, 32);
        png("blue/a.png", Color.BLUE, 32, 32);
        load();
        Path file;
        try (var files = Files.list(cache)) {
            file = files.findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 20] ^= 0x5a;
        Files.write(file, bytes);

        CatalogLoader.Result damaged = load();

        assertThat(embedder.images()).isEqualTo(4);
        assertThat(damaged.report().problems()).extracting(CatalogReport.Problem::reason)
                .containsExactly("embedding cache is corrupt (checksum mismatch); ignored, it will be rebuilt");
        assertThat(damaged.catalog().size()).isEqualTo(2);

        Files.write(file, new byte[] {1, 2, 3});
        assertThat(load().report().problems()).singleElement().extracting(CatalogReport.Problem::reason)
                .asString().contains("truncated");

        CatalogLoader.Result rebuilt = load();
        assertThat(rebuilt.report().problems()).isEmpty();
        assertThat(rebuilt.report().fromCache()).isEqualTo(2);
        assertThat(embedder.images()).isEqualTo(6);
    }

    @Test
    void trimmedMeanLeavesOutAWrongFileAndReportsIt() throws IOException {
        for (int i = 0; i < 4; i++) {
            png("acme/red" + i + ".png", new Color(255 - i * 5, 0, 0), 32, 32);
        }
        png("acme/zz-wrong.png", Color.BLUE, 32, 32);

        CatalogLoader.Result trimmed = load(embedder, Aggregation.TRIMMED_MEAN);
        CatalogLoader.Result mean = load(embedder, Aggregation.MEAN);

        assertThat(trimmed.report().brands().get(0).outliers()).containsExactly("acme/zz-wrong.png");
        assertThat(trimmed.report().brands().get(0).used()).hasSize(4);
        assertThat(trimmed.catalog().prototypes("acme")[0]).containsExactly(new float[] {0, 0, 1}, within(1e-6f));
        assertThat(mean.report().brands().get(0).outliers()).isEmpty();
        assertThat(mean.catalog().prototypes("acme")[0][0]).as("the wrong file pulls the mean").isGreaterThan(0.2f);
    }

    @Test
    void catalogFolderThatDoesNotExistIsAnError() {
        Path missing = catalog.resolve("nowhere");
        assertThatThrownBy(() -> new CatalogLoader(embedder, Aggregation.MEAN, Optional.empty()).load(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void transparentLogoIsFlattenedOntoGrey() throws IOException {
        BufferedImage argb = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB); // fully transparent
        Path file = catalog.resolve("ghostly/logo.png");
        Files.createDirectories(file.getParent());
        ImageIO.write(argb, "png", file.toFile());

        CatalogLoader.Result result = load();

        float g = (float) (1 / Math.sqrt(3));
        assertThat(result.catalog().prototypes("ghostly")[0]).containsExactly(new float[] {g, g, g}, within(1e-6f));
    }

    private void png(String name, Color colour, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, w, h);
        g.dispose();
        Path file = catalog.resolve(name);
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private void write(String name, byte[] bytes) throws IOException {
        Path file = catalog.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /** A small PNG whose header claims another size, with a valid header checksum. */
    private static byte[] pngClaiming(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", out);
        ByteBuffer png = ByteBuffer.wrap(out.toByteArray());
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
        png.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png.array(), 12, 4 + 13);
        png.putInt(29, (int) crc.getValue());
        return png.array();
    }
}
