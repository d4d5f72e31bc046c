package dev.logowatch.cli;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.catalog.CatalogReport;
import dev.logowatch.catalog.sync.CatalogBuild;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.match.KeypointMatcher;
import dev.logowatch.pipeline.Appliance;
import dev.logowatch.pipeline.Models;
import dev.logowatch.web.StatusBoard;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code logowatch catalog}: preparing catalogs on the central side. */
@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = "Builds a catalog for devices to sync, or inspects one.",
        subcommands = {CatalogCommand.Build.class, CatalogCommand.Inspect.class})
final class CatalogCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a subcommand: 'logowatch catalog build DIR --out OUT' or 'logowatch catalog inspect DIR'");
    }

    /** {@code logowatch catalog build}: the folder a static HTTP server publishes for {@code catalog.sync.url}. */
    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Checks every reference image of a catalog folder (DIR/<brand>/*.png|jpg, optional "
                    + "DIR/<brand>/brand.json) with the device's rules and writes OUT/<brand>/<file> plus "
                    + "OUT/manifest.json, ready to serve over HTTP(S) for catalog.sync.url = <base>/manifest.json.",
                    "OUT must be new, empty, or an earlier build's output (then updated in place, manifest last).",
                    "Exit 2: the catalog has problems (each is listed with its file); nothing is written."})
    static final class Build implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Catalog folder.")
        private Path dir;

        @Option(names = {"-o", "--out"}, paramLabel = "OUT", required = true, description = "Output folder to publish.")
        private Path out;

        @Option(names = "--version", paramLabel = "V",
                description = "Catalog version (default: the UTC date and a short hash of the content, "
                        + "e.g. 2026-11-23.3f2a9c1d).")
        private String version;

        @Override
        public Integer call() {
            CatalogBuild.Result result;
            // The loader's log repeats the problems listed below, and its count of embeddings
            // "computed" would describe the model-free image check used here.
            java.util.logging.Logger loaderLog = java.util.logging.Logger.getLogger(CatalogLoader.class.getName());
            java.util.logging.Level level = loaderLog.getLevel();
            loaderLog.setLevel(java.util.logging.Level.SEVERE);
            try {
                result = CatalogBuild.build(dir, out, Optional.ofNullable(version), Clock.systemUTC());
            } catch (CatalogBuild.Invalid e) {
                return Launch.usage("catalog " + dir + " cannot be published:", e.problems());
            } catch (IOException e) {
                System.err.println("logowatch catalog build: writing " + out + " failed: " + e.getMessage());
                return Main.EXIT_FAILED;
            } finally {
                loaderLog.setLevel(level);
            }
            int images = result.manifest().files().size();
            System.out.println("catalog " + result.manifest().version() + ": " + result.manifest().brands().size()
                    + " brands, " + images + " images, " + String.format(Locale.ROOT, "%.1f MiB", result.bytes() / 1048576.0)
                    + (result.removed() > 0 ? "; " + result.removed() + " images of the earlier build removed" : ""));
            for (var brand : result.manifest().brands()) {
                System.out.println("  " + brand.id() + " (" + brand.files().size() + " image"
                        + (brand.files().size() == 1 ? "" : "s") + ")");
            }
            System.out.println("manifest: " + result.out().resolve(CatalogBuild.MANIFEST));
            return Main.EXIT_OK;
        }
    }

    /** {@code logowatch catalog inspect}: what the model makes of a catalog, and which brands it may confuse. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Loads a catalog folder with the embedder of --config and prints each brand with its images "
                    + "and the nearest other brand by prototype cosine similarity; brands at or above --look-alike are "
                    + "flagged, since the matcher can tell them apart only by catalog.margin.",
                    "Exit 2: the folder or configuration is not usable, or the configuration names no embedder."})
    static final class Inspect implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Catalog folder.")
        private Path dir;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Configuration whose embedder and aggregation are used (default: the demo configuration).")
        private Path config;

        @Option(names = "--look-alike", paramLabel = "SIM",
                description = "Flag brand pairs at least this similar (default: the configuration's catalog.threshold).")
        private Double lookAlike;

        @Override
        public Integer call() {
            Path configFile = config != null ? config : Launch.demoConfig();
            LogowatchConfig loaded = Launch.config(config);
            if (!Files.isDirectory(dir)) {
                return Launch.usage("catalog " + dir + " is not a folder", List.of());
            }
            if (loaded.models().embedder().isEmpty()) {
                return Launch.usage("catalog inspect needs models.embedder in " + configFile + ":",
                        List.of("models.embedder: the embedding model whose similarities are shown (pass --config FILE)"));
            }
            double threshold = lookAlike != null ? lookAlike : loaded.catalog().threshold();
            StatusBoard board = StatusBoard.create(loaded.device().id(), Main.version());
            try (Models models = Models.load(loaded, board.meters(), null)) {
                CatalogLoader.Result result = models.catalogLoader(loaded).load(dir);
                print(result, threshold);
                if (loaded.keypoints().enabled()) {
                    printKeypoints(new KeypointMatcher(loaded.keypoints(), loaded.images())
                            .keypointsPerReference(result.catalog()));
                }
                return Main.EXIT_OK;
            } catch (Appliance.StartException | IOException e) {
                System.err.println("logowatch catalog inspect: " + e.getMessage());
                return Main.EXIT_FAILED;
            }
        }

        private static void print(CatalogLoader.Result result, double threshold) {
            Catalog catalog = result.catalog();
            CatalogReport report = result.report();
            System.out.println("catalog " + report.dir() + " (" + catalog.aggregation().name().toLowerCase(Locale.ROOT)
                    + "): " + report.summary());
            int width = Math.max(5, catalog.brands().stream().mapToInt(b -> b.id().length()).max().orElse(5));
            System.out.println(pad("brand", width) + "  images  " + pad("nearest", width) + "  cosine");
            int flagged = 0;
            for (CatalogReport.BrandEntry entry : report.brands()) {
                int images = entry.used().size() + entry.outliers().size();
                if (!entry.loaded()) {
                    System.out.println(pad(entry.id(), width) + "  " + pad("0", 6) + "  excluded: no usable image");
                    continue;
                }
                Optional<Nearest> nearest = nearest(catalog, entry.id());
                String line = pad(entry.id(), width) + "  " + pad(Integer.toString(images), 6) + "  "
                        + nearest.map(n -> pad(n.brand().id(), width) + "  "
                                + String.format(Locale.ROOT, "%.3f", n.cosine()))
                        .orElse(pad("-", width) + "  -");
                if (nearest.isPresent() && nearest.get().cosine() >= threshold) {
                    line += String.format(Locale.ROOT, "  LOOK-ALIKE (>= %.2f)", threshold);
                    flagged++;
                }
                System.out.println(line);
            }
            for (CatalogReport.Problem p : report.problems()) {
                System.out.println("warning: " + p);
            }
            if (flagged > 0) {
                System.out.println(flagged + " brand(s) look alike to the model: add distinct reference images, or "
                        + "raise their threshold or catalog.margin");
            }
        }

        /** Below this many keypoints in its best reference a brand is rarely seen by keypoints. */
        static final int FEW_KEYPOINTS = 60;

        private static void printKeypoints(Map<String, List<Integer>> perReference) {
            int width = Math.max(5, perReference.keySet().stream().mapToInt(String::length).max().orElse(5));
            System.out.println(pad("brand", width) + "  keypoints per reference");
            List<String> plain = new ArrayList<>();
            perReference.forEach((brand, counts) -> {
                System.out.println(pad(brand, width) + "  " + (counts.isEmpty() ? "-" : counts.stream()
                        .map(String::valueOf).collect(java.util.stream.Collectors.joining(" "))));
                if (counts.stream().mapToInt(Integer::intValue).max().orElse(0) < FEW_KEYPOINTS) {
                    plain.add(brand);
                }
            });
            if (!plain.isEmpty()) {
                System.out.println("warning: " + String.join(", ", plain) + ": fewer than " + FEW_KEYPOINTS
                        + " keypoints in every reference; keypoints will rarely see them (plain marks are left to the "
                        + "embedding): add a larger or more detailed reference, such as a photo of the printed logo");
            }
        }

        private record Nearest(Brand brand, double cosine) {
        }

        /** The other brand whose prototype rows come closest to any of this brand's rows. */
        private static Optional<Nearest> nearest(Catalog catalog, String id) {
            float[][] mine = catalog.prototypes(id);
            Nearest best = null;
            for (Brand other : catalog.brands()) {
                if (other.id().equals(id)) {
                    continue;
                }
                double cosine = Double.NEGATIVE_INFINITY;
                for (float[] a : mine) {
                    for (float[] b : catalog.prototypes(other.id())) {
                        cosine = Math.max(cosine, Catalog.similarity(a, b));
                    }
                }
                if (best == null || cosine > best.cosine()) {
                    best = new Nearest(other, cosine);
                }
            }
            return Optional.ofNullable(best);
        }

        private static String pad(String s, int width) {
            return s.length() >= width ? s : s + " ".repeat(width - s.length());
        }
    }
}
