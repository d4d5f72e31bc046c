package dev.logowatch.cli;

import dev.logowatch.config.ConfigException;
import dev.logowatch.config.LogowatchConfig;

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

    /** A usage or configuration problem found while a command runs; {@link Main} prints it and exits 2. */
    static final class UsageException extends RuntimeException {
        private final List<String> problems;

        UsageException(String headline, List<String> problems) {
            super(headline);
            this.problems = List.copyOf(problems);
        }

        List<String> problems() {
            return problems;
        }
    }

    /** The configuration at {@code file}, or the demo configuration when none is given. */
    static LogowatchConfig config(Path file) {
        Path configFile = file != null ? file : demoConfig();
        try {
            return LogowatchConfig.load(configFile, System.getenv());
        } catch (ConfigException e) {
            throw new UsageException("configuration " + configFile + " is not usable:", e.problems());
        }
    }

    /** Prints a usage problem list and returns exit code 2. */
    static int usage(String headline, List<String> problems) {
        System.err.println("logowatch: " + headline);
        problems.forEach(p -> System.err.println("  " + p));
        return Main.EXIT_USAGE;
    }
}
