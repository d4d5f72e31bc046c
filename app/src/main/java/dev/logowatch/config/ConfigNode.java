package dev.logowatch.config;

import io.helidon.config.Config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One section of the YAML file as typed values. Each read names its key, so the node
 * knows which keys exist and reports the rest as unknown; a bad value is recorded as a
 * problem (key, source, reason) and the default returned, so one pass finds every
 * mistake. An environment variable {@code LOGOWATCH_<KEY_PATH>} (dots, dashes and list
 * indexes as underscores: {@code LOGOWATCH_STREAMS_0_URL}) overrides the file's value.
 *
 * <p>Written by hand on top of Helidon Config because Helidon's mapping neither rejects
 * unknown keys nor gathers all errors with the key path an installer typed.
 */
final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    /** What all nodes of one load share: the file, the environment and the problems found. */
    record Context(Path file, Map<String, String> env, List<String> problems) {
        Path baseDir() {
            Path parent = file.toAbsolutePath().getParent();
            return parent == null ? Path.of(".").toAbsolutePath() : parent;
        }
    }

    private record Raw(String value, String origin) {
    }

    private final Config node;
    private final String path;
    private final Context context;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigNode(Config node, String path, Context context) {
        this.node = node;
        this.path = path;
        this.context = context;
    }

    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String reason) {
        // A value checked after reading (a broker without a port, say) may have come from the environment.
        String variable = envName(key);
        String origin = context.env().containsKey(variable) ? "from environment variable " + variable
                : "in " + context.file();
        context.problems().add(keyPath(key) + ": " + reason + " (" + origin + ")");
    }

    private void problem(String key, Raw raw, String reason) {
        context.problems().add(keyPath(key) + ": " + reason + " (" + raw.origin() + ")");
    }

    private String envName(String key) {
        String full = key.isEmpty() ? path : keyPath(key);
        return "LOGOWATCH_" + full.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_").replaceAll("_+$", "");
    }

    private Optional<Raw> raw(String key) {
        known.add(key);
        String env = context.env().get(envName(key));
        if (env != null) {
            return Optional.of(new Raw(env.trim(), "from environment variable " + envName(key)));
        }
        Config child = node.get(key);
        switch (child.type()) {
            case MISSING:
                return Optional.empty();
            case VALUE:
                String value = child.asString().orElse("").trim();
                return value.isEmpty() ? Optional.empty() : Optional.of(new Raw(value, "in " + context.file()));
            default:
                problem(key, "expected a single value, found " + describe(child.type()));
                return Optional.empty();
        }
    }

    Optional<String> string(String key) {
        return raw(key).map(Raw::value);
    }

    String string(String key, String fallback) {
        return string(key).orElse(fallback);
    }

    String requiredString(String key) {
        Optional<String> value = string(key);
        if (value.isEmpty() && !context.problems().stream().anyMatch(p -> p.startsWith(keyPath(key) + ":"))) {
            problem(key, "is required");
        }
        return value.orElse("");
    }

    /** A name used in MQTT topics and URLs: letters, digits, '-' and '_'. */
    String identifier(String key, boolean required) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            if (required) {
                problem(key, "is required");
            }
            return "";
        }
        if (!raw.get().value().matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            problem(key, raw.get(), "'" + raw.get().value()
                    + "' is not a valid id: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit");
        }
        return raw.get().value();
    }

    int integer(String key, int fallback, int min, int max) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get().value());
            if (value < min || value > max) {
                problem(key, raw.get(), "expected a whole number from " + min + " to " + max + ", got " + value);
                return fallback;
            }
            return value;
        } catch (NumberFormatException e) {
            problem(key, raw.get(), "expected a whole number from " + min + " to " + max
                    + ", got '" + raw.get().value() + "'");
            return fallback;
        }
    }

    double number(String key, double fallback, double min, double max) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            double value = Double.parseDouble(raw.get().value());
            if (!(value >= min && value <= max)) {
                problem(key, raw.get(), "expected a number from " + min + " to " + max + ", got " + raw.get().value());
                return fallback;
            }
            return value;
        } catch (NumberFormatException e) {
            problem(key, raw.get(), "expected a number from " + min + " to " + max + ", got '" + raw.get().value() + "'");
            return fallback;
        }
    }

    boolean bool(String key, boolean fallback) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        return switch (raw.get().value().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                problem(key, raw.get(), "expected true or false, got '" + raw.get().value() + "'");
                yield fallback;
            }
        };
    }

    /** Durations are written like {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d}. */
    Duration duration(String key, Duration fallback, Duration min, Duration max) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        Optional<Duration> parsed = parseDuration(raw.get().value());
        if (parsed.isEmpty()) {
            problem(key, raw.get(), "expected a duration like 500ms, 30s, 10m or 1h, got '" + raw.get().value() + "'");
            return fallback;
        }
        if (parsed.get().compareTo(min) < 0 || parsed.get().compareTo(max) > 0) {
            problem(key, raw.get(), "expected a duration from " + format(min) + " to " + format(max)
                    + ", got " + raw.get().value());
            return fallback;
        }
        return parsed.get();
    }

    static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        double amount = Double.parseDouble(m.group(1));
        long millis = switch (m.group(2)) {
            case "ms" -> Math.round(amount);
            case "s" -> Math.round(amount * 1_000);
            case "m" -> Math.round(amount * 60_000);
            case "h" -> Math.round(amount * 3_600_000);
            default -> Math.round(amount * 86_400_000);
        };
        return Optional.of(Duration.ofMillis(millis));
    }

    private static String format(Duration d) {
        if (d.toMillis() % 3_600_000 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1_000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }

    <E extends Enum<E>> E choice(String key, E fallback) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        for (E option : fallback.getDeclaringClass().getEnumConstants()) {
            if (configName(option).equals(raw.get().value())) {
                return option;
            }
        }
        List<String> names = new ArrayList<>();
        for (E option : fallback.getDeclaringClass().getEnumConstants()) {
            names.add(configName(option));
        }
        problem(key, raw.get(), "expected one of " + String.join(", ", names) + ", got '" + raw.get().value() + "'");
        return fallback;
    }

    static String configName(Enum<?> option) {
        return option.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A path relative to the configuration file's folder; checked to exist when asked. */
    Optional<Path> path(String key, PathKind kind) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Path resolved = context.baseDir().resolve(raw.get().value()).normalize();
        switch (kind) {
            case EXISTING_FILE -> {
                if (!Files.isRegularFile(resolved)) {
                    problem(key, raw.get(), "file not found: " + resolved);
                } else if (!Files.isReadable(resolved)) {
                    problem(key, raw.get(), "file not readable: " + resolved);
                }
            }
            case EXISTING_DIR -> {
                if (!Files.isDirectory(resolved)) {
                    problem(key, raw.get(), "folder not found: " + resolved);
                }
            }
            case ANY -> {
            }
        }
        return Optional.of(resolved);
    }

    enum PathKind { EXISTING_FILE, EXISTING_DIR, ANY }

    /** Reads a credential from the file the key names; the value itself is never echoed. */
    Optional<Secret> secret(String key) {
        Optional<Path> file = path(key, PathKind.EXISTING_FILE);
        if (file.isEmpty() || !Files.isRegularFile(file.get()) || !Files.isReadable(file.get())) {
            return Optional.empty();
        }
        try {
            String value = Files.readString(file.get(), StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                problem(key, "secret file is empty: " + file.get());
                return Optional.empty();
            }
            return Optional.of(new Secret(keyPath(key), file.get(), value));
        } catch (IOException e) {
            problem(key, "cannot read secret file " + file.get() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    Optional<URI> url(String key, Set<String> schemes) {
        Optional<Raw> raw = raw(key);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        String expected = "expected a URL starting with " + String.join("://, ", schemes) + "://";
        try {
            URI uri = new URI(raw.get().value());
            if (uri.getScheme() == null || !schemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                problem(key, raw.get(), expected + ", got '" + redact(raw.get().value()) + "'");
                return Optional.empty();
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                problem(key, raw.get(), "URL has no host: '" + redact(raw.get().value()) + "'");
                return Optional.empty();
            }
            if (uri.getUserInfo() != null) {
                problem(key, raw.get(), "credentials do not belong in this URL (they would be logged); "
                        + "use the matching username / -file keys");
                return Optional.empty();
            }
            if (uri.getPort() > 65535) {
                problem(key, raw.get(), "port out of range in '" + redact(raw.get().value()) + "'");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            problem(key, raw.get(), "not a valid URL: " + e.getReason() + " in '" + redact(raw.get().value()) + "'");
            return Optional.empty();
        }
    }

    /** Hides the password of {@code scheme://user:password@host} so messages can be logged. */
    static String redact(String url) {
        return url.replaceAll("(?<=://)([^:/@]*):[^@/]*@", "$1:***@");
    }

    List<Double> numbers(String key, List<Double> fallback, double min, double max) {
        known.add(key);
        Config child = node.get(key);
        if (child.type() == Config.Type.MISSING) {
            return fallback;
        }
        if (child.type() != Config.Type.LIST) {
            problem(key, "expected a list of numbers like [96, 160, 256], found " + describe(child.type()));
            return fallback;
        }
        List<Double> values = new ArrayList<>();
        for (Config item : child.asNodeList().orElse(List.of())) {
            String text = item.asString().orElse("");
            try {
                double value = Double.parseDouble(text);
                if (!(value >= min && value <= max)) {
                    problem(key, "expected numbers from " + min + " to " + max + ", got " + text);
                    return fallback;
                }
                values.add(value);
            } catch (NumberFormatException e) {
                problem(key, "expected a list of numbers, got '" + text + "'");
                return fallback;
            }
        }
        if (values.isEmpty()) {
            problem(key, "the list is empty");
            return fallback;
        }
        return List.copyOf(values);
    }

    ConfigNode section(String key) {
        known.add(key);
        Config child = node.get(key);
        if (child.type() == Config.Type.LIST || child.type() == Config.Type.VALUE
                && !child.asString().orElse("").isBlank()) {
            problem(key, "expected a section of keys, found " + describe(child.type()));
        }
        return new ConfigNode(child.type() == Config.Type.OBJECT ? child : node.get("\u0000missing"),
                keyPath(key), context);
    }

    List<ConfigNode> list(String key) {
        known.add(key);
        Config child = node.get(key);
        if (child.type() == Config.Type.MISSING
                || child.type() == Config.Type.VALUE && child.asString().orElse("").isBlank()) {
            return List.of();
        }
        if (child.type() != Config.Type.LIST) {
            problem(key, "expected a list (lines starting with '- '), found " + describe(child.type()));
            return List.of();
        }
        List<ConfigNode> items = new ArrayList<>();
        List<Config> children = child.asNodeList().orElse(List.of());
        for (int i = 0; i < children.size(); i++) {
            Config item = children.get(i);
            String itemPath = keyPath(key) + "[" + i + "]";
            if (item.type() != Config.Type.OBJECT) {
                context.problems().add(itemPath + ": expected a section of keys, found "
                        + describe(item.type()) + " (in " + context.file() + ")");
                continue;
            }
            items.add(new ConfigNode(item, itemPath, context));
        }
        return items;
    }

    /** Reports every key present in the file but never read: a typo or a misplaced key. */
    void rejectUnknownKeys() {
        if (node.type() != Config.Type.OBJECT) {
            return;
        }
        for (Config child : node.asNodeList().orElse(List.of())) {
            String name = child.name();
            if (!known.contains(name)) {
                String hint = closest(name).map(k -> "; did you mean '" + k + "'?").orElse("");
                context.problems().add(keyPath(name) + ": unknown key (known here: "
                        + String.join(", ", known) + ")" + hint + " (in " + context.file() + ")");
            }
        }
    }

    private Optional<String> closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String describe(Config.Type type) {
        return switch (type) {
            case LIST -> "a list";
            case OBJECT -> "a section";
            case VALUE -> "a single value";
            case MISSING -> "nothing";
        };
    }
}
