package dev.logowatch.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.detect.Proposal;
import dev.logowatch.engine.Box;
import dev.logowatch.publish.Payloads;

import java.util.List;
import java.util.Locale;

/**
 * How many labelled logos the proposer puts a box on (IoU ≥ 0.5), by logo size: what
 * recognition can find at best, since a logo without a proposal is never embedded. Size is
 * the box's smaller side in pixels, so a long thin wordmark counts as small. Beside it, the
 * share with a proposal at IoU ≥ 0.3 ("loose"): logos the proposer sees but boxes badly (too
 * large, a part, or two marks in one) rather than misses outright.
 */
public final class ProposalRecall {
    static final double IOU = 0.5;
    static final double LOOSE_IOU = 0.3;
    /** Lower edges of the size bins, in pixels of the smaller side. */
    private static final int[] EDGES = {0, 16, 24, 48, 96, 192};
    /** The size from which the product aims to find logos. */
    public static final int TARGET_SIDE = 24;

    private final long[] logos = new long[EDGES.length];
    private final long[] found = new long[EDGES.length];
    private final long[] loose = new long[EDGES.length];
    private long images;
    private long proposals;

    /** Adds one image: its labelled boxes (any brand) and what the proposer returned for it. */
    public void add(Dataset.Item item, List<Proposal> proposed) {
        images++;
        proposals += proposed.size();
        for (Dataset.LabelledBox labelled : item.boxes()) {
            Box truth = labelled.box();
            int bin = bin(Math.min(truth.width(), truth.height()));
            logos[bin]++;
            double best = 0;
            for (Proposal p : proposed) {
                best = Math.max(best, p.box().iou(truth));
            }
            if (best >= IOU) {
                found[bin]++;
            }
            if (best >= LOOSE_IOU) {
                loose[bin]++;
            }
        }
    }

    private static int bin(double side) {
        int bin = 0;
        for (int i = 0; i < EDGES.length; i++) {
            if (side >= EDGES[i]) {
                bin = i;
            }
        }
        return bin;
    }

    public long images() {
        return images;
    }

    /** Recall over logos whose smaller side is at least {@code side} px (a bin edge). */
    public double recallFrom(int side) {
        return share(found, side);
    }

    /** As {@link #recallFrom(int)}, with a proposal at IoU ≥ 0.3 enough. */
    public double looseRecallFrom(int side) {
        return share(loose, side);
    }

    private double share(long[] hits, int side) {
        long n = 0;
        long f = 0;
        for (int i = 0; i < EDGES.length; i++) {
            if (EDGES[i] >= side) {
                n += logos[i];
                f += hits[i];
            }
        }
        return n == 0 ? 0 : (double) f / n;
    }

    public ObjectNode toJson(double seconds) {
        ObjectNode root = Payloads.JSON.createObjectNode();
        root.put("iou", IOU);
        root.put("images", images);
        root.put("proposals_per_image", images == 0 ? 0 : Math.round(proposals * 100.0 / images) / 100.0);
        root.put("recall_from_" + TARGET_SIDE + "px", round(recallFrom(TARGET_SIDE)));
        root.put("recall", round(recallFrom(0)));
        root.put("loose_iou", LOOSE_IOU);
        root.put("loose_recall_from_" + TARGET_SIDE + "px", round(looseRecallFrom(TARGET_SIDE)));
        ArrayNode bins = root.putArray("by_size");
        for (int i = 0; i < EDGES.length; i++) {
            ObjectNode b = bins.addObject();
            b.put("from_px", EDGES[i]);
            if (i + 1 < EDGES.length) {
                b.put("to_px", EDGES[i + 1]);
            }
            b.put("logos", logos[i]);
            b.put("found", found[i]);
            b.put("recall", logos[i] == 0 ? 0 : round((double) found[i] / logos[i]));
            b.put("loose", loose[i]);
            b.put("loose_recall", logos[i] == 0 ? 0 : round((double) loose[i] / logos[i]));
        }
        root.put("seconds", round(seconds));
        return root;
    }

    public String toText(double seconds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "proposal recall at IoU >= %.1f: %d images in %.1f s, %.1f proposals "
                + "per image%n%n", IOU, images, seconds, images == 0 ? 0.0 : (double) proposals / images));
        out.append(String.format(Locale.ROOT, "%-18s %7s %7s %7s %12s%n", "logo smaller side", "logos", "found",
                "recall", "IoU>=0.3"));
        for (int i = 0; i < EDGES.length; i++) {
            String range = i + 1 < EDGES.length ? EDGES[i] + "-" + EDGES[i + 1] + " px" : ">= " + EDGES[i] + " px";
            out.append(String.format(Locale.ROOT, "%-18s %7d %7d %7.3f %12.3f%n", range, logos[i], found[i],
                    logos[i] == 0 ? 0.0 : (double) found[i] / logos[i],
                    logos[i] == 0 ? 0.0 : (double) loose[i] / logos[i]));
        }
        out.append(String.format(Locale.ROOT, "%-18s %7s %7s %7.3f %12.3f%n", ">= " + TARGET_SIDE + " px", "", "",
                recallFrom(TARGET_SIDE), looseRecallFrom(TARGET_SIDE)));
        out.append(String.format(Locale.ROOT, "%-18s %7s %7s %7.3f %12.3f%n", "all", "", "", recallFrom(0),
                looseRecallFrom(0)));
        return out.toString();
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
