package dev.logowatch.publish;

/** The device's topic names under its prefix (DESIGN.md "MQTT"). */
record Topics(String prefix) {
    String available() {
        return prefix + "/available";
    }

    String events() {
        return prefix + "/events";
    }

    String detections() {
        return prefix + "/detections";
    }

    String verifications() {
        return prefix + "/verifications";
    }

    String stats() {
        return prefix + "/stats";
    }

    String catalog() {
        return prefix + "/catalog";
    }

    String streamStatus(String streamId) {
        return prefix + "/streams/" + level(streamId) + "/status";
    }

    String brandSecondsToday(String brand) {
        return prefix + "/brands/" + level(brand) + "/seconds_today";
    }

    static String homeAssistantConfig(String clientId, String brand) {
        return "homeassistant/sensor/" + level(clientId) + "/" + level(brand) + "_seconds_today/config";
    }

    /** One topic level from an id: MQTT wildcards and separators would change the topic's meaning. */
    static String level(String id) {
        return id.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
