package dev.logowatch.catalog.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a synced catalog lives on disk, and the only operations that change it. For
 * {@code catalog.dir} = {@code /var/lib/logowatch/catalog}:
 * <pre>
 * catalog -&gt; catalog.versions/2026-11-23.3    symlink: the catalog in force (catalog.dir)
 * catalog.versions/2026-11-23.3/             complete, validated versions; each holds
 *     &lt;brand&gt;/*.png|jpg, &lt;brand&gt;/brand.json,  the catalog itself,
 *     .manifest.json, .sync.json             the manifest it came from, its ETag and staging time
 * catalog.versions/2026-11-20.1/             the previous version, kept for rollback
 * catalog.staging-2026-11-24.1/              only while a sync builds the next version
 * </pre>
 * The symlink is the single commit point. A version is built in its staging folder, every
 * file and folder is flushed to disk, then the folder is renamed into {@code .versions/},
 * and only then is a new symlink renamed over {@code catalog} (rename(2) replaces a symlink
 * atomically). A crash or power cut at any moment therefore leaves {@code catalog} pointing
 * at one complete version, old or new, never a mix. What a crash can leave behind is swept
 * up by {@link #recover()}: staging folders and half-written links are removed, a
 * {@code .versions/} entry that was never switched to stays for the next sync to reuse, and
 * a missing link (a crash during the very first sync, or while a hand-made catalog folder
 * was being moved aside) is pointed at the newest complete version.
 *
 * <p>A catalog folder made by hand before sync was configured (a real folder, or a symlink
 * to somewhere else) is used as is until the first sync succeeds; then a real folder is
 * moved to {@code .versions/local} and kept as the previous version.
 */
final class CatalogLayout {
    private static final System.Logger LOG = System.getLogger(CatalogLayout.class.getName());
    static final String MANIFEST = ".manifest.json";
    static final String RECORD = ".sync.json";
    static final String LOCAL = "local";
    private static final String TRASH = ".trash-";

    private final Path link;
    private final Path parent;
    private final String name;
    private final Path versions;

    /**
     * The catalog in force.
     *
     * @param dir      the folder holding it (the link's target)
     * @param managed  whether it is one of our versions, or a folder made by hand
     * @param version  the manifest version; empty for a hand-made folder
     * @param manifest what it was synced from
     * @param etag     the manifest's ETag when it was fetched
     */
    record Installed(Path dir, boolean managed, Optional<String> version, Optional<Manifest> manifest,
                     Optional<String> etag) {
    }

    /** {@code .sync.json}: which manifest a version folder holds and when it was staged. */
    record VersionRecord(String version, Optional<String> etag, Instant stagedAt) {
    }

    CatalogLayout(Path dir) {
        this.link = dir.toAbsolutePath().normalize();
        if (link.getParent() == null || link.getFileName() == null) {
            throw new IllegalArgumentException("catalog.dir " + dir + " cannot be the file system root");
        }
        this.parent = link.getParent();
        this.name = link.getFileName().toString();
        this.versions = parent.resolve(name + ".versions");
    }

    /** {@code catalog.dir} itself, the symlink once synced. */
    Path link() {
        return link;
    }

    Path versions() {
        return versions;
    }

    Path staging(String version) {
        return parent.resolve(name + ".staging-" + version);
    }

    /** The catalog in force, if any. */
    Optional<Installed> installed() {
        Optional<Path> dir = target();
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        Path d = dir.get();
        boolean managed = versions.equals(d.getParent());
        if (!managed) {
            return Optional.of(new Installed(d, false, Optional.empty(), Optional.empty(), Optional.empty()));
        }
        Optional<VersionRecord> record = readRecord(d);
        return Optional.of(new Installed(d, true,
                Optional.of(record.map(VersionRecord::version).orElse(d.getFileName().toString())),
                readManifest(d), record.flatMap(VersionRecord::etag)));
    }

    /** The folder {@code catalog.dir} leads to, when it leads to one. */
    private Optional<Path> target() {
        if (Files.isSymbolicLink(link)) {
            try {
                Path target = parent.resolve(Files.readSymbolicLink(link)).normalize();
                return Files.isDirectory(target) ? Optional.of(target) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS) ? Optional.of(link) : Optional.empty();
    }

    /**
     * Sweeps what an interrupted sync left (see the class comment). Idempotent; the first
     * thing a device does with its catalog after a start.
     */
    void recover() throws IOException {
        Files.createDirectories(parent);
        for (Path p : siblings(name + ".staging-*")) {
            LOG.log(System.Logger.Level.INFO, "removing " + p + ", left by an interrupted catalog sync");
            deleteTree(p);
        }
        for (Path p : siblings("." + name + ".link-*")) {
            Files.deleteIfExists(p);
        }
        if (Files.isDirectory(versions, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> trash = Files.newDirectoryStream(versions, TRASH + "*")) {
                for (Path p : trash) {
                    deleteTree(p);
                }
            }
        }
        if (target().isPresent()) {
            return;
        }
        Optional<Path> newest = versionDirs().stream()
                .max(Comparator.comparing((Path d) -> readRecord(d).map(VersionRecord::stagedAt).orElse(Instant.EPOCH))
                        .thenComparing(Path::getFileName));
        if (newest.isPresent()) {
            LOG.log(System.Logger.Level.WARNING, "catalog " + link + " did not lead to a catalog; "
                    + "pointing it at " + newest.get() + ", the newest complete version");
            pointTo(newest.get());
        }
    }

    /** Every version folder, complete by construction (each arrived by one rename). */
    List<Path> versionDirs() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(versions, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(versions)) {
            for (Path p : entries) {
                if (!p.getFileName().toString().startsWith(".") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** Removes every staging folder; a sync starts from a clean slate. */
    void removeStaging() throws IOException {
        for (Path p : siblings(name + ".staging-*")) {
            deleteTree(p);
        }
    }

    /**
     * Moves a complete, flushed staging folder into {@code .versions/} under its version.
     * A leftover folder of that name that is not in force (an earlier attempt that never
     * got switched to) is replaced.
     */
    Path install(Path staging, String version) throws IOException {
        Files.createDirectories(versions);
        Path target = versions.resolve(version);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            trash(target);
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        fsync(versions);
        return target;
    }

    /**
     * Makes {@code catalog.dir} lead to {@code versionDir} with one atomic rename. A real
     * folder in its place is first moved into {@code .versions/local}.
     *
     * @return where that real folder went, if there was one
     */
    Optional<Path> pointTo(Path versionDir) throws IOException {
        Path tmp = parent.resolve("." + name + ".link-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.createSymbolicLink(tmp, parent.relativize(versionDir));
        Path local = null;
        try {
            if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(versions);
                // A manifest may call its version "local" too; the two must not take each other's place.
                local = versions.resolve(versionDir.getFileName().toString().equals(LOCAL) ? LOCAL + "-previous" : LOCAL);
                if (Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
                    trash(local);
                }
                Files.move(link, local, StandardCopyOption.ATOMIC_MOVE);
                fsync(versions);
                LOG.log(System.Logger.Level.INFO, "catalog folder " + link + " moved to " + local
                        + "; " + link + " is now a symlink to the synced version");
            }
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            fsync(parent);
            return Optional.ofNullable(local);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Deletes every version folder but those given; a failure only costs disk space until the next sync. */
    void prune(Collection<Path> keep) {
        try {
            for (Path dir : versionDirs()) {
                if (!keep.contains(dir)) {
                    trash(dir);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "old catalog versions in " + versions + " not removed: " + e);
        }
    }

    /** Renamed out of sight first, so a half-deleted folder never passes for a version. */
    private void trash(Path dir) throws IOException {
        Path trash = versions.resolve(TRASH + dir.getFileName() + "-" + System.nanoTime());
        Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        fsync(versions);
        deleteTree(trash);
    }

    private List<Path> siblings(String glob) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, glob)) {
            entries.forEach(out::add);
        }
        return out;
    }

    static Optional<VersionRecord> readRecord(Path versionDir) {
        try {
            JsonNode node = Manifest.JSON.readTree(Files.readAllBytes(versionDir.resolve(RECORD)));
            String version = node.path("version").asText("");
            if (version.isEmpty()) {
                return Optional.empty();
            }
            Optional<String> etag = node.hasNonNull("etag") ? Optional.of(node.get("etag").asText()) : Optional.empty();
            return Optional.of(new VersionRecord(version, etag, Instant.parse(node.path("staged_at").asText())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static byte[] recordJson(VersionRecord record) {
        ObjectNode node = Manifest.JSON.createObjectNode();
        node.put("version", record.version());
        record.etag().ifPresent(e -> node.put("etag", e));
        node.put("staged_at", record.stagedAt().toString());
        return (node.toPrettyString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static Optional<Manifest> readManifest(Path versionDir) {
        try {
            return Optional.of(Manifest.parse(Files.readAllBytes(versionDir.resolve(MANIFEST)), Long.MAX_VALUE));
        } catch (IOException | Manifest.Invalid e) {
            return Optional.empty();
        }
    }

    /** Replaces a small file in a version folder all at once: the ETag after a poll that changed nothing. */
    static void replaceFile(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsync(file.getParent());
    }

    /** Flushes a folder's entries (new names, renames) to disk; file systems that cannot are left be. */
    static void fsync(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot flush folder " + dir + ": " + e);
        }
    }

    /** Deletes a tree without following symlinks: a link in it is removed, never what it points to. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
