package dev.logowatch.detect;

import dev.logowatch.engine.Box;
import dev.logowatch.engine.ModelException;
import dev.logowatch.engine.Placement;
import dev.logowatch.engine.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the DETR output convention that every detector of the project speaks: logits
 * {@code [N, Q, C+1]} whose last class is "no object", and boxes {@code [N, Q, 4]} as
 * {@code (cx, cy, w, h)} normalised to the model input. A query's score is its highest
 * softmax probability among the real classes (which logo class does not matter here, the
 * embedder decides the brand). Boxes are mapped back through the letterbox or stretch to
 * frame pixels, filtered by score and size, and overlapping ones suppressed.
 */
public final class DetrDecoder {
    private final double minScore;
    private final double minSize;
    private final double nmsIou;
    private final int maxProposals;
    private final String source;

    /**
     * @param minScore     queries scoring below this are dropped
     * @param minSize      boxes whose short side is below this many frame pixels are dropped
     * @param nmsIou       a box overlapping a better one above this IoU is dropped
     * @param maxProposals at most this many proposals per item
     * @param source       recorded in each proposal, usually the detector model's name
     */
    public DetrDecoder(double minScore, double minSize, double nmsIou, int maxProposals, String source) {
        this.minScore = minScore;
        this.minSize = minSize;
        this.nmsIou = nmsIou;
        this.maxProposals = maxProposals;
        this.source = source;
    }

    /**
     * The proposals of batch item {@code item}, best first.
     *
     * @param placement how that item's crop was fitted to the model input
     */
    public List<Proposal> decode(Tensor logits, Tensor boxes, int item, Placement placement) {
        if (logits.rank() != 3 || boxes.rank() != 3 || boxes.dim(2) != 4 || logits.dim(1) != boxes.dim(1)
                || logits.dim(0) != boxes.dim(0) || logits.dim(2) < 2) {
            throw new ModelException(source + ": detr outputs must be logits [N, Q, C+1] and boxes [N, Q, 4], got "
                    + Arrays.toString(logits.shape()) + " and " + Arrays.toString(boxes.shape()));
        }
        if (item < 0 || item >= logits.dim(0)) {
            throw new IndexOutOfBoundsException("item " + item + " of a batch of " + logits.dim(0));
        }
        int queries = logits.dim(1);
        int classes = logits.dim(2);
        float[] l = logits.data();
        float[] b = boxes.data();
        List<Proposal> candidates = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            double score = objectScore(l, (item * queries + q) * classes, classes);
            if (!(score >= minScore)) {
                continue;
            }
            int o = (item * queries + q) * 4;
            double cx = b[o] * placement.inputWidth();
            double cy = b[o + 1] * placement.inputHeight();
            double hw = Math.abs(b[o + 2]) * placement.inputWidth() / 2;
            double hh = Math.abs(b[o + 3]) * placement.inputHeight() / 2;
            if (!Double.isFinite(cx + cy + hw + hh)) {
                continue;
            }
            Box box = placement.toFrame(cx - hw, cy - hh, cx + hw, cy + hh);
            // Boxes lying wholly in letterbox padding collapse to nothing on the frame.
            if (box.area() <= 0 || Math.min(box.width(), box.height()) < minSize) {
                continue;
            }
            candidates.add(new Proposal(box, Math.min(1.0, score), source));
        }
        return suppress(candidates, nmsIou, maxProposals);
    }

    /** Highest softmax probability among the real classes (all but the last). */
    static double objectScore(float[] logits, int offset, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double sum = 0;
        double best = 0;
        for (int c = 0; c < classes; c++) {
            double e = Math.exp(logits[offset + c] - max);
            sum += e;
            if (c < classes - 1) {
                best = Math.max(best, e);
            }
        }
        return best / sum;
    }

    /**
     * Greedy non-maximum suppression regardless of class: keeps the best-scoring box, drops
     * every remaining box overlapping it above {@code iou}, repeats; stops at {@code max}.
     */
    static List<Proposal> suppress(List<Proposal> proposals, double iou, int max) {
        List<Proposal> sorted = new ArrayList<>(proposals);
        sorted.sort(Comparator.comparingDouble(Proposal::score).reversed());
        List<Proposal> kept = new ArrayList<>();
        for (Proposal candidate : sorted) {
            if (kept.size() >= max) {
                break;
            }
            boolean overlaps = false;
            for (Proposal k : kept) {
                if (k.box().iou(candidate.box()) > iou) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps) {
                kept.add(candidate);
            }
        }
        return kept;
    }
}
