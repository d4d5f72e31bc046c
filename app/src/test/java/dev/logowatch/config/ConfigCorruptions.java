package dev.logowatch.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Single-key corruptions of a configuration file as an installer might make them: a value
 * of the wrong type, a number out of range, an unknown key beside a real one, an empty
 * required value, a bad URL, a path that does not exist; or the same through an environment
 * variable. Each names the key whose problem the loader must report. Works on the text of
 * the shipped files (block-style YAML, two-space indents), so comments and layout stay.
 */
public final class ConfigCorruptions {
    private static final Pattern KEY_LINE = Pattern.compile("^( *)(- )?([A-Za-z0-9_-]+):(?: +(.*?))?\\s*(?: #.*)?$");

    /** What kinds of value the loader expects at a key; {@code min}/{@code max} bound numbers and durations (ms). */
    enum Kind { ID, STRING, PATH, DIR, FILE, SECRET, HTTP_URL, BROKER, STREAM_URL, INT, NUMBER, BOOL, ENUM, DURATION,
        NUMBERS, HOST, TOPIC_PREFIX, LIST }

    record Type(Kind kind, double min, double max, boolean required) {
        static Type of(Kind kind) {
            return new Type(kind, 0, 0, false);
        }

        static Type range(Kind kind, double min, double max) {
            return new Type(kind, min, max, false);
        }

        Type mandatory() {
            return new Type(kind, min, max, true);
        }
    }

    /** Every key of the configuration, by path with list indexes dropped; mirrors the config records. */
    static final Map<String, Type> TYPES = new HashMap<>();

    static {
        TYPES.put("device.id", Type.of(Kind.ID).mandatory());
        TYPES.put("device.state-dir", Type.of(Kind.PATH));
        TYPES.put("streams", Type.of(Kind.LIST));
        TYPES.put("streams[].id", Type.of(Kind.ID).mandatory());
        TYPES.put("streams[].name", Type.of(Kind.STRING));
        TYPES.put("streams[].url", Type.of(Kind.STREAM_URL).mandatory());
        TYPES.put("streams[].decoder", Type.of(Kind.ENUM));
        TYPES.put("streams[].fps", Type.range(Kind.NUMBER, 0.1, 60));
        TYPES.put("streams[].rtsp-transport", Type.of(Kind.ENUM));
        TYPES.put("streams[].loop", Type.of(Kind.BOOL));
        TYPES.put("streams[].stall-timeout", Type.range(Kind.DURATION, 1_000, 3_600_000));
        TYPES.put("models.engine", Type.of(Kind.ENUM));
        TYPES.put("models.embedder", Type.of(Kind.DIR));
        TYPES.put("models.detector", Type.of(Kind.DIR));
        TYPES.put("proposer.kind", Type.of(Kind.ENUM));
        TYPES.put("proposer.min-score", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("proposer.min-size", Type.range(Kind.INT, 1, 4096));
        TYPES.put("proposer.nms-iou", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("proposer.crop-padding", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("proposer.max-proposals", Type.range(Kind.INT, 1, 1024));
        TYPES.put("proposer.tiles", Type.range(Kind.INT, 1, 4));
        TYPES.put("proposer.tile-overlap", Type.range(Kind.NUMBER, 0, 0.5));
        TYPES.put("proposer.join-gap", Type.range(Kind.NUMBER, 0, 4));
        TYPES.put("proposer.zoom-out", Type.range(Kind.NUMBER, 1, 4));
        TYPES.put("proposer.grid.sizes", Type.range(Kind.NUMBERS, 0.01, 1));
        TYPES.put("proposer.grid.stride", Type.range(Kind.NUMBER, 0.1, 1));
        TYPES.put("catalog.dir", Type.of(Kind.DIR));
        TYPES.put("catalog.aggregation", Type.of(Kind.ENUM));
        TYPES.put("catalog.threshold", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("catalog.margin", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("catalog.sync.url", Type.of(Kind.HTTP_URL));
        TYPES.put("catalog.sync.interval", Type.range(Kind.DURATION, 5_000, 7 * 86_400_000.0));
        TYPES.put("catalog.sync.ca-file", Type.of(Kind.FILE));
        TYPES.put("catalog.sync.token-file", Type.of(Kind.SECRET));
        TYPES.put("tracking.iou", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("tracking.min-frames", Type.range(Kind.INT, 1, 1000));
        TYPES.put("tracking.max-gap", Type.range(Kind.INT, 0, 10_000));
        TYPES.put("tracking.window", Type.range(Kind.INT, 1, 1000));
        TYPES.put("tracking.update-interval", Type.range(Kind.DURATION, 1_000, 3_600_000));
        TYPES.put("verify.enabled", Type.of(Kind.BOOL));
        TYPES.put("verify.url", Type.of(Kind.HTTP_URL));
        TYPES.put("verify.model", Type.of(Kind.STRING));
        TYPES.put("verify.api-key-file", Type.of(Kind.SECRET));
        TYPES.put("verify.verify-low", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("verify.accept-high", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("verify.min-confidence", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("verify.timeout", Type.range(Kind.DURATION, 100, 600_000));
        TYPES.put("verify.max-in-flight", Type.range(Kind.INT, 1, 64));
        TYPES.put("verify.budget-per-minute", Type.range(Kind.INT, 1, 100_000));
        TYPES.put("images.max-megapixels", Type.range(Kind.NUMBER, 0.01, 1000));
        TYPES.put("images.min-side", Type.range(Kind.INT, 1, 4096));
        TYPES.put("keypoints.enabled", Type.of(Kind.BOOL));
        TYPES.put("keypoints.every-frames", Type.range(Kind.INT, 1, 10_000));
        TYPES.put("keypoints.min-inliers", Type.range(Kind.INT, 4, 1000));
        TYPES.put("keypoints.ratio", Type.range(Kind.NUMBER, 0.05, 1.0));
        TYPES.put("keypoints.max-side", Type.range(Kind.INT, 64, 8192));
        TYPES.put("keypoints.reference-side", Type.range(Kind.INT, 32, 4096));
        TYPES.put("keypoints.max-features", Type.range(Kind.INT, 16, 100_000));
        TYPES.put("keypoints.veto-below", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("text.enabled", Type.of(Kind.BOOL));
        TYPES.put("text.read-above", Type.range(Kind.NUMBER, -1, 1));
        TYPES.put("text.max-reads", Type.range(Kind.INT, 1, 1000));
        TYPES.put("text.min-confidence", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("text.min-agreement", Type.range(Kind.NUMBER, 0.01, 1));
        TYPES.put("text.accept-above", Type.range(Kind.NUMBER, -1, 1));
        TYPES.put("text.whole-name", Type.range(Kind.NUMBER, 0.01, 1));
        TYPES.put("text.veto", Type.of(Kind.BOOL));
        TYPES.put("text.require-name-below", Type.range(Kind.NUMBER, 0, 1));
        TYPES.put("text.reuse-frames", Type.range(Kind.INT, 0, 100_000));
        TYPES.put("mqtt.broker", Type.of(Kind.BROKER).mandatory());
        TYPES.put("mqtt.embedded-port", Type.range(Kind.INT, 0, 65535));
        TYPES.put("mqtt.topic-prefix", Type.of(Kind.TOPIC_PREFIX));
        TYPES.put("mqtt.client-id", Type.of(Kind.STRING));
        TYPES.put("mqtt.username", Type.of(Kind.STRING));
        TYPES.put("mqtt.password-file", Type.of(Kind.SECRET));
        TYPES.put("mqtt.tls.ca-file", Type.of(Kind.FILE));
        TYPES.put("mqtt.tls.cert-file", Type.of(Kind.FILE));
        TYPES.put("mqtt.tls.key-file", Type.of(Kind.FILE));
        TYPES.put("mqtt.buffer.dir", Type.of(Kind.PATH));
        TYPES.put("mqtt.buffer.max-megabytes", Type.range(Kind.INT, 1, 1_000_000));
        TYPES.put("mqtt.buffer.max-messages", Type.range(Kind.INT, 10, 10_000_000));
        TYPES.put("mqtt.qos.events", Type.range(Kind.INT, 0, 2));
        TYPES.put("mqtt.qos.detections", Type.range(Kind.INT, 0, 2));
        TYPES.put("mqtt.qos.verifications", Type.range(Kind.INT, 0, 2));
        TYPES.put("mqtt.keep-alive", Type.range(Kind.DURATION, 5_000, 1_800_000));
        TYPES.put("mqtt.home-assistant", Type.of(Kind.BOOL));
        TYPES.put("web.host", Type.of(Kind.HOST));
        TYPES.put("web.port", Type.range(Kind.INT, 0, 65535));
        TYPES.put("web.auth-token-file", Type.of(Kind.SECRET));
    }

    /** Keys whose file must exist; a corruption may add them where the file leaves them commented out. */
    private static final List<String> PATH_KEYS = List.of("web.auth-token-file", "mqtt.password-file",
            "verify.api-key-file", "mqtt.tls.ca-file", "catalog.dir", "catalog.sync.ca-file", "models.detector");

    /** The category a corruption belongs to, for coverage counts. */
    public enum Category { WRONG_TYPE, OUT_OF_RANGE, UNKNOWN_KEY, EMPTY_REQUIRED, BAD_URL, MISSING_PATH, FROM_ENVIRONMENT }

    /**
     * One corrupted configuration.
     *
     * @param key  the key path the loader must name, e.g. {@code streams[0].fps}
     * @param yaml the whole file with the one change
     * @param env  environment variables to load it with
     */
    public record Corruption(Category category, String description, String key, String yaml, Map<String, String> env) {
        @Override
        public String toString() {
            return category + " " + key + ": " + description;
        }
    }

    /** A key with a value or a section header, found in the file's text. */
    record Entry(String path, String type, int line, int indent, String value, boolean section) {
    }

    private final List<String> lines;
    private final List<Entry> entries;
    private final Map<String, String> baseEnv;
    private final Set<String> protectedKeys;
    private final Path scratch;

    /**
     * @param yaml          the valid file to corrupt
     * @param baseEnv       environment it loads with (e.g. the model folder override)
     * @param protectedKeys keys not to corrupt in the file, because {@code baseEnv} overrides them
     * @param scratch       folder for files the corruptions point at (empty secret files, plain files)
     */
    public ConfigCorruptions(String yaml, Map<String, String> baseEnv, Set<String> protectedKeys, Path scratch) {
        this.lines = List.of(yaml.split("\n", -1));
        this.entries = parse(lines);
        this.baseEnv = Map.copyOf(baseEnv);
        this.protectedKeys = Set.copyOf(protectedKeys);
        this.scratch = scratch;
    }

    List<Entry> entries() {
        return entries;
    }

    static List<Entry> parse(List<String> lines) {
        List<Entry> found = new ArrayList<>();
        List<int[]> indents = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        Map<String, Integer> items = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            Matcher m = KEY_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            int indent = m.group(1).length();
            boolean item = m.group(2) != null;
            int keyIndent = item ? indent + 2 : indent;
            while (!indents.isEmpty() && indents.getLast()[0] >= (item ? indent : keyIndent)) {
                indents.removeLast();
                paths.removeLast();
            }
            String parent = paths.isEmpty() ? "" : paths.getLast();
            if (item) {
                int index = items.merge(parent, 1, Integer::sum) - 1;
                parent = parent + "[" + index + "]";
                indents.add(new int[] {indent});
                paths.add(parent);
            }
            String path = parent.isEmpty() ? m.group(3) : parent + "." + m.group(3);
            String value = m.group(4) == null ? "" : m.group(4);
            boolean section = value.isEmpty();
            found.add(new Entry(path, path.replaceAll("\\[\\d+]", "[]"), i, keyIndent, value, section));
            if (section) {
                indents.add(new int[] {keyIndent});
                paths.add(path);
            }
        }
        return found;
    }

    /** The file unchanged, as a corruption-free control. */
    public String original() {
        return String.join("\n", lines);
    }

    /** A random single corruption; every call draws from {@code random} only, so a seed repeats a run. */
    public Corruption next(Random random) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            Category category = Category.values()[random.nextInt(Category.values().length)];
            Corruption c = switch (category) {
                case UNKNOWN_KEY -> unknownKey(random);
                case MISSING_PATH -> missingPath(random);
                case FROM_ENVIRONMENT -> fromEnvironment(random);
                default -> valueCorruption(category, random);
            };
            if (c != null) {
                return c;
            }
        }
        throw new IllegalStateException("no corruption applies to this file");
    }

    private List<Entry> leaves(java.util.function.Predicate<Type> fits) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            Type type = TYPES.get(e.type());
            if (type != null && !e.section() && !protectedKeys.contains(e.path()) && fits.test(type)) {
                out.add(e);
            }
        }
        return out;
    }

    private Corruption valueCorruption(Category category, Random random) {
        if (category == Category.BAD_URL && random.nextInt(3) == 0) {
            // URLs the shipped files leave commented out, added with a bad value.
            String key = random.nextBoolean() ? "verify.url" : "catalog.sync.url";
            List<String> options = values(category, TYPES.get(key), random);
            String value = options.get(random.nextInt(options.size()));
            String yaml = set(key, value);
            return yaml == null ? null : new Corruption(category, key + " added as " + value, key, yaml, baseEnv);
        }
        List<Entry> candidates = leaves(t -> !values(category, t, random).isEmpty());
        if (candidates.isEmpty()) {
            return null;
        }
        Entry e = candidates.get(random.nextInt(candidates.size()));
        List<String> options = values(category, TYPES.get(e.type()), random);
        String value = options.get(random.nextInt(options.size()));
        return new Corruption(category, e.path() + ": " + e.value() + " -> " + value, e.path(), replace(e, value), baseEnv);
    }

    /** Bad replacement values of one category for a key of this type; empty when none applies. */
    private List<String> values(Category category, Type type, Random random) {
        return switch (category) {
            case WRONG_TYPE -> switch (type.kind()) {
                case INT -> List.of("ten", "1.5", "[1, 2]", "{a: 1}", "12abc");
                case NUMBER -> List.of("abc", "NaN", "[0.5]", "{a: 1}", "1,5");
                case BOOL -> List.of("maybe", "2", "[true]", "{a: 1}");
                case ENUM -> List.of("bogus", "[onnx]", "{a: 1}");
                case DURATION -> List.of("soon", "10", "-5s", "10 minutes", "[10s]");
                case NUMBERS -> List.of("abc", "{a: 1}", "[0.5, abc]", "[]");
                case LIST -> List.of("east", "{id: east}", "5");
                case ID -> List.of("\"has space\"", "a/b", "-start", "x".repeat(65), "[a]");
                case HOST -> List.of("\"bad host!\"", "a/b", "[h]");
                case TOPIC_PREFIX -> List.of("a/#", "a/+/b", "a/", "[a]");
                default -> List.of("[1, 2]", "{a: 1}");
            };
            case OUT_OF_RANGE -> switch (type.kind()) {
                case INT -> List.of(Long.toString((long) type.max() + 1 + random.nextInt(1000)),
                        Long.toString((long) type.min() - 1 - random.nextInt(1000)), "99999999999");
                case NUMBER -> List.of(Double.toString(type.max() + 0.5 + random.nextInt(100)),
                        Double.toString(type.min() > 0 ? type.min() / 2 : type.min() - 0.5), "Infinity", "-Infinity");
                case DURATION -> List.of(Math.round(type.min() / 2) + "ms", Math.round(type.max() * 2) + "ms");
                case NUMBERS -> List.of("[0.5, 1.5]", "[0.001]", "[-0.2, 0.3]");
                default -> List.of();
            };
            case EMPTY_REQUIRED -> type.required() ? List.of("\"\"", "") : List.of();
            case BAD_URL -> switch (type.kind()) {
                case BROKER -> List.of("tcp//broker:1883", "http://broker:1883", "tcp://broker", "tcp://u:pw@broker:1883",
                        "tcp://:1883", "tcp://broker:99999", "\"tcp://bad host:1883\"", "mqtt://broker:1883");
                case HTTP_URL -> List.of("ftp://host/v1", "http//host/v1", "http://", "http://u:pw@host/v1",
                        "\"http://bad host/v1\"", "host:8000/v1");
                case STREAM_URL -> List.of("ftp://host/x", "rtsp://", "\"rtsp://bad host/x\"", "gopher://cam/x",
                        "clips/none-" + random.nextInt(1000) + ".mp4", "rtsp:///nohost");
                default -> List.of();
            };
            default -> List.of();
        };
    }

    private String replace(Entry e, String value) {
        List<String> out = new ArrayList<>(lines);
        String line = out.get(e.line());
        Matcher m = KEY_LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalStateException("line " + e.line() + " is no longer a key line: " + line);
        }
        String prefix = m.group(1) + (m.group(2) == null ? "" : m.group(2)) + m.group(3) + ":";
        out.set(e.line(), value.isEmpty() ? prefix : prefix + " " + value);
        return String.join("\n", out);
    }

    private String insertAfter(int line, String text) {
        List<String> out = new ArrayList<>(lines);
        out.add(line + 1, text);
        return String.join("\n", out);
    }

    /** A misspelt or invented key next to a real one, at the same level. */
    private Corruption unknownKey(Random random) {
        Entry e = entries.get(random.nextInt(entries.size()));
        String name = e.path().substring(e.path().lastIndexOf('.') + 1).replaceAll("\\[\\d+]", "");
        String typo = switch (random.nextInt(4)) {
            case 0 -> name + "x";
            case 1 -> name.replace('-', '_').equals(name) ? name + "s" : name.replace('-', '_');
            case 2 -> name.length() > 3 ? name.substring(0, name.length() - 1) + "z" : name + "z";
            default -> "colour";
        };
        String parent = e.path().contains(".") ? e.path().substring(0, e.path().lastIndexOf('.')) : "";
        String key = parent.isEmpty() ? typo : parent + "." + typo;
        // Placed after the last line of the entry (its section's children included).
        int last = e.line();
        if (e.section()) {
            for (Entry child : entries) {
                if (child.path().startsWith(e.path() + ".") || child.path().startsWith(e.path() + "[")) {
                    last = Math.max(last, child.line());
                }
            }
        }
        String yaml = insertAfter(last, " ".repeat(e.indent()) + typo + ": 1");
        return new Corruption(Category.UNKNOWN_KEY, "'" + typo + "' beside '" + e.path() + "'", key, yaml, baseEnv);
    }

    /** A path key set to a file or folder that is not there (or a secret file that is empty). */
    private Corruption missingPath(Random random) {
        String key = PATH_KEYS.get(random.nextInt(PATH_KEYS.size()));
        if (protectedKeys.contains(key)) {
            return null;
        }
        String value;
        String what;
        int roll = random.nextInt(3);
        if (roll == 0 && key.endsWith("-file") && !key.contains("tls") && !key.contains("ca-file")) {
            Path empty = file("empty-secret-" + random.nextInt(1_000_000), "  \n");
            value = empty.toString();
            what = "an empty secret file";
        } else if (roll == 1 && (key.equals("catalog.dir") || key.equals("models.detector"))) {
            value = file("plain-file-" + random.nextInt(1_000_000), "x").toString();
            what = "a file where a folder belongs";
        } else {
            value = "/nonexistent/logowatch-" + random.nextInt(1_000_000) + "/" + key.substring(key.lastIndexOf('.') + 1);
            what = "a missing path";
        }
        String yaml = set(key, value);
        return yaml == null ? null : new Corruption(Category.MISSING_PATH, key + " -> " + what, key, yaml, baseEnv);
    }

    /** Writes {@code key: value} where the key is, or adds it to its section. */
    private String set(String key, String value) {
        for (Entry e : entries) {
            if (e.path().equals(key) && !e.section()) {
                return replace(e, value);
            }
        }
        String parent = key.substring(0, key.lastIndexOf('.'));
        String name = key.substring(key.lastIndexOf('.') + 1);
        for (Entry e : entries) {
            if (e.path().equals(parent) && e.section()) {
                int childIndent = e.indent() + 2;
                return insertAfter(e.line(), " ".repeat(childIndent) + name + ": " + value);
            }
        }
        return null;
    }

    /** A bad value for a key that the file holds, given as LOGOWATCH_… instead. */
    private Corruption fromEnvironment(Random random) {
        // Keys the base environment already overrides are fair game here: the bad value replaces the good one.
        List<Entry> candidates = new ArrayList<>();
        for (Entry e : entries) {
            Type t = TYPES.get(e.type());
            if (t != null && !e.section() && switch (t.kind()) {
                case INT, NUMBER, BOOL, ENUM, DURATION, BROKER, DIR -> true;
                default -> false;
            }) {
                candidates.add(e);
            }
        }
        Entry e = candidates.get(random.nextInt(candidates.size()));
        String value = switch (TYPES.get(e.type()).kind()) {
            case INT -> "-7.5";
            case NUMBER -> "lots";
            case BOOL -> "perhaps";
            case ENUM -> "other";
            case DURATION -> "forever";
            case BROKER -> "tcp://no-port-here";
            default -> "/nonexistent/from-env";
        };
        String variable = "LOGOWATCH_" + e.path().toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]+", "_")
                .replaceAll("_+$", "");
        Map<String, String> env = new LinkedHashMap<>(baseEnv);
        env.put(variable, value);
        return new Corruption(Category.FROM_ENVIRONMENT, variable + "=" + value, e.path(), original(), env);
    }

    private Path file(String name, String content) {
        try {
            return Files.writeString(scratch.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
