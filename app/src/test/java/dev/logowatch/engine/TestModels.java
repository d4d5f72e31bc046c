package dev.logowatch.engine;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The tiny real ONNX models of {@code models/make_test_models.py}, generated once per test run
 * into a temporary folder: {@code embedder}, {@code embedder-batch4}, {@code detr} and
 * {@code detr-sized}. Tests that need them are skipped, with the reason shown, when no Python
 * with the {@code onnx} package is installed ({@code apt-get install python3-onnx python3-numpy}).
 */
public final class TestModels {
    private static Path dir;
    private static String unavailable;

    private TestModels() {
    }

    /** The folder of one generated model; skips the calling test when they cannot be made. */
    public static synchronized Path model(String name) {
        if (dir == null && unavailable == null) {
            generate();
        }
        Assumptions.assumeTrue(unavailable == null, () -> "test models not generated: " + unavailable);
        return dir.resolve(name);
    }

    private static void generate() {
        try {
            String python = findPython();
            if (python == null) {
                unavailable = "no python3 with the onnx and numpy modules "
                        + "(install with: apt-get install python3-onnx python3-numpy)";
                return;
            }
            Path out = Files.createTempDirectory("logowatch-test-models");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(out)));
            Path script = script(out);
            Result result = exec(List.of(python, script.toString(), out.toString()), 120);
            if (result.exit != 0) {
                unavailable = "make_test_models.py failed (exit " + result.exit + "): " + result.output;
                return;
            }
            dir = out;
        } catch (IOException e) {
            unavailable = "cannot generate test models: " + e;
        }
    }

    private static Path script(Path out) throws IOException {
        URL url = TestModels.class.getResource("/models/make_test_models.py");
        if (url == null) {
            throw new IOException("models/make_test_models.py is not on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            Path copy = out.resolve("make_test_models.py");
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy);
            }
            return copy;
        }
    }

    /** A Python that can import onnx; pyenv shims on PATH may hide Debian's, so both are tried. */
    private static String findPython() {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                if (exec(List.of(candidate, "-c", "import onnx, numpy"), 60).exit == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not installed under this name; try the next one
            }
        }
        return null;
    }

    private record Result(int exit, String output) {
    }

    private static Result exec(List<String> command, int timeoutSeconds) throws IOException {
        // Output goes to a file so a chatty process cannot fill a pipe and stall.
        Path log = Files.createTempFile("logowatch-python", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            process.getOutputStream().close();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                return new Result(-1, String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8).strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp folder is harmless
        }
    }
}
