package dev.logowatch.cli;

import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.pipeline.Appliance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code logowatch run}: the long-running service. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the service: watches the configured streams, publishes over MQTT, serves the status page.",
                "Stops cleanly on SIGTERM or Ctrl-C (exit 0). Exit 2: the configuration is not usable."})
final class RunCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(RunCommand.class.getName());

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/logowatch/logowatch.yaml",
            description = "Configuration file (default: ${DEFAULT-VALUE}). LOGOWATCH_<KEY_PATH> environment variables override keys.")
    private Path config;

    @Option(names = "--check", description = "Only validate the configuration and exit.")
    private boolean checkOnly;

    @Override
    public Integer call() {
        LogowatchConfig loaded = Launch.config(config);
        if (checkOnly) {
            System.out.println("configuration " + config + " is valid");
            return Main.EXIT_OK;
        }

        CountDownLatch stop = new CountDownLatch(1);
        // Handling the signals ourselves (rather than a shutdown hook) lets the service finish
        // its shutdown on the main thread and exit 0, which systemd reads as a clean stop.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());

        Appliance appliance;
        try {
            appliance = Appliance.start(loaded, Main.version());
        } catch (Appliance.StartException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot start: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.INFO, "stopping");
        appliance.close();
        LOG.log(System.Logger.Level.INFO, "stopped");
        return Main.EXIT_OK;
    }
}
