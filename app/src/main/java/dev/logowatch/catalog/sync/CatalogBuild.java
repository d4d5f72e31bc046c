package dev.logowatch.catalog.sync;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.catalog.CatalogReport;
import dev.logowatch.catalog.ReferenceEmbedder;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.config.CatalogConfig.Aggregation;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The central side of catalog sync: checks a catalog folder with the device's own rules
 * and writes what any static HTTP(S) server can publish: the reference images under
 * {@code <brand>/<file>} and a {@code manifest.json} listing them with sizes and sha256.
 *
 * <p>Images are checked by the real {@link CatalogLoader} (readable, decodable, not tiny,
 * not huge), with a stand-in for the embedding model, so no model is needed here. Any
 * problem fails the build: devices refuse an update with an unusable file, so a bad
 * catalog must never be published.
 *
 * <p>The output folder is updated in an order that keeps it consistent for a server
 * serving it meanwhile: each image is written under a temporary name and renamed, the
 * manifest is renamed into place last, and only then are images that the new manifest no
 * longer lists removed.
 */
public final class CatalogBuild {
    public static final String MANIFEST = "manifest.json";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    /**
     * @param manifest what was written to {@code out/manifest.json}
     * @param bytes    total size of the images
     * @param removed  images of an earlier build in {@code out} that are gone from this one
     */
    public record Result(Manifest manifest, Path out, long bytes, int removed) {
    }

    /** The catalog cannot be published; every problem names its file or folder. */
    public static final class Invalid extends Exception {
        private final List<String> problems;

        public Invalid(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private CatalogBuild() {
    }

    /**
     * @param version the manifest version; default {@code <UTC date>.<8 hex digits of the content hash>}
     * @throws Invalid      when any image, brand folder, brand.json or the output folder is unusable
     * @throws IOException  when writing the output fails
     */
    public static Result build(Path source, Path out, Optional<String> version, Clock clock)
            throws Invalid, IOException {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(source)) {
            throw new Invalid(List.of(source + ": not a folder"));
        }
        version.filter(v -> !Manifest.isValidVersion(v)).ifPresent(v -> problems.add("--version '" + v
                + "': 1-100 letters, digits, '.', '_', '+' or '-', not starting with '.' (it names a folder on devices)"));
        checkOutput(source, out, problems);

        CatalogLoader.Result loaded = new CatalogLoader(new DecodeCheck(), Aggregation.MEAN, Optional.empty()).load(source);
        CatalogReport report = loaded.report();
        report.problems().forEach(p -> problems.add(p.toString()));
        if (report.loadedBrands().isEmpty()) {
            problems.add(source + ": no brand folder with a usable image (expected <brand>/*.png|jpg)");
        }
        List<Manifest.BrandEntry> brands = new ArrayList<>();
        long total = 0;
        for (CatalogReport.BrandEntry entry : report.brands()) {
            if (!entry.loaded()) {
                continue;
            }
            Brand brand = loaded.catalog().brand(entry.id()).orElseThrow();
            List<Manifest.FileEntry> files = new ArrayList<>();
            List<String> names = new ArrayList<>(entry.used());
            names.addAll(entry.outliers());
            names.sort(null);
            for (String name : names) {
                Optional<String> pathProblem = Manifest.pathProblem(brand.id(), name);
                if (pathProblem.isPresent()) {
                    problems.add(name + ": " + pathProblem.get());
                    continue;
                }
                Path file = source.resolve(name);
                long size = Files.size(file);
                if (size > SyncLimits.DEFAULT.maxFileBytes()) {
                    problems.add(name + ": " + SyncLimits.describe(size) + ", more than the "
                            + SyncLimits.describe(SyncLimits.DEFAULT.maxFileBytes()) + " devices accept per image");
                }
                files.add(new Manifest.FileEntry(name, Staging.sha256(file), size));
                total += size;
            }
            brands.add(new Manifest.BrandEntry(brand.id(), brand.displayName(), brand.threshold(), brand.margin(),
                    brand.verify() == VerifyPolicy.BORDERLINE ? Optional.empty() : Optional.of(brand.verify()), files));
        }
        if (total > SyncLimits.DEFAULT.maxTotalBytes()) {
            problems.add(source + ": " + SyncLimits.describe(total) + " of images, more than the "
                    + SyncLimits.describe(SyncLimits.DEFAULT.maxTotalBytes()) + " devices accept per catalog");
        }
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        String hash = Staging.sha256Hex(new Manifest("-", brands).toJson()).substring(0, 8);
        Manifest manifest = new Manifest(version.orElse(DAY.format(clock.instant()) + "." + hash), brands);
        int removed = write(source, out, manifest);
        return new Result(manifest, out, total, removed);
    }

    private static void checkOutput(Path source, Path out, List<String> problems) throws IOException {
        Path src = source.toAbsolutePath().normalize();
        Path dst = out.toAbsolutePath().normalize();
        if (dst.startsWith(src) || src.startsWith(dst)) {
            problems.add(out + ": the output folder may not be inside the catalog folder or contain it");
            return;
        }
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            problems.add(out + ": exists and is not a folder");
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(out)) {
            if (entries.iterator().hasNext() && !Files.isRegularFile(out.resolve(MANIFEST))) {
                problems.add(out + ": not empty and holds no " + MANIFEST + " of an earlier build; refusing to write "
                        + "into it (choose an empty or new folder)");
            }
        }
    }

    /** Copies the images, puts the manifest in place, then removes what the earlier build had and this one has not. */
    private static int write(Path source, Path out, Manifest manifest) throws IOException {
        Files.createDirectories(out);
        Optional<Manifest> earlier = Optional.empty();
        Path manifestFile = out.resolve(MANIFEST);
        if (Files.isRegularFile(manifestFile)) {
            try {
                earlier = Optional.of(Manifest.parse(Files.readAllBytes(manifestFile), Long.MAX_VALUE));
            } catch (Manifest.Invalid e) {
                // Not ours to clean up after, then; the new build is still written.
            }
        }
        Set<String> paths = new HashSet<>();
        for (Manifest.FileEntry file : manifest.files()) {
            paths.add(file.path());
            Path target = out.resolve(file.path());
            Files.createDirectories(target.getParent());
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == file.size()
                    && Staging.sha256(target).equals(file.sha256())) {
                continue;
            }
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            Files.copy(source.resolve(file.path()), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Path tmp = out.resolve("." + MANIFEST + ".tmp");
        Files.write(tmp, manifest.toJson());
        Files.move(tmp, manifestFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        int removed = 0;
        if (earlier.isPresent()) {
            for (Manifest.FileEntry old : earlier.get().files()) {
                if (!paths.contains(old.path()) && Files.deleteIfExists(out.resolve(old.path()))) {
                    removed++;
                    Path brandDir = out.resolve(old.path()).getParent();
                    try (DirectoryStream<Path> rest = Files.newDirectoryStream(brandDir)) {
                        if (!rest.iterator().hasNext()) {
                            Files.delete(brandDir);
                        }
                    }
                }
            }
        }
        return removed;
    }

    /** Stands in for the embedding model: the loader decodes every image before asking, which is the check. */
    private static final class DecodeCheck implements ReferenceEmbedder {
        @Override
        public String modelSha256() {
            return "decode-check";
        }

        @Override
        public float[][] embed(List<BufferedImage> images) {
            float[][] out = new float[images.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = new float[] {1f};
            }
            return out;
        }
    }
}
