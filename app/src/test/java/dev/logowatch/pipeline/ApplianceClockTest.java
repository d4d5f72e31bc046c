package dev.logowatch.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.testing.LogoScene;
import dev.logowatch.track.Appearance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One clock for the whole service: a device whose clock is off shows it consistently, frame
 * stamps, detections, appearances and the page's uptime all on the same time line.
 */
@Tag("integration")
class ApplianceClockTest {
    @TempDir
    Path dir;

    @Test
    void framesDetectionsAndAppearancesAreStampedByTheAppliancesClock() throws Exception {
        LogoScene.write(dir);
        Files.writeString(dir.resolve("clock.yaml"), """
                device:
                  id: clock-test
                  state-dir: state
                streams:
                  - id: cam
                    url: clip.mp4
                    loop: true
                    fps: 5
                catalog:
                  dir: catalog
                """ + LogoScene.LOOPBACK + LogoScene.SETTINGS);
        LogowatchConfig config = LogowatchConfig.load(dir.resolve("clock.yaml"), Map.of());
        Duration ahead = Duration.ofDays(3650);
        Clock clock = Clock.offset(Clock.systemUTC(), ahead);
        Instant before = Instant.now().plus(ahead);
        try (Appliance appliance = Appliance.start(config, "test", clock)) {
            List<Appearance> open = await("an appearance").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                    .until(() -> appliance.board().openAppearances(), a -> !a.isEmpty());
            Instant after = Instant.now().plus(ahead);

            assertThat(open.get(0).start()).isBetween(before, after);
            ObjectNode detection = appliance.board().recentDetections(1).get(0);
            assertThat(Instant.parse(detection.get("ts").asText())).isBetween(before, after);
            assertThat(appliance.board().started()).isBetween(before.minusSeconds(60), after);
            assertThat(appliance.board().uptime()).isBetween(Duration.ZERO, Duration.ofSeconds(60));
        }
    }
}
