package dev.logowatch.web;

import dev.logowatch.engine.Box;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Verification;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ExposureTallyTest {
    private static final Instant NOON = Instant.parse("2026-12-06T12:00:00Z");

    private static Appearance appearance(String brand, Instant start, Duration length, double visible) {
        return new Appearance(brand + "-" + start.getEpochSecond(), "east", brand, start, start.plus(length), visible, 0.9,
                new Box(0, 0, 10, 10), Verification.NOT_NEEDED);
    }

    @Test
    void sumsEndedAndOpenAppearancesPerBrand() {
        ExposureTally tally = new ExposureTally();
        tally.ended(appearance("acme", NOON.minusSeconds(600), Duration.ofSeconds(30), 24));
        tally.ended(appearance("acme", NOON.minusSeconds(300), Duration.ofSeconds(10), 10));
        Appearance open = appearance("bolt", NOON.minusSeconds(20), Duration.ofSeconds(20), 18);

        Map<String, ExposureTally.Total> hour = tally.since(NOON.minusSeconds(3600), NOON, List.of(open));

        assertThat(hour.get("acme").seconds()).isCloseTo(34, within(1e-9));
        assertThat(hour.get("acme").appearances()).isEqualTo(2);
        assertThat(hour.get("bolt").seconds()).isCloseTo(18, within(1e-9));
        assertThat(hour).containsOnlyKeys("acme", "bolt");
    }

    @Test
    void anAppearanceAcrossTheWindowsStartCountsWithItsShareInside() {
        ExposureTally tally = new ExposureTally();
        // 40 s long, 20 visible; the window begins 10 s before its end: a quarter of it inside.
        Instant from = NOON.minusSeconds(3600);
        tally.ended(appearance("acme", from.minusSeconds(30), Duration.ofSeconds(40), 20));
        tally.ended(appearance("acme", from.minusSeconds(100), Duration.ofSeconds(50), 50));

        Map<String, ExposureTally.Total> hour = tally.since(from, NOON, List.of());

        assertThat(hour.get("acme").seconds()).isCloseTo(5, within(1e-9));
        assertThat(hour.get("acme").appearances()).as("the one that ended before the window is left out").isEqualTo(1);
    }

    @Test
    void memoryStaysBoundedInCountAndAge() {
        ExposureTally tally = new ExposureTally();
        for (int i = 0; i < ExposureTally.MAX_KEPT + 500; i++) {
            tally.ended(appearance("acme", NOON.minusSeconds(3000).plusMillis(i), Duration.ofSeconds(1), 1));
        }
        assertThat(tally.since(NOON.minusSeconds(3600), NOON, List.of()).get("acme").appearances())
                .isEqualTo(ExposureTally.MAX_KEPT);
        // A day and more later, nothing of it is kept.
        assertThat(tally.since(Instant.EPOCH, NOON.plus(ExposureTally.KEPT).plusSeconds(3600), List.of())).isEmpty();
    }
}
