package dev.logowatch.source;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.fail;

/** Bounded waiting for something another thread does. */
final class Eventually {
    private Eventually() {
    }

    static void await(Duration max, String what, BooleanSupplier condition) {
        await(max, what, condition, () -> "");
    }

    static void await(Duration max, String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + max.toMillis() + " ms: " + what + " " + detail.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting: " + what);
            }
        }
    }
}
