package dev.logowatch.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The reference logos and how they are matched.
 *
 * @param dir         the catalog folder: {@code <brand>/*.png|jpg} and optional {@code brand.json}
 * @param aggregation how a brand's reference embeddings become its prototype
 * @param threshold   default minimum cosine similarity to accept a brand
 * @param margin      default minimum lead of the best brand over the runner-up brand
 * @param sync        central catalog to follow, if any
 */
public record CatalogConfig(Optional<Path> dir, Aggregation aggregation, double threshold, double margin,
                            Optional<Sync> sync) {

    public enum Aggregation { MEAN, TRIMMED_MEAN, MAX }

    /**
     * @param url      the {@code manifest.json} to poll
     * @param interval time between polls
     * @param caFile   CA certificate that signs the server's certificate, for private PKIs
     * @param token    bearer token sent with each request
     */
    public record Sync(URI url, Duration interval, Optional<Path> caFile, Optional<Secret> token) {
    }

    static CatalogConfig read(ConfigNode node) {
        ConfigNode syncNode = node.section("sync");
        Optional<URI> url = syncNode.url("url", Set.of("http", "https"));
        Duration interval = syncNode.duration("interval", Duration.ofMinutes(10), Duration.ofSeconds(5), Duration.ofDays(7));
        Optional<Path> ca = syncNode.path("ca-file", ConfigNode.PathKind.EXISTING_FILE);
        Optional<Secret> token = syncNode.secret("token-file");
        syncNode.rejectUnknownKeys();
        Optional<Sync> sync = url.map(u -> new Sync(u, interval, ca, token));

        // A synced catalog folder is created by the first sync; a local one must exist.
        Optional<Path> dir = node.path("dir", sync.isPresent() ? ConfigNode.PathKind.ANY : ConfigNode.PathKind.EXISTING_DIR);
        Aggregation aggregation = node.choice("aggregation", Aggregation.MEAN);
        double threshold = node.number("threshold", 0.7, 0.0, 1.0);
        double margin = node.number("margin", 0.05, 0.0, 1.0);
        node.rejectUnknownKeys();
        if (sync.isPresent() && dir.isEmpty()) {
            node.problem("dir", "is required with sync.url (the folder the synced catalog is kept in)");
        }
        return new CatalogConfig(dir, aggregation, threshold, margin, sync);
    }
}
