package dev.logowatch.config;

import java.nio.file.Path;

/**
 * A credential read from a file named by a {@code …-file} key. Its value never reaches
 * logs, the status page or error messages: {@link #toString()} shows only where it lives.
 */
public record Secret(String key, Path file, String value) {
    @Override
    public String toString() {
        return "Secret[" + key + " from " + file + "]";
    }
}
