package dev.logowatch.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.engine.Box;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A labelled dataset for {@code logowatch eval}:
 * <pre>
 * DATASET/catalog/&lt;brand&gt;/*.png|jpg   reference images
 * DATASET/images/…                      test images
 * DATASET/labels.jsonl                  {"image", "brands", "boxes"?: [{"brand", "box": [x1,y1,x2,y2]}], "exhaustive"?}
 * </pre>
 * Every malformed line is reported with file:line and the reason; reading stops only after
 * the whole file has been checked, so all mistakes are found in one run.
 */
public record Dataset(Path dir, Path catalog, List<Item> items) {

    /** One labelled image: the brands visible in it and, optionally, where. */
    public record Item(Path image, String name, Set<String> brands, List<LabelledBox> boxes, boolean exhaustive,
                       boolean hasBoxes) {
    }

    public record LabelledBox(String brand, Box box) {
    }

    /** The dataset cannot be used; carries every problem found. */
    public static final class DatasetException extends RuntimeException {
        private final List<String> problems;

        public DatasetException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("image", "brands", "boxes", "exhaustive");

    public static Dataset read(Path dir) {
        List<String> problems = new ArrayList<>();
        Path catalog = dir.resolve("catalog");
        Path labels = dir.resolve("labels.jsonl");
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(List.of(dir + ": dataset folder not found"));
        }
        if (!Files.isDirectory(catalog)) {
            problems.add(catalog + ": catalog folder not found (DATASET/catalog/<brand>/*.png)");
        }
        if (!Files.isRegularFile(labels)) {
            problems.add(labels + ": labels file not found (one JSON object per line)");
            throw new DatasetException(problems);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(labels, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException(List.of(labels + ": cannot read: " + e.getMessage()));
        }
        List<Item> items = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = labels + ":" + (i + 1) + ": ";
            try {
                Item item = parse(dir, JSON.readTree(line), where, problems);
                if (item != null && !seen.add(item.name())) {
                    problems.add(where + "image '" + item.name() + "' is labelled twice");
                } else if (item != null) {
                    items.add(item);
                }
            } catch (IOException e) {
                problems.add(where + "not valid JSON: " + firstLine(e.getMessage()));
            }
        }
        if (items.isEmpty() && problems.isEmpty()) {
            problems.add(labels + ": no labelled images");
        }
        if (!problems.isEmpty()) {
            throw new DatasetException(problems);
        }
        return new Dataset(dir, catalog, List.copyOf(items));
    }

    private static String firstLine(String message) {
        return message == null ? "unreadable" : message.lines().findFirst().orElse(message);
    }

    private static Item parse(Path dir, JsonNode node, String where, List<String> problems) {
        if (!node.isObject()) {
            problems.add(where + "expected a JSON object");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                problems.add(where + "unknown field '" + key + "' (known: image, brands, boxes, exhaustive)");
            }
        }
        JsonNode imageNode = node.get("image");
        String name = imageNode != null && imageNode.isTextual() ? imageNode.asText() : null;
        Path image = null;
        if (name == null || name.isBlank()) {
            problems.add(where + "'image' must be a path relative to the dataset, e.g. \"images/a.jpg\"");
        } else {
            image = dir.resolve(name).normalize();
            if (!image.startsWith(dir.normalize())) {
                problems.add(where + "image '" + name + "' points outside the dataset folder");
            } else if (!Files.isRegularFile(image)) {
                problems.add(where + "image file not found: " + image);
            }
        }
        Set<String> brands = new LinkedHashSet<>();
        JsonNode brandsNode = node.get("brands");
        if (brandsNode == null || !brandsNode.isArray()) {
            problems.add(where + "'brands' must be a list of brand ids ([] for an image without logos)");
        } else {
            for (JsonNode b : brandsNode) {
                if (!b.isTextual() || b.asText().isBlank()) {
                    problems.add(where + "'brands' entries must be brand ids (strings), got " + b);
                } else {
                    brands.add(b.asText());
                }
            }
        }
        List<LabelledBox> boxes = new ArrayList<>();
        JsonNode boxesNode = node.get("boxes");
        if (boxesNode != null && !boxesNode.isArray()) {
            problems.add(where + "'boxes' must be a list of {\"brand\", \"box\": [x1, y1, x2, y2]}");
        } else if (boxesNode != null) {
            for (JsonNode b : boxesNode) {
                LabelledBox box = parseBox(b, where, problems);
                if (box != null) {
                    if (!brands.contains(box.brand())) {
                        problems.add(where + "box of brand '" + box.brand() + "' which is not in 'brands'");
                    }
                    boxes.add(box);
                }
            }
        }
        boolean exhaustive = true;
        JsonNode ex = node.get("exhaustive");
        if (ex != null) {
            if (!ex.isBoolean()) {
                problems.add(where + "'exhaustive' must be true or false");
            } else {
                exhaustive = ex.asBoolean();
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new Item(image, name, Set.copyOf(brands), List.copyOf(boxes), exhaustive, boxesNode != null);
    }

    private static LabelledBox parseBox(JsonNode b, String where, List<String> problems) {
        JsonNode brand = b.get("brand");
        JsonNode box = b.get("box");
        if (brand == null || !brand.isTextual() || box == null || !box.isArray() || box.size() != 4) {
            problems.add(where + "each box needs \"brand\" and \"box\": [x1, y1, x2, y2], got " + b);
            return null;
        }
        for (JsonNode v : box) {
            if (!v.isNumber()) {
                problems.add(where + "box coordinates must be numbers (pixels), got " + box);
                return null;
            }
        }
        double x1 = box.get(0).asDouble();
        double y1 = box.get(1).asDouble();
        double x2 = box.get(2).asDouble();
        double y2 = box.get(3).asDouble();
        if (x2 <= x1 || y2 <= y1 || x1 < 0 || y1 < 0) {
            problems.add(where + "box " + box + " is empty or has corners out of order (x1 < x2, y1 < y2, both >= 0)");
            return null;
        }
        return new LabelledBox(brand.asText(), new Box(x1, y1, x2, y2));
    }
}
