package dev.logowatch.catalog.sync;

import java.time.Duration;
import java.util.Locale;

/**
 * What a device accepts from a catalog server, so a broken or hostile server cannot fill
 * its disk or hang its sync.
 *
 * @param maxFileBytes     largest reference image
 * @param maxTotalBytes    largest catalog (every file of the manifest, changed or not)
 * @param maxManifestBytes largest {@code manifest.json}
 * @param requestTimeout   connecting and waiting for response headers
 * @param stallTimeout     a download that receives nothing for this long is abandoned
 */
public record SyncLimits(long maxFileBytes, long maxTotalBytes, long maxManifestBytes, Duration requestTimeout,
                         Duration stallTimeout) {
    /** 20 MiB per image, 1 GiB per catalog, 16 MiB of manifest, 30 s to answer, 60 s without progress. */
    public static final SyncLimits DEFAULT = new SyncLimits(20L << 20, 1L << 30, 16L << 20,
            Duration.ofSeconds(30), Duration.ofSeconds(60));

    public SyncLimits {
        if (maxFileBytes <= 0 || maxTotalBytes <= 0 || maxManifestBytes <= 0) {
            throw new IllegalArgumentException("sync limits must be positive");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("sync timeouts must be positive");
        }
    }

    /** {@code 512 B}, {@code 3.2 KiB}, {@code 20.0 MiB}: sizes as people read them in errors. */
    static String describe(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
