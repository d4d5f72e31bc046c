package dev.logowatch.match;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.config.CatalogConfig;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.engine.Box;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Names the brand of each embedded proposal: the brand whose prototype is most similar
 * (cosine), accepted when that similarity reaches the brand's threshold and leads the
 * second-best <em>brand</em> by the brand's margin. For {@code max} aggregation a brand's
 * similarity is that of its best reference, and the margin still compares brands, so two
 * near-identical references of one brand never make it ambiguous.
 *
 * <p>Thread-safe and shared by all streams. The catalog is read once per batch from the
 * supplier, typically an {@code AtomicReference<Catalog>::get} that catalog sync swaps, so a
 * batch is never matched half against the old catalog and half against the new one.
 */
public final class Matcher {
    private final Supplier<Catalog> catalog;
    private final CatalogConfig config;
    private final VerifyConfig verify;

    /**
     * @param catalog the current catalog, read at every batch
     * @param config  catalog-wide threshold and margin, for brands without their own
     * @param verify  while enabled, borderline similarities are passed on for verification
     */
    public Matcher(Supplier<Catalog> catalog, CatalogConfig config, VerifyConfig verify) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.config = Objects.requireNonNull(config, "config");
        this.verify = Objects.requireNonNull(verify, "verify");
    }

    /** The catalog the next batch will be matched against. */
    public Catalog catalog() {
        return catalog.get();
    }

    /**
     * Matches a batch of proposals.
     *
     * @param boxes          the proposals' boxes
     * @param proposalScores their proposer scores, same order
     * @param vectors        their embeddings from the catalog's model, same order
     * @return one match per proposal, in order; none at all when the catalog has no brands
     */
    public List<Match> match(List<Box> boxes, double[] proposalScores, float[][] vectors) {
        if (boxes.size() != vectors.length || proposalScores.length != vectors.length) {
            throw new IllegalArgumentException("batch sizes differ: " + boxes.size() + " boxes, "
                    + proposalScores.length + " scores, " + vectors.length + " vectors");
        }
        Catalog current = catalog.get();
        if (current.isEmpty() || vectors.length == 0) {
            return List.of();
        }
        float[] scores = new float[current.size()];
        List<Match> out = new ArrayList<>(vectors.length);
        for (int q = 0; q < vectors.length; q++) {
            current.score(vectors[q], scores);
            out.add(decide(current, scores, boxes.get(q), proposalScores[q]));
        }
        return out;
    }

    /** One proposal; empty when the catalog has no brands. */
    public Optional<Match> match(Box box, double proposalScore, float[] vector) {
        List<Match> one = match(List.of(box), new double[] {proposalScore}, new float[][] {vector});
        return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
    }

    /**
     * A logo that keypoints found: named by the keypoints, whatever the embedding prefers, and
     * accepted, since a homography over many keypoints is stronger evidence than a similarity.
     * The similarity and runner-up still come from the embedding, for reports.
     *
     * @return empty when the brand is no longer in the catalog (it changed since the search)
     */
    public Optional<Match> sighted(Box box, float[] vector, String brandId, int inliers) {
        return named(box, 1.0, vector, brandId, Match.Decision.ACCEPTED, inliers);
    }

    /**
     * A region named {@code brandId} by other evidence than its similarity (text read in it):
     * the brand's own similarity and the runner-up brand are computed as for any match, and the
     * decision is the caller's.
     *
     * @return empty when the brand is no longer in the catalog
     */
    public Optional<Match> named(Box box, double proposalScore, float[] vector, String brandId,
                                 Match.Decision decision) {
        return named(box, proposalScore, vector, brandId, decision, 0);
    }

    private Optional<Match> named(Box box, double proposalScore, float[] vector, String brandId,
                                  Match.Decision decision, int inliers) {
        Catalog current = catalog.get();
        int b = current.indexOf(brandId);
        if (b < 0) {
            return Optional.empty();
        }
        float[] scores = new float[current.size()];
        current.score(vector, scores);
        int second = -1;
        for (int i = 0; i < scores.length; i++) {
            if (i != b && (second < 0 || scores[i] > scores[second])) {
                second = i;
            }
        }
        Brand brand = current.brand(b);
        double runnerUpSimilarity = second < 0 ? 0 : scores[second];
        return Optional.of(new Match(box, proposalScore, brand.id(), scores[b], scores[b] - runnerUpSimilarity,
                second < 0 ? Optional.empty() : Optional.of(current.brand(second).id()), runnerUpSimilarity,
                brand.threshold().orElse(config.threshold()), brand.verify(), decision, inliers));
    }

    private Match decide(Catalog current, float[] scores, Box box, double proposalScore) {
        int best = -1;
        int second = -1;
        for (int b = 0, n = current.size(); b < n; b++) {
            if (best < 0 || scores[b] > scores[best]) {
                second = best;
                best = b;
            } else if (second < 0 || scores[b] > scores[second]) {
                second = b;
            }
        }
        Brand brand = current.brand(best);
        double similarity = scores[best];
        double runnerUpSimilarity = second < 0 ? 0 : scores[second];
        double margin = similarity - runnerUpSimilarity;
        double threshold = brand.threshold().orElse(config.threshold());
        // A float sum of products can land a hair below an exact threshold; compare with that slack.
        boolean clearLead = second < 0 || margin >= brand.margin().orElse(config.margin()) - 1e-6;
        Match.Decision decision;
        if (similarity >= threshold - 1e-6) {
            decision = clearLead ? Match.Decision.ACCEPTED : Match.Decision.AMBIGUOUS;
        } else if (verify.enabled() && brand.verify() != VerifyPolicy.NEVER
                && similarity >= verify.verifyLow() - 1e-6 && clearLead) {
            decision = Match.Decision.BORDERLINE;
        } else {
            decision = Match.Decision.BELOW_THRESHOLD;
        }
        Optional<String> runnerUp = second < 0 ? Optional.empty() : Optional.of(current.brand(second).id());
        return new Match(box, proposalScore, brand.id(), similarity, margin, runnerUp, runnerUpSimilarity, threshold,
                brand.verify(), decision);
    }

    /**
     * The trackable matches with duplicates of one logo removed: overlapping proposals (grid
     * windows at neighbouring positions and scales) often all match the same brand, and only
     * the most similar should become a detection. Two matches of one brand are duplicates when
     * their intersection covers more than a quarter of the smaller box: neighbouring grid
     * windows overlap by half or more and windows catching part of a logo still match it, and
     * the measure also catches a small window inside a larger one that plain IoU would keep.
     * Two real logos of one brand (repeated boards) rarely overlap at all. Strongest first.
     */
    public static List<Match> distinct(List<Match> matches) {
        List<Match> sorted = new ArrayList<>();
        for (Match m : matches) {
            if (m.trackable()) {
                sorted.add(m);
            }
        }
        sorted.sort((a, b) -> Double.compare(b.similarity(), a.similarity()));
        List<Match> kept = new ArrayList<>();
        for (Match m : sorted) {
            boolean duplicate = false;
            for (Match k : kept) {
                if (k.brand().equals(m.brand()) && overlapOfSmaller(k.box(), m.box()) > 0.25) {
                    duplicate = true;
                    break;
                }
            }
            if (!duplicate) {
                kept.add(m);
            }
        }
        return kept;
    }

    private static double overlapOfSmaller(Box a, Box b) {
        double iw = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
        double ih = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        return iw * ih / Math.max(1e-9, Math.min(a.area(), b.area()));
    }
}
