package dev.logowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The remote vision-language model asked about borderline matches.
 *
 * @param enabled         whether borderline matches are sent at all
 * @param url             base URL of an OpenAI-compatible API ({@code …/v1})
 * @param model           model name the server knows
 * @param apiKey          bearer key, read from {@code api-key-file}
 * @param verifyLow       similarities from here up to {@code acceptHigh} are asked about
 * @param acceptHigh      similarities from here up are accepted without asking
 * @param minConfidence   a "yes" below this confidence does not confirm
 * @param timeout         per request
 * @param maxInFlight     concurrent requests
 * @param budgetPerMinute requests per minute at most
 */
public record VerifyConfig(boolean enabled, Optional<URI> url, String model, Optional<Secret> apiKey,
                           double verifyLow, double acceptHigh, double minConfidence, Duration timeout,
                           int maxInFlight, int budgetPerMinute) {
    static VerifyConfig read(ConfigNode node) {
        boolean enabled = node.bool("enabled", false);
        Optional<URI> url = node.url("url", Set.of("http", "https"));
        String model = node.string("model", "");
        Optional<Secret> apiKey = node.secret("api-key-file");
        double low = node.number("verify-low", 0.6, 0.0, 1.0);
        double high = node.number("accept-high", 0.8, 0.0, 1.0);
        double minConfidence = node.number("min-confidence", 0.7, 0.0, 1.0);
        Duration timeout = node.duration("timeout", Duration.ofSeconds(20), Duration.ofMillis(100), Duration.ofMinutes(10));
        int inFlight = node.integer("max-in-flight", 2, 1, 64);
        int budget = node.integer("budget-per-minute", 30, 1, 100_000);
        node.rejectUnknownKeys();
        if (enabled && url.isEmpty()) {
            node.problem("url", "is required when verify.enabled is true");
        }
        if (enabled && model.isEmpty()) {
            node.problem("model", "is required when verify.enabled is true");
        }
        if (low >= high) {
            node.problem("verify-low", "must be below accept-high (" + low + " >= " + high + ")");
        }
        return new VerifyConfig(enabled, url, model, apiKey, low, high, minConfidence, timeout, inFlight, budget);
    }
}
