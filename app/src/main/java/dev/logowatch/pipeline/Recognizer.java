package dev.logowatch.pipeline;

import dev.logowatch.detect.Box;
import dev.logowatch.detect.Proposal;
import dev.logowatch.detect.Proposer;
import dev.logowatch.embed.Embedder;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.source.Frame;
import dev.logowatch.web.DeviceMeters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The path of one frame up to the brands in it: regions are proposed, their crops embedded
 * in one batch, and each embedding matched against the catalog. Shared by every stream (and
 * by {@code analyze}, {@code eval} and {@code bench}, so what they measure is what the
 * service does); the per-stream state lives in the tracker that consumes the matches.
 */
public final class Recognizer {
    private final Proposer proposer;
    private final Embedder embedder;
    private final Matcher matcher;
    private final DeviceMeters meters;
    private final double cropPadding;

    /** @param cropPadding share of a proposal's width and height added on each side of the crop embedded */
    public Recognizer(Proposer proposer, Embedder embedder, Matcher matcher, DeviceMeters meters, double cropPadding) {
        this.proposer = proposer;
        this.embedder = embedder;
        this.matcher = matcher;
        this.meters = meters;
        this.cropPadding = cropPadding;
    }

    /** One match per proposal, accepted or not (callers filter; eval wants them all). */
    public List<Match> recognize(Frame frame) {
        List<Proposal> proposals = proposer.propose(frame);
        if (proposals.isEmpty()) {
            return List.of();
        }
        List<Box> boxes = new ArrayList<>(proposals.size());
        double[] scores = new double[proposals.size()];
        for (int i = 0; i < proposals.size(); i++) {
            boxes.add(proposals.get(i).box());
            scores[i] = proposals.get(i).score();
        }
        float[][] vectors = embedder.embed(frame, cropPadding > 0 ? padded(boxes, frame) : boxes)
                .toArray(float[][]::new);
        long start = System.nanoTime();
        List<Match> matches = matcher.match(boxes, scores, vectors);
        meters.record(DeviceMeters.Stage.MATCH, Duration.ofNanos(System.nanoTime() - start));
        return matches;
    }

    private List<Box> padded(List<Box> boxes, Frame frame) {
        List<Box> crops = new ArrayList<>(boxes.size());
        for (Box b : boxes) {
            double px = b.width() * cropPadding;
            double py = b.height() * cropPadding;
            crops.add(new Box(Math.max(0, b.x1() - px), Math.max(0, b.y1() - py),
                    Math.min(frame.width(), b.x2() + px), Math.min(frame.height(), b.y2() + py)));
        }
        return crops;
    }

    public Matcher matcher() {
        return matcher;
    }

    public Embedder embedder() {
        return embedder;
    }
}
