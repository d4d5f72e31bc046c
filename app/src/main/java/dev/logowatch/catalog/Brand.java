package dev.logowatch.catalog;

import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * One catalog brand and its settings from {@code <catalog>/<id>/brand.json}.
 *
 * @param id          the folder name; what MQTT payloads and the analyst's reports carry
 * @param displayName what people read; the id when not set
 * @param threshold   minimum similarity for this brand, overriding {@code catalog.threshold}
 * @param margin      minimum lead over the runner-up brand, overriding {@code catalog.margin}
 * @param verify      when its tracks are shown to the remote verifier
 * @param text        how the brand's name is written on its logos, for text reading; empty: its
 *                    display name (see {@link #wordmarks()})
 */
public record Brand(String id, String displayName, OptionalDouble threshold, OptionalDouble margin,
                    VerifyPolicy verify, List<String> text) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    public Brand {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("brand id '" + id
                    + "' must be 1-100 letters, digits, '-', '_' or '.', not starting with '.'");
        }
        text = List.copyOf(text);
    }

    public Brand(String id, String displayName, OptionalDouble threshold, OptionalDouble margin, VerifyPolicy verify) {
        this(id, displayName, threshold, margin, verify, List.of());
    }

    /**
     * What text reading looks for on this brand's logos: the {@code text} of its brand.json,
     * or else its display name, since most sponsors' logos spell their name.
     */
    public List<String> wordmarks() {
        return text.isEmpty() ? List.of(displayName) : text;
    }

    /** Whether brand.json says how the logos are written, rather than the name being assumed. */
    public boolean declaresText() {
        return !text.isEmpty();
    }

    /** A brand with no overrides: displayed by its id, catalog-wide threshold and margin, borderline verification. */
    public static Brand of(String id) {
        return new Brand(id, id, OptionalDouble.empty(), OptionalDouble.empty(), VerifyPolicy.BORDERLINE);
    }

    /** Whether a folder name can be a brand id: ids appear in MQTT payloads and file paths, so they stay plain. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches() && !id.startsWith(".");
    }

    public Brand withThreshold(double value) {
        return new Brand(id, displayName, OptionalDouble.of(value), margin, verify, text);
    }

    public Brand withMargin(double value) {
        return new Brand(id, displayName, threshold, OptionalDouble.of(value), verify, text);
    }

    public Brand withVerify(VerifyPolicy policy) {
        return new Brand(id, displayName, threshold, margin, policy, text);
    }
}
