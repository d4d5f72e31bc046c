package dev.logowatch.detect;

import dev.logowatch.engine.Box;

/**
 * A region of a frame worth identifying.
 *
 * @param box    where, in frame pixels
 * @param score  the proposer's confidence in [0, 1]; grid windows carry no evidence and score 1
 * @param source what proposed it: {@code grid}, or the detector model's name
 */
public record Proposal(Box box, double score, String source) {
    public Proposal {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("proposal score must be in [0, 1], got " + score);
        }
    }
}
