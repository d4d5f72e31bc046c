package dev.logowatch.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Home Assistant sensor per brand, "seconds on screen today": the discovery message the
 * first time a brand appears, then the day's total after every appearance event. An
 * appearance counts on the day it ends; at midnight every total starts again from 0.
 * Retained messages only, no connection of its own: the publisher sends what this returns.
 */
final class HomeAssistantSensors {
    /** A retained message to publish. */
    record Message(String topic, byte[] payload, int qos) {
    }

    static final String STATUS_TOPIC = "homeassistant/status";
    static final String DISCOVERY_PREFIX = "homeassistant/";

    private final Topics topics;
    private final String clientId;
    private final String deviceId;
    private final Map<String, Map<String, Double>> secondsByAppearance = new HashMap<>();
    private LocalDate day;

    HomeAssistantSensors(Topics topics, String clientId, String deviceId) {
        this.topics = topics;
        this.clientId = clientId;
        this.deviceId = deviceId;
    }

    /** An appearance of {@code brand} has lasted {@code seconds} so far; it ends on {@code endDay}. */
    List<Message> appearance(String brand, String appearanceId, double seconds, LocalDate endDay) {
        List<Message> out = new ArrayList<>();
        if (!endDay.equals(day)) {
            day = endDay;
            for (Map<String, Double> perAppearance : secondsByAppearance.values()) {
                perAppearance.clear();
            }
            for (String known : secondsByAppearance.keySet()) {
                out.add(total(known));
            }
        }
        boolean known = secondsByAppearance.containsKey(brand);
        secondsByAppearance.computeIfAbsent(brand, k -> new HashMap<>()).put(appearanceId, seconds);
        if (!known) {
            out.add(new Message(Topics.homeAssistantConfig(clientId, brand), discovery(brand), 1));
        }
        out.add(total(brand));
        return out;
    }

    private Message total(String brand) {
        double total = 0;
        for (double s : secondsByAppearance.get(brand).values()) {
            total += s;
        }
        String value = String.valueOf(Math.round(total * 10) / 10.0);
        return new Message(topics.brandSecondsToday(brand), value.getBytes(StandardCharsets.US_ASCII), 0);
    }

    private byte[] discovery(String brand) {
        ObjectNode node = Payloads.JSON.createObjectNode();
        node.put("name", brand + " seconds today");
        node.put("unique_id", Topics.level(clientId + "_" + brand) + "_seconds_today");
        node.put("state_topic", topics.brandSecondsToday(brand));
        node.put("unit_of_measurement", "s");
        node.put("device_class", "duration");
        node.put("state_class", "total_increasing");
        ObjectNode availability = node.putArray("availability").addObject();
        availability.put("topic", topics.available());
        // "stopped" after a clean shutdown also means unavailable.
        availability.put("value_template", "{{ 'online' if value == 'online' else 'offline' }}");
        ObjectNode device = node.putObject("device");
        device.putArray("identifiers").add("logowatch_" + deviceId);
        device.put("name", "logowatch " + deviceId);
        device.put("manufacturer", "logowatch");
        try {
            return Payloads.JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
