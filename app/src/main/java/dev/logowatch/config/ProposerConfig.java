package dev.logowatch.config;

import java.util.List;

/**
 * Where in a frame to look for logos.
 *
 * @param kind         {@code grid}: multi-scale square windows, needs no detector;
 *                     {@code detector}: the boxes of {@code models.detector}
 * @param minScore     detector boxes scoring below this are dropped
 * @param minSize      boxes smaller than this many pixels on their short side are dropped
 * @param nmsIou       overlapping boxes above this IoU are merged (non-maximum suppression)
 * @param maxProposals at most this many regions per frame are embedded
 * @param gridSizes    grid window sizes as fractions of the frame's short side
 * @param gridStride   grid step as a fraction of the window size
 * @param cropPadding  detector boxes are embedded with this share of their width and height
 *                     added on each side: the embedder was trained on marks with some
 *                     surroundings, and a tight box cuts their edges (the reported box stays
 *                     the detector's); grid windows carry their own context and get none
 * @param tiles        the detector also runs on a {@code tiles} x {@code tiles} grid of
 *                     overlapping tiles besides the whole frame (1: the whole frame only), so
 *                     marks that shrink below the detector's reach in a large frame are seen at
 *                     {@code tiles} times the scale; each tile costs one more detector item
 * @param tileOverlap  share of a tile's width and height that it shares with its neighbour:
 *                     a mark smaller than the overlap lies whole in some tile
 * @param joinGap      detector boxes this close (times the smaller box's short side) are also
 *                     proposed joined into one, so a lockup boxed in parts (wordmark and
 *                     symbol) is embedded whole; 0: never
 * @param zoomOut      the detector also runs on the whole frame drawn this many times smaller
 *                     inside its input (1: never), so marks larger than it learnt to box (a
 *                     wordmark filling a product photo) are seen at a scale it knows; one more
 *                     detector item
 */
public record ProposerConfig(Kind kind, double minScore, int minSize, double nmsIou, int maxProposals,
                             List<Double> gridSizes, double gridStride, double cropPadding, int tiles,
                             double tileOverlap, double joinGap, double zoomOut) {

    public enum Kind { GRID, DETECTOR }

    /** Whole frames only, no tiles. */
    public ProposerConfig(Kind kind, double minScore, int minSize, double nmsIou, int maxProposals,
                          List<Double> gridSizes, double gridStride, double cropPadding) {
        this(kind, minScore, minSize, nmsIou, maxProposals, gridSizes, gridStride, cropPadding, 1, 0.25, 0, 1);
    }

    /** No joined boxes. */
    public ProposerConfig(Kind kind, double minScore, int minSize, double nmsIou, int maxProposals,
                          List<Double> gridSizes, double gridStride, double cropPadding, int tiles,
                          double tileOverlap) {
        this(kind, minScore, minSize, nmsIou, maxProposals, gridSizes, gridStride, cropPadding, tiles, tileOverlap, 0, 1);
    }

    /** No zoomed-out pass. */
    public ProposerConfig(Kind kind, double minScore, int minSize, double nmsIou, int maxProposals,
                          List<Double> gridSizes, double gridStride, double cropPadding, int tiles,
                          double tileOverlap, double joinGap) {
        this(kind, minScore, minSize, nmsIou, maxProposals, gridSizes, gridStride, cropPadding, tiles, tileOverlap,
                joinGap, 1);
    }

    static ProposerConfig read(ConfigNode node) {
        Kind kind = node.choice("kind", Kind.GRID);
        double minScore = node.number("min-score", 0.3, 0.0, 1.0);
        int minSize = node.integer("min-size", 12, 1, 4096);
        double nmsIou = node.number("nms-iou", 0.5, 0.0, 1.0);
        int maxProposals = node.integer("max-proposals", 64, 1, 1024);
        ConfigNode grid = node.section("grid");
        List<Double> sizes = grid.numbers("sizes", List.of(0.15, 0.25, 0.4), 0.01, 1.0);
        double stride = grid.number("stride", 0.5, 0.1, 1.0);
        double cropPadding = node.number("crop-padding", 0.2, 0.0, 1.0);
        int tiles = node.integer("tiles", 1, 1, 4);
        double tileOverlap = node.number("tile-overlap", 0.25, 0.0, 0.5);
        double joinGap = node.number("join-gap", 0.0, 0.0, 4.0);
        double zoomOut = node.number("zoom-out", 1.0, 1.0, 4.0);
        grid.rejectUnknownKeys();
        node.rejectUnknownKeys();
        return new ProposerConfig(kind, minScore, minSize, nmsIou, maxProposals, sizes, stride, cropPadding, tiles,
                tileOverlap, joinGap, zoomOut);
    }
}
