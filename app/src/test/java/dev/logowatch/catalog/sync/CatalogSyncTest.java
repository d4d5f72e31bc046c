package dev.logowatch.catalog.sync;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.CatalogLoader;
import dev.logowatch.retry.Backoff;
import dev.logowatch.testing.OddImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.logowatch.catalog.sync.SyncFixtures.images;
import static dev.logowatch.catalog.sync.SyncFixtures.leftovers;
import static dev.logowatch.catalog.sync.SyncFixtures.png;
import static dev.logowatch.catalog.sync.SyncFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The device side of catalog sync against a real HTTP server on 127.0.0.1 that serves what
 * {@link CatalogBuild} publishes: first sync, 304 polls, incremental updates, and every way
 * an update can go wrong, each of which must leave the catalog in force untouched.
 */
@Tag("integration")
class CatalogSyncTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(20);

    @TempDir
    Path root;
    private Path source;
    private Path served;
    private Path device;
    private StaticServer server;
    private final List<CatalogLoader.Result> published = new CopyOnWriteArrayList<>();
    private final List<CatalogSync> syncs = new ArrayList<>();
    private final List<CountDownLatch> releases = new ArrayList<>();

    @BeforeEach
    void publishFirstVersion() throws Exception {
        source = root.resolve("source");
        served = root.resolve("www");
        device = root.resolve("device/catalog");
        png(source.resolve("acme/logo.png"), Color.RED, 64);
        png(source.resolve("bolt/logo.png"), Color.BLUE, 64);
        Files.writeString(source.resolve("acme/brand.json"), "{\"display_name\": \"Acme Corp\", \"threshold\": 0.8}");
        SyncFixtures.publish(source, served, "v1");
        server = StaticServer.serve(served);
    }

    @AfterEach
    void stop() {
        releases.forEach(CountDownLatch::countDown);
        syncs.forEach(CatalogSync::close);
        server.close();
    }

    private CatalogSync sync() {
        return sync(b -> { });
    }

    private CatalogSync sync(Consumer<CatalogSync.Builder> options) {
        return sync(SyncFixtures.config(server.url("manifest.json")), options);
    }

    private CatalogSync sync(dev.logowatch.config.CatalogConfig.Sync config, Consumer<CatalogSync.Builder> options) {
        CatalogSync.Builder builder = CatalogSync.builder(config, device, SyncFixtures.loader()).onCatalog(published::add);
        options.accept(builder);
        CatalogSync sync = builder.build();
        syncs.add(sync);
        return sync;
    }

    private static SyncResult now(CatalogSync sync) throws Exception {
        return sync.syncNow().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private Path versions() {
        return device.resolveSibling("catalog.versions");
    }

    private List<String> versionNames() throws IOException {
        try (Stream<Path> s = Files.list(versions())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void firstSyncInstallsTheServedCatalogAndHandsItToTheCallback() throws Exception {
        CatalogSync sync = sync();
        SyncResult result = now(sync);

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        assertThat(result.version()).isEqualTo("v1");
        assertThat(result.downloaded()).isEqualTo(2);
        assertThat(Files.isSymbolicLink(device)).isTrue();
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v1"));
        assertThat(images(snapshot(device))).isEqualTo(images(snapshot(source)));
        assertThat(leftovers(device.getParent())).isEmpty();

        assertThat(published).hasSize(1);
        Catalog catalog = published.get(0).catalog();
        assertThat(catalog.version()).isEqualTo("v1");
        assertThat(catalog.brands()).extracting(b -> b.id()).containsExactly("acme", "bolt");
        assertThat(catalog.brand("acme").orElseThrow().displayName()).isEqualTo("Acme Corp");
        assertThat(catalog.brand("acme").orElseThrow().threshold().getAsDouble()).isCloseTo(0.8, within(1e-9));
        assertThat(published.get(0).report().dir()).isEqualTo(device.toAbsolutePath());
        // Read in staging, then moved: keypoint matching reads the references again where they are now.
        assertThat(catalog.referenceFiles("acme")).isNotEmpty().allSatisfy(f -> assertThat(f).isRegularFile());

        SyncStatus status = sync.status();
        assertThat(status.state()).isEqualTo(SyncStatus.State.OK);
        assertThat(status.version()).isEqualTo("v1");
        assertThat(status.brands()).isEqualTo(2);
        assertThat(status.consecutiveFailures()).isZero();
        assertThat(status.lastError()).isEmpty();
        assertThat(status.lastSuccess()).isPresent();
    }

    @Test
    void anUnchangedManifestIsOne304AndNoDownloadsEvenAfterARestart() throws Exception {
        now(sync());
        server.forget();

        SyncResult again = now(sync());

        assertThat(again.outcome()).isEqualTo(SyncResult.Outcome.UNCHANGED);
        assertThat(server.manifestRequests()).extracting(StaticServer.Request::status).containsExactly(304);
        assertThat(server.downloads()).isEmpty();
        assertThat(published).hasSize(1);
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v1"));
    }

    @Test
    void anUpdateDownloadsOnlyChangedFilesKeepsThePreviousVersionAndAddsTheNewBrand() throws Exception {
        CatalogSync sync = sync();
        now(sync);
        png(source.resolve("bolt/logo.png"), Color.GREEN, 64);
        png(source.resolve("coda/logo.png"), Color.YELLOW, 64);
        SyncFixtures.publish(source, served, "v2");
        server.forget();

        SyncResult result = now(sync);

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        assertThat(result.downloaded()).isEqualTo(2);
        assertThat(result.reused()).isEqualTo(1);
        assertThat(server.downloads()).containsExactlyInAnyOrder("/bolt/logo.png", "/coda/logo.png");
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v2"));
        assertThat(images(snapshot(device))).isEqualTo(images(snapshot(source)));
        assertThat(versionNames()).containsExactly("v1", "v2");
        // The unchanged file is shared with the previous version, not stored twice.
        assertThat(Files.getAttribute(versions().resolve("v2/acme/logo.png"), "unix:ino"))
                .isEqualTo(Files.getAttribute(versions().resolve("v1/acme/logo.png"), "unix:ino"));

        Catalog catalog = published.getLast().catalog();
        assertThat(catalog.version()).isEqualTo("v2");
        assertThat(catalog.brands()).extracting(b -> b.id()).containsExactly("acme", "bolt", "coda");
        assertThat(bestBrand(catalog, Color.YELLOW)).isEqualTo("coda");
        assertThat(bestBrand(catalog, Color.GREEN)).isEqualTo("bolt");

        Files.delete(source.resolve("acme/logo.png"));
        Files.delete(source.resolve("acme/brand.json"));
        Files.delete(source.resolve("acme"));
        SyncFixtures.publish(source, served, "v3");
        assertThat(now(sync).outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        assertThat(versionNames()).containsExactly("v2", "v3");
        assertThat(published.getLast().catalog().brands()).extracting(b -> b.id()).containsExactly("bolt", "coda");
    }

    /** The brand a picture of the reference in {@code colour} matches best, as the matcher would rank it. */
    private static String bestBrand(Catalog catalog, Color colour) throws IOException {
        Path file = Files.createTempFile("query", ".png");
        try {
            png(file, colour, 64);
            BufferedImage img = ImageIO.read(file.toFile());
            BufferedImage bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            bgr.getGraphics().drawImage(img, 0, 0, null);
            float[] query = new SyncFixtures.ColourEmbedder().embed(List.of(bgr))[0];
            float[] scores = new float[catalog.size()];
            catalog.score(query, scores);
            int best = 0;
            for (int i = 1; i < scores.length; i++) {
                best = scores[i] > scores[best] ? i : best;
            }
            return catalog.brand(best).id();
        } finally {
            Files.delete(file);
        }
    }

    /** Installs v1, then checks that an attempt failed for {@code reason} and left v1 exactly as it was. */
    private void assertKeepsV1(CatalogSync sync, SyncResult result, String reason) throws IOException {
        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.FAILED);
        assertThat(result.error()).get().asString().contains(reason);
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v1"));
        assertThat(images(snapshot(device))).isEqualTo(v1Images);
        assertThat(versionNames()).containsExactly("v1");
        assertThat(leftovers(device.getParent())).isEmpty();
        assertThat(published).extracting(r -> r.catalog().version()).containsOnly("v1");
        SyncStatus status = sync.status();
        assertThat(status.state()).isEqualTo(SyncStatus.State.FAILED);
        assertThat(status.version()).isEqualTo("v1");
        assertThat(status.lastError()).get().asString().contains(reason);
        assertThat(status.consecutiveFailures()).isPositive();
    }

    private Map<String, String> v1Images;

    private CatalogSync installV1() throws Exception {
        CatalogSync sync = sync();
        assertThat(now(sync).outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        v1Images = images(snapshot(device));
        return sync;
    }

    private ObjectNode manifest() throws IOException {
        return (ObjectNode) Manifest.JSON.readTree(served.resolve("manifest.json").toFile());
    }

    private void serveManifest(ObjectNode manifest) throws IOException {
        Files.write(served.resolve("manifest.json"), Manifest.JSON.writeValueAsBytes(manifest));
    }

    private ObjectNode firstFile(ObjectNode manifest, int brand) {
        return (ObjectNode) manifest.withArray("brands").get(brand).withArray("files").get(0);
    }

    @Test
    void anUnreachableServerFailsAndCountsFailures() throws Exception {
        CatalogSync installed = installV1();
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        CatalogSync sync = sync(SyncFixtures.config(URI.create("http://127.0.0.1:" + port + "/manifest.json")), b -> { });
        assertKeepsV1(sync, now(sync), "cannot connect");
        assertThat(now(sync).failed()).isTrue();
        assertThat(sync.status().consecutiveFailures()).isEqualTo(2);
        assertThat(installed.status().state()).isEqualTo(SyncStatus.State.OK);
    }

    @Test
    void aMissingManifestIsA404() throws Exception {
        CatalogSync sync = installV1();
        Files.delete(served.resolve("manifest.json"));
        assertKeepsV1(sync, now(sync), "HTTP 404");
    }

    @Test
    void aManifestThatIsNotJsonIsRefused() throws Exception {
        CatalogSync sync = installV1();
        server.override("/manifest.json", exchange -> {
            byte[] body = "{\"version\": \"v2\", \"brands\": [".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });
        assertKeepsV1(sync, now(sync), "not valid JSON");
    }

    @Test
    void aManifestWithAMissingFieldIsRefusedNamingTheField() throws Exception {
        CatalogSync sync = installV1();
        ObjectNode manifest = manifest().put("version", "v2");
        firstFile(manifest, 1).remove("sha256");
        serveManifest(manifest);
        assertKeepsV1(sync, now(sync), "brands[1] (bolt).files[0].sha256: missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil.png", "/tmp/evil.png", "acme\\..\\..\\evil.png", "acme/../../evil.png",
            "acme/sub/evil.png", "bolt/evil.png", "acme/.evil.png", "acme/evil.sh"})
    void aPathThatWouldLeaveTheBrandFolderIsRefused(String path) throws Exception {
        CatalogSync sync = installV1();
        Files.write(root.resolve("evil.png"), Files.readAllBytes(served.resolve("acme/logo.png")));
        ObjectNode manifest = manifest().put("version", "v2");
        firstFile(manifest, 0).put("path", path);
        serveManifest(manifest);
        server.forget();

        assertKeepsV1(sync, now(sync), "brands[0] (acme).files[0].path");
        assertThat(server.downloads()).isEmpty();
        try (Stream<Path> all = Files.walk(device.getParent())) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("evil"));
        }
    }

    @Test
    void symlinksPlantedInTheInstalledVersionAreNeverFollowed() throws Exception {
        CatalogSync sync = installV1();
        // Outside files with exactly the expected bytes: following the links would "verify".
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.copy(served.resolve("acme/logo.png"), outside.resolve("logo.png"));
        Path bolt = Files.createDirectories(outside.resolve("bolt"));
        Files.copy(served.resolve("bolt/logo.png"), bolt.resolve("logo.png"));
        Path v1 = versions().resolve("v1");
        Files.delete(v1.resolve("acme/logo.png"));
        Files.createSymbolicLink(v1.resolve("acme/logo.png"), outside.resolve("logo.png"));
        CatalogLayout.deleteTree(v1.resolve("bolt"));
        Files.createSymbolicLink(v1.resolve("bolt"), bolt);
        png(source.resolve("coda/logo.png"), Color.YELLOW, 64);
        SyncFixtures.publish(source, served, "v2");
        server.forget();

        SyncResult result = now(sync);

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        assertThat(result.reused()).isZero();
        assertThat(server.downloads()).containsExactlyInAnyOrder("/acme/logo.png", "/bolt/logo.png", "/coda/logo.png");
        Path v2 = versions().resolve("v2");
        assertThat(Files.isRegularFile(v2.resolve("acme/logo.png"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.isDirectory(v2.resolve("bolt"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(images(snapshot(device))).isEqualTo(images(snapshot(source)));
        // The old version is pruned without touching what its links pointed to.
        assertThat(Files.exists(outside.resolve("logo.png"))).isTrue();
        assertThat(Files.exists(bolt.resolve("logo.png"))).isTrue();
    }

    @Test
    void aFileWhoseBytesDoNotMatchItsSha256IsRefused() throws Exception {
        CatalogSync sync = installV1();
        png(source.resolve("bolt/logo.png"), Color.GREEN, 64);
        SyncFixtures.publish(source, served, "v2");
        byte[] bytes = Files.readAllBytes(served.resolve("bolt/logo.png"));
        bytes[bytes.length - 5] ^= 0x55;
        Files.write(served.resolve("bolt/logo.png"), bytes);

        assertKeepsV1(sync, now(sync), "bolt/logo.png from http://127.0.0.1:");
        assertThat(sync.status().lastError()).get().asString().contains("sha256 is");
    }

    @Test
    void aFileDeclaredLargerThanTheLimitIsRefusedBeforeAnyDownload() throws Exception {
        CatalogSync sync = installV1();
        ObjectNode manifest = manifest().put("version", "v2");
        firstFile(manifest, 1).put("size", 3L << 30);
        serveManifest(manifest);
        server.forget();

        assertKeepsV1(sync, now(sync), "'bolt/logo.png' is 3.0 GiB, more than the 20.0 MiB");
        assertThat(server.downloads()).isEmpty();
    }

    @Test
    void aServerSendingMoreThanDeclaredIsCutOff() throws Exception {
        CatalogSync sync = installV1();
        png(source.resolve("bolt/logo.png"), Color.GREEN, 64);
        SyncFixtures.publish(source, served, "v2");
        server.override("/bolt/logo.png", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            byte[] junk = new byte[64 * 1024];
            for (int i = 0; i < 64; i++) {
                out.write(junk);
            }
        });
        assertKeepsV1(sync, now(sync), "the server sent more than");
    }

    @Test
    void aCatalogLargerThanTheTotalLimitIsRefused() throws Exception {
        installV1();
        png(source.resolve("coda/logo.png"), Color.YELLOW, 64);
        SyncFixtures.publish(source, served, "v2");
        long total = Manifest.parse(Files.readAllBytes(served.resolve("manifest.json")), Long.MAX_VALUE).totalBytes();
        CatalogSync small = sync(b -> b.limits(new SyncLimits(20L << 20, total - 1, 1 << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(5))));
        assertKeepsV1(small, now(small), "a device accepts");
    }

    @Test
    void aFileThatIsNotAnImageRejectsTheWholeUpdate() throws Exception {
        CatalogSync sync = installV1();
        png(source.resolve("coda/logo.png"), Color.YELLOW, 64);
        SyncFixtures.publish(source, served, "v2");
        byte[] text = "this is not a picture".getBytes(StandardCharsets.UTF_8);
        Files.write(served.resolve("bolt/logo.png"), text);
        ObjectNode manifest = manifest();
        firstFile(manifest, 1).put("sha256", Staging.sha256Hex(text)).put("size", text.length);
        serveManifest(manifest);

        assertKeepsV1(sync, now(sync), "bolt/logo.png: skipped: a text file, not an image");
    }

    static List<String> brokenImages() throws Exception {
        return OddImages.broken().stream().map(OddImages.Odd::name).toList();
    }

    /** Every kind of broken file a central team could publish by mistake, as a brand's only reference. */
    @ParameterizedTest
    @MethodSource("brokenImages")
    void aBrokenReferenceThatWouldLoseABrandRejectsTheWholeUpdate(String name) throws Exception {
        OddImages.Odd odd = OddImages.broken().stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
        CatalogSync sync = installV1();
        SyncFixtures.publish(source, served, "v2");
        Files.write(served.resolve("bolt/logo.png"), odd.bytes());
        ObjectNode manifest = manifest();
        firstFile(manifest, 1).put("sha256", Staging.sha256Hex(odd.bytes())).put("size", odd.bytes().length);
        serveManifest(manifest);

        SyncResult result = now(sync);

        assertKeepsV1(sync, result, "bolt/");
        assertThat(result.error()).get().asString().containsPattern(odd.bytes().length == 0 ? "bolt/logo.png: .*empty"
                : "bolt/logo.png: skipped: .*" + odd.refusal());
    }

    @Test
    void aBrandWithoutAUsableImageRejectsTheWholeUpdate() throws Exception {
        CatalogSync sync = installV1();
        png(served.resolve("dot/logo.png"), Color.BLACK, 4);
        byte[] tiny = Files.readAllBytes(served.resolve("dot/logo.png"));
        ObjectNode manifest = manifest().put("version", "v2");
        ObjectNode dot = manifest.withArray("brands").addObject().put("id", "dot");
        ((ArrayNode) dot.putArray("files")).addObject().put("path", "dot/logo.png")
                .put("sha256", Staging.sha256Hex(tiny)).put("size", tiny.length);
        serveManifest(manifest);

        SyncResult result = now(sync);
        assertKeepsV1(sync, result, "dot/: no usable reference image");
        assertThat(result.error()).get().asString().contains("too small to hold a logo (4x4 px");
    }

    @Test
    void aFullDiskMidDownloadLeavesNoStagingBehind() throws Exception {
        installV1();
        png(source.resolve("bolt/logo.png"), Color.GREEN, 256);
        png(source.resolve("coda/logo.png"), Color.YELLOW, 256);
        SyncFixtures.publish(source, served, "v2");
        long firstFile = Files.size(served.resolve("bolt/logo.png"));
        CatalogSync sync = sync(b -> b.files(new FullDisk(firstFile + 10)));
        assertKeepsV1(sync, now(sync), "No space left on device");
    }

    @Test
    void aStalledDownloadIsAbandoned() throws Exception {
        CatalogSync installed = installV1();
        png(source.resolve("bolt/logo.png"), Color.GREEN, 64);
        SyncFixtures.publish(source, served, "v2");
        CountDownLatch release = new CountDownLatch(1);
        releases.add(release);
        server.override("/bolt/logo.png", exchange -> {
            exchange.sendResponseHeaders(200, Files.size(served.resolve("bolt/logo.png")));
            exchange.getResponseBody().write(new byte[10]);
            exchange.getResponseBody().flush();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CatalogSync sync = sync(b -> b.limits(new SyncLimits(20L << 20, 1L << 30, 1 << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(1))));
        long start = System.nanoTime();
        assertKeepsV1(sync, now(sync), "nothing received for 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(installed.status().version()).isEqualTo("v1");
    }

    @Test
    void theSameVersionWithOtherFilesIsAPublishingMistake() throws Exception {
        CatalogSync sync = installV1();
        png(source.resolve("bolt/logo.png"), Color.GREEN, 64);
        SyncFixtures.publish(source, served, "v1");
        assertKeepsV1(sync, now(sync), "a changed catalog needs a new version");
    }

    @Test
    void theBearerTokenIsSentAndAWrongOneIsReported() throws Exception {
        server.requireToken("s3cret");
        URI url = server.url("manifest.json");
        CatalogSync without = sync(SyncFixtures.config(url, Optional.empty(), Optional.of("wrong")), b -> { });
        SyncResult refused = now(without);
        assertThat(refused.failed()).isTrue();
        assertThat(refused.error()).get().asString().contains("HTTP 401").contains("token-file").doesNotContain("wrong");
        assertThat(Files.exists(device, LinkOption.NOFOLLOW_LINKS)).isFalse();

        CatalogSync with = sync(SyncFixtures.config(url, Optional.empty(), Optional.of("s3cret")), b -> { });
        assertThat(now(with).outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
        assertThat(server.requests()).filteredOn(r -> r.status() == 200)
                .allSatisfy(r -> assertThat(r.authorization()).contains("Bearer s3cret"));
    }

    @Test
    void httpsWithTheConfiguredCaWorksAndAnotherCaIsRefused() throws Exception {
        Path tls = Files.createDirectories(root.resolve("tls"));
        Path serverCa = keypair(tls, "server");
        Path otherCa = keypair(tls, "other");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.resolve("server.p12"))) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        try (StaticServer https = StaticServer.serveHttps(served, context)) {
            URI url = https.url("manifest.json");
            CatalogSync wrongCa = sync(SyncFixtures.config(url, Optional.of(otherCa), Optional.empty()), b -> { });
            SyncResult refused = now(wrongCa);
            assertThat(refused.failed()).isTrue();
            assertThat(refused.error()).get().asString().contains("TLS failed").contains("catalog.sync.ca-file");

            CatalogSync ok = sync(SyncFixtures.config(url, Optional.of(serverCa), Optional.empty()), b -> { });
            assertThat(now(ok).outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
            assertThat(images(snapshot(device))).isEqualTo(images(snapshot(source)));
        }
    }

    /** A self-signed certificate for 127.0.0.1 in {@code <name>.p12}, and its PEM, which serves as the CA file. */
    private static Path keypair(Path dir, String name) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path p12 = dir.resolve(name + ".p12");
        Path pem = dir.resolve(name + ".pem");
        run(List.of(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-keystore", p12.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit"));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", name, "-keystore", p12.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-file", pem.toString()));
        return pem;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
            assertThat(p.exitValue()).as("keytool: " + output).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void pollingRetriesWithBackoffAfterFailuresAndRecoversOnItsOwn() throws Exception {
        Files.move(served.resolve("manifest.json"), root.resolve("manifest.json"));
        List<SyncStatus> statuses = new CopyOnWriteArrayList<>();
        CatalogSync sync = sync(new dev.logowatch.config.CatalogConfig.Sync(server.url("manifest.json"),
                Duration.ofSeconds(5), Optional.empty(), Optional.empty()), b -> b
                .backoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 0.0)).onStatus(statuses::add));
        sync.start();
        await("three failed polls").atMost(Duration.ofSeconds(5)).pollInterval(POLL)
                .until(sync::status, status -> status.consecutiveFailures() >= 3);
        assertThat(sync.status().lastError()).get().asString().contains("HTTP 404");
        assertThat(sync.status().nextAttempt()).isPresent();

        Files.move(root.resolve("manifest.json"), served.resolve("manifest.json"));
        await("recovered with the next poll scheduled").atMost(Duration.ofSeconds(5)).pollInterval(POLL)
                .until(sync::status, status -> status.state() == SyncStatus.State.OK
                        && status.nextAttempt().isPresent());
        assertThat(sync.status().version()).isEqualTo("v1");
        assertThat(sync.status().consecutiveFailures()).isZero();
        assertThat(published).extracting(r -> r.catalog().version()).containsExactly("v1");
        assertThat(statuses).extracting(SyncStatus::state).contains(SyncStatus.State.SYNCING, SyncStatus.State.FAILED,
                SyncStatus.State.OK);
        // After a success the next poll waits the full interval.
        assertThat(Duration.between(sync.status().lastSuccess().orElseThrow(), sync.status().nextAttempt().orElseThrow()))
                .isGreaterThan(Duration.ofSeconds(4));
    }

    @Test
    void startHandsOverTheInstalledCatalogBeforeTheFirstPoll() throws Exception {
        installV1();
        published.clear();
        URI url = server.url("manifest.json");
        server.close();
        CatalogSync restarted = sync(SyncFixtures.config(url), b -> { });
        restarted.start();
        assertThat(published).hasSize(1);
        assertThat(published.get(0).catalog().version()).isEqualTo("v1");
        assertThat(restarted.status().version()).isEqualTo("v1");
        assertThat(restarted.status().brands()).isEqualTo(2);
        await("the first poll fails").atMost(Duration.ofSeconds(10)).pollInterval(POLL)
                .until(restarted::status, status -> status.state() == SyncStatus.State.FAILED);
        assertThat(restarted.status().version()).isEqualTo("v1");
    }

    @Test
    void aCatalogInForceThatFailedToLoadAtStartIsLoadedAgainByTheNextPoll() throws Exception {
        installV1();
        published.clear();
        CatalogSync.Loader real = SyncFixtures.loader();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        CatalogSync.Loader flaky = dir -> {
            if (calls.getAndIncrement() == 0) {
                throw new IOException("Input/output error");
            }
            return real.load(dir);
        };
        CatalogSync sync = CatalogSync.builder(SyncFixtures.config(server.url("manifest.json")), device, flaky)
                .onCatalog(published::add).build();
        syncs.add(sync);
        server.forget();

        sync.start();

        await("the catalog in force loaded").atMost(Duration.ofSeconds(10)).pollInterval(POLL)
                .until(sync::status, status -> status.state() == SyncStatus.State.OK);
        assertThat(server.manifestRequests()).extracting(StaticServer.Request::status).containsExactly(304);
        assertThat(published).extracting(r -> r.catalog().version()).containsExactly("v1");
        assertThat(sync.status().brands()).isEqualTo(2);
    }

    @Test
    void recoveryRemovesLeftoversAndRelinksTheNewestCompleteVersion() throws Exception {
        CatalogSync sync = installV1();
        png(source.resolve("coda/logo.png"), Color.YELLOW, 64);
        SyncFixtures.publish(source, served, "v2");
        now(sync);
        Map<String, String> v2 = images(snapshot(device));
        png(device.resolveSibling("catalog.staging-v3").resolve("coda/logo.png"), Color.YELLOW, 64);
        Files.createSymbolicLink(device.resolveSibling(".catalog.link-12ab"), Path.of("catalog.versions/v1"));
        png(versions().resolve(".trash-v0-123/acme/logo.png"), Color.RED, 64);
        Files.delete(device);

        Optional<String> version = sync().recover();

        assertThat(version).contains("v2");
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v2"));
        assertThat(images(snapshot(device))).isEqualTo(v2);
        assertThat(leftovers(device.getParent())).isEmpty();
        assertThat(versionNames()).containsExactly("v1", "v2");

        Files.delete(device);
        Files.createSymbolicLink(device, Path.of("catalog.versions/gone"));
        assertThat(sync().recover()).contains("v2");
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v2"));
    }

    @Test
    void aHandMadeCatalogFolderIsUsedUntilTheFirstSyncThenKeptAsThePreviousVersion() throws Exception {
        Files.createDirectories(device);
        Files.copy(source.resolve("acme/logo.png"), Files.createDirectories(device.resolve("acme")).resolve("logo.png"));
        png(device.resolve("zeta/logo.png"), Color.MAGENTA, 64);
        URI url = server.url("manifest.json");
        server.close();
        CatalogSync offline = sync(SyncFixtures.config(url), b -> { });
        offline.start();
        assertThat(published).hasSize(1);
        assertThat(published.get(0).catalog().brands()).extracting(b -> b.id()).containsExactly("acme", "zeta");
        offline.close();

        try (StaticServer again = StaticServer.serve(served)) {
            CatalogSync sync = sync(SyncFixtures.config(again.url("manifest.json")), b -> { });
            SyncResult result = now(sync);
            assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.UPDATED);
            assertThat(result.reused()).isEqualTo(1);
            assertThat(again.downloads()).containsExactly("/bolt/logo.png");
        }
        assertThat(Files.readSymbolicLink(device)).isEqualTo(Path.of("catalog.versions/v1"));
        assertThat(versionNames()).containsExactly("local", "v1");
        assertThat(versions().resolve("local/zeta/logo.png")).isRegularFile();
        assertThat(published.getLast().catalog().brands()).extracting(b -> b.id()).containsExactly("acme", "bolt");
    }

    @Test
    void syncNowAfterCloseFailsAtOnce() throws Exception {
        CatalogSync sync = sync();
        sync.close();
        SyncResult result = now(sync);
        assertThat(result.failed()).isTrue();
        assertThat(result.error()).contains("catalog sync is stopped");
    }
}
