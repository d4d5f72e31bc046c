package dev.logowatch.catalog;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Reads {@code brand.json}. A catalog is edited by hand at the venue and pushed to hundreds
 * of devices, so one bad field must not take a brand out: every problem becomes a warning
 * naming the file and the field, and that field keeps its default while the valid fields
 * still apply. Malformed JSON leaves every field at its default.
 */
final class BrandSettings {
    static final String FILE = "brand.json";
    private static final long MAX_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final List<String> FIELDS = List.of("display_name", "threshold", "margin", "verify", "text");

    private BrandSettings() {
    }

    /**
     * @param file     the brand's {@code brand.json}; absent means defaults
     * @param where    its name in warnings, e.g. {@code nike/brand.json}
     * @param problems receives the warnings
     */
    static Brand read(String id, Path file, String where, List<CatalogReport.Problem> problems) {
        Brand brand = Brand.of(id);
        if (!Files.exists(file)) {
            return brand;
        }
        JsonNode root;
        try {
            if (Files.size(file) > MAX_BYTES) {
                problems.add(new CatalogReport.Problem(where, "larger than " + MAX_BYTES / 1024
                        + " KiB; ignored, brand uses defaults"));
                return brand;
            }
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            problems.add(new CatalogReport.Problem(where, "not valid JSON (" + e.getOriginalMessage()
                    + " at line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + "); brand uses defaults"));
            return brand;
        } catch (IOException e) {
            problems.add(new CatalogReport.Problem(where, "unreadable (" + e + "); brand uses defaults"));
            return brand;
        }
        if (root == null || !root.isObject()) {
            problems.add(new CatalogReport.Problem(where, "must be a JSON object like {\"display_name\": \"…\"}; "
                    + "brand uses defaults"));
            return brand;
        }
        String displayName = id;
        OptionalDouble threshold = OptionalDouble.empty();
        OptionalDouble margin = OptionalDouble.empty();
        VerifyPolicy verify = brand.verify();
        List<String> text = List.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull() && FIELDS.contains(name)) {
                continue;
            }
            switch (name) {
                case "display_name" -> {
                    if (value.isTextual() && !value.asText().isBlank() && value.asText().length() <= 200) {
                        displayName = value.asText().strip();
                    } else {
                        bad(problems, where, name, "must be a non-empty text of at most 200 characters", value);
                    }
                }
                case "threshold" -> threshold = unitNumber(value, where, name, problems);
                case "margin" -> margin = unitNumber(value, where, name, problems);
                case "verify" -> {
                    Optional<VerifyPolicy> policy = value.isTextual() ? VerifyPolicy.parse(value.asText()) : Optional.empty();
                    if (policy.isPresent()) {
                        verify = policy.get();
                    } else {
                        bad(problems, where, name, "must be \"always\", \"never\" or \"borderline\"", value);
                    }
                }
                case "text" -> text = wordmarks(value, where, problems);
                default -> problems.add(new CatalogReport.Problem(where, "unknown field '" + name
                        + "' ignored (known: " + String.join(", ", FIELDS) + ")"));
            }
        }
        return new Brand(id, displayName, threshold, margin, verify, text);
    }

    /** {@code "text"}: one spelling or a list of them, each with at least two letters or digits. */
    private static List<String> wordmarks(JsonNode value, String where, List<CatalogReport.Problem> problems) {
        List<JsonNode> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(items::add);
        } else {
            items.add(value);
        }
        List<String> text = new ArrayList<>();
        for (JsonNode item : items) {
            if (item.isTextual() && item.asText().length() <= 100
                    && item.asText().codePoints().filter(Character::isLetterOrDigit).count() >= 2) {
                text.add(item.asText().strip());
            } else {
                bad(problems, where, "text", "must list how the logo is written, e.g. [\"HUGO BOSS\", \"BOSS\"]: "
                        + "texts of at most 100 characters with at least two letters or digits", value);
                return List.of();
            }
        }
        if (text.size() > 20) {
            bad(problems, where, "text", "lists at most 20 spellings", value);
            return List.of();
        }
        return text;
    }

    private static OptionalDouble unitNumber(JsonNode value, String where, String field,
                                             List<CatalogReport.Problem> problems) {
        if (value.isNumber() && value.asDouble() >= 0 && value.asDouble() <= 1) {
            return OptionalDouble.of(value.asDouble());
        }
        bad(problems, where, field, "must be a number from 0 to 1", value);
        return OptionalDouble.empty();
    }

    private static void bad(List<CatalogReport.Problem> problems, String where, String field, String rule,
                            JsonNode value) {
        String shown = value.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        problems.add(new CatalogReport.Problem(where, "field '" + field + "' " + rule + ", got " + shown
                + "; default kept"));
    }
}
