package dev.logowatch.catalog;

import dev.logowatch.config.CatalogConfig.Aggregation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The brands a device recognises and their prototypes for one embedding model. Immutable,
 * so a newly synced catalog can replace the running one with a single reference swap while
 * streams keep matching against whichever they picked up.
 *
 * <p>Prototype rows are kept in one flat array: brand {@code b} owns rows
 * {@code firstRow[b] .. firstRow[b+1]-1}, one row for the mean aggregations and one per
 * kept reference for {@code MAX}. A brand's similarity is the best of its rows.
 */
public final class Catalog {
    private final String version;
    private final String modelSha256;
    private final Aggregation aggregation;
    private final int dimension;
    private final List<Brand> brands;
    private final Map<String, Integer> index;
    private final float[] rows;
    private final int[] firstRow;
    private final Map<String, List<Path>> referenceFiles;

    Catalog(String version, String modelSha256, Aggregation aggregation, int dimension, List<Brand> brands,
            List<float[][]> prototypes) {
        this(version, modelSha256, aggregation, dimension, brands, prototypes, Map.of());
    }

    /** @param referenceFiles per brand id, the reference images its prototypes were made from */
    Catalog(String version, String modelSha256, Aggregation aggregation, int dimension, List<Brand> brands,
            List<float[][]> prototypes, Map<String, List<Path>> referenceFiles) {
        this.referenceFiles = Map.copyOf(referenceFiles);
        this.version = Objects.requireNonNull(version, "version");
        this.modelSha256 = Objects.requireNonNull(modelSha256, "modelSha256");
        this.aggregation = Objects.requireNonNull(aggregation, "aggregation");
        this.dimension = dimension;
        this.brands = List.copyOf(brands);
        this.index = new HashMap<>();
        this.firstRow = new int[brands.size() + 1];
        int total = 0;
        for (int b = 0; b < brands.size(); b++) {
            if (index.put(brands.get(b).id(), b) != null) {
                throw new IllegalArgumentException("brand '" + brands.get(b).id() + "' is in the catalog twice");
            }
            firstRow[b] = total;
            total += prototypes.get(b).length;
        }
        firstRow[brands.size()] = total;
        this.rows = new float[total * dimension];
        int r = 0;
        for (float[][] brandRows : prototypes) {
            for (float[] row : brandRows) {
                System.arraycopy(row, 0, rows, r * dimension, dimension);
                r++;
            }
        }
    }

    /** A catalog without brands, what the device runs with until the first one loads. */
    /** Cosine similarity of two embeddings, as matches measure it (embeddings are unit vectors). */
    public static double similarity(float[] a, float[] b) {
        return Prototypes.dot(a, b);
    }

    public static Catalog empty() {
        return new Catalog("none", "", Aggregation.MEAN, 0, List.of(), List.of());
    }

    /** For catalogs made from vectors in hand: tests, evaluation, tools. */
    public static Builder builder(Aggregation aggregation) {
        return new Builder(aggregation);
    }

    /** Content hash of the folder it was loaded from, or the sync manifest's version. */
    public String version() {
        return version;
    }

    /** The embedding model the prototypes belong to; queries must come from the same model. */
    public String modelSha256() {
        return modelSha256;
    }

    public Aggregation aggregation() {
        return aggregation;
    }

    /** Length of the vectors; 0 for the empty catalog. */
    public int dimension() {
        return dimension;
    }

    /** In a fixed order (by id when loaded from a folder); the index of a brand here is its index in {@link #score}. */
    public List<Brand> brands() {
        return brands;
    }

    public int size() {
        return brands.size();
    }

    public boolean isEmpty() {
        return brands.isEmpty();
    }

    public Brand brand(int index) {
        return brands.get(index);
    }

    public Optional<Brand> brand(String id) {
        Integer i = index.get(id);
        return i == null ? Optional.empty() : Optional.of(brands.get(i));
    }

    /** Position of the brand in {@link #brands()}, or -1. */
    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /** Copies of a brand's prototype rows, for diagnostics and tests. */
    public float[][] prototypes(String id) {
        int b = indexOf(id);
        if (b < 0) {
            throw new IllegalArgumentException("no brand '" + id + "' in catalog " + version);
        }
        float[][] out = new float[firstRow[b + 1] - firstRow[b]][];
        for (int r = 0; r < out.length; r++) {
            int from = (firstRow[b] + r) * dimension;
            out[r] = Arrays.copyOfRange(rows, from, from + dimension);
        }
        return out;
    }

    /** The same content under another version, as a synced catalog takes its manifest's. */
    public Catalog withVersion(String newVersion) {
        List<float[][]> prototypes = new ArrayList<>();
        for (Brand b : brands) {
            prototypes.add(prototypes(b.id()));
        }
        return new Catalog(newVersion, modelSha256, aggregation, dimension, brands, prototypes, referenceFiles);
    }

    /** The same catalog with its reference files found under {@code to} instead of {@code from}: a folder that was moved. */
    public Catalog relocated(Path from, Path to) {
        Map<String, List<Path>> moved = new HashMap<>();
        referenceFiles.forEach((id, paths) -> moved.put(id, paths.stream()
                .map(p -> p.startsWith(from) ? to.resolve(from.relativize(p)) : p).toList()));
        List<float[][]> prototypes = new ArrayList<>();
        for (Brand b : brands) {
            prototypes.add(prototypes(b.id()));
        }
        return new Catalog(version, modelSha256, aggregation, dimension, brands, prototypes, moved);
    }

    /**
     * The reference image files a brand's prototypes were made from, for matchers that look at
     * pixels (keypoints); empty for a catalog built from vectors, or a brand it does not hold.
     */
    public List<Path> referenceFiles(String id) {
        return referenceFiles.getOrDefault(id, List.of());
    }

    /**
     * Cosine similarity of one query to every brand: {@code scores[b]} for brand {@code b},
     * the maximum over the brand's rows. Both sides are unit vectors, so this is a dot
     * product; the query's norm is divided out in case a caller's vector is not normalised.
     *
     * @param query  a vector of {@link #dimension()} floats
     * @param scores filled for the first {@link #size()} entries
     */
    public void score(float[] query, float[] scores) {
        if (query.length != dimension) {
            throw new IllegalArgumentException("query has " + query.length + " dimensions, catalog " + version
                    + " has " + dimension);
        }
        double norm = 0;
        for (float v : query) {
            norm += (double) v * v;
        }
        float inverse = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0f;
        int dim = dimension;
        float[] data = rows;
        for (int b = 0, n = brands.size(); b < n; b++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int r = firstRow[b], end = firstRow[b + 1]; r < end; r++) {
                int base = r * dim;
                // Four partial sums let the CPU overlap the additions.
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int d = 0;
                for (; d + 3 < dim; d += 4) {
                    s0 += data[base + d] * query[d];
                    s1 += data[base + d + 1] * query[d + 1];
                    s2 += data[base + d + 2] * query[d + 2];
                    s3 += data[base + d + 3] * query[d + 3];
                }
                for (; d < dim; d++) {
                    s0 += data[base + d] * query[d];
                }
                float s = (s0 + s1 + s2 + s3) * inverse;
                if (s > best) {
                    best = s;
                }
            }
            scores[b] = best;
        }
    }

    @Override
    public String toString() {
        return "Catalog[" + version + ", " + brands.size() + " brands, " + aggregation + "]";
    }

    /** Collects brands with their reference embeddings; prototypes are computed by {@link #build()}. */
    public static final class Builder {
        private final Aggregation aggregation;
        private final List<Brand> brands = new ArrayList<>();
        private final List<float[][]> references = new ArrayList<>();
        private final Map<String, List<Path>> files = new HashMap<>();
        private String version = "unversioned";
        private String modelSha256 = "";

        private Builder(Aggregation aggregation) {
            this.aggregation = Objects.requireNonNull(aggregation);
        }

        public Builder version(String value) {
            this.version = value;
            return this;
        }

        public Builder modelSha256(String value) {
            this.modelSha256 = value;
            return this;
        }

        /**
         * @param embeddings at least one; normalised here, so hand-made vectors need not be
         * @throws IllegalArgumentException for no, zero-length, zero or mismatched vectors
         */
        public Builder brand(Brand brand, float[]... embeddings) {
            if (embeddings.length == 0) {
                throw new IllegalArgumentException("brand '" + brand.id() + "' needs at least one reference embedding");
            }
            float[][] unit = new float[embeddings.length][];
            for (int i = 0; i < embeddings.length; i++) {
                unit[i] = Prototypes.normalized(embeddings[i]);
                if (unit[i] == null) {
                    throw new IllegalArgumentException("reference " + i + " of brand '" + brand.id()
                            + "' is zero or not finite");
                }
                int expected = references.isEmpty() ? unit[0].length : references.get(0)[0].length;
                if (unit[i].length != expected || expected == 0) {
                    throw new IllegalArgumentException("reference " + i + " of brand '" + brand.id() + "' has "
                            + unit[i].length + " dimensions, expected " + expected);
                }
            }
            brands.add(brand);
            references.add(unit);
            return this;
        }

        /** The reference image files of a brand, for matchers that look at pixels. */
        public Builder referenceFiles(String id, Path... paths) {
            files.put(id, List.of(paths));
            return this;
        }

        public Catalog build() {
            List<float[][]> prototypes = new ArrayList<>();
            for (float[][] refs : references) {
                prototypes.add(Prototypes.aggregate(aggregation, refs).rows());
            }
            int dim = references.isEmpty() ? 0 : references.get(0)[0].length;
            return new Catalog(version, modelSha256, aggregation, dim, brands, prototypes, files);
        }
    }
}
