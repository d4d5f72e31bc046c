package dev.logowatch.config;

import java.util.List;

/**
 * The configuration cannot be used. Carries every problem found, each naming the key and
 * where its value came from, so an installer fixes them all in one pass.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
