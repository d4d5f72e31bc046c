package dev.logowatch.match;

import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.engine.Box;

import java.util.Optional;

/**
 * What the catalog says about one proposal: its best brand and how sure that is. Made for
 * every proposal, rejected ones too, because evaluation needs the similarity distributions
 * of right and wrong answers; only {@link #trackable()} ones go on to the tracker.
 *
 * @param box                where, in frame pixels
 * @param proposalScore      the proposer's confidence that something logo-like is there
 * @param brand              the most similar brand
 * @param similarity         cosine similarity to that brand (for {@code max} aggregation, its best reference)
 * @param margin             {@code similarity - runnerUpSimilarity}; with a one-brand catalog there
 *                           is no runner-up, it counts as 0 and the margin rule does not apply
 * @param runnerUp           the second most similar brand
 * @param runnerUpSimilarity its similarity, 0 without a runner-up
 * @param threshold          the threshold that applied: the brand's own, else the catalog's
 * @param verify             the brand's verification policy
 * @param decision           the outcome
 * @param keypointInliers    keypoint matches of the brand's reference that a homography explains
 *                           here; 0 when the region was not found by keypoints
 * @param text               what text reading read in the region; empty when it was not read
 *                           or nothing was legible
 */
public record Match(Box box, double proposalScore, String brand, double similarity, double margin,
                    Optional<String> runnerUp, double runnerUpSimilarity, double threshold, VerifyPolicy verify,
                    Decision decision, int keypointInliers, String text) {

    /** A match without a reading. */
    public Match(Box box, double proposalScore, String brand, double similarity, double margin,
                 Optional<String> runnerUp, double runnerUpSimilarity, double threshold, VerifyPolicy verify,
                 Decision decision, int keypointInliers) {
        this(box, proposalScore, brand, similarity, margin, runnerUp, runnerUpSimilarity, threshold, verify, decision,
                keypointInliers, "");
    }

    /** A match made by the embedding alone. */
    public Match(Box box, double proposalScore, String brand, double similarity, double margin,
                 Optional<String> runnerUp, double runnerUpSimilarity, double threshold, VerifyPolicy verify,
                 Decision decision) {
        this(box, proposalScore, brand, similarity, margin, runnerUp, runnerUpSimilarity, threshold, verify, decision, 0);
    }

    /** The outcome of the threshold and margin rules. */
    public enum Decision {
        /** Similarity reaches the threshold and leads the runner-up brand by the margin. */
        ACCEPTED,
        /**
         * Below the threshold but inside the verifier's band ({@code verify.verify-low} and up),
         * with the margin: tracked, and confirmed only if the verifier agrees. Only made while
         * verification is enabled and the brand's policy is not {@code never}.
         */
        BORDERLINE,
        /** Too unlike every brand. */
        BELOW_THRESHOLD,
        /** Similar enough, but a second brand is about as similar: too close to call. */
        AMBIGUOUS,
        /**
         * Similar enough, but its frame was searched for keypoints and they contradict it: another
         * brand's reference was seen in its place, or, with a similarity below
         * {@code keypoints.veto-below}, none of its own brand's references anywhere near.
         */
        KEYPOINTS_DISAGREE,
        /**
         * Similar enough, but its region was read and the text spells another brand's name, or
         * (with {@code text.veto}) confidently spells no brand's name at all, or (with
         * {@code text.require-name-below}) the brand is a written mark and nothing legible was read.
         */
        TEXT_DISAGREES
    }

    /** The same match with another outcome. */
    public Match withDecision(Decision newDecision) {
        return new Match(box, proposalScore, brand, similarity, margin, runnerUp, runnerUpSimilarity, threshold, verify,
                newDecision, keypointInliers, text);
    }

    /** The same match with what was read in its region and the outcome that follows. */
    public Match withReading(String reading, Decision newDecision) {
        return new Match(box, proposalScore, brand, similarity, margin, runnerUp, runnerUpSimilarity, threshold, verify,
                newDecision, keypointInliers, reading);
    }

    public boolean accepted() {
        return decision == Decision.ACCEPTED;
    }

    /** Accepted or borderline: what the tracker takes. */
    public boolean trackable() {
        return decision == Decision.ACCEPTED || decision == Decision.BORDERLINE;
    }
}
