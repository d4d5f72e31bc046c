package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.InputBatch;
import dev.logowatch.engine.ModelException;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.Placement;
import dev.logowatch.engine.Tensor;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Proposals from a logo detector speaking the DETR convention: the whole frame is fitted to
 * the detector's input as its manifest says, run, and decoded by {@link DetrDecoder}. With
 * {@code proposer.tiles} above 1 the same batch also holds overlapping tiles of the frame, each
 * fitted to the input on its own, and the boxes of all items are suppressed together. With
 * {@code proposer.join-gap} above 0, neighbouring boxes are also proposed joined into one
 * ({@link #joined}). With {@code proposer.zoom-out} above 1 the batch also holds the whole
 * frame drawn that many times smaller, for marks larger than the detector learnt to box; an
 * engine that takes a smaller input runs it at that input (a quarter of the cost at zoom-out 2).
 * The engine may be shared by several streams; input buffers are pooled
 * so concurrent calls do not share one and steady state allocates none.
 */
public final class DetectorProposer implements Proposer {
    /** Detector inputs are multiples of this (a fully convolutional backbone's output stride). */
    static final int STRIDE = 32;
    /** Zoomed-view boxes whose longer side is under this share of the input's width are left to the full view. */
    static final double ZOOMED_MIN_SHARE = 0.1;
    private final InferenceEngine detector;
    private final DetrDecoder decoder;
    private final DeviceMeters meters;
    private final String inputName;
    private final String logitsName;
    private final String boxesName;
    private final ConcurrentLinkedQueue<InputBatch> batches = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<InputBatch> zoomedBatches = new ConcurrentLinkedQueue<>();
    private final int tiles;
    private final double tileOverlap;
    private final double nmsIou;
    private final int maxProposals;
    private final double joinGap;
    private final double zoomOut;
    private final ModelManifest.Input zoomedInput;

    /** @param meters where to record the propose stage's time (preprocessing included), or {@code null} */
    public DetectorProposer(InferenceEngine detector, ProposerConfig config, DeviceMeters meters) {
        ModelManifest manifest = detector.manifest();
        if (manifest.task() != ModelManifest.Task.DETECT || manifest.output().kind() != ModelManifest.OutputKind.DETR) {
            throw new IllegalArgumentException("model " + manifest.name() + " (" + manifest.manifestFile()
                    + ") is not a detr detector; models.detector needs task detect with output kind detr");
        }
        this.detector = detector;
        this.decoder = new DetrDecoder(config.minScore(), config.minSize(), config.nmsIou(), config.maxProposals(),
                manifest.name());
        this.meters = meters;
        this.tiles = config.tiles();
        this.tileOverlap = config.tileOverlap();
        this.nmsIou = config.nmsIou();
        this.maxProposals = config.maxProposals();
        this.joinGap = config.joinGap();
        this.zoomOut = config.zoomOut();
        if (zoomOut > 1 && manifest.input().resize() != ModelManifest.Resize.LETTERBOX) {
            throw new IllegalArgumentException("proposer.zoom-out " + zoomOut + " needs a letterbox detector input; "
                    + manifest.name() + " (" + manifest.manifestFile() + ") resizes by " + manifest.input().resize());
        }
        this.zoomedInput = zoomedInput(detector, zoomOut);
        this.inputName = manifest.input().name();
        this.logitsName = manifest.output().names().get(0);
        this.boxesName = manifest.output().names().get(1);
    }

    @Override
    public List<Proposal> propose(Frame frame) {
        long started = System.nanoTime();
        BgrImage image = BgrImage.of(frame);
        Box whole = new Box(0, 0, frame.width(), frame.height());
        List<View> views = new ArrayList<>();
        views.add(new View(whole, 1, 0));
        // Marks under a tenth of the input's width are boxed better by the full view, which sees
        // them zoomOut times larger; the zoomed view's small boxes would only add crops to embed.
        double zoomedMinSide = ZOOMED_MIN_SHARE * detector.manifest().input().width() / fullScale(frame);
        if (zoomOut > 1 && zoomedInput == null) {
            views.add(new View(whole, 1 / zoomOut, zoomedMinSide));
        }
        for (Box tile : tiles(frame.width(), frame.height(), tiles, tileOverlap)) {
            views.add(new View(tile, 1, 0));
        }
        List<Proposal> all = new ArrayList<>();
        run(batches, detector.manifest().input(), views, image, whole, all);
        if (zoomedInput != null) {
            // The whole frame fitted to an input that many times smaller sees what the full
            // input does drawn that much smaller, at a share of the cost.
            run(zoomedBatches, zoomedInput, List.of(new View(whole, 1, zoomedMinSide)), image, whole, all);
        }
        List<Proposal> proposals = views.size() == 1 && zoomedInput == null ? all
                : DetrDecoder.suppress(all, nmsIou, maxProposals);
        if (joinGap > 0) {
            proposals = joined(proposals, joinGap, maxProposals);
        }
        if (meters != null) {
            meters.record(DeviceMeters.Stage.PROPOSE, Duration.ofNanos(System.nanoTime() - started));
        }
        return proposals;
    }

    /** Runs the detector over {@code views} in batches from {@code pool}, adding their boxes to {@code into}. */
    private void run(ConcurrentLinkedQueue<InputBatch> pool, ModelManifest.Input input, List<View> views,
                     BgrImage image, Box frameBox, List<Proposal> into) {
        InputBatch batch = pool.poll();
        if (batch == null) {
            // An engine built for fewer items (a TensorRT profile of batch 1) takes the tiles in turns.
            batch = new InputBatch(input, Math.min(views.size(), detector.maxBatch()), InputBatch.LANES);
        }
        try {
            for (int first = 0; first < views.size(); first += batch.capacity()) {
                int count = Math.min(batch.capacity(), views.size() - first);
                batch.clear();
                Placement[] placements = new Placement[count];
                for (int i = 0; i < count; i++) {
                    // Shrinking a frame to the detector's input costs about as much as the detector
                    // itself on a CPU, so its rows are shared with the common pool.
                    View view = views.get(first + i);
                    placements[i] = batch.add(image, view.crop(), InputBatch.HELPERS, view.fit());
                }
                Map<String, Tensor> outputs = detector.run(Map.of(inputName, batch.tensor()));
                Tensor logits = output(outputs, logitsName);
                Tensor boxes = output(outputs, boxesName);
                for (int i = 0; i < count; i++) {
                    View view = views.get(first + i);
                    Box crop = view.crop();
                    for (Proposal p : decoder.decode(logits, boxes, i, placements[i])) {
                        // A box on a tile's inner edge is a mark cut in two; the neighbouring tile
                        // or the whole frame holds it whole.
                        boolean whole = crop == frameBox || !onInnerEdge(p.box(), crop, frameBox);
                        if (whole && Math.max(p.box().width(), p.box().height()) >= view.minSide()) {
                            into.add(p);
                        }
                    }
                }
            }
        } finally {
            pool.offer(batch);
        }
    }

    /**
     * The input the zoomed-out view runs at: the detector's own divided by {@code zoomOut} and
     * rounded up to its stride, when the engine takes that size; {@code null} when it does not
     * (the view is then drawn small inside the full input, at the full input's cost).
     */
    static ModelManifest.Input zoomedInput(InferenceEngine detector, double zoomOut) {
        if (zoomOut <= 1) {
            return null;
        }
        ModelManifest.Input full = detector.manifest().input();
        int height = strides(full.height() / zoomOut);
        int width = strides(full.width() / zoomOut);
        return detector.accepts(height, width) ? full.withSize(height, width) : null;
    }

    /** Input pixels per frame pixel when the whole frame is fitted to the detector's full input. */
    private double fullScale(Frame frame) {
        ModelManifest.Input in = detector.manifest().input();
        return Math.min((double) in.width() / frame.width(), (double) in.height() / frame.height());
    }

    private static int strides(double side) {
        return (int) Math.ceil(side / STRIDE) * STRIDE;
    }

    /**
     * A {@code n} x {@code n} grid of tiles covering the frame, neighbours sharing {@code overlap}
     * of a tile's size; empty for {@code n} 1.
     */
    static List<Box> tiles(int width, int height, int n, double overlap) {
        if (n <= 1) {
            return List.of();
        }
        double tw = width / (n - (n - 1) * overlap);
        double th = height / (n - (n - 1) * overlap);
        List<Box> out = new ArrayList<>(n * n);
        for (int row = 0; row < n; row++) {
            for (int col = 0; col < n; col++) {
                double x1 = col * tw * (1 - overlap);
                double y1 = row * th * (1 - overlap);
                out.add(new Box(Math.floor(x1), Math.floor(y1), Math.min(width, Math.ceil(x1 + tw)),
                        Math.min(height, Math.ceil(y1 + th))));
            }
        }
        return out;
    }

    /**
     * The proposals, then the union of each pair of neighbouring boxes, strongest pairs first,
     * up to {@code max} in all. A detector trained on marks boxed part by part (a wordmark, its
     * symbol) boxes a lockup in pieces, while a catalog reference shows it whole; the union
     * is what matches the reference. Neighbours: apart by at most {@code gap} times the
     * smaller box's short side either way, areas within 8 times each other, and the union not
     * much more than the two boxes (a diagonal pair would add mostly background). A pair where
     * one box mostly holds the other, or whose union repeats a proposal, adds nothing. A union
     * scores as its weaker box.
     */
    static List<Proposal> joined(List<Proposal> proposals, double gap, int max) {
        List<Proposal> out = new ArrayList<>(proposals);
        List<Proposal> unions = new ArrayList<>();
        for (int i = 0; i < proposals.size(); i++) {
            for (int j = i + 1; j < proposals.size(); j++) {
                Box a = proposals.get(i).box();
                Box b = proposals.get(j).box();
                double side = Math.min(Math.min(a.width(), a.height()), Math.min(b.width(), b.height()));
                double gx = Math.max(a.x1(), b.x1()) - Math.min(a.x2(), b.x2());
                double gy = Math.max(a.y1(), b.y1()) - Math.min(a.y2(), b.y2());
                double small = Math.min(a.area(), b.area());
                double large = Math.max(a.area(), b.area());
                if (gx > gap * side || gy > gap * side || large > 8 * small) {
                    continue;
                }
                double inter = Math.max(0, -gx) * Math.max(0, -gy);
                Box union = new Box(Math.min(a.x1(), b.x1()), Math.min(a.y1(), b.y1()),
                        Math.max(a.x2(), b.x2()), Math.max(a.y2(), b.y2()));
                if (inter > 0.6 * small || union.area() > 1.6 * (a.area() + b.area() - inter)) {
                    continue;
                }
                double score = Math.min(proposals.get(i).score(), proposals.get(j).score());
                unions.add(new Proposal(union, score, proposals.get(i).source()));
            }
        }
        unions.sort((p, q) -> Double.compare(q.score(), p.score()));
        for (Proposal u : unions) {
            if (out.size() >= max) {
                break;
            }
            if (out.stream().noneMatch(p -> p.box().iou(u.box()) >= 0.8)) {
                out.add(u);
            }
        }
        return out;
    }

    /**
     * One detector item: a region of the frame, drawn at {@code fit} of its letterboxed size;
     * its boxes with a longer side under {@code minSide} frame pixels are dropped.
     */
    private record View(Box crop, double fit, double minSide) {
    }

    private static boolean onInnerEdge(Box box, Box tile, Box frame) {
        double e = 1.0;
        return (tile.x1() > frame.x1() && box.x1() <= tile.x1() + e)
                || (tile.y1() > frame.y1() && box.y1() <= tile.y1() + e)
                || (tile.x2() < frame.x2() && box.x2() >= tile.x2() - e)
                || (tile.y2() < frame.y2() && box.y2() >= tile.y2() - e);
    }

    private Tensor output(Map<String, Tensor> outputs, String name) {
        Tensor tensor = outputs.get(name);
        if (tensor == null) {
            throw new ModelException("detector " + detector.manifest().name() + " returned no output \"" + name
                    + "\" (it returned " + outputs.keySet() + ")");
        }
        return tensor;
    }
}
