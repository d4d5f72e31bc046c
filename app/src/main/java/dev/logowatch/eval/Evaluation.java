package dev.logowatch.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.publish.Payloads;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Scores what the recogniser found in labelled images, image by image, as the contract of
 * {@code logowatch eval} defines:
 * <ul>
 *   <li>image level: a brand predicted for an image (any accepted match) against the brands
 *   labelled; in an image labelled {@code "exhaustive": false}, a predicted brand that is not
 *   labelled counts as neither right nor wrong;</li>
 *   <li>box level, for images with boxes: accepted matches, duplicates of one logo removed as
 *   the service removes them ({@link Matcher#distinct}), paired greedily with labelled boxes of
 *   the same brand at IoU ≥ 0.5;</li>
 *   <li>a threshold sweep at image level, keeping the configured margin;</li>
 *   <li>the similarity of each brand's best match in each image, split by whether the brand
 *   is really there ("right") or not ("wrong").</li>
 * </ul>
 * An image that cannot be read is {@linkplain #skip skipped}: listed with its reason and
 * left out of every figure, never scored as an image in which nothing was found.
 */
public final class Evaluation {
    static final double BOX_IOU = 0.5;
    private static final double SWEEP_FROM = 0.30;
    private static final double SWEEP_STEP = 0.05;
    private static final int BINS = 20;

    private final double margin;
    private final Map<String, Counts> imageByBrand = new TreeMap<>();
    private Counts image = Counts.ZERO;
    private Counts box = Counts.ZERO;
    private boolean anyBoxes;
    private final List<Counts> sweep = new ArrayList<>();
    private final long[] right = new long[BINS];
    private final long[] wrong = new long[BINS];
    private int images;
    private final List<Skipped> skipped = new ArrayList<>();

    /** A test image left out of the figures, and why. */
    public record Skipped(String image, String reason) {
    }

    /** @param margin the configured margin over the runner-up brand, kept fixed in the sweep */
    public Evaluation(double margin) {
        this.margin = margin;
        for (double t = SWEEP_FROM; t <= 0.951; t += SWEEP_STEP) {
            sweep.add(Counts.ZERO);
        }
    }

    /** Adds one image: its labels and every match the recogniser produced in it. */
    public void add(Dataset.Item item, List<Match> matches) {
        images++;
        Set<String> predicted = new TreeSet<>();
        Map<String, Double> best = new HashMap<>();
        // Keypoint sightings and names read are accepted whatever the threshold, and what keypoints
        // or text contradict is rejected whatever it: the sweep moves the similarity threshold only.
        Set<String> sighted = new HashSet<>();
        Map<String, Double> sweepable = new HashMap<>();
        for (Match m : matches) {
            if (m.accepted()) {
                predicted.add(m.brand());
                // Keypoints and text can accept below the threshold; the sweep leaves those in.
                if (m.keypointInliers() > 0 || m.similarity() < m.threshold() - 1e-6) {
                    sighted.add(m.brand());
                }
            }
            if (m.margin() >= margin) {
                best.merge(m.brand(), m.similarity(), Math::max);
                if (m.decision() != Match.Decision.KEYPOINTS_DISAGREE && m.decision() != Match.Decision.TEXT_DISAGREES) {
                    sweepable.merge(m.brand(), m.similarity(), Math::max);
                }
            }
        }
        Set<String> truth = item.brands();
        for (String brand : union(predicted, truth)) {
            Counts c = score(predicted.contains(brand), truth.contains(brand), item.exhaustive());
            image = image.plus(c);
            imageByBrand.merge(brand, c, Counts::plus);
        }
        for (int i = 0; i < sweep.size(); i++) {
            double threshold = SWEEP_FROM + i * SWEEP_STEP;
            Set<String> at = new HashSet<>(sighted);
            sweepable.forEach((brand, sim) -> {
                if (sim >= threshold - 1e-9) {
                    at.add(brand);
                }
            });
            Counts c = Counts.ZERO;
            for (String brand : union(at, truth)) {
                c = c.plus(score(at.contains(brand), truth.contains(brand), item.exhaustive()));
            }
            sweep.set(i, sweep.get(i).plus(c));
        }
        best.forEach((brand, sim) -> {
            int bin = Math.min(BINS - 1, Math.max(0, (int) Math.floor(sim * BINS)));
            if (truth.contains(brand)) {
                right[bin]++;
            } else if (item.exhaustive()) {
                wrong[bin]++;
            }
        });
        if (item.hasBoxes()) {
            anyBoxes = true;
            box = box.plus(scoreBoxes(item, Matcher.distinct(matches).stream().filter(Match::accepted).toList()));
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Counts score(boolean predicted, boolean present, boolean exhaustive) {
        if (predicted && present) {
            return new Counts(1, 0, 0);
        }
        if (present) {
            return new Counts(0, 0, 1);
        }
        return exhaustive ? new Counts(0, 1, 0) : Counts.ZERO;
    }

    private static Counts scoreBoxes(Dataset.Item item, List<Match> predictions) {
        List<Dataset.LabelledBox> open = new ArrayList<>(item.boxes());
        long tp = 0;
        long fp = 0;
        for (Match p : predictions) {
            Dataset.LabelledBox hit = null;
            double bestIou = BOX_IOU;
            for (Dataset.LabelledBox t : open) {
                double iou = t.box().iou(p.box());
                if (t.brand().equals(p.brand()) && iou >= bestIou) {
                    bestIou = iou;
                    hit = t;
                }
            }
            if (hit != null) {
                open.remove(hit);
                tp++;
            } else if (item.exhaustive() || item.brands().contains(p.brand())) {
                fp++;
            }
        }
        return new Counts(tp, fp, open.size());
    }

    /** Leaves a labelled image out: it could not be read. */
    public void skip(Dataset.Item item, String reason) {
        skipped.add(new Skipped(item.name(), reason));
    }

    public List<Skipped> skipped() {
        return List.copyOf(skipped);
    }

    public Counts image() {
        return image;
    }

    public Counts box() {
        return box;
    }

    public int images() {
        return images;
    }

    public ObjectNode toJson(double seconds) {
        ObjectNode root = Payloads.JSON.createObjectNode();
        ObjectNode overall = root.putObject("overall");
        overall.set("image", json(image));
        if (anyBoxes) {
            overall.set("box", json(box));
        }
        ObjectNode brands = root.putObject("brands");
        imageByBrand.forEach((brand, c) -> brands.putObject(brand).set("image", json(c)));
        ArrayNode sweepNode = root.putArray("sweep");
        for (int i = 0; i < sweep.size(); i++) {
            Counts c = sweep.get(i);
            ObjectNode row = sweepNode.addObject();
            row.put("threshold", round(SWEEP_FROM + i * SWEEP_STEP));
            row.put("precision", round(c.precision()));
            row.put("recall", round(c.recall()));
            row.put("f1", round(c.f1()));
        }
        ObjectNode dist = root.putObject("similarity");
        ArrayNode edges = dist.putArray("bins");
        ArrayNode r = dist.putArray("right");
        ArrayNode w = dist.putArray("wrong");
        for (int i = 0; i < BINS; i++) {
            edges.add(round((double) i / BINS));
            r.add(right[i]);
            w.add(wrong[i]);
        }
        root.put("images", images);
        ArrayNode skippedNode = root.putArray("skipped");
        for (Skipped s : skipped) {
            skippedNode.addObject().put("image", s.image()).put("reason", s.reason());
        }
        root.put("seconds", round(seconds));
        return root;
    }

    private static ObjectNode json(Counts c) {
        ObjectNode node = Payloads.JSON.createObjectNode();
        node.put("precision", round(c.precision()));
        node.put("recall", round(c.recall()));
        node.put("f1", round(c.f1()));
        node.put("tp", c.tp());
        node.put("fp", c.fp());
        node.put("fn", c.fn());
        return node;
    }

    /** The report as text for the terminal. */
    public String toText(double seconds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d images in %.1f s", images, seconds));
        out.append(skipped.isEmpty() ? String.format("%n%n")
                : String.format(Locale.ROOT, "; %d skipped, not counted (listed at the end)%n%n", skipped.size()));
        out.append(String.format(Locale.ROOT, "%-24s %9s %9s %9s %6s %6s %6s%n", "", "precision", "recall", "F1",
                "TP", "FP", "FN"));
        out.append(row("overall (image)", image));
        if (anyBoxes) {
            out.append(row("overall (box, IoU≥0.5)", box));
        }
        out.append('\n');
        imageByBrand.forEach((brand, c) -> out.append(row(brand, c)));
        out.append(String.format(Locale.ROOT, "%nthreshold sweep (image level, margin %.2f)%n", margin));
        out.append(String.format(Locale.ROOT, "%9s %9s %9s %9s%n", "threshold", "precision", "recall", "F1"));
        for (int i = 0; i < sweep.size(); i++) {
            Counts c = sweep.get(i);
            out.append(String.format(Locale.ROOT, "%9.2f %9.3f %9.3f %9.3f%n", SWEEP_FROM + i * SWEEP_STEP,
                    c.precision(), c.recall(), c.f1()));
        }
        out.append(String.format(Locale.ROOT, "%nbest similarity per brand and image: right (brand present) / wrong%n"));
        for (int i = 0; i < BINS; i++) {
            if (right[i] + wrong[i] > 0) {
                out.append(String.format(Locale.ROOT, "  %.2f–%.2f %6d %6d%n", (double) i / BINS, (double) (i + 1) / BINS,
                        right[i], wrong[i]));
            }
        }
        if (!skipped.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%nskipped images (%d), not in any figure above%n", skipped.size()));
            for (Skipped s : skipped) {
                out.append("  ").append(s.image()).append(": ").append(s.reason()).append(System.lineSeparator());
            }
        }
        return out.toString();
    }

    private static String row(String name, Counts c) {
        return String.format(Locale.ROOT, "%-24s %9.3f %9.3f %9.3f %6d %6d %6d%n", name, c.precision(), c.recall(),
                c.f1(), c.tp(), c.fp(), c.fn());
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
