package dev.logowatch.catalog;

import java.util.Locale;
import java.util.Optional;

/** When a brand's tracks are shown to the remote verifier, set per brand in {@code brand.json}. */
public enum VerifyPolicy {
    /** Every track of the brand waits for the verifier before it is confirmed. */
    ALWAYS,
    /** Never asked; the similarity rules alone decide. */
    NEVER,
    /** Asked only when the best similarity lies in the borderline band. The default. */
    BORDERLINE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The policy named {@code always}, {@code never} or {@code borderline}, ignoring case. */
    public static Optional<VerifyPolicy> parse(String text) {
        for (VerifyPolicy p : values()) {
            if (p.wireName().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
