package dev.logowatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the commands share about where they run and how they report usage errors. */
final class Launch {
    private Launch() {
    }

    /** The embedded default configuration: beside the launcher when installed or in a checkout. */
    static Path demoConfig() {
        Path home = Path.of(System.getProperty("logowatch.home", "."));
        Path demo = home.resolve("config/demo.yaml");
        return Files.isRegularFile(demo) ? demo : Path.of("config/demo.yaml");
    }

    /** Prints a usage problem list and returns exit code 2. */
    static int usage(String headline, List<String> problems) {
        System.err.println("logowatch: " + headline);
        problems.forEach(p -> System.err.println("  " + p));
        return Main.EXIT_USAGE;
    }
}
