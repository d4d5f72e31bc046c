package dev.logowatch.cli;

import io.helidon.logging.common.LogConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code logowatch}: the service and its commands. Exit codes: 0 done, 1 failed while
 * running, 2 usage or configuration error.
 */
@Command(name = "logowatch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Recognises sponsor logos on camera streams and publishes appearances over MQTT.",
        subcommands = {RunCommand.class, AnalyzeCommand.class, EvalCommand.class, BenchCommand.class,
                CatalogCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    /** The command finished and wrote its report, but its input could only be read in part. */
    public static final int EXIT_INCOMPLETE = 3;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // JavaCPP writes its warnings straight to stderr; through SLF4J they reach the service log,
        // where logging.properties decides about them.
        if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
            System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        }
        LogConfig.configureRuntime();
        System.exit(execute(args));
    }

    static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExitCodeExceptionMapper(e -> EXIT_FAILED);
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof Launch.UsageException usage) {
                return Launch.usage(usage.getMessage(), usage.problems());
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'logowatch run --config FILE'");
    }

    /** The build's version from the jar manifest; {@code dev} when run from classes. */
    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"logowatch " + version()};
        }
    }
}
