package dev.logowatch.catalog;

import java.nio.file.Path;
import java.util.List;

/**
 * What loading a catalog folder found, for the status page and the command line: which
 * brands made it, which reference images were used, and every file that was skipped and why.
 *
 * @param dir        the catalog folder
 * @param version    the loaded catalog's version
 * @param brands     every brand folder with a valid name, loaded or not, by id
 * @param problems   every warning, in the order found (skipped images, brand.json fields,
 *                   invalid folder names, excluded brands, cache trouble)
 * @param embedded   reference images embedded during this load
 * @param fromCache  reference embeddings taken from the cache
 */
public record CatalogReport(Path dir, String version, List<BrandEntry> brands, List<Problem> problems,
                            int embedded, int fromCache) {
    public CatalogReport {
        brands = List.copyOf(brands);
        problems = List.copyOf(problems);
    }

    /**
     * One warning about one file or folder.
     *
     * @param path   relative to the catalog folder ({@code nike/logo.png}), or absolute outside it
     * @param reason what is wrong and what happened, e.g. {@code skipped: 1x1 px, at least 8x8 needed}
     */
    public record Problem(String path, String reason) {
        @Override
        public String toString() {
            return path + ": " + reason;
        }
    }

    /**
     * @param id       brand id
     * @param used     reference images its prototype was made from
     * @param outliers images that loaded but were left out of a trimmed mean
     * @param skipped  images that could not be used, with reasons
     */
    public record BrandEntry(String id, List<String> used, List<String> outliers, List<Problem> skipped) {
        public BrandEntry {
            used = List.copyOf(used);
            outliers = List.copyOf(outliers);
            skipped = List.copyOf(skipped);
        }

        /** A brand without a single usable reference image is not in the catalog. */
        public boolean loaded() {
            return !used.isEmpty();
        }
    }

    public List<String> loadedBrands() {
        return brands.stream().filter(BrandEntry::loaded).map(BrandEntry::id).toList();
    }

    public List<String> excludedBrands() {
        return brands.stream().filter(b -> !b.loaded()).map(BrandEntry::id).toList();
    }

    public int imagesUsed() {
        return brands.stream().mapToInt(b -> b.used().size() + b.outliers().size()).sum();
    }

    public int imagesSkipped() {
        return brands.stream().mapToInt(b -> b.skipped().size()).sum();
    }

    /** One line, e.g. {@code 12 brands loaded, 1 excluded; 54 images used, 3 skipped; 50 embeddings from cache}. */
    public String summary() {
        return loadedBrands().size() + " brands loaded, " + excludedBrands().size() + " excluded; "
                + imagesUsed() + " images used, " + imagesSkipped() + " skipped; "
                + fromCache + " embeddings from cache, " + embedded + " computed";
    }
}
