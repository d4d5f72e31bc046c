package dev.logowatch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.match.Matcher;
import dev.logowatch.pipeline.Appliance;
import dev.logowatch.pipeline.Models;
import dev.logowatch.pipeline.Recognizer;
import dev.logowatch.publish.Payloads;
import dev.logowatch.source.Frame;
import dev.logowatch.source.SourceException;
import dev.logowatch.source.VideoFile;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Detection;
import dev.logowatch.track.TrackState;
import dev.logowatch.track.Tracker;
import dev.logowatch.web.SnapshotRenderer;
import dev.logowatch.web.StatusBoard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code logowatch analyze}: a video file offline, with an exposure report per brand. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Recognises logos in a video file as the service would, frame by frame at --fps, and writes "
                + "detections.jsonl, events.jsonl, exposure.json (per brand: visible seconds, appearances, first and "
                + "last seen), the best frame of each brand as an annotated JPEG, appearances.csv, and report.html: "
                + "a self-contained page with the totals, each brand's share of screen time, a timeline of when each "
                + "brand was visible, the best frames and the appearances. A damaged video is analysed as far "
                + "as it can be read; the report says how far, and the exit status is 3."})
final class AnalyzeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "VIDEO", description = "Video file (any format FFmpeg reads).")
    private Path video;

    @Option(names = "--catalog", paramLabel = "DIR", description = "Catalog folder (default: catalog.dir of --config).")
    private Path catalogDir;

    @Option(names = "--fps", defaultValue = "3", description = "Frames per second analysed (default: ${DEFAULT-VALUE}).")
    private double fps;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: analysis-<video name>).")
    private Path out;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration whose models and settings are used (default: the demo configuration).")
    private Path config;

    /** What the report says of one brand. */
    private static final class Exposure {
        double seconds;
        int appearances;
        Instant first;
        Instant last;
        double bestSimilarity = -1;
        Frame bestFrame;
        List<Detection> bestDetections;
    }

    @Override
    public Integer call() throws Exception {
        if (!(fps > 0 && fps <= 60)) {
            return Launch.usage("--fps must be above 0 and at most 60, got " + fps, List.of());
        }
        LogowatchConfig loaded = Launch.config(config);
        Path configFile = loaded.file();
        Optional<Path> catalogPath = Optional.ofNullable(catalogDir).or(() -> loaded.catalog().dir());
        if (catalogPath.isEmpty() || !Files.isDirectory(catalogPath.get())) {
            return Launch.usage("no catalog folder: give --catalog DIR (" + catalogPath.map(Path::toString).orElse("none")
                    + " is not a folder)", List.of());
        }
        if (!Files.isRegularFile(video)) {
            return Launch.usage("video file not found: " + video, List.of());
        }
        Path outDir = out != null ? out : Path.of("analysis-" + video.getFileName().toString().replaceAll("\\.[^.]*$", ""));
        StatusBoard board = StatusBoard.create(loaded.device().id(), Main.version());
        try (Models models = Models.load(loaded, board.meters(), null);
             VideoFile file = VideoFile.open(video, fps, "video")) {
            if (models.embedder().isEmpty()) {
                return Launch.usage("configuration " + configFile + " names no embedder (models.embedder)", List.of());
            }
            CatalogLoader.Result catalog = models.catalogLoader(loaded).load(catalogPath.get());
            System.err.println("catalog " + catalogPath.get() + ": " + catalog.report().summary());
            Recognizer recognizer = models.recognizer(new AtomicReference<Catalog>(catalog.catalog()), loaded).orElseThrow();
            Files.createDirectories(outDir.resolve("best"));
            List<AnalysisReport.Row> rows = new ArrayList<>();
            Map<String, Exposure> exposure = run(file, recognizer, new Tracker("video", loaded.tracking(), loaded.verify()),
                    outDir, rows);
            VideoFile.Coverage coverage = file.coverage();
            writeReport(outDir, exposure, coverage, rows, video.getFileName().toString());
            if (!coverage.complete()) {
                System.err.println("logowatch analyze: " + video + " was read only in part: " + describe(coverage));
                return Main.EXIT_INCOMPLETE;
            }
            return Main.EXIT_OK;
        } catch (SourceException e) {
            System.err.println("logowatch analyze: " + video + ": " + e.getMessage());
            return Main.EXIT_FAILED;
        } catch (Appliance.StartException e) {
            System.err.println("logowatch analyze: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
    }

    private Map<String, Exposure> run(VideoFile file, Recognizer recognizer, Tracker tracker, Path outDir,
                                      List<AnalysisReport.Row> rows) throws IOException, InterruptedException {
        Map<String, Exposure> exposure = new TreeMap<>();
        long expected = Math.round(file.length().toMillis() / 1000.0 * fps);
        Progress progress = new Progress("analyze", expected);
        try (BufferedWriter detections = Files.newBufferedWriter(outDir.resolve("detections.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter events = Files.newBufferedWriter(outDir.resolve("events.jsonl"), StandardCharsets.UTF_8)) {
            int gaps = 0;
            for (Optional<Frame> next = file.next(); next.isPresent(); next = file.next()) {
                Frame frame = next.get();
                if (file.coverage().gaps().size() > gaps) {
                    // Pictures are missing before this frame: what was visible before the gap
                    // ends there, rather than being counted as seen through it.
                    gaps = file.coverage().gaps().size();
                    write(events, tracker.flush(), exposure, rows);
                }
                Tracker.Result result = tracker.update(frame.timestamp(), frame.sequence(),
                        Matcher.distinct(recognizer.recognize(frame)));
                if (!result.detections().isEmpty()) {
                    detections.write(frameLine(frame, result.detections()).toString());
                    detections.newLine();
                }
                for (Detection d : result.detections()) {
                    Exposure e = exposure.computeIfAbsent(d.brand(), b -> new Exposure());
                    if (d.state() == TrackState.CONFIRMED && d.similarity() > e.bestSimilarity) {
                        e.bestSimilarity = d.similarity();
                        e.bestFrame = frame;
                        e.bestDetections = result.detections();
                    }
                }
                write(events, result.events(), exposure, rows);
                progress.step();
            }
            write(events, tracker.flush(), exposure, rows);
        }
        progress.done();
        exposure.values().removeIf(e -> e.appearances == 0);
        return exposure;
    }

    private static ObjectNode frameLine(Frame frame, List<Detection> detections) {
        ObjectNode line = Payloads.JSON.createObjectNode();
        line.put("schema", Payloads.SCHEMA);
        line.put("offset_s", offset(frame.timestamp()));
        line.put("frame", frame.sequence());
        line.put("width", frame.width());
        line.put("height", frame.height());
        ArrayNode list = line.putArray("detections");
        detections.forEach(d -> list.add(Payloads.detection(d)));
        return line;
    }

    private static void write(BufferedWriter out, List<Appearance.Event> events, Map<String, Exposure> exposure,
                              List<AnalysisReport.Row> rows) throws IOException {
        for (Appearance.Event event : events) {
            Appearance a = event.appearance();
            ObjectNode line = Payloads.event(event);
            line.remove("start");
            line.remove("end");
            line.put("start_s", offset(a.start()));
            line.put("end_s", offset(a.end()));
            out.write(line.toString());
            out.newLine();
            if (event.type() == Appearance.EventType.END) {
                Exposure e = exposure.computeIfAbsent(a.brand(), b -> new Exposure());
                e.appearances++;
                e.seconds += a.visibleSeconds();
                e.first = e.first == null || a.start().isBefore(e.first) ? a.start() : e.first;
                e.last = e.last == null || a.end().isAfter(e.last) ? a.end() : e.last;
                rows.add(new AnalysisReport.Row(a.id(), a.brand(), offset(a.start()), offset(a.end()),
                        Math.round(a.visibleSeconds() * 100) / 100.0, a.bestSimilarity(),
                        a.verification().wireName()));
            }
        }
    }

    private static double offset(Instant t) {
        return Math.round(Duration.between(Instant.EPOCH, t).toMillis() / 10.0) / 100.0;
    }

    /** How much of the video was read, in words, e.g. {@code read 3.2 s of 7.0 s; stopped: decoding failed: …}. */
    static String describe(VideoFile.Coverage c) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "read %.1f s", c.readTo().toMillis() / 1000.0));
        if (!c.length().isZero()) {
            s.append(String.format(Locale.ROOT, " of %.1f s", c.length().toMillis() / 1000.0));
        }
        if (!c.gaps().isEmpty()) {
            s.append("; no pictures in ");
            for (int i = 0; i < c.gaps().size(); i++) {
                VideoFile.Gap g = c.gaps().get(i);
                s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f–%.1f s", g.fromSeconds(),
                        g.toSeconds()));
            }
        }
        c.stopped().ifPresent(reason -> s.append("; stopped: ").append(reason));
        if (c.stopped().isEmpty() && !c.complete() && c.gaps().isEmpty()) {
            s.append("; the file ends early (truncated?)");
        }
        return s.toString();
    }

    private static void writeReport(Path outDir, Map<String, Exposure> exposure, VideoFile.Coverage coverage,
                                    List<AnalysisReport.Row> rows, String videoName) throws IOException {
        List<AnalysisReport.BrandTotal> totals = new ArrayList<>();
        ObjectNode root = Payloads.JSON.createObjectNode();
        ObjectNode video = root.putObject("video");
        video.put("complete", coverage.complete());
        video.put("length_s", Math.round(coverage.length().toMillis() / 10.0) / 100.0);
        video.put("read_to_s", Math.round(coverage.readTo().toMillis() / 10.0) / 100.0);
        ArrayNode gaps = video.putArray("gaps");
        coverage.gaps().forEach(g -> gaps.addObject().put("from_s", g.fromSeconds()).put("to_s", g.toSeconds()));
        coverage.stopped().ifPresent(reason -> video.put("stopped", reason));
        if (!coverage.complete()) {
            video.put("note", describe(coverage));
        }
        ObjectNode brands = root.putObject("brands");
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%-24s %10s %11s %10s %10s  %s%n",
                "brand", "visible s", "appearances", "first s", "last s", "best frame"));
        for (Map.Entry<String, Exposure> entry : exposure.entrySet()) {
            Exposure e = entry.getValue();
            String best = "";
            Optional<byte[]> jpeg = Optional.empty();
            if (e.bestFrame != null) {
                best = "best/" + entry.getKey() + ".jpg";
                jpeg = Optional.of(SnapshotRenderer.render(e.bestFrame.image(), e.bestDetections));
                Files.write(outDir.resolve(best), jpeg.get());
            }
            totals.add(new AnalysisReport.BrandTotal(entry.getKey(), Math.round(e.seconds * 10) / 10.0, e.appearances,
                    offset(e.first), offset(e.last), jpeg));
            ObjectNode b = brands.putObject(entry.getKey());
            b.put("visible_seconds", Math.round(e.seconds * 10) / 10.0);
            b.put("appearances", e.appearances);
            b.put("first_seen_s", offset(e.first));
            b.put("last_seen_s", offset(e.last));
            b.put("best_similarity", Math.round(e.bestSimilarity * 10_000) / 10_000.0);
            b.put("best_frame", best);
            text.append(String.format(Locale.ROOT, "%-24s %10.1f %11d %10.1f %10.1f  %s%n", entry.getKey(), e.seconds,
                    e.appearances, offset(e.first), offset(e.last), best));
        }
        text.append(coverage.complete() ? "" : System.lineSeparator() + "INCOMPLETE: " + describe(coverage)
                + "; the figures above cover only what was read" + System.lineSeparator());
        Files.writeString(outDir.resolve("exposure.json"), root.toPrettyString() + "\n");
        Files.writeString(outDir.resolve("exposure.txt"), text.toString());
        rows.sort(java.util.Comparator.comparingDouble(AnalysisReport.Row::startS));
        AnalysisReport.writeCsv(outDir.resolve("appearances.csv"), rows);
        AnalysisReport.writeHtml(outDir.resolve("report.html"), new AnalysisReport.Summary(videoName,
                coverage.readTo().toMillis() / 1000.0, coverage.complete() ? Optional.empty() : Optional.of(describe(coverage))),
                totals, rows);
        System.out.print(text);
        System.err.println("written to " + outDir);
    }
}
