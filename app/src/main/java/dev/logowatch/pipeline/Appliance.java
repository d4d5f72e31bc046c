package dev.logowatch.pipeline;

import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.config.StreamConfig;
import dev.logowatch.web.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import dev.logowatch.web.StatusServer;
import dev.logowatch.web.StreamStatus;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The running device: every stage wired in order, consumers before producers, and taken
 * down in reverse so nothing already accepted is lost.
 */
public final class Appliance implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Appliance.class.getName());

    /** Something the service needs could not be started (port taken, model unreadable). */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final LogowatchConfig config;
    private final StatusBoard board;
    private final DeviceMeters meters;
    private final List<AutoCloseable> started = new ArrayList<>();
    private StatusServer web;

    private Appliance(LogowatchConfig config, String version) {
        this.config = config;
        this.board = StatusBoard.create(config.device().id(), version);
        this.meters = DeviceMeters.create(board);
    }

    public static Appliance start(LogowatchConfig config, String version) throws StartException {
        Appliance appliance = new Appliance(config, version);
        try {
            appliance.startStages();
            return appliance;
        } catch (StartException | RuntimeException e) {
            appliance.close();
            throw e instanceof StartException se ? se : new StartException(describe(e), e);
        }
    }

    private void startStages() throws StartException {
        LOG.log(System.Logger.Level.INFO, "device " + config.device().id() + " starting with " + config.file());
        board.models(new StatusBoard.ModelStatus(config.models().engine().name().toLowerCase(java.util.Locale.ROOT),
                config.models().detector().map(p -> p.getFileName().toString()),
                config.models().embedder().map(p -> p.getFileName().toString()), "none", Optional.empty()));
        for (StreamConfig stream : config.streams()) {
            StreamStatus status = board.stream(stream.id(), stream.name(), stream.redactedUrl());
            meters.stream(status);
            // Frame sources arrive with the vision pipeline; until then a configured stream is
            // listed and reported as not running rather than silently ignored.
            status.failed(StreamStatus.State.STOPPED, "frame sources are not part of this build yet");
        }
        try {
            web = StatusServer.start(config.web(), board, meters);
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new StartException("web server on " + config.web().host() + ":" + config.web().port()
                    + " did not start: " + describe(e) + " (is another process using the port? see web.port)", e);
        }
        started.add(web);
    }

    public StatusBoard board() {
        return board;
    }

    public int webPort() {
        return web.port();
    }

    /** Stops every stage in reverse start order; each gets its own chance to stop. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "while stopping: " + describe(e));
            }
        }
        started.clear();
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
