package dev.logowatch.cli;

import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.config.ProposerConfig;
import dev.logowatch.config.StreamConfig;
import dev.logowatch.config.WebConfig;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.pipeline.Appliance;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code logowatch bench}: runs the configured streams exactly as the service does for a
 * while and reports where the time goes. Numbers only; the verdict is the reader's.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs the service's pipeline on the configured streams for --seconds after a warm-up and "
                + "reports per-stage milliseconds, frames/s, dropped frames, CPU and RSS, and the ratio of the "
                + "workers' whole frame time to model inference time.",
                "With --batches, times the configured models alone instead, at batch sizes N from 1 to their "
                        + "maximum, against N threads running one item each at once (what stream workers do): "
                        + "whether batching several streams' inputs together would pay."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration to run (default: the demo configuration).")
    private Path config;

    @Option(names = "--seconds", defaultValue = "30", description = "Measuring window (default: ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--warmup", defaultValue = "10", description = "Seconds run before measuring (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--fps", description = "Sample every stream at this rate instead of its own; set it above what "
            + "the pipeline sustains to measure the maximum (the rest shows as dropped).")
    private Double fps;

    @Option(names = "--batches", description = "Time the configured models alone at batch sizes 1, 2, 4, ... up to "
            + "their maximum (median of --runs runs each) instead of running the streams.")
    private boolean batches;

    @Option(names = "--runs", defaultValue = "30", description = "Runs per batch size with --batches "
            + "(default: ${DEFAULT-VALUE}).")
    private int runs;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || warmup < 0) {
            return Launch.usage("--seconds must be at least 1 and --warmup at least 0", List.of());
        }
        LogowatchConfig loaded = Launch.config(config);
        if (batches) {
            return batchSizes(loaded);
        }
        Path configFile = loaded.file();
        if (loaded.streams().isEmpty()) {
            return Launch.usage("configuration " + configFile + " has no streams to measure", List.of());
        }
        LogowatchConfig benched = forBench(loaded);
        try (Appliance appliance = Appliance.start(benched, Main.version())) {
            System.err.printf(Locale.ROOT, "warming up for %d s, then measuring for %d s ...%n", warmup, seconds);
            Thread.sleep(warmup * 1000L);
            Snapshot before = Snapshot.take(appliance);
            Thread.sleep(seconds * 1000L);
            Snapshot after = Snapshot.take(appliance);
            System.out.print(report(benched, before, after));
            return Main.EXIT_OK;
        } catch (Appliance.StartException e) {
            System.err.println("logowatch bench: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
    }

    private int batchSizes(LogowatchConfig c) throws InterruptedException {
        if (runs < 1) {
            return Launch.usage("--runs must be at least 1", List.of());
        }
        List<Path> dirs = new ArrayList<>();
        c.models().detector().filter(d -> c.proposer().kind() == ProposerConfig.Kind.DETECTOR).ifPresent(dirs::add);
        c.models().embedder().ifPresent(dirs::add);
        if (dirs.isEmpty()) {
            return Launch.usage("configuration " + c.file() + " names no models to time", List.of());
        }
        System.out.printf(Locale.ROOT, "%-24s %6s %12s %13s %24s%n", "model", "batch", "ms per run", "ms per item",
                "ms per item, batch 1 x N");
        for (Path dir : dirs) {
            try (InferenceEngine engine = InferenceEngine.open(dir, c.models().engine())) {
                for (BatchTiming t : BatchTiming.measure(engine, runs)) {
                    System.out.printf(Locale.ROOT, "%-24s %6d %12.2f %13.2f %24.2f%n", engine.manifest().name(),
                            t.batch(), t.millisPerRun(), t.millisPerRun() / t.batch(), t.millisPerItemAlone());
                }
            } catch (RuntimeException e) {
                System.err.println("logowatch bench: model " + dir + ": " + e.getMessage());
                return Main.EXIT_FAILED;
            }
        }
        return Main.EXIT_OK;
    }

    /** The same configuration with the page on a free loopback port and, if asked, another fps. */
    private LogowatchConfig forBench(LogowatchConfig c) {
        List<StreamConfig> streams = new ArrayList<>();
        for (StreamConfig s : c.streams()) {
            streams.add(fps == null ? s : new StreamConfig(s.id(), s.name(), s.url(), s.decoder(), s.pipeline(), fps,
                    s.rtspTransport(), s.loop(), s.stallTimeout()));
        }
        return new LogowatchConfig(c.file(), c.device(), List.copyOf(streams), c.models(), c.proposer(), c.catalog(),
                c.tracking(), c.verify(), c.mqtt(), new WebConfig("127.0.0.1", 0, Optional.empty()), c.images(),
                c.keypoints(), c.text());
    }

    private record StreamTotals(long in, long processed, long dropped, long reconnects) {
    }

    private record Snapshot(long nanos, double cpuSeconds, EnumMap<DeviceMeters.Stage, DeviceMeters.StageTotals> stages,
                            Map<String, StreamTotals> streams) {
        static Snapshot take(Appliance appliance) {
            Map<String, StreamTotals> streams = new HashMap<>();
            for (StreamHealth s : appliance.board().streams()) {
                StreamHealth.View v = s.view();
                streams.put(s.id(), new StreamTotals(v.framesIn(), v.framesProcessed(), v.dropped(), v.reconnects()));
            }
            double cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime() / 1e9;
            return new Snapshot(System.nanoTime(), cpu, appliance.meters().stageTotals(), streams);
        }
    }

    private static String report(LogowatchConfig c, Snapshot before, Snapshot after) throws IOException {
        double wall = (after.nanos - before.nanos) / 1e9;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "measured %.1f s, %d stream(s), proposer %s, %d core(s)%n%n", wall,
                c.streams().size(), c.proposer().kind().name().toLowerCase(Locale.ROOT),
                Runtime.getRuntime().availableProcessors()));
        out.append(String.format(Locale.ROOT, "%-16s %10s %14s %10s %11s%n", "stream", "input fps", "processed fps",
                "dropped", "reconnects"));
        long processed = 0;
        for (StreamConfig s : c.streams()) {
            StreamTotals a = after.streams.get(s.id());
            StreamTotals b = before.streams.get(s.id());
            processed += a.processed - b.processed;
            out.append(String.format(Locale.ROOT, "%-16s %10.2f %14.2f %10d %11d%n", s.id(), (a.in - b.in) / wall,
                    (a.processed - b.processed) / wall, a.dropped - b.dropped, a.reconnects - b.reconnects));
        }
        out.append(String.format(Locale.ROOT, "%nstage            ms/frame   ms/call    calls%n"));
        Map<DeviceMeters.Stage, DeviceMeters.StageTotals> stages = new EnumMap<>(DeviceMeters.Stage.class);
        for (DeviceMeters.Stage stage : DeviceMeters.Stage.values()) {
            DeviceMeters.StageTotals d = after.stages.get(stage).minus(before.stages.get(stage));
            stages.put(stage, d);
            out.append(String.format(Locale.ROOT, "%-14s %10.2f %9.2f %8d%n", stage.name().toLowerCase(Locale.ROOT),
                    processed == 0 ? 0 : d.seconds() * 1000 / processed,
                    d.count() == 0 ? 0 : d.seconds() * 1000 / d.count(), d.count()));
        }
        double frame = stages.get(DeviceMeters.Stage.FRAME).seconds();
        double inference = stages.get(DeviceMeters.Stage.EMBED).seconds();
        out.append(String.format(Locale.ROOT, "%nframe time / embedder inference time: %s%n",
                inference > 0 ? String.format(Locale.ROOT, "%.3f", frame / inference) : "n/a (nothing embedded)"));
        int cores = Runtime.getRuntime().availableProcessors();
        out.append(String.format(Locale.ROOT, "CPU: %.0f%% of %d core(s); RSS: %s%n",
                100 * (after.cpuSeconds - before.cpuSeconds) / wall / cores, cores, rss()));
        return out.toString();
    }

    private static String rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return line.substring(6).trim();
            }
        }
        return "unknown";
    }
}
