package dev.logowatch.source;

import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Test videos made with the ffmpeg command line, and reference pixels decoded by it. */
final class Clips {
    private Clips() {
    }

    /** An H.264 test pattern: {@code size} like "640x360", {@code rate} fps, {@code seconds} long. */
    static Path testPattern(Path dir, String name, String size, int rate, double seconds, String... extra)
            throws IOException, InterruptedException {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=" + size + ":rate=" + rate, "-t", Double.toString(seconds),
                "-c:v", "libx264", "-preset", "ultrafast", "-g", Integer.toString(rate), "-pix_fmt", "yuv420p"));
        cmd.addAll(List.of(extra));
        cmd.add(out.toString());
        run(cmd, dir);
        return out;
    }

    /** The first frame of {@code clip} as packed BGR bytes, decoded by the ffmpeg command line. */
    static byte[] firstFrameBgr(Path clip) throws IOException, InterruptedException {
        Path raw = clip.resolveSibling(clip.getFileName() + ".bgr");
        run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", clip.toString(),
                "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "bgr24", raw.toString()), clip.getParent());
        return Files.readAllBytes(raw);
    }

    /** Mean absolute difference per byte between a frame and reference BGR bytes of the same size. */
    static double meanDifference(Frame frame, byte[] reference) {
        byte[] px = ((DataBufferByte) frame.image().getRaster().getDataBuffer()).getData();
        assertThat(px.length).as("frame bytes").isEqualTo(reference.length);
        long sum = 0;
        for (int i = 0; i < px.length; i++) {
            sum += Math.abs((px[i] & 0xFF) - (reference[i] & 0xFF));
        }
        return (double) sum / px.length;
    }

    static void run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "cmd", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                fail("timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                fail("failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + Files.readString(log));
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
