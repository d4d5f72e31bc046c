package dev.logowatch.catalog.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fills a staging folder with one manifest's catalog: files the device already has (in the
 * version in force or a kept one, same sha256) are hard-linked, or copied across file
 * systems; the rest are downloaded. Every file is checked against its sha256 where it
 * lands, every write is flushed, so what is renamed into place later is exactly the
 * manifest's content, on disk.
 *
 * <p>Existing versions are only read, and only through plain files in plain folders: a
 * symlink planted in an old version is never followed, its file is downloaded afresh.
 */
final class Staging {
    /** Opens a new file for writing; a seam so tests can make the disk fill up. */
    @FunctionalInterface
    interface FileOpener {
        FileChannel create(Path file) throws IOException;

        FileOpener DEFAULT = file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** A catalog folder on this device whose files may be reused, with the manifest it came from if any. */
    record Source(Path dir, Optional<Manifest> manifest) {
    }

    /** What staging took: files downloaded (and their bytes), files reused from existing versions. */
    record Counts(int downloaded, long bytes, int reused) {
    }

    private final CatalogServer server;
    private final FileOpener files;
    private final Consumer<String> checkpoint;

    Staging(CatalogServer server, FileOpener files, Consumer<String> checkpoint) {
        this.server = server;
        this.files = files;
        this.checkpoint = checkpoint;
    }

    /**
     * Writes every brand's files and {@code brand.json}, the manifest and the version
     * record into {@code dir}, which must not exist yet.
     */
    Counts fill(Manifest manifest, Path dir, List<Source> sources, Optional<String> etag, Instant now)
            throws SyncFailure, IOException, InterruptedException {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        Map<String, List<Path>> bySha = index(sources);
        int downloaded = 0;
        int reused = 0;
        long bytes = 0;
        for (Manifest.BrandEntry brand : manifest.brands()) {
            Path brandDir = Files.createDirectory(dir.resolve(brand.id()));
            for (Manifest.FileEntry file : brand.files()) {
                Path target = dir.resolve(file.path()).normalize();
                if (!target.getParent().equals(brandDir)) {
                    // Manifest.parse already refuses such paths; this guards the folder should that ever change.
                    throw new SyncFailure("manifest path " + file.path() + " leaves the brand's folder");
                }
                if (reuse(file, target, bySha, sources)) {
                    reused++;
                    continue;
                }
                bytes += download(file, target);
                downloaded++;
                checkpoint.accept("downloaded");
            }
            write(brandDir.resolve("brand.json"), Manifest.brandJson(brand));
            CatalogLayout.fsync(brandDir);
        }
        write(dir.resolve(CatalogLayout.MANIFEST), manifest.toJson());
        write(dir.resolve(CatalogLayout.RECORD),
                CatalogLayout.recordJson(new CatalogLayout.VersionRecord(manifest.version(), etag, now)));
        CatalogLayout.fsync(dir);
        return new Counts(downloaded, bytes, reused);
    }

    /** Candidate copies by sha256, from the manifests of existing versions. */
    private static Map<String, List<Path>> index(List<Source> sources) {
        Map<String, List<Path>> bySha = new HashMap<>();
        for (Source source : sources) {
            source.manifest().ifPresent(m -> {
                for (Manifest.FileEntry f : m.files()) {
                    bySha.computeIfAbsent(f.sha256(), k -> new ArrayList<>()).add(source.dir().resolve(f.path()));
                }
            });
        }
        return bySha;
    }

    /** Links or copies an existing copy of the file when one checks out; false when it must be downloaded. */
    private static boolean reuse(Manifest.FileEntry file, Path target, Map<String, List<Path>> bySha,
                                 List<Source> sources) throws IOException {
        List<Path> candidates = new ArrayList<>(bySha.getOrDefault(file.sha256(), List.of()));
        for (Source source : sources) {
            if (source.manifest().isEmpty()) {
                candidates.add(source.dir().resolve(file.path())); // a hand-made folder: same name, maybe same bytes
            }
        }
        for (Path candidate : candidates) {
            if (!plainFile(candidate) || Files.size(candidate) != file.size()) {
                continue;
            }
            try {
                Files.createLink(target, candidate);
            } catch (FileSystemException | UnsupportedOperationException e) {
                Files.copy(candidate, target, LinkOption.NOFOLLOW_LINKS);
                try (FileChannel c = FileChannel.open(target, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
            if (file.sha256().equals(sha256(target))) {
                return true;
            }
            Files.delete(target); // changed on this device since; fetch the manifest's bytes instead
        }
        return false;
    }

    /** A regular file in a regular folder, neither reached through a symlink. */
    private static boolean plainFile(Path p) {
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                && Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS);
    }

    private long download(Manifest.FileEntry file, Path target) throws SyncFailure, IOException, InterruptedException {
        MessageDigest digest = sha256();
        long received;
        try (FileChannel out = create(target)) {
            received = server.download(file, out, digest, target.toString());
            try {
                out.force(true);
            } catch (IOException e) {
                throw new SyncFailure("cannot write " + target + ": " + e.getMessage());
            }
        }
        if (received != file.size()) {
            throw new SyncFailure(file.path() + " from " + CatalogServer.redact(server.fileUri(file.path())) + ": "
                    + received + " bytes received, the manifest declares " + file.size());
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(file.sha256())) {
            throw new SyncFailure(file.path() + " from " + CatalogServer.redact(server.fileUri(file.path()))
                    + ": sha256 is " + actual.substring(0, 12) + "…, the manifest says " + file.sha256().substring(0, 12)
                    + "… (corrupted in transit, or the file changed on the server after the manifest was written)");
        }
        return received;
    }

    private void write(Path file, byte[] content) throws SyncFailure, IOException {
        try (FileChannel out = create(file)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        } catch (IOException e) {
            throw new SyncFailure("cannot write " + file + ": " + e.getMessage());
        }
    }

    private FileChannel create(Path file) throws SyncFailure {
        try {
            return files.create(file);
        } catch (IOException e) {
            throw new SyncFailure("cannot create " + file + ": " + e.getMessage());
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            while (in.read(buffer) > 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
