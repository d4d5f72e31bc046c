package dev.logowatch.cli;

import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.detect.Proposer;
import dev.logowatch.eval.Dataset;
import dev.logowatch.eval.Evaluation;
import dev.logowatch.eval.Failures;
import dev.logowatch.eval.Images;
import dev.logowatch.eval.ProposalRecall;
import dev.logowatch.image.ImageFile;
import dev.logowatch.pipeline.Appliance;
import dev.logowatch.pipeline.Models;
import dev.logowatch.pipeline.Recognizer;
import dev.logowatch.source.Frame;
import dev.logowatch.web.StatusBoard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code logowatch eval}: accuracy on a labelled dataset, with the service's own models and settings. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Measures recognition accuracy on a labelled dataset (DATASET/catalog, DATASET/images, "
                + "DATASET/labels.jsonl) with the models and matching settings of --config: image- and box-level "
                + "precision, recall and F1 per brand and overall, a threshold sweep, and similarity distributions. "
                + "Images that cannot be read are skipped and listed with the reason; the exit status is 1 only "
                + "when no image could be evaluated."})
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset folder.")
    private Path dataset;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration whose models and matching settings are used (default: the demo configuration).")
    private Path config;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Also write the report as JSON.")
    private Path reportJson;

    @Option(names = "--failures", paramLabel = "DIR",
            description = "Write every image with a wrong or missed brand to DIR, drawn with its labelled boxes and "
                    + "matches, the crops of wrong matches and missed logos, and DIR/failures.jsonl.")
    private Path failuresDir;

    @Option(names = "--proposals", description = "Measure only the proposer: the share of labelled boxes (any brand) "
            + "a proposal covers at IoU >= 0.5, by logo size. No catalog is needed (DATASET/catalog may be empty).")
    private boolean proposalsOnly;

    @Override
    public Integer call() {
        LogowatchConfig loaded = Launch.config(config);
        Path configFile = loaded.file();
        Dataset data;
        try {
            data = Dataset.read(dataset);
        } catch (Dataset.DatasetException e) {
            return Launch.usage("dataset " + dataset + " is not usable:", e.problems());
        }
        StatusBoard board = StatusBoard.create(loaded.device().id(), Main.version());
        try (Models models = Models.load(loaded, board.meters(), null)) {
            if (models.embedder().isEmpty()) {
                return Launch.usage("configuration " + configFile + " names no embedder:",
                        java.util.List.of("models.embedder: eval needs the model the service would use"));
            }
            long start = System.nanoTime();
            if (proposalsOnly) {
                return proposals(data, models, loaded, start);
            }
            CatalogLoader.Result catalog = models.catalogLoader(loaded).load(data.catalog());
            System.err.println("catalog " + data.catalog() + ": " + catalog.report().summary());
            Recognizer recognizer = models.recognizer(new AtomicReference<Catalog>(catalog.catalog()), loaded).orElseThrow();
            Evaluation evaluation = new Evaluation(loaded.catalog().margin());
            Failures failures = failuresDir == null ? null : new Failures(failuresDir);
            Progress progress = new Progress("eval", data.items().size());
            long sequence = 0;
            for (Dataset.Item item : data.items()) {
                Frame frame;
                try {
                    frame = Images.frame(item.image(), loaded.images(), "eval", sequence++);
                } catch (ImageFile.Refused e) {
                    evaluation.skip(item, e.getMessage());
                    System.err.println("logowatch eval: skipped " + item.name() + ": " + e.getMessage());
                    progress.step();
                    continue;
                }
                var matches = recognizer.recognize(frame);
                evaluation.add(item, matches);
                if (failures != null) {
                    failures.add(item, frame, matches);
                }
                progress.step();
            }
            progress.done();
            if (failures != null) {
                failures.close();
                System.err.println(failures.images() + " images with a wrong or missed brand written to " + failures.dir());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.print(evaluation.toText(seconds));
            if (reportJson != null) {
                Files.writeString(reportJson, evaluation.toJson(seconds).toPrettyString() + "\n");
                System.err.println("report written to " + reportJson);
            }
            if (evaluation.images() == 0) {
                System.err.println("logowatch eval: none of the " + data.items().size()
                        + " labelled images could be read; nothing was evaluated");
                return Main.EXIT_FAILED;
            }
            return Main.EXIT_OK;
        } catch (Appliance.StartException | IOException e) {
            System.err.println("logowatch eval: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
    }

    private int proposals(Dataset data, Models models, LogowatchConfig loaded, long start) throws IOException {
        Proposer proposer = models.proposer().orElseThrow();
        ProposalRecall recall = new ProposalRecall();
        Evaluation skips = new Evaluation(0);
        Progress progress = new Progress("eval", data.items().size());
        long sequence = 0;
        for (Dataset.Item item : data.items()) {
            try {
                recall.add(item, proposer.propose(Images.frame(item.image(), loaded.images(), "eval", sequence++)));
            } catch (ImageFile.Refused e) {
                skips.skip(item, e.getMessage());
                System.err.println("logowatch eval: skipped " + item.name() + ": " + e.getMessage());
            }
            progress.step();
        }
        progress.done();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.print(recall.toText(seconds));
        skips.skipped().forEach(s -> System.out.println("skipped " + s.image() + ": " + s.reason()));
        if (reportJson != null) {
            var json = recall.toJson(seconds);
            var list = json.putArray("skipped");
            skips.skipped().forEach(s -> list.addObject().put("image", s.image()).put("reason", s.reason()));
            Files.writeString(reportJson, json.toPrettyString() + "\n");
            System.err.println("report written to " + reportJson);
        }
        return recall.images() == 0 ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f%%", v * 100);
    }
}
