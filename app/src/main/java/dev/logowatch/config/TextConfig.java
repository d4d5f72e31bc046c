package dev.logowatch.config;

/**
 * Text reading: the likeliest proposals' crops are read by {@code models.text-reader}, and what
 * they spell is compared with the brands' names ({@code text} in brand.json, else the display
 * name). A name read confirms its brand; confident text spelling no brand rejects a wordmark
 * match the embedding made.
 *
 * @param enabled       whether crops are read at all
 * @param readAbove     only proposals whose best similarity reaches this are read
 * @param maxReads      crops read per frame at most, the most similar first
 * @param minConfidence a reading counts only when its characters' mean probability reaches this
 * @param minAgreement  how much of a name a reading must spell (1 minus the edit distance over
 *                      the name's length) to count as that name
 * @param acceptAbove   a proposal whose brand's name is read is accepted from this similarity
 * @param wholeName     a reading that holds a brand's whole name this closely (1 minus the
 *                      edits over the name's length) names that brand at any similarity:
 *                      a wordmark read letter for letter is evidence enough on its own
 * @param veto          whether a confident reading that spells none of the catalog's names
 *                      rejects an accepted match
 * @param requireNameBelow an accepted match of a written mark (a brand at least half of whose
 *                      references read as its name) below this similarity is rejected when its
 *                      region, read, shows nothing legible; 0 never rejects one
 * @param reuseFrames   a proposal where a crop that looked the same was read within this many
 *                      frames of its stream takes that reading instead of being read again;
 *                      0 reads every frame afresh
 */
public record TextConfig(boolean enabled, double readAbove, int maxReads, double minConfidence, double minAgreement,
                         double acceptAbove, double wholeName, boolean veto, double requireNameBelow,
                         int reuseFrames) {
    public static final TextConfig DISABLED = new TextConfig(false, 0.35, 16, 0.8, 0.7, 0.55, 0.85, true, 0.9, 30);

    public TextConfig {
        if (!(readAbove >= -1 && readAbove <= 1) || maxReads < 1 || !(minConfidence >= 0 && minConfidence <= 1)
                || !(minAgreement > 0 && minAgreement <= 1) || !(acceptAbove >= -1 && acceptAbove <= 1)
                || !(wholeName > 0 && wholeName <= 1) || !(requireNameBelow >= 0 && requireNameBelow <= 1)
                || reuseFrames < 0) {
            throw new IllegalArgumentException("text settings out of range: " + this);
        }
    }

    public TextConfig enabled(boolean value) {
        return new TextConfig(value, readAbove, maxReads, minConfidence, minAgreement, acceptAbove, wholeName, veto,
                requireNameBelow, reuseFrames);
    }

    static TextConfig read(ConfigNode node) {
        TextConfig d = DISABLED;
        boolean enabled = node.bool("enabled", d.enabled());
        double readAbove = node.number("read-above", d.readAbove(), -1.0, 1.0);
        int maxReads = node.integer("max-reads", d.maxReads(), 1, 1000);
        double minConfidence = node.number("min-confidence", d.minConfidence(), 0.0, 1.0);
        double minAgreement = node.number("min-agreement", d.minAgreement(), 0.01, 1.0);
        double acceptAbove = node.number("accept-above", d.acceptAbove(), -1.0, 1.0);
        double wholeName = node.number("whole-name", d.wholeName(), 0.01, 1.0);
        boolean veto = node.bool("veto", d.veto());
        double requireNameBelow = node.number("require-name-below", d.requireNameBelow(), 0.0, 1.0);
        int reuseFrames = node.integer("reuse-frames", d.reuseFrames(), 0, 100_000);
        node.rejectUnknownKeys();
        return new TextConfig(enabled, readAbove, maxReads, minConfidence, minAgreement, acceptAbove, wholeName, veto,
                requireNameBelow, reuseFrames);
    }
}
