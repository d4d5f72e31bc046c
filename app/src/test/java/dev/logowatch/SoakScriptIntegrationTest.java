package dev.logowatch;

import dev.logowatch.testing.ClasspathJar;
import dev.logowatch.testing.LogoScene;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench/soak.sh} cut to two minutes: the service as its own process on two RTSP
 * streams and two looped files, a real mosquitto, RTSP servers killed twice and the broker
 * restarted twice. The script must pass its own checks (every stream recovered, no QoS 1
 * event lost, a clean stop) and leave a CSV a person can plot, and the CSV itself must show
 * flat memory, threads and descriptors (checked here, not taken from the script).
 */
@Tag("integration")
class SoakScriptIntegrationTest {
    private static final Path REPO = Path.of(System.getProperty("logowatch.repo", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void aTwoMinuteSoakRecoversFromEveryFaultAndLosesNoEvent() throws Exception {
        LogoScene.assumeModel();
        for (String tool : List.of("mosquitto", "mosquitto_sub", "gcc", "pkg-config", "stdbuf")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed (.ci/packages-soak.txt)");
        }
        Path out = dir.resolve("soak");
        Path log = dir.resolve("soak.out");
        Process soak = new ProcessBuilder("bash", REPO.resolve("bench/soak.sh").toString(), "--minutes", "2",
                "--interval", "10", "--jar", ClasspathJar.write(dir).toString(), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit;
        try {
            assertThat(soak.waitFor(10, TimeUnit.MINUTES)).as("soak.sh finished within 10 min").isTrue();
            exit = soak.exitValue();
        } finally {
            // The script stops what it started on exit; only on a timeout is anything left.
            soak.descendants().forEach(ProcessHandle::destroyForcibly);
            soak.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(exit).as("soak.sh exit status; output:\n%s", output).isZero();
        assertThat(output).contains("all streams recovered", "no QoS 1 event lost", "PASS")
                .contains("rtsp-killed", "rtsp-restarted", "broker-stopped", "broker-restarted");
        Matcher logged = Pattern.compile("logged new=(\\d+)").matcher(output);
        assertThat(logged.find()).isTrue();
        assertThat(Integer.parseInt(logged.group(1))).as("appearances to check delivery with").isPositive();

        List<String> csv = Files.readAllLines(out.resolve("soak.csv"));
        List<String> header = List.of(csv.getFirst().split(","));
        assertThat(header).contains("rss_kb", "heap_after_gc_kb", "threads", "fds", "rtsp-1_processed_fps",
                "file-2_dropped", "rtsp-2_reconnects", "events");
        assertThat(csv).as("a sample every 10 s for 2 min").hasSizeGreaterThanOrEqualTo(10);
        for (String row : csv.subList(1, csv.size())) {
            List<String> cells = Arrays.asList(row.split(",", -1));
            assertThat(Long.parseLong(cells.get(header.indexOf("rss_kb")))).as(row).isPositive();
            assertThat(Long.parseLong(cells.get(header.indexOf("heap_after_gc_kb")))).as(row).isPositive();
            assertThat(Long.parseLong(cells.get(header.indexOf("fds")))).as(row).isBetween(10L, 10_000L);
        }
        checkFlat(header, csv.subList(1, csv.size()));
        List<String> last = Arrays.asList(csv.getLast().split(",", -1));
        assertThat(Long.parseLong(last.get(header.indexOf("rtsp-1_reconnects")))).isGreaterThanOrEqualTo(2);
        assertThat(Long.parseLong(last.get(header.indexOf("file-1_frames_processed")))).isPositive();

        Path python = Path.of("/usr/bin/python3");
        assertThat(python).as("python3 with matplotlib for plot.py (.ci/packages-soak.txt)").isExecutable();
        Process plot = new ProcessBuilder(python.toString(), REPO.resolve("bench/plot.py").toString(),
                out.resolve("soak.csv").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("plot.out").toFile()).start();
        assertThat(plot.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(plot.exitValue()).as("plot.py: %s", Files.readString(dir.resolve("plot.out"))).isZero();
        assertThat(Files.size(out.resolve("soak.png"))).isGreaterThan(10_000);
    }

    /**
     * The figures a leak or a stuck thread would move, checked here rather than trusted from
     * the script's PASS line. Samples from 30 s on (start-up and JIT settle first); bounds
     * are wide enough for a noisy 2-core machine and far below any real leak: a frame kept
     * per sample is 2.7 MB at 720p, so heap after GC would climb by 100s of MB a minute.
     */
    private static void checkFlat(List<String> header, List<String> rows) {
        List<double[]> heap = new ArrayList<>();
        List<double[]> rss = new ArrayList<>();
        List<Long> threads = new ArrayList<>();
        List<Long> fds = new ArrayList<>();
        for (String row : rows) {
            List<String> cells = Arrays.asList(row.split(",", -1));
            double minutes = Double.parseDouble(cells.get(header.indexOf("elapsed_s"))) / 60;
            if (minutes < 0.5) {
                continue;
            }
            heap.add(new double[]{minutes, Long.parseLong(cells.get(header.indexOf("heap_after_gc_kb"))) / 1024.0});
            rss.add(new double[]{minutes, Long.parseLong(cells.get(header.indexOf("rss_kb"))) / 1024.0});
            threads.add(Long.parseLong(cells.get(header.indexOf("threads"))));
            fds.add(Long.parseLong(cells.get(header.indexOf("fds"))));
        }
        assertThat(heap).as("samples after the first 30 s").hasSizeGreaterThanOrEqualTo(6);
        assertThat(slope(heap)).as("heap after GC, MB per minute, samples %s", rows).isLessThan(20.0);
        assertThat(slope(rss)).as("RSS, MB per minute, samples %s", rows).isLessThan(150.0);
        // Every fault's threads and descriptors are given back: the last sample is at the level of the steady ones.
        long steadyThreads = threads.stream().sorted().toList().get(threads.size() / 2);
        long steadyFds = fds.stream().sorted().toList().get(fds.size() / 2);
        assertThat(threads.getLast()).as("threads at the end vs median %d: %s", steadyThreads, threads)
                .isLessThanOrEqualTo(steadyThreads + 4);
        assertThat(fds.getLast()).as("open descriptors at the end vs median %d: %s", steadyFds, fds)
                .isLessThanOrEqualTo(steadyFds + 8);
    }

    /** Least-squares slope of (x, y) points. */
    static double slope(List<double[]> points) {
        double n = points.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
            sxx += p[0] * p[0];
            sxy += p[0] * p[1];
        }
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
