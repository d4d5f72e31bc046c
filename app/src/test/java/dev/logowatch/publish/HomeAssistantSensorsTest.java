package dev.logowatch.publish;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a Home Assistant dashboard shows: one "seconds today" sensor per brand. */
class HomeAssistantSensorsTest {
    private static final LocalDate DAY = LocalDate.parse("2026-12-06");
    private final HomeAssistantSensors sensors = new HomeAssistantSensors(new Topics("venue/dev1"), "logowatch-dev1", "dev1");

    @Test
    void aBrandsFirstAppearanceAnnouncesItsSensorThenItsTotal() throws Exception {
        List<HomeAssistantSensors.Message> out = sensors.appearance("acme", "app-1", 4.25, DAY);

        assertThat(out).extracting(HomeAssistantSensors.Message::topic).containsExactly(
                "homeassistant/sensor/logowatch-dev1/acme_seconds_today/config", "venue/dev1/brands/acme/seconds_today");
        JsonNode discovery = Payloads.JSON.readTree(out.get(0).payload());
        assertThat(discovery.get("state_topic").asText()).isEqualTo("venue/dev1/brands/acme/seconds_today");
        assertThat(discovery.get("unit_of_measurement").asText()).isEqualTo("s");
        assertThat(discovery.at("/availability/0/topic").asText()).isEqualTo("venue/dev1/available");
        assertThat(discovery.at("/device/identifiers/0").asText()).isEqualTo("logowatch_dev1");
        assertThat(text(out.get(1))).isEqualTo("4.3");
    }

    @Test
    void updatesOfOneAppearanceReplaceItsSecondsAndAppearancesAddUp() {
        sensors.appearance("acme", "app-1", 2.0, DAY);
        sensors.appearance("acme", "app-1", 6.0, DAY);
        List<HomeAssistantSensors.Message> out = sensors.appearance("acme", "app-2", 1.5, DAY);

        assertThat(out).as("announced once").hasSize(1);
        assertThat(text(out.get(0))).isEqualTo("7.5");
    }

    @Test
    void atMidnightEveryBrandStartsAgainFromZero() {
        sensors.appearance("acme", "app-1", 30.0, DAY);
        sensors.appearance("globex", "app-2", 12.0, DAY);
        List<HomeAssistantSensors.Message> out = sensors.appearance("acme", "app-3", 3.0, DAY.plusDays(1));

        Map<String, String> latest = new LinkedHashMap<>();
        out.forEach(m -> latest.put(m.topic(), text(m)));
        assertThat(latest).containsEntry("venue/dev1/brands/globex/seconds_today", "0.0")
                .containsEntry("venue/dev1/brands/acme/seconds_today", "3.0");
        assertThat(out).noneMatch(m -> m.topic().endsWith("/config"));
    }

    private static String text(HomeAssistantSensors.Message m) {
        return new String(m.payload(), StandardCharsets.US_ASCII);
    }
}
