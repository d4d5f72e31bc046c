package dev.logowatch.catalog.sync;

import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.catalog.CatalogReport;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.retry.Backoff;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps {@code catalog.dir} in step with a central catalog server: polls its
 * {@code manifest.json} every {@code catalog.sync.interval} (conditional on the ETag, so an
 * unchanged catalog costs one 304), and on demand through {@link #syncNow()}.
 *
 * <p>An update downloads only files the device does not already have, checks each against
 * the manifest's size and sha256, builds the new version beside the one in force, loads it
 * with the real {@link CatalogLoader} (which also embeds new references with the current
 * model), and only when every brand has a usable image and every file is one, switches to
 * it atomically and hands the loaded catalog to {@code onCatalog}, so the caller can swap
 * the matcher's catalog while streams run. Anything short of that (server unreachable, HTTP
 * error, bad manifest, unsafe path, checksum mismatch, oversized or unusable file, disk
 * full, a brand without a usable image) rejects the whole update: the catalog in force
 * stays, {@link #status()} names the reason, and the attempt is retried with {@link Backoff},
 * never more often than every {@code interval}. The on-disk layout and why a crash at any
 * point leaves a complete version are described on {@link CatalogLayout}; in short,
 * {@code catalog.dir} becomes a symlink into {@code <dir>.versions/}, which also keeps the
 * previous version for rollback.
 *
 * <p>All attempts run one at a time on one background thread.
 */
public final class CatalogSync implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CatalogSync.class.getName());

    /** Loads a catalog folder: {@code models.catalogLoader(config)::load} on the device. */
    @FunctionalInterface
    public interface Loader {
        CatalogLoader.Result load(Path dir) throws IOException;
    }

    private final CatalogConfig.Sync sync;
    private final CatalogLayout layout;
    private final Loader loader;
    private final Consumer<CatalogLoader.Result> onCatalog;
    private final Consumer<SyncStatus> onStatus;
    private final SyncLimits limits;
    private final Backoff backoff;
    private final Clock clock;
    private final Consumer<String> checkpoint;
    private final CatalogServer server;
    private final Staging staging;
    private final ScheduledExecutorService executor;

    private final Object lock = new Object();
    private volatile SyncStatus status;
    private volatile boolean polling;
    private volatile boolean closed;
    private ScheduledFuture<?> next;
    private CompletableFuture<SyncResult> requested;
    /** Whether {@code onCatalog} has had a catalog from this instance. */
    private volatile boolean handedOver;

    private CatalogSync(Builder b) {
        this.sync = b.sync;
        this.layout = new CatalogLayout(b.dir);
        this.loader = b.loader;
        this.onCatalog = b.onCatalog;
        this.onStatus = b.onStatus;
        this.limits = b.limits;
        this.backoff = b.backoff != null ? b.backoff : defaultBackoff(sync.interval());
        this.clock = b.clock;
        this.checkpoint = b.checkpoint;
        this.server = new CatalogServer(sync, limits);
        this.staging = new Staging(server, b.files, checkpoint);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("catalog-sync").unstarted(r));
        this.status = SyncStatus.initial(layout.installed().flatMap(CatalogLayout.Installed::version).orElse("none"), 0);
    }

    /**
     * @param sync   {@code catalog.sync}
     * @param dir    {@code catalog.dir}; becomes a symlink to the version in force
     * @param loader loads and validates a catalog folder with the device's embedder
     */
    public static Builder builder(CatalogConfig.Sync sync, Path dir, Loader loader) {
        return new Builder(sync, dir, loader);
    }

    /** Retries start at 30 s (or the interval, if shorter) and back off to the interval. */
    static Backoff defaultBackoff(Duration interval) {
        Duration initial = interval.compareTo(Duration.ofSeconds(30)) < 0 ? interval : Duration.ofSeconds(30);
        return new Backoff(initial, interval, 0.25);
    }

    /**
     * Recovers from an interrupted sync (see {@link CatalogLayout}), loads the catalog in
     * force, if any, and hands it to {@code onCatalog} before returning, then polls in the
     * background: once right away, then every interval. A catalog that fails to load here is
     * reported in the status, and the next poll loads it again or installs a newer one.
     *
     * @throws IllegalStateException when called twice or after {@link #close()}
     */
    public void start() {
        synchronized (lock) {
            if (polling || closed) {
                throw new IllegalStateException("catalog sync for " + layout.link() + " already started or closed");
            }
        }
        Optional<String> version = recover();
        layout.installed().ifPresent(installed -> {
            try {
                CatalogLoader.Result result = loader.load(layout.link());
                String v = installed.version().orElse(result.catalog().version());
                publish(withVersion(result, v));
                status = SyncStatus.initial(v, result.catalog().size());
            } catch (IOException | RuntimeException e) {
                String reason = "catalog " + layout.link() + " in force did not load: " + describe(e);
                LOG.log(System.Logger.Level.WARNING, reason);
                status = new SyncStatus(SyncStatus.State.FAILED, version.orElse("none"), 0, Optional.empty(),
                        Optional.empty(), Optional.of(reason), 0, Optional.empty());
            }
        });
        notifyStatus();
        synchronized (lock) {
            polling = true;
            schedule(Duration.ZERO);
        }
    }

    /**
     * Sweeps what an interrupted sync left and returns the version in force. {@link #start()}
     * does this first; separate for tools and tests.
     *
     * @throws IllegalStateException once polling runs: it would sweep away its own staging folder
     */
    public Optional<String> recover() {
        if (polling) {
            throw new IllegalStateException("catalog sync for " + layout.link() + " is running; recover() comes first");
        }
        try {
            layout.recover();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "catalog " + layout.link() + ": recovery after an interrupted "
                    + "sync incomplete: " + describe(e));
        }
        Optional<String> version = layout.installed().flatMap(CatalogLayout.Installed::version);
        version.ifPresent(v -> {
            if (status.version().equals("none")) {
                status = SyncStatus.initial(v, 0);
            }
        });
        return version;
    }

    /**
     * Asks for an attempt now, for {@code POST /api/catalog/sync}. Requests made while one
     * is waiting to run share it; an attempt already running finishes first.
     */
    public CompletableFuture<SyncResult> syncNow() {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.completedFuture(new SyncResult(SyncResult.Outcome.FAILED, status.version(),
                        0, 0, 0, Optional.of("catalog sync is stopped"), Duration.ZERO));
            }
            if (requested != null) {
                return requested;
            }
            CompletableFuture<SyncResult> future = new CompletableFuture<>();
            requested = future;
            executor.execute(() -> {
                synchronized (lock) {
                    requested = null;
                }
                run(future);
            });
            return future;
        }
    }

    public SyncStatus status() {
        return status;
    }

    /** The catalog folder, a symlink to the version in force once synced. */
    public Path dir() {
        return layout.link();
    }

    /** Stops polling; an attempt in progress is abandoned and its staging folder removed. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "catalog sync did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        CompletableFuture<SyncResult> pending;
        synchronized (lock) {
            pending = requested;
            requested = null;
        }
        if (pending != null) {
            pending.complete(new SyncResult(SyncResult.Outcome.FAILED, status.version(), 0, 0, 0,
                    Optional.of("catalog sync is stopped"), Duration.ZERO));
        }
    }

    private void schedule(Duration delay) {
        if (closed || !polling) {
            return;
        }
        if (next != null) {
            next.cancel(false);
        }
        // Before the attempt is scheduled: once it runs, only the sync thread writes the status.
        Instant due = clock.instant().plus(delay);
        status = new SyncStatus(status.state(), status.version(), status.brands(), status.lastAttempt(),
                status.lastSuccess(), status.lastError(), status.consecutiveFailures(), Optional.of(due));
        next = executor.schedule(() -> run(null), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run(CompletableFuture<SyncResult> future) {
        SyncResult result;
        try {
            result = attempt();
        } catch (RuntimeException | Error e) {
            result = new SyncResult(SyncResult.Outcome.FAILED, status.version(), 0, 0, 0,
                    Optional.of("unexpected: " + describe(e)), Duration.ZERO);
            LOG.log(System.Logger.Level.ERROR, "catalog sync failed unexpectedly", e);
        }
        synchronized (lock) {
            Duration delay = result.failed()
                    ? min(backoff.delay(status.consecutiveFailures()), sync.interval())
                    : sync.interval();
            schedule(delay);
        }
        notifyStatus();
        if (future != null) {
            future.complete(result);
        }
    }

    private SyncResult attempt() {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        SyncStatus before = status;
        status = new SyncStatus(SyncStatus.State.SYNCING, before.version(), before.brands(), Optional.of(started),
                before.lastSuccess(), before.lastError(), before.consecutiveFailures(), Optional.empty());
        notifyStatus();
        Path stagingDir = null;
        try {
            Optional<CatalogLayout.Installed> installed = layout.installed();
            CatalogServer.Reply reply = server.manifest(installed.flatMap(CatalogLayout.Installed::etag));
            if (reply instanceof CatalogServer.Reply.Unchanged) {
                return unchanged(installed.orElseThrow(), before, t0);
            }
            CatalogServer.Reply.Fetched fetched = (CatalogServer.Reply.Fetched) reply;
            Manifest manifest;
            try {
                manifest = Manifest.parse(fetched.body(), limits.maxFileBytes());
            } catch (Manifest.Invalid e) {
                throw new SyncFailure("manifest " + server.where() + ": " + e.getMessage());
            }
            if (manifest.totalBytes() > limits.maxTotalBytes()) {
                throw new SyncFailure("manifest " + server.where() + " version " + manifest.version() + ": the catalog "
                        + "is " + SyncLimits.describe(manifest.totalBytes()) + ", more than the "
                        + SyncLimits.describe(limits.maxTotalBytes()) + " a device accepts");
            }
            if (installed.isPresent() && installed.get().version().equals(Optional.of(manifest.version()))) {
                return unchangedVersion(installed.get(), manifest, fetched.etag(), before, t0);
            }

            layout.removeStaging();
            stagingDir = layout.staging(manifest.version());
            Staging.Counts counts = staging.fill(manifest, stagingDir, sources(installed), fetched.etag(), started);
            checkpoint.accept("staged");
            CatalogLoader.Result loaded = validate(stagingDir, manifest);
            checkpoint.accept("validated");

            Path versionDir = layout.install(stagingDir, manifest.version());
            // The references were read in staging; keypoint matching reads them again where they now are.
            loaded = new CatalogLoader.Result(loaded.catalog().relocated(stagingDir, versionDir), loaded.report());
            stagingDir = null;
            checkpoint.accept("installed");
            Optional<Path> handMade = layout.pointTo(versionDir);
            checkpoint.accept("swapped");
            List<Path> keep = new ArrayList<>(List.of(versionDir));
            installed.filter(CatalogLayout.Installed::managed).ifPresent(i -> keep.add(i.dir()));
            handMade.ifPresent(keep::add);
            layout.prune(keep);

            LOG.log(System.Logger.Level.INFO, "catalog " + manifest.version() + " from " + server.where()
                    + " in force: " + loaded.catalog().size() + " brands; " + counts.downloaded() + " files downloaded ("
                    + SyncLimits.describe(counts.bytes()) + "), " + counts.reused() + " reused; was "
                    + before.version());
            CatalogLoader.Result result = withVersion(loaded, manifest.version());
            SyncResult ok = succeeded(SyncResult.Outcome.UPDATED, manifest.version(), result.catalog().size(), counts, t0);
            publish(result);
            return ok;
        } catch (SyncFailure e) {
            return failed(e.getMessage(), before, t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted: the catalog sync is stopping", before, t0);
        } catch (IOException e) {
            return failed("catalog " + layout.link() + ": " + describe(e), before, t0);
        } catch (RuntimeException e) {
            return failed("catalog " + layout.link() + ": " + describe(e), before, t0);
        } finally {
            if (stagingDir != null) {
                try {
                    CatalogLayout.deleteTree(stagingDir);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "staging folder " + stagingDir + " not removed ("
                            + describe(e) + "); the next sync or start removes it");
                }
            }
        }
    }

    /** The same version as in force: nothing to do if the content agrees, a publishing mistake if not. */
    private SyncResult unchangedVersion(CatalogLayout.Installed installed, Manifest manifest, Optional<String> etag,
                                        SyncStatus before, long t0) throws SyncFailure, IOException {
        if (installed.manifest().isEmpty() || !installed.manifest().get().sameContent(manifest)) {
            throw new SyncFailure("manifest " + server.where() + " version " + manifest.version() + " is the version in "
                    + "force but lists different files or settings; a changed catalog needs a new version "
                    + "(logowatch catalog build gives one)");
        }
        if (etag.isPresent() && !etag.equals(installed.etag())) {
            // Remembered so the next poll is a cheap 304.
            CatalogLayout.VersionRecord record = CatalogLayout.readRecord(installed.dir())
                    .orElse(new CatalogLayout.VersionRecord(manifest.version(), Optional.empty(), clock.instant()));
            CatalogLayout.replaceFile(installed.dir().resolve(CatalogLayout.RECORD), CatalogLayout.recordJson(
                    new CatalogLayout.VersionRecord(record.version(), etag, record.stagedAt())));
        }
        return unchanged(installed, before, t0);
    }

    /**
     * Nothing new on the server. Should the version in force not have loaded at
     * {@link #start()} (an unreadable folder), it is loaded again now: "ok" must mean the
     * device runs it.
     */
    private SyncResult unchanged(CatalogLayout.Installed installed, SyncStatus before, long t0)
            throws SyncFailure, IOException {
        if (polling && !handedOver) {
            CatalogLoader.Result result = validate(layout.link(), installed.manifest().orElseThrow(() ->
                    new SyncFailure("catalog " + layout.link() + " in force has no readable " + CatalogLayout.MANIFEST)));
            result = withVersion(result, installed.version().orElse(result.catalog().version()));
            SyncResult ok = succeeded(SyncResult.Outcome.UNCHANGED, result.catalog().version(), result.catalog().size(),
                    null, t0);
            publish(result);
            return ok;
        }
        return succeeded(SyncResult.Outcome.UNCHANGED, before.version(), before.brands(), null, t0);
    }

    /** Folders whose files an update may reuse: the version in force, then the kept ones. */
    private List<Staging.Source> sources(Optional<CatalogLayout.Installed> installed) throws IOException {
        List<Staging.Source> sources = new ArrayList<>();
        installed.ifPresent(i -> sources.add(new Staging.Source(i.dir(), i.manifest())));
        for (Path dir : layout.versionDirs()) {
            if (installed.isEmpty() || !installed.get().dir().equals(dir)) {
                sources.add(new Staging.Source(dir, CatalogLayout.readManifest(dir)));
            }
        }
        return sources;
    }

    /**
     * Loads the staged version. The whole update is refused when any brand of the manifest
     * did not load or any of its files is unusable: installing a catalog with a brand
     * silently missing would stop that sponsor's reporting on every device without anyone
     * noticing, while refusing keeps the last good catalog and says why.
     */
    private CatalogLoader.Result validate(Path dir, Manifest manifest) throws SyncFailure, IOException {
        CatalogLoader.Result result = loader.load(dir);
        List<String> problems = new ArrayList<>();
        Set<String> loaded = new HashSet<>(result.report().loadedBrands());
        for (CatalogReport.BrandEntry brand : result.report().brands()) {
            for (CatalogReport.Problem p : brand.skipped()) {
                problems.add(p.toString());
            }
            if (!brand.loaded()) {
                problems.add(brand.id() + "/: no usable reference image");
            }
        }
        for (Manifest.BrandEntry brand : manifest.brands()) {
            if (!loaded.contains(brand.id()) && problems.stream().noneMatch(p -> p.startsWith(brand.id() + "/"))) {
                problems.add(brand.id() + "/: did not load");
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(3, problems.size());
            throw new SyncFailure("version " + manifest.version() + " from " + server.where() + " refused, "
                    + problems.size() + " problem(s): " + String.join("; ", problems.subList(0, shown))
                    + (problems.size() > shown ? "; …" : ""));
        }
        return result;
    }

    /** The loaded catalog under the manifest's version, reported as the folder devices know. */
    private CatalogLoader.Result withVersion(CatalogLoader.Result r, String version) {
        CatalogReport report = r.report();
        Catalog catalog = r.catalog().version().equals(version) ? r.catalog() : r.catalog().withVersion(version);
        return new CatalogLoader.Result(catalog,
                new CatalogReport(layout.link(), version, report.brands(), report.problems(), report.embedded(),
                        report.fromCache()));
    }

    private SyncResult succeeded(SyncResult.Outcome outcome, String version, int brands, Staging.Counts counts,
                                 long t0) {
        Instant now = clock.instant();
        status = new SyncStatus(SyncStatus.State.OK, version, brands, status.lastAttempt(), Optional.of(now),
                Optional.empty(), 0, Optional.empty());
        return new SyncResult(outcome, version, counts == null ? 0 : counts.downloaded(),
                counts == null ? 0 : counts.bytes(), counts == null ? 0 : counts.reused(), Optional.empty(), since(t0));
    }

    private SyncResult failed(String reason, SyncStatus before, long t0) {
        int failures = before.consecutiveFailures() + 1;
        status = new SyncStatus(SyncStatus.State.FAILED, before.version(), before.brands(), status.lastAttempt(),
                before.lastSuccess(), Optional.of(reason), failures, Optional.empty());
        LOG.log(System.Logger.Level.WARNING, "catalog sync failed (" + failures + " in a row), keeping version "
                + before.version() + ": " + reason);
        return new SyncResult(SyncResult.Outcome.FAILED, before.version(), 0, 0, 0, Optional.of(reason), since(t0));
    }

    private void publish(CatalogLoader.Result result) {
        handedOver = true;
        try {
            onCatalog.accept(result);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "catalog " + result.catalog().version() + " is installed but its "
                    + "consumer failed: " + describe(e));
        }
    }

    private void notifyStatus() {
        try {
            onStatus.accept(status);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "catalog sync status consumer failed: " + describe(e));
        }
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && t.getMessage() == null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return t instanceof java.nio.file.NoSuchFileException ? "no such file " + message
                : t instanceof java.nio.file.AccessDeniedException ? "permission denied: " + message : message;
    }

    /** Configures a {@link CatalogSync}; only the config, folder and loader are required. */
    public static final class Builder {
        private final CatalogConfig.Sync sync;
        private final Path dir;
        private final Loader loader;
        private Consumer<CatalogLoader.Result> onCatalog = r -> { };
        private Consumer<SyncStatus> onStatus = s -> { };
        private SyncLimits limits = SyncLimits.DEFAULT;
        private Backoff backoff;
        private Clock clock = Clock.systemUTC();
        private Consumer<String> checkpoint = step -> { };
        private Staging.FileOpener files = Staging.FileOpener.DEFAULT;

        private Builder(CatalogConfig.Sync sync, Path dir, Loader loader) {
            this.sync = Objects.requireNonNull(sync, "sync");
            this.dir = Objects.requireNonNull(dir, "dir");
            this.loader = Objects.requireNonNull(loader, "loader");
        }

        /**
         * Receives every catalog put in force: the one found at {@link #start()} (on the
         * caller's thread) and each update (on the sync thread). Its version is the manifest's.
         */
        public Builder onCatalog(Consumer<CatalogLoader.Result> consumer) {
            this.onCatalog = Objects.requireNonNull(consumer);
            return this;
        }

        /** Receives the status after every change, on the sync thread; keep it quick. */
        public Builder onStatus(Consumer<SyncStatus> consumer) {
            this.onStatus = Objects.requireNonNull(consumer);
            return this;
        }

        public Builder limits(SyncLimits value) {
            this.limits = Objects.requireNonNull(value);
            return this;
        }

        /** Retry delays after failures (default: 30 s doubling to the interval); capped at the interval. */
        public Builder backoff(Backoff value) {
            this.backoff = Objects.requireNonNull(value);
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value);
            return this;
        }

        /** Called with a step's name as an attempt passes it; lets crash tests stop a sync at that point. */
        Builder checkpoint(Consumer<String> value) {
            this.checkpoint = Objects.requireNonNull(value);
            return this;
        }

        Builder files(Staging.FileOpener value) {
            this.files = Objects.requireNonNull(value);
            return this;
        }

        /**
         * @throws IllegalArgumentException when {@code catalog.sync.ca-file} is not a usable PEM certificate
         */
        public CatalogSync build() {
            return new CatalogSync(this);
        }
    }
}
