package dev.logowatch.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A jar holding only a manifest that names this test run's classpath: the service starts as
 * its own process with a short command line, as ONNX Runtime needs (with the classpath on
 * the command line its native library crashes on load), from the classes just compiled.
 */
public final class ClasspathJar {
    private ClasspathJar() {
    }

    public static Path write(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(Path.of(entry).toAbsolutePath().toUri().toString());
            }
        }
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(Attributes.Name.MAIN_CLASS, "dev.logowatch.cli.Main");
        main.put(Attributes.Name.CLASS_PATH, String.join(" ", entries));
        main.putValue("Enable-Native-Access", "ALL-UNNAMED");
        Path jar = dir.resolve("logowatch-classpath.jar");
        try (JarOutputStream ignored = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            return jar;
        }
    }
}
