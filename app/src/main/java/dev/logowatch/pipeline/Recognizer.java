package dev.logowatch.pipeline;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.detect.Proposal;
import dev.logowatch.detect.Proposer;
import dev.logowatch.embed.Embedder;
import dev.logowatch.engine.Box;
import dev.logowatch.match.KeypointMatcher;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.match.RecentReadings;
import dev.logowatch.match.Spelling;
import dev.logowatch.match.TextReader;
import dev.logowatch.match.Wordmarks;
import dev.logowatch.config.ImagesConfig;
import dev.logowatch.config.TextConfig;
import dev.logowatch.engine.BgrImage;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The path of one frame up to the brands in it: regions are proposed, their crops embedded
 * in one batch, and each embedding matched against the catalog; where keypoint matching is on,
 * the logos it sees join the batch as regions of their own and overrule the similarities they
 * contradict. Shared by every stream (and
 * by {@code analyze}, {@code eval} and {@code bench}, so what they measure is what the
 * service does); the per-stream state lives in the tracker that consumes the matches.
 */
public final class Recognizer {
    private final Proposer proposer;
    private final Embedder embedder;
    private final Matcher matcher;
    private final DeviceMeters meters;
    private final double cropPadding;
    private final Optional<KeypointMatcher> keypoints;
    private final Optional<TextReading> text;
    private final Map<String, RecentReadings> recentReadings = new ConcurrentHashMap<>();

    /** Text reading as configured: the reader, when to trust it, and which brands are written marks. */
    public record TextReading(TextReader reader, TextConfig config, Wordmarks wordmarks) {
        public TextReading(TextReader reader, TextConfig config, ImagesConfig limits) {
            this(reader, config, new Wordmarks(reader, config, limits));
        }

        public TextReading(TextReader reader, TextConfig config) {
            this(reader, config, ImagesConfig.DEFAULT);
        }
    }

    /** @param cropPadding share of a proposal's width and height added on each side of the crop embedded */
    public Recognizer(Proposer proposer, Embedder embedder, Matcher matcher, DeviceMeters meters, double cropPadding) {
        this(proposer, embedder, matcher, meters, cropPadding, Optional.empty());
    }

    /** @param keypoints searches frames for the catalog's references by their keypoints, when present */
    public Recognizer(Proposer proposer, Embedder embedder, Matcher matcher, DeviceMeters meters, double cropPadding,
                      Optional<KeypointMatcher> keypoints) {
        this(proposer, embedder, matcher, meters, cropPadding, keypoints, Optional.empty());
    }

    /** @param text reads the likeliest proposals and weighs what they spell, when present */
    public Recognizer(Proposer proposer, Embedder embedder, Matcher matcher, DeviceMeters meters, double cropPadding,
                      Optional<KeypointMatcher> keypoints, Optional<TextReading> text) {
        this.text = text;
        this.proposer = proposer;
        this.embedder = embedder;
        this.matcher = matcher;
        this.meters = meters;
        this.cropPadding = cropPadding;
        this.keypoints = keypoints;
    }

    /**
     * Learns what text reading needs of {@code catalog} (its written marks) before the catalog
     * is put in force, so that the first frames after a catalog change do not wait for it.
     */
    public void prepare(Catalog catalog) {
        text.ifPresent(t -> t.wordmarks().learn(catalog));
    }

    /** One match per proposal, accepted or not (callers filter; eval wants them all). */
    public List<Match> recognize(Frame frame) {
        List<Proposal> proposals = proposer.propose(frame);
        Optional<List<KeypointMatcher.Sighting>> sightings = keypoints
                .filter(k -> frame.sequence() % k.config().everyFrames() == 0)
                .map(k -> {
                    long start = System.nanoTime();
                    List<KeypointMatcher.Sighting> seen = k.find(frame.image(), matcher.catalog());
                    meters.record(DeviceMeters.Stage.KEYPOINTS, Duration.ofNanos(System.nanoTime() - start));
                    return seen;
                });
        List<KeypointMatcher.Sighting> seen = sightings.orElse(List.of());
        if (proposals.isEmpty() && seen.isEmpty()) {
            return List.of();
        }
        List<Box> boxes = new ArrayList<>(proposals.size() + seen.size());
        List<Box> crops;
        double[] scores = new double[proposals.size()];
        for (int i = 0; i < proposals.size(); i++) {
            boxes.add(proposals.get(i).box());
            scores[i] = proposals.get(i).score();
        }
        // Keypoint outlines are tight like detector boxes: embedded with the same padding.
        seen.forEach(s -> boxes.add(s.box()));
        crops = cropPadding > 0 ? padded(boxes, frame) : boxes;
        float[][] vectors = embedder.embed(frame, crops).toArray(float[][]::new);
        long start = System.nanoTime();
        int n = proposals.size();
        List<Match> matches = new ArrayList<>(n == 0 ? List.of() : matcher.match(boxes.subList(0, n), scores,
                java.util.Arrays.copyOf(vectors, n)));
        if (sightings.isPresent()) {
            double vetoBelow = keypoints.orElseThrow().config().vetoBelow();
            matches.replaceAll(m -> contradicted(m, seen, vetoBelow) ? m.withDecision(Match.Decision.KEYPOINTS_DISAGREE) : m);
            for (int i = 0; i < seen.size(); i++) {
                KeypointMatcher.Sighting s = seen.get(i);
                matcher.sighted(s.box(), vectors[n + i], s.brand(), s.inliers()).ifPresent(matches::add);
            }
        }
        meters.record(DeviceMeters.Stage.MATCH, Duration.ofNanos(System.nanoTime() - start));
        if (text.isPresent() && n > 0) {
            long t0 = System.nanoTime();
            read(frame, matches, Math.min(n, matches.size()), boxes, vectors, text.get());
            meters.record(DeviceMeters.Stage.TEXT, Duration.ofNanos(System.nanoTime() - t0));
        }
        return matches;
    }

    /**
     * Reads the most similar proposals' boxes and weighs the text against the brands' names: a
     * proposal whose brand's name is read is accepted from {@code accept-above}, or at any
     * similarity when the whole name is read within {@code whole-name}; one where another
     * brand's name is read becomes that brand (accepted by the same rule, else rejected). An
     * accepted one is rejected when its confident reading spells no brand, not even part of its
     * own brand's name ({@code veto}), or when its brand is a written mark, it is less similar
     * than {@code require-name-below} and nothing legible is read there. Other illegible or
     * unsure readings change nothing: most logos are not only text. A region that looks like one
     * its stream read within {@code reuse-frames} is not read again.
     *
     * <p>The proposal's own box is read, not the padded crop the embedder sees: the padding
     * that gives the embedder context brings neighbouring lettering into the line the reader
     * spells, and on real photos a wordmark read in its own box was read right more often.
     */
    private void read(Frame frame, List<Match> matches, int n, List<Box> regions, float[][] vectors,
                      TextReading reading) {
        TextConfig c = reading.config();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Match m = matches.get(i);
            if (m.similarity() >= c.readAbove() && m.decision() != Match.Decision.KEYPOINTS_DISAGREE) {
                order.add(i);
            }
        }
        if (order.isEmpty()) {
            return;
        }
        order.sort((a, b) -> Double.compare(matches.get(b).similarity(), matches.get(a).similarity()));
        List<Integer> chosen = order.subList(0, Math.min(c.maxReads(), order.size()));
        RecentReadings recent = recentReadings.computeIfAbsent(frame.stream(), s -> new RecentReadings(c.reuseFrames()));
        TextReader.Reading[] readings = new TextReader.Reading[chosen.size()];
        List<Integer> unread = new ArrayList<>(chosen.size());
        for (int k = 0; k < chosen.size(); k++) {
            int i = chosen.get(k);
            readings[k] = recent.recall(regions.get(i), vectors[i], frame.sequence()).orElse(null);
            if (readings[k] == null) {
                unread.add(k);
            }
        }
        if (!unread.isEmpty()) {
            List<TextReader.Reading> fresh = reading.reader().read(BgrImage.of(frame),
                    unread.stream().map(k -> regions.get(chosen.get(k))).toList());
            for (int u = 0; u < unread.size(); u++) {
                int k = unread.get(u);
                int i = chosen.get(k);
                readings[k] = fresh.get(u);
                recent.remember(regions.get(i), vectors[i], frame.sequence(), readings[k]);
            }
        }
        // One catalog for the whole frame, though a new one may be swapped in meanwhile.
        Catalog catalog = matcher.catalog();
        for (int k = 0; k < chosen.size(); k++) {
            TextReader.Reading r = readings[k];
            int i = chosen.get(k);
            Match m = matches.get(i);
            if (r.confidence() < c.minConfidence() || Spelling.normalise(r.text()).length() < 2) {
                if (m.accepted() && m.similarity() < c.requireNameBelow() && m.keypointInliers() == 0
                        && reading.wordmarks().written(catalog, m.brand())) {
                    matches.set(i, m.withDecision(Match.Decision.TEXT_DISAGREES));
                }
                continue;
            }
            Brand spelled = null;
            double agreement = 0;
            for (Brand b : catalog.brands()) {
                double a = Spelling.agreement(r.text(), b.wordmarks());
                if (a > agreement || (a == agreement && b.id().equals(m.brand()))) {
                    agreement = a;
                    spelled = b;
                }
            }
            // The whole name read closely names the brand on its own; part of it only with a similar look.
            double bar = agreement >= c.minAgreement()
                    && Spelling.wholeAgreement(r.text(), spelled.wordmarks()) >= c.wholeName() ? -1 : c.acceptAbove();
            if (agreement >= c.minAgreement() && spelled.id().equals(m.brand())) {
                matches.set(i, m.withReading(r.text(), m.similarity() >= bar - 1e-6
                        ? Match.Decision.ACCEPTED : m.decision()));
            } else if (agreement >= c.minAgreement()) {
                matches.set(i, matcher.named(m.box(), m.proposalScore(), vectors[i], spelled.id(),
                                Match.Decision.BELOW_THRESHOLD)
                        .map(o -> o.withReading(r.text(), o.similarity() >= bar - 1e-6
                                ? Match.Decision.ACCEPTED : Match.Decision.TEXT_DISAGREES))
                        .orElse(m.withReading(r.text(), m.decision())));
            } else {
                // A curved or cut-off wordmark is often read in part ("LEX" of ROLEX, "CK"): not a veto.
                boolean ownPart = catalog.brand(m.brand())
                        .map(b -> Spelling.partOf(r.text(), b.wordmarks())).orElse(false);
                matches.set(i, m.withReading(r.text(), c.veto() && m.accepted() && m.keypointInliers() == 0 && !ownPart
                        ? Match.Decision.TEXT_DISAGREES : m.decision()));
            }
        }
    }

    /**
     * Whether keypoints contradict an accepted similarity: another brand's reference seen where
     * it is, or (below {@code vetoBelow}) no reference of its own brand seen near it.
     */
    private static boolean contradicted(Match m, List<KeypointMatcher.Sighting> seen, double vetoBelow) {
        if (!m.accepted()) {
            return false;
        }
        boolean own = false;
        for (KeypointMatcher.Sighting s : seen) {
            double overlap = s.box().iou(m.box());
            if (!s.brand().equals(m.brand()) && overlap >= 0.3) {
                return true;
            }
            own |= s.brand().equals(m.brand()) && overlap > 0;
        }
        return !own && m.similarity() < vetoBelow;
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
