package dev.logowatch.catalog.sync;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One catalog sync in a JVM of its own, for {@link CatalogSyncCrashTest}: arguments are the
 * catalog folder, the manifest URL and a step name. At that step it prints
 * {@code PAUSED <step>} and waits to be killed; otherwise it prints {@code DONE <outcome>}.
 * No model is loaded (the loader only decodes images), which keeps the child small.
 */
public final class SyncChild {
    private SyncChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        URI url = URI.create(args[1]);
        String pauseAt = args[2];
        CatalogSync sync = CatalogSync.builder(SyncFixtures.config(url), dir, SyncFixtures.loader())
                .checkpoint(step -> {
                    if (step.equals(pauseAt)) {
                        System.out.println("PAUSED " + step);
                        System.out.flush();
                        try {
                            Thread.sleep(120_000); // the parent kills long before; bounded should it not
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        System.exit(3);
                    }
                })
                .build();
        sync.recover();
        SyncResult result = sync.syncNow().get(60, TimeUnit.SECONDS);
        System.out.println("DONE " + result.outcome() + " " + result.error().orElse(""));
        System.out.flush();
        System.exit(0);
    }
}
