package dev.logowatch.catalog.sync;

import dev.logowatch.config.CatalogConfig;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The catalog server as a device sees it: a static HTTP(S) folder holding
 * {@code manifest.json} and the files it lists. Conditional GETs keep polls cheap; every
 * body is streamed with a byte limit and a stall timeout, so a broken server can neither
 * fill the disk nor hang the sync. Redirects are not followed: the bearer token must only
 * ever go to the configured host.
 */
final class CatalogServer implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final URI manifestUrl;
    private final Optional<String> token;
    private final SyncLimits limits;
    private final HttpClient client;

    /** What the server said about the manifest. */
    sealed interface Reply {
        /** 304: the manifest still has the ETag sent. */
        record Unchanged() implements Reply {
        }

        record Fetched(byte[] body, Optional<String> etag) implements Reply {
        }
    }

    /**
     * @throws IllegalArgumentException when {@code caFile} holds no usable PEM certificate
     */
    CatalogServer(CatalogConfig.Sync sync, SyncLimits limits) {
        this.manifestUrl = sync.url();
        this.token = sync.token().map(s -> s.value());
        this.limits = limits;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(limits.requestTimeout());
        sync.caFile().ifPresent(ca -> builder.sslContext(trusting(ca)));
        this.client = builder.build();
    }

    /** The manifest URL without credentials or query, fit for logs and the status page. */
    String where() {
        return redact(manifestUrl);
    }

    static String redact(URI uri) {
        StringBuilder s = new StringBuilder();
        s.append(uri.getScheme()).append("://").append(uri.getHost() == null ? "" : uri.getHost());
        if (uri.getPort() >= 0) {
            s.append(':').append(uri.getPort());
        }
        s.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            s.append("?…");
        }
        return s.toString();
    }

    /** Fetches the manifest, or learns it is unchanged since {@code etag}. */
    Reply manifest(Optional<String> etag) throws SyncFailure, InterruptedException {
        HttpRequest.Builder request = request(manifestUrl).header("Accept", "application/json")
                // Caches between here and the origin (a CDN) must ask the origin, or devices poll a stale manifest.
                .header("Cache-Control", "no-cache");
        etag.ifPresent(e -> request.header("If-None-Match", e));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Limited subscriber = new Limited(Channels.newChannel(body), null, limits.maxManifestBytes(),
                "manifest " + where(), "the manifest in memory");
        HttpResponse<Long> response = send(request.build(), subscriber, "manifest " + where());
        if (response.statusCode() == 304) {
            if (etag.isEmpty()) {
                throw new SyncFailure("manifest " + where() + ": HTTP 304 to a request that was not conditional");
            }
            return new Reply.Unchanged();
        }
        return new Reply.Fetched(body.toByteArray(), response.headers().firstValue("ETag"));
    }

    /**
     * Streams one file into {@code out}, updating {@code digest}. Fails when the server sends
     * more than {@code size} bytes.
     *
     * @param target where {@code out} writes, for errors such as a full disk
     * @return bytes received
     */
    long download(Manifest.FileEntry file, WritableByteChannel out, MessageDigest digest, String target)
            throws SyncFailure, InterruptedException {
        URI uri = fileUri(file.path());
        String what = file.path() + " from " + redact(uri);
        Limited subscriber = new Limited(out, digest, file.size(), what, target);
        return send(request(uri).build(), subscriber, what).body();
    }

    /** The file's URL: its manifest path, percent-encoded, relative to the manifest's URL. */
    URI fileUri(String path) throws SyncFailure {
        try {
            String encoded = new URI(null, null, path, null).getRawPath();
            return manifestUrl.resolve(encoded);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new SyncFailure("file path '" + path + "' cannot be made into a URL: " + e.getMessage());
        }
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(limits.requestTimeout())
                .header("User-Agent", "logowatch-catalog-sync");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private HttpResponse<Long> send(HttpRequest request, Limited subscriber, String what)
            throws SyncFailure, InterruptedException {
        CompletableFuture<HttpResponse<Long>> future = client.sendAsync(request, info -> {
            int status = info.statusCode();
            return status == 200 ? subscriber : HttpResponse.BodySubscribers.replacing(-1L);
        });
        long stallNanos = limits.stallTimeout().toNanos();
        long seen = -1;
        long lastProgress = System.nanoTime();
        try {
            while (true) {
                try {
                    HttpResponse<Long> response = future.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                    return check(response, what);
                } catch (TimeoutException e) {
                    long now = subscriber.received.get();
                    if (now != seen) {
                        seen = now;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > stallNanos) {
                        future.cancel(true);
                        throw new SyncFailure(what + ": nothing received for " + limits.stallTimeout().toSeconds()
                                + " s (after " + now + " bytes); abandoned");
                    }
                }
            }
        } catch (ExecutionException e) {
            throw failure(e.getCause(), what);
        } catch (CancellationException e) {
            throw new SyncFailure(what + ": cancelled");
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        }
    }

    private HttpResponse<Long> check(HttpResponse<Long> response, String what) throws SyncFailure {
        int status = response.statusCode();
        if (status == 200 || status == 304) {
            return response;
        }
        String hint = switch (status) {
            case 401, 403 -> " (is catalog.sync.token-file right?)";
            case 404 -> " (not on the server; is catalog.sync.url right, and were all files uploaded?)";
            case 301, 302, 303, 307, 308 -> " to " + response.headers().firstValue("Location").orElse("?")
                    + " (redirects are not followed; set catalog.sync.url to the final address)";
            default -> "";
        };
        throw new SyncFailure(what + ": HTTP " + status + hint);
    }

    private SyncFailure failure(Throwable cause, String what) {
        if (cause instanceof SyncFailure f) {
            return f;
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new SyncFailure(what + ": no connection within " + limits.requestTimeout().toSeconds() + " s");
        }
        if (cause instanceof HttpTimeoutException) {
            return new SyncFailure(what + ": no answer within " + limits.requestTimeout().toSeconds() + " s");
        }
        if (cause instanceof ConnectException) {
            // The JDK often reports a refused connection as a bare ClosedChannelException.
            String reason = cause.getMessage() == null ? "connection refused; is the server running?" : message(cause);
            return new SyncFailure(what + ": cannot connect (" + reason + ")");
        }
        if (cause instanceof SSLException) {
            return new SyncFailure(what + ": TLS failed (" + message(cause) + "; does catalog.sync.ca-file hold the CA "
                    + "that signed the server's certificate, and does the certificate name the host?)");
        }
        return new SyncFailure(what + ": " + message(cause));
    }

    private static String message(Throwable t) {
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Trusts exactly the CAs in the PEM file, as {@code curl --cacert} does: a private PKI. */
    static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certificates =
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("catalog.sync.ca-file " + caFile + " holds no certificate "
                        + "(expected PEM: -----BEGIN CERTIFICATE-----)");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("catalog.sync.ca-file " + caFile + " is not usable: " + e.getMessage()
                    + " (expected PEM certificates: -----BEGIN CERTIFICATE-----)", e);
        }
    }

    @Override
    public void close() {
        client.shutdownNow();
        try {
            client.awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes a body as it arrives, hashing and counting, and gives up as soon as it passes
     * its limit, so a server that sends more than it declared costs at most the limit.
     */
    private static final class Limited implements HttpResponse.BodySubscriber<Long> {
        private final WritableByteChannel out;
        private final MessageDigest digest;
        private final long limit;
        private final String what;
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        private final String target;
        private volatile Flow.Subscription subscription;

        /**
         * @param what   the body, for errors: {@code nike/logo.png from https://…}
         * @param target where it is written, for errors about the local disk
         */
        Limited(WritableByteChannel out, MessageDigest digest, long limit, String what, String target) {
            this.out = out;
            this.digest = digest;
            this.limit = limit;
            this.what = what;
            this.target = target;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            try {
                for (ByteBuffer b : items) {
                    long total = received.addAndGet(b.remaining());
                    if (total > limit) {
                        throw new SyncFailure(what + ": the server sent more than the " + SyncLimits.describe(limit)
                                + (digest == null ? " a manifest may have" : " the manifest declares"));
                    }
                    if (digest != null) {
                        digest.update(b.duplicate());
                    }
                    try {
                        while (b.hasRemaining()) {
                            out.write(b);
                        }
                    } catch (IOException e) {
                        throw new SyncFailure("cannot write " + target + ": " + message(e));
                    }
                }
                subscription.request(1);
            } catch (SyncFailure | RuntimeException e) {
                subscription.cancel();
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(received.get());
        }

        @Override
        public java.util.concurrent.CompletionStage<Long> getBody() {
            return result;
        }
    }
}
