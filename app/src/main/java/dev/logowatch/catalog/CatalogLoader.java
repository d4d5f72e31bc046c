package dev.logowatch.catalog;

import dev.logowatch.config.CatalogConfig.Aggregation;
import dev.logowatch.config.ImagesConfig;
import dev.logowatch.image.ImageFile;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads a catalog folder ({@code <catalog>/<brand>/*.png|jpg|…} plus an optional
 * {@code <catalog>/<brand>/brand.json}) into a {@link Catalog} and a {@link CatalogReport}.
 *
 * <p>Catalogs are made by people and pushed to many devices, so bad content never stops a
 * load: an unusable image is skipped, a bad {@code brand.json} field keeps its default, a
 * folder whose name is not a valid brand id is skipped, a brand left without a usable image
 * is excluded, and each of these is a warning in the report naming the file and the reason.
 * Only a catalog folder that cannot be listed at all is an exception.
 *
 * <p>Reference embeddings are cached per model under the cache folder (see
 * {@link EmbeddingCache}); only images whose bytes the cache does not know are decoded and
 * embedded. The catalog's version is a hash of every brand's id, its {@code brand.json} and
 * its image files' names and bytes.
 */
public final class CatalogLoader {
    private static final System.Logger LOG = System.getLogger(CatalogLoader.class.getName());
    /** Images decoded at once; bounds memory on the device, the embedder batches within. */
    private static final int BATCH = 16;

    private final ReferenceEmbedder embedder;
    private final Aggregation aggregation;
    private final Optional<Path> cacheDir;
    private final ImagesConfig limits;

    /** The loaded catalog and what was found on the way. */
    public record Result(Catalog catalog, CatalogReport report) {
    }

    /**
     * @param cacheDir folder for the embedding cache, created when needed; empty to embed every time
     */
    public CatalogLoader(ReferenceEmbedder embedder, Aggregation aggregation, Optional<Path> cacheDir) {
        this(embedder, aggregation, cacheDir, ImagesConfig.DEFAULT);
    }

    /** @param limits what a reference image file must be to be used (see {@link ImagesConfig}) */
    public CatalogLoader(ReferenceEmbedder embedder, Aggregation aggregation, Optional<Path> cacheDir,
                         ImagesConfig limits) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.aggregation = Objects.requireNonNull(aggregation, "aggregation");
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Loads the folder. Failures of the embedder itself (model not loaded) propagate.
     *
     * @throws IOException when the catalog folder does not exist or cannot be listed
     */
    public Result load(Path dir) throws IOException {
        List<CatalogReport.Problem> problems = new ArrayList<>();
        List<BrandFolder> folders = scan(dir, limits, problems);
        String version = version(folders);
        String model = embedder.modelSha256();

        Map<String, float[]> cached = cacheDir.map(d -> EmbeddingCache.read(d, model, problems)).orElse(Map.of());
        Embeddings embeddings = embed(folders, cached, problems);

        List<Brand> brands = new ArrayList<>();
        List<float[][]> prototypes = new ArrayList<>();
        List<CatalogReport.BrandEntry> entries = new ArrayList<>();
        Map<String, List<Path>> files = new HashMap<>();
        for (BrandFolder folder : folders) {
            List<ReferenceImage> usable = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            List<CatalogReport.Problem> skipped = new ArrayList<>(folder.skipped());
            for (ReferenceImage image : folder.images()) {
                String failure = embeddings.failures().get(image.path());
                if (failure != null) {
                    skipped.add(skip(image.name(), failure, problems));
                } else {
                    usable.add(image);
                    vectors.add(embeddings.vectors().get(image.sha256()));
                }
            }
            List<String> used = new ArrayList<>();
            List<String> outliers = new ArrayList<>();
            if (usable.isEmpty()) {
                problems.add(new CatalogReport.Problem(folder.brand().id() + "/",
                        "brand excluded: no usable reference image"));
            } else {
                Prototypes.Result result = Prototypes.aggregate(aggregation, vectors.toArray(float[][]::new));
                List<Path> kept = new ArrayList<>();
                for (int i = 0; i < usable.size(); i++) {
                    if (result.kept()[i]) {
                        used.add(usable.get(i).name());
                        kept.add(usable.get(i).path());
                    } else {
                        outliers.add(usable.get(i).name());
                        problems.add(new CatalogReport.Problem(usable.get(i).name(), "left out of the trimmed mean: "
                                + "it looks unlike the brand's other references (wrong file?)"));
                    }
                }
                brands.add(folder.brand());
                prototypes.add(result.rows());
                files.put(folder.brand().id(), List.copyOf(kept));
            }
            entries.add(new CatalogReport.BrandEntry(folder.brand().id(), used, outliers, skipped));
        }

        cacheDir.ifPresent(d -> {
            if (embeddings.embedded() > 0 || !embeddings.vectors().keySet().equals(cached.keySet())) {
                EmbeddingCache.write(d, model, embeddings.dimension(), embeddings.vectors(), problems);
            }
        });

        Catalog catalog = new Catalog(version, model, aggregation, embeddings.dimension(), brands, prototypes, files);
        CatalogReport report = new CatalogReport(dir, version, entries, problems, embeddings.embedded(),
                embeddings.fromCache());
        for (CatalogReport.Problem p : problems) {
            LOG.log(System.Logger.Level.WARNING, "catalog " + dir + ": " + p);
        }
        LOG.log(System.Logger.Level.INFO, "catalog " + dir + " version " + version + ": " + report.summary());
        return new Result(catalog, report);
    }

    /** A brand folder after the cheap checks: its settings and the images worth embedding. */
    private record BrandFolder(Brand brand, String settingsSha256, List<ReferenceImage> images,
                               List<CatalogReport.Problem> skipped) {
    }

    /**
     * @param vectors   unit vectors by file sha256, exactly the images in use
     * @param failures  images that could not be decoded or embedded, with the reason
     */
    private record Embeddings(Map<String, float[]> vectors, Map<Path, String> failures, int dimension,
                              int embedded, int fromCache) {
    }

    private static List<BrandFolder> scan(Path dir, ImagesConfig limits, List<CatalogReport.Problem> problems)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("catalog folder " + dir + " does not exist or is not a folder");
        }
        List<BrandFolder> folders = new ArrayList<>();
        for (Path entry : list(dir)) {
            String id = entry.getFileName().toString();
            // Hidden folders (a sync's work area) and plain files (a manifest, a README) are not brands.
            if (id.startsWith(".") || !Files.isDirectory(entry)) {
                continue;
            }
            if (!Brand.isValidId(id)) {
                problems.add(new CatalogReport.Problem(id + "/", "folder skipped: a brand id may only contain "
                        + "letters, digits, '-', '_' and '.' (at most 100)"));
                continue;
            }
            folders.add(scanBrand(entry, id, limits, problems));
        }
        return folders;
    }

    private static BrandFolder scanBrand(Path folder, String id, ImagesConfig limits,
                                         List<CatalogReport.Problem> problems) {
        Path settings = folder.resolve(BrandSettings.FILE);
        Brand brand = BrandSettings.read(id, settings, id + "/" + BrandSettings.FILE, problems);
        String settingsSha = "-";
        List<ReferenceImage> images = new ArrayList<>();
        List<CatalogReport.Problem> skipped = new ArrayList<>();
        try {
            if (Files.isRegularFile(settings)) {
                settingsSha = ReferenceImage.sha256(Files.readAllBytes(settings));
            }
        } catch (IOException e) {
            settingsSha = "unreadable"; // already reported by BrandSettings; the images still count
        }
        try {
            for (Path file : list(folder)) {
                String fileName = file.getFileName().toString();
                String name = id + "/" + fileName;
                if (fileName.startsWith(".") || fileName.equals(BrandSettings.FILE)) {
                    continue;
                }
                if (Files.isDirectory(file)) {
                    skipped.add(skip(name, "subfolder ignored; reference images go directly in the brand folder",
                            problems));
                } else if (!ImageFile.hasImageName(fileName)) {
                    skipped.add(skip(name, "not a " + ImageFile.EXTENSION_LIST + " file", problems));
                } else {
                    try {
                        images.add(ReferenceImage.probe(file, name, limits));
                    } catch (ReferenceImage.Unusable e) {
                        skipped.add(skip(name, e.getMessage(), problems));
                    }
                }
            }
        } catch (IOException e) {
            problems.add(new CatalogReport.Problem(id + "/", "brand folder unreadable (" + e + ")"));
        }
        return new BrandFolder(brand, settingsSha, images, skipped);
    }

    private Embeddings embed(List<BrandFolder> folders, Map<String, float[]> cached,
                             List<CatalogReport.Problem> problems) {
        Map<String, float[]> vectors = new HashMap<>();
        // Keyed by content: the same bytes in two brand folders are decoded and embedded once.
        Map<String, ReferenceImage> missing = new LinkedHashMap<>();
        for (BrandFolder folder : folders) {
            for (ReferenceImage image : folder.images()) {
                float[] hit = cached.get(image.sha256());
                if (hit != null) {
                    vectors.put(image.sha256(), hit);
                } else {
                    missing.putIfAbsent(image.sha256(), image);
                }
            }
        }
        int fromCache = vectors.size();
        int cachedDim = vectors.values().stream().findFirst().map(v -> v.length).orElse(0);
        Map<String, String> failedSha = new HashMap<>();
        int[] modelDim = {0};
        List<ReferenceImage> batch = new ArrayList<>();
        List<BufferedImage> pixels = new ArrayList<>();
        int embedded = 0;
        for (ReferenceImage image : missing.values()) {
            try {
                pixels.add(image.decode(limits));
                batch.add(image);
            } catch (ReferenceImage.Unusable e) {
                failedSha.put(image.sha256(), e.getMessage());
            }
            if (batch.size() == BATCH) {
                embedded += embedBatch(batch, pixels, modelDim, vectors, failedSha);
            }
        }
        if (!batch.isEmpty()) {
            embedded += embedBatch(batch, pixels, modelDim, vectors, failedSha);
        }
        if (fromCache > 0 && modelDim[0] != 0 && modelDim[0] != cachedDim) {
            // The cache disagrees with the model it claims to be for; trust the model.
            problems.add(new CatalogReport.Problem(cacheDir.map(d -> EmbeddingCache.file(d, embedder.modelSha256())
                    .toString()).orElse("cache"), "cached embeddings have " + cachedDim + " dimensions, the model "
                    + "gives " + modelDim[0] + "; cache ignored and rebuilt"));
            return embed(folders, Map.of(), problems);
        }
        Map<Path, String> failures = new HashMap<>();
        for (BrandFolder folder : folders) {
            for (ReferenceImage image : folder.images()) {
                String reason = failedSha.get(image.sha256());
                if (reason != null) {
                    failures.put(image.path(), reason);
                }
            }
        }
        int dim = modelDim[0] != 0 ? modelDim[0] : cachedDim;
        return new Embeddings(vectors, failures, dim, embedded, fromCache);
    }

    /** Embeds and empties the batch; returns how many images were embedded. */
    private int embedBatch(List<ReferenceImage> batch, List<BufferedImage> pixels, int[] modelDim,
                           Map<String, float[]> vectors, Map<String, String> failedSha) {
        float[][] rows = embedder.embed(List.copyOf(pixels));
        if (rows == null || rows.length != batch.size()) {
            throw new IllegalStateException("embedder for model " + embedder.modelSha256() + " returned "
                    + (rows == null ? "nothing" : rows.length + " vectors") + " for " + batch.size() + " images");
        }
        for (int i = 0; i < rows.length; i++) {
            float[] unit = rows[i] == null ? null : Prototypes.normalized(rows[i]);
            if (unit == null) {
                failedSha.put(batch.get(i).sha256(), "its embedding is zero or not a number (is the model working?)");
                continue;
            }
            if (modelDim[0] == 0) {
                modelDim[0] = unit.length;
            } else if (unit.length != modelDim[0]) {
                throw new IllegalStateException("embedder for model " + embedder.modelSha256()
                        + " returned vectors of " + unit.length + " and " + modelDim[0] + " dimensions");
            }
            vectors.put(batch.get(i).sha256(), unit);
        }
        int n = batch.size();
        batch.clear();
        pixels.clear();
        return n;
    }

    private static String version(List<BrandFolder> folders) {
        StringBuilder text = new StringBuilder();
        for (BrandFolder folder : folders) {
            text.append("brand\t").append(folder.brand().id()).append('\t').append(folder.settingsSha256()).append('\n');
            for (ReferenceImage image : folder.images()) {
                text.append("file\t").append(image.name()).append('\t').append(image.sha256()).append('\n');
            }
        }
        return ReferenceImage.sha256(text.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private static CatalogReport.Problem skip(String name, String reason, List<CatalogReport.Problem> problems) {
        CatalogReport.Problem p = new CatalogReport.Problem(name, "skipped: " + reason);
        problems.add(p);
        return p;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
