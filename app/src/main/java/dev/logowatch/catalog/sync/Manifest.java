package dev.logowatch.catalog.sync;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.image.ImageFile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sync manifest a catalog server publishes as {@code manifest.json} (a contract):
 * <pre>
 * {"version": "2026-11-23.3",
 *  "brands": [{"id": "nike", "display_name": "Nike", "threshold": 0.8, "margin": 0.05, "verify": "borderline",
 *              "files": [{"path": "nike/logo.png", "sha256": "…", "size": 12345}]}]}
 * </pre>
 * {@code display_name}, {@code threshold}, {@code margin} and {@code verify} are optional;
 * unknown fields are ignored so servers can add some. Every file path is
 * {@code <brand id>/<file name>} relative to the manifest's URL and is also where the file
 * lands in the device's catalog folder, so paths are checked strictly: no {@code ..}, no
 * absolute paths, no backslashes, no hidden files, only the image names
 * {@link ImageFile#EXTENSIONS} the catalog reads.
 *
 * @param version names the catalog on devices, in MQTT and on the status page; also a folder name
 * @param brands  at least one, ids unique
 */
public record Manifest(String version, List<BrandEntry> brands) {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_.+-]{1,100}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_NAME_BYTES = 200;

    public Manifest {
        brands = List.copyOf(brands);
    }

    /**
     * One brand: its settings (written to the device's {@code brand.json}) and its reference images.
     *
     * @param verify empty to leave the device's default
     */
    public record BrandEntry(String id, String displayName, OptionalDouble threshold, OptionalDouble margin,
                             Optional<VerifyPolicy> verify, List<FileEntry> files) {
        public BrandEntry {
            files = List.copyOf(files);
        }
    }

    /**
     * @param path   {@code <brand id>/<file name>}
     * @param sha256 lower-case hex of the file's bytes
     * @param size   in bytes
     */
    public record FileEntry(String path, String sha256, long size) {
    }

    /** The manifest cannot be used; the message names the field and what is wrong. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /**
     * Parses and checks a manifest.
     *
     * @param maxFileBytes files declared larger than this are refused
     * @throws Invalid for malformed JSON, a missing or mistyped field, an unsafe path, a duplicate
     */
    public static Manifest parse(byte[] json, long maxFileBytes) throws Invalid {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            String message = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source.*?\\]\\)", "");
            throw new Invalid("not valid JSON (" + message + " at line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()) + ")");
        } catch (java.io.IOException e) {
            throw new Invalid("unreadable (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("must be a JSON object with \"version\" and \"brands\"");
        }
        String version = text(root, "version", "version");
        if (!isValidVersion(version)) {
            throw new Invalid("version '" + shorten(version) + "' must be 1-100 letters, digits, '.', '_', '+' or '-', "
                    + "not starting with '.'");
        }
        JsonNode brandsNode = root.get("brands");
        if (brandsNode == null || !brandsNode.isArray()) {
            throw new Invalid("brands: missing or not a list");
        }
        if (brandsNode.isEmpty()) {
            throw new Invalid("brands: the list is empty; an update would leave the device without a catalog");
        }
        List<BrandEntry> brands = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> paths = new HashSet<>();
        for (int b = 0; b < brandsNode.size(); b++) {
            BrandEntry brand = brand(brandsNode.get(b), "brands[" + b + "]", maxFileBytes, paths);
            if (!ids.add(brand.id())) {
                throw new Invalid("brands[" + b + "].id: brand '" + brand.id() + "' is listed twice");
            }
            brands.add(brand);
        }
        return new Manifest(version, brands);
    }

    private static BrandEntry brand(JsonNode node, String where, long maxFileBytes, Set<String> paths)
            throws Invalid {
        if (node == null || !node.isObject()) {
            throw new Invalid(where + ": must be an object with \"id\" and \"files\"");
        }
        String id = text(node, "id", where + ".id");
        if (!Brand.isValidId(id)) {
            throw new Invalid(where + ".id '" + shorten(id) + "': a brand id is 1-100 letters, digits, '-', '_' or '.', "
                    + "not starting with '.'");
        }
        where = where + " (" + id + ")";
        String displayName = id;
        JsonNode name = node.get("display_name");
        if (name != null && !name.isNull()) {
            if (!name.isTextual() || name.asText().isBlank() || name.asText().length() > 200) {
                throw new Invalid(where + ".display_name: must be a non-empty text of at most 200 characters");
            }
            displayName = name.asText().strip();
        }
        OptionalDouble threshold = unit(node, "threshold", where);
        OptionalDouble margin = unit(node, "margin", where);
        Optional<VerifyPolicy> verify = Optional.empty();
        JsonNode verifyNode = node.get("verify");
        if (verifyNode != null && !verifyNode.isNull()) {
            verify = verifyNode.isTextual() ? VerifyPolicy.parse(verifyNode.asText()) : Optional.empty();
            if (verify.isEmpty()) {
                throw new Invalid(where + ".verify: must be \"always\", \"never\" or \"borderline\"");
            }
        }
        JsonNode filesNode = node.get("files");
        if (filesNode == null || !filesNode.isArray()) {
            throw new Invalid(where + ".files: missing or not a list");
        }
        if (filesNode.isEmpty()) {
            throw new Invalid(where + ".files: no reference image; every brand needs at least one");
        }
        List<FileEntry> files = new ArrayList<>();
        for (int f = 0; f < filesNode.size(); f++) {
            String at = where + ".files[" + f + "]";
            JsonNode file = filesNode.get(f);
            if (file == null || !file.isObject()) {
                throw new Invalid(at + ": must be an object with \"path\", \"sha256\" and \"size\"");
            }
            String path = text(file, "path", at + ".path");
            Optional<String> pathProblem = pathProblem(id, path);
            if (pathProblem.isPresent()) {
                throw new Invalid(at + ".path '" + shorten(path) + "': " + pathProblem.get());
            }
            if (!paths.add(path)) {
                throw new Invalid(at + ".path '" + path + "' is listed twice");
            }
            String sha = text(file, "sha256", at + ".sha256").toLowerCase(Locale.ROOT);
            if (!SHA256.matcher(sha).matches()) {
                throw new Invalid(at + ".sha256: must be 64 hexadecimal digits");
            }
            JsonNode sizeNode = file.get("size");
            if (sizeNode == null || !sizeNode.canConvertToLong() || !sizeNode.isIntegralNumber() || sizeNode.asLong() < 0) {
                throw new Invalid(at + ".size: missing or not a whole number of bytes");
            }
            long size = sizeNode.asLong();
            if (size > maxFileBytes) {
                throw new Invalid(at + " '" + path + "' is " + SyncLimits.describe(size) + ", more than the "
                        + SyncLimits.describe(maxFileBytes) + " a reference image may have");
            }
            files.add(new FileEntry(path, sha, size));
        }
        return new BrandEntry(id, displayName, threshold, margin, verify, files);
    }

    /**
     * Why a manifest path cannot be used, or empty when it is a plain {@code <brand>/<file>}.
     * Shared with {@code catalog build}, so a server never publishes what devices refuse.
     */
    static Optional<String> pathProblem(String brandId, String path) {
        String expected = "must be '" + brandId + "/<file name>', a file directly in the brand's folder";
        if (path.indexOf('\\') >= 0) {
            return Optional.of("backslashes are not allowed; " + expected);
        }
        if (path.startsWith("/")) {
            return Optional.of("absolute paths are not allowed; " + expected);
        }
        String[] segments = path.split("/", -1);
        if (segments.length != 2 || !segments[0].equals(brandId)) {
            return Optional.of(expected);
        }
        String name = segments[1];
        if (name.isEmpty() || name.startsWith(".")) {
            return Optional.of("the file name may not be empty or start with '.'; " + expected);
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return Optional.of("the file name is longer than " + MAX_NAME_BYTES + " bytes");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return Optional.of("the file name contains a control character");
            }
        }
        if (!ImageFile.hasImageName(name)) {
            return Optional.of("only " + ImageFile.EXTENSION_LIST + " reference images are synced");
        }
        return Optional.empty();
    }

    /** Whether a text can be a catalog version: it names a folder on the device. */
    public static boolean isValidVersion(String version) {
        return version != null && VERSION.matcher(version).matches() && !version.startsWith(".");
    }

    /** Every file of every brand. */
    public List<FileEntry> files() {
        return brands.stream().flatMap(b -> b.files().stream()).toList();
    }

    public long totalBytes() {
        return files().stream().mapToLong(FileEntry::size).sum();
    }

    /** Same brands, settings and files; the version and the order of brands and files aside. */
    boolean sameContent(Manifest other) {
        return canonical(this).equals(canonical(other));
    }

    private static Map<String, List<Object>> canonical(Manifest m) {
        Map<String, List<Object>> out = new HashMap<>();
        for (BrandEntry b : m.brands) {
            BrandEntry settings = new BrandEntry(b.id(), b.displayName(), b.threshold(), b.margin(), b.verify(), List.of());
            out.put(b.id(), List.of(settings, new HashSet<>(b.files())));
        }
        return out;
    }

    /** The manifest as its JSON contract, indented, ending in a newline. */
    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", version);
        ArrayNode list = root.putArray("brands");
        for (BrandEntry b : brands) {
            ObjectNode brand = list.addObject();
            brand.put("id", b.id());
            brand.put("display_name", b.displayName());
            b.threshold().ifPresent(v -> brand.put("threshold", v));
            b.margin().ifPresent(v -> brand.put("margin", v));
            b.verify().ifPresent(v -> brand.put("verify", v.wireName()));
            ArrayNode files = brand.putArray("files");
            for (FileEntry f : b.files()) {
                files.addObject().put("path", f.path()).put("sha256", f.sha256()).put("size", f.size());
            }
        }
        return (root.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code brand.json} a device writes for a brand: the settings the manifest gives, nothing else. */
    static byte[] brandJson(BrandEntry b) {
        ObjectNode node = JSON.createObjectNode();
        node.put("display_name", b.displayName());
        b.threshold().ifPresent(v -> node.put("threshold", v));
        b.margin().ifPresent(v -> node.put("margin", v));
        b.verify().ifPresent(v -> node.put("verify", v.wireName()));
        return (node.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String text(JsonNode node, String field, String where) throws Invalid {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new Invalid(where + ": missing");
        }
        if (!value.isTextual()) {
            throw new Invalid(where + ": must be a text, got " + shorten(value.toString()));
        }
        return value.asText();
    }

    private static OptionalDouble unit(JsonNode node, String field, String where) throws Invalid {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > 1) {
            throw new Invalid(where + "." + field + ": must be a number from 0 to 1, got " + shorten(value.toString()));
        }
        return OptionalDouble.of(value.asDouble());
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
