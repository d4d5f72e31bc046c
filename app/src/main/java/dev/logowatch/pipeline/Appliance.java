package dev.logowatch.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.sync.CatalogSync;
import dev.logowatch.catalog.sync.SyncResult;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.config.StreamConfig;
import dev.logowatch.publish.MqttPublisher;
import dev.logowatch.publish.Payloads;
import dev.logowatch.retry.Backoff;
import dev.logowatch.source.LatestFrame;
import dev.logowatch.source.StreamReader;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.track.Tracker;
import dev.logowatch.verify.Verifier;
import dev.logowatch.web.StatusBoard;
import dev.logowatch.web.StatusServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running device, wired in the order a frame travels, consumers before producers:
 * status page, models, catalog, MQTT publisher, then per stream a worker (recognise, track,
 * report; restarted by its {@link Supervisor} should it die) and the reader that feeds it. Stopped in reverse, so readers stop first, workers
 * flush the appearances still open, and the publisher delivers them (or keeps them on disk)
 * before the page goes away.
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
    private final Clock clock;
    private final StatusBoard board;
    private final DeviceMeters meters;
    /**
     * The whole stop fits in what systemd waits (TimeoutStopSec 10 s by default, then SIGKILL),
     * with a second left for the JVM to exit: what has not stopped by then is left behind.
     */
    static final Duration STOP_BUDGET = Duration.ofSeconds(9);
    /** How often {@code …/stats} is published. */
    static final Duration STATS_EVERY = Duration.ofSeconds(60);

    /** A started stage, named for the log should it not stop in time. */
    private record Stage(String name, AutoCloseable closeable) {
    }

    private final List<Stage> started = new ArrayList<>();
    private final List<StreamReader> readers = new ArrayList<>();
    private final List<Thread> workerThreads = new ArrayList<>();
    private final List<Supervisor> supervisors = new ArrayList<>();
    private final AtomicReference<Catalog> catalog = new AtomicReference<>(Catalog.empty());
    private StatusServer web;
    private MqttPublisher publisher;
    private Verifier verifier;
    private volatile CatalogSync catalogSync;
    /** The shared frame path once made; a catalog the sync puts in force is prepared on it first. */
    private volatile Recognizer recognizer;

    private Appliance(LogowatchConfig config, String version, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.board = new StatusBoard(config.device().id(), version, clock, System::nanoTime);
        this.meters = board.meters();
    }

    public static Appliance start(LogowatchConfig config, String version) throws StartException {
        return start(config, version, Clock.systemUTC());
    }

    /**
     * As {@link #start(LogowatchConfig, String)} on {@code clock}: frame stamps, appearance
     * times, the page's "today", stats and catalog sync times all come from it.
     */
    static Appliance start(LogowatchConfig config, String version, Clock clock) throws StartException {
        Appliance appliance = new Appliance(config, version, clock);
        try {
            appliance.startStages();
            return appliance;
        } catch (StartException | RuntimeException e) {
            appliance.close();
            throw e instanceof StartException se ? se : new StartException(Models.describe(e), e);
        }
    }

    private void startStages() throws StartException {
        LOG.log(System.Logger.Level.INFO, "device " + config.device().id() + " starting with " + config.file());
        createStateDir();
        List<StreamHealth> streams = new ArrayList<>();
        for (StreamConfig stream : config.streams()) {
            StreamHealth status = board.stream(stream.id(), stream.name(), stream.redactedUrl());
            meters.stream(status);
            streams.add(status);
        }
        startWeb();

        Models models = Models.load(config, meters, board);
        started.add(new Stage("models", () -> {
            // A worker still inside inference would crash in freed native memory; the process exits anyway.
            if (workerThreads.stream().noneMatch(Thread::isAlive)) {
                models.close();
            } else {
                LOG.log(System.Logger.Level.WARNING, "models left open: a stream worker is still running");
            }
        }));

        verifier = Verifier.create(config.verify(), meters);
        started.add(new Stage("verifier", verifier));
        board.verifier(verifier::status);
        publisher = MqttPublisher.start(config.mqtt(), config.device().id(), board::mqtt);
        started.add(new Stage("MQTT publisher", publisher));
        ScheduledExecutorService statsTimer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("mqtt-stats").factory());
        statsTimer.scheduleAtFixedRate(this::publishStats, STATS_EVERY.toSeconds(), STATS_EVERY.toSeconds(),
                TimeUnit.SECONDS);
        started.add(new Stage("MQTT stats", statsTimer::shutdownNow));
        for (StreamHealth status : streams) {
            publisher.streamStatus(status.id(), false);
            status.onStateChange(state -> publisher.streamStatus(status.id(), state == StreamHealth.State.LIVE));
        }

        String model = models.embedder().map(e -> e.modelName()).orElse("none");
        if (config.catalog().sync().isPresent() && models.embedder().isPresent()) {
            // The sync installs the catalog already on disk before start() returns, then
            // follows the central manifest; every catalog it puts in force is swapped in here.
            CatalogSync sync = CatalogSync.builder(config.catalog().sync().get(), config.catalog().dir().orElseThrow(),
                            models.catalogLoader(config)::load)
                    .onCatalog(result -> {
                        Recognizer current = recognizer;
                        if (current != null) {
                            current.prepare(result.catalog());
                        }
                        catalog.set(result.catalog());
                        publisher.catalog(result.catalog().version(), result.catalog().size(), model);
                    })
                    .onStatus(status -> board.catalog(new StatusBoard.CatalogStatus(status.version(), status.brands(),
                            status.state().wireName(), status.lastError())))
                    .clock(clock)
                    .build();
            catalogSync = sync;
            started.add(new Stage("catalog sync", sync));
            sync.start();
        } else {
            models.loadCatalog(config, catalog, board);
            publisher.catalog(catalog.get().version(), catalog.get().size(), model);
        }

        // Configuration validation guarantees an embedder whenever streams are configured.
        started.add(new Stage("streams", this::stopStreams));
        models.recognizer(catalog, config).ifPresent(made -> {
            made.prepare(catalog.get());
            recognizer = made;
            for (int i = 0; i < config.streams().size(); i++) {
                startStream(config.streams().get(i), streams.get(i), made);
            }
        });
    }

    private void createStateDir() throws StartException {
        try {
            Files.createDirectories(config.device().stateDir());
        } catch (IOException e) {
            throw new StartException("cannot create device.state-dir " + config.device().stateDir() + ": "
                    + e.getMessage() + " (the service user must be able to write there)", e);
        }
    }

    private void startWeb() throws StartException {
        try {
            web = StatusServer.start(config.web(), board, meters, config.catalog().sync().isEmpty() ? Optional.empty()
                    : Optional.of(this::syncCatalogNow));
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new StartException("web server on " + config.web().host() + ":" + config.web().port()
                    + " did not start: " + Models.describe(e) + " (is another process using the port? see web.port)", e);
        }
        started.add(new Stage("web server", web));
    }

    private void startStream(StreamConfig stream, StreamHealth status, Recognizer recognizer) {
        LatestFrame frames = new LatestFrame(status);
        Tracker tracker = new Tracker(stream.id(), config.tracking(), config.verify());
        StreamWorker worker = new StreamWorker(stream, status, frames, recognizer, tracker, board, publisher, verifier,
                meters);
        Supervisor supervisor = new Supervisor(stream.id(), worker, worker::stop, status, Backoff.DEFAULT,
                System::nanoTime);
        Thread thread = Thread.ofPlatform().name("worker-" + stream.id()).start(supervisor);
        supervisors.add(supervisor);
        workerThreads.add(thread);
        readers.add(StreamReader.start(stream, status, frames, Backoff.DEFAULT, meters, clock));
    }

    /**
     * Readers first, all at once (each waits up to 2 s for its decoder), then the workers,
     * which flush the appearances still open to the publisher.
     */
    private void stopStreams() throws InterruptedException {
        List<Thread> closing = new ArrayList<>();
        for (StreamReader reader : readers) {
            closing.add(Thread.ofPlatform().daemon().name("stop-reader").start(reader::close));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        for (Thread t : closing) {
            t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        supervisors.forEach(Supervisor::stop);
        deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        for (Thread t : workerThreads) {
            t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
    }

    /** A failure here must not end the timer: a scheduled task that throws is never run again. */
    private void publishStats() {
        try {
            publisher.stats(stats(), clock.instant());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot build MQTT stats: " + Models.describe(e));
        }
    }

    /** The {@code …/stats} payload: per-stream rates and counters, stage latencies, queues. */
    private ObjectNode stats() {
        ObjectNode root = Payloads.JSON.createObjectNode();
        ObjectNode streams = root.putObject("streams");
        for (StreamHealth s : board.streams()) {
            StreamHealth.View v = s.view();
            ObjectNode node = streams.putObject(s.id());
            node.put("state", v.state());
            node.put("input_fps", v.inputFps());
            node.put("processed_fps", v.processedFps());
            node.put("dropped", v.dropped());
            node.put("reconnects", v.reconnects());
        }
        ObjectNode stages = root.putObject("stage_ms");
        meters.stageTotals().forEach((stage, t) -> stages.put(stage.name().toLowerCase(java.util.Locale.ROOT),
                t.count() == 0 ? 0 : Math.round(t.seconds() * 1e6 / t.count()) / 1000.0));
        ObjectNode queues = root.putObject("queues");
        queues.put("mqtt", board.mqtt().queued());
        queues.put("verifier", board.verifier().queued());
        root.put("uptime_s", board.uptime().toSeconds());
        return root;
    }

    public StatusBoard board() {
        return board;
    }

    private CompletableFuture<SyncResult> syncCatalogNow() {
        CatalogSync sync = catalogSync;
        return sync != null ? sync.syncNow()
                : CompletableFuture.failedFuture(new IllegalStateException("the catalog sync has not started yet"));
    }

    public DeviceMeters meters() {
        return meters;
    }

    public int webPort() {
        return web.port();
    }

    /**
     * Stops every stage in reverse start order, all within {@link #STOP_BUDGET}. Each stage
     * gets its own chance to stop; one that does not finish in the time left is named in the
     * log and left behind (QoS 1 messages not yet delivered are on disk by then).
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + STOP_BUDGET.toNanos();
        for (int i = started.size() - 1; i >= 0; i--) {
            Stage stage = started.get(i);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                LOG.log(System.Logger.Level.WARNING, "stop took " + STOP_BUDGET.toSeconds() + " s; not waiting for "
                        + stage.name() + " and " + i + " more stage(s)");
                break;
            }
            Thread closing = Thread.ofPlatform().daemon().name("stop-" + stage.name().replace(' ', '-')).start(() -> {
                try {
                    stage.closeable().close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.WARNING, "while stopping " + stage.name() + ": " + Models.describe(e));
                }
            });
            try {
                closing.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (closing.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, stage.name() + " did not stop within the stop budget; left behind");
            }
        }
        started.clear();
    }

    /** For the catalog sync to swap in a new catalog while streams run. */
    AtomicReference<Catalog> catalog() {
        return catalog;
    }

    Optional<StatusServer> web() {
        return Optional.ofNullable(web);
    }
}
