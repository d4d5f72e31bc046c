package dev.logowatch.detect;

import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InputBatch;
import dev.logowatch.engine.ModelException;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.Placement;
import dev.logowatch.engine.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DetrDecoderTest {
    /** Same queries as the generated test detector (make_test_models.py): 5 queries, 2 classes + no-object. */
    static final float[] LOGITS = {
        4, 0, 0,
        0, 3, 0,
        0, 0, 5,
        3, 0, 0,
        2, 1, 0,
    };
    static final float[] BOXES = {
        0.50f, 0.50f, 0.50f, 0.25f,
        0.52f, 0.50f, 0.50f, 0.25f,
        0.25f, 0.25f, 0.20f, 0.20f,
        0.10f, 0.50f, 0.01f, 0.01f,
        0.125f, 0.375f, 0.125f, 0.125f,
    };
    static final double P0 = Math.exp(4) / (Math.exp(4) + 2);
    static final double P4 = Math.exp(2) / (Math.exp(2) + Math.exp(1) + 1);

    private static Placement placement(ModelManifest.Resize resize) {
        ModelManifest.Input input = new ModelManifest.Input("images", ModelManifest.Layout.NCHW, 64, 64,
                ModelManifest.Color.RGB, 1 / 255.0, List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), resize,
                List.of(0, 0, 0));
        return new InputBatch(input, 1).add(new BgrImage(new byte[128 * 64 * 3], 128, 64), new Box(0, 0, 128, 64));
    }

    private static Tensor logits(int items) {
        float[] data = new float[LOGITS.length * items];
        for (int i = 0; i < items; i++) {
            System.arraycopy(LOGITS, 0, data, i * LOGITS.length, LOGITS.length);
        }
        return new Tensor(new long[] {items, 5, 3}, data);
    }

    private static Tensor boxes(int items) {
        float[] data = new float[BOXES.length * items];
        for (int i = 0; i < items; i++) {
            System.arraycopy(BOXES, 0, data, i * BOXES.length, BOXES.length);
        }
        return new Tensor(new long[] {items, 5, 4}, data);
    }

    /** The two proposals the test detector yields on a 128x64 frame letterboxed to 64x64. */
    static void assertLetterboxedProposals(List<Proposal> proposals, String source) {
        assertThat(proposals).hasSize(2);
        // Query 0: input box x 16..48, y 24..40; letterbox scale 0.5 with 16 px of padding above.
        assertThat(proposals.get(0).box()).isEqualTo(new Box(32, 16, 96, 48));
        assertThat(proposals.get(0).score()).isCloseTo(P0, within(1e-6));
        // Query 4: input box x 4..12, y 20..28.
        assertThat(proposals.get(1).box()).isEqualTo(new Box(8, 8, 24, 24));
        assertThat(proposals.get(1).score()).isCloseTo(P4, within(1e-6));
        assertThat(proposals).extracting(Proposal::source).containsOnly(source);
    }

    @Test
    void decodesQueriesThroughTheLetterboxDroppingNoObjectTinyAndOverlappingBoxes() {
        DetrDecoder decoder = new DetrDecoder(0.3, 4, 0.5, 10, "test-detr");

        List<Proposal> proposals = decoder.decode(logits(1), boxes(1), 0, placement(ModelManifest.Resize.LETTERBOX));

        assertLetterboxedProposals(proposals, "test-detr");
    }

    @Test
    void undoesAStretchPerAxis() {
        DetrDecoder decoder = new DetrDecoder(0.3, 4, 0.5, 10, "d");

        List<Proposal> proposals = decoder.decode(logits(1), boxes(1), 0, placement(ModelManifest.Resize.STRETCH));

        // Stretch scales x by 0.5 and y by 1: query 0 is x 16..48 -> 32..96, y 24..40 unchanged.
        assertThat(proposals.getFirst().box()).isEqualTo(new Box(32, 24, 96, 40));
    }

    @Test
    void thresholdsIouAndCapAreHonoured() {
        Placement placement = placement(ModelManifest.Resize.LETTERBOX);

        // Query 1 overlaps query 0 at IoU 0.92: kept only when the NMS threshold is above that.
        assertThat(new DetrDecoder(0.3, 4, 0.95, 10, "d").decode(logits(1), boxes(1), 0, placement)).hasSize(3);
        assertThat(new DetrDecoder(0.7, 4, 0.5, 10, "d").decode(logits(1), boxes(1), 0, placement))
                .extracting(Proposal::box).containsExactly(new Box(32, 16, 96, 48));
        assertThat(new DetrDecoder(0.3, 4, 0.5, 1, "d").decode(logits(1), boxes(1), 0, placement)).hasSize(1);
        // With no minimum size the 0.64 px query 3 survives (it overlaps nothing).
        assertThat(new DetrDecoder(0.3, 0, 0.5, 10, "d").decode(logits(1), boxes(1), 0, placement)).hasSize(3);
    }

    @Test
    void boxesInTheLetterboxPaddingAreClippedOrDropped() {
        Tensor logits = new Tensor(new long[] {1, 2, 2}, new float[] {5, 0, 5, 0});
        // Query 0 reaches from the padding into the picture; query 1 lies wholly in the top padding.
        Tensor boxes = new Tensor(new long[] {1, 2, 4}, new float[] {0.5f, 0.25f, 0.25f, 0.25f, 0.5f, 0.1f, 0.2f, 0.1f});

        List<Proposal> proposals = new DetrDecoder(0.3, 0, 0.5, 10, "d")
                .decode(logits, boxes, 0, placement(ModelManifest.Resize.LETTERBOX));

        // Query 0: input y 8..24 is frame y -16..16, clipped at the top edge.
        assertThat(proposals).extracting(Proposal::box).containsExactly(new Box(48, 0, 80, 16));
    }

    @Test
    void readsTheRequestedBatchItem() {
        Tensor logits = logits(2);
        // Make item 1's query 4 a no-object.
        logits.data()[15 + 12 + 2] = 9;

        Placement placement = placement(ModelManifest.Resize.LETTERBOX);
        DetrDecoder decoder = new DetrDecoder(0.3, 4, 0.5, 10, "d");

        assertThat(decoder.decode(logits, boxes(2), 0, placement)).hasSize(2);
        assertThat(decoder.decode(logits, boxes(2), 1, placement)).hasSize(1);
    }

    @Test
    void scoreIsTheBestRealClassAfterSoftmax() {
        assertThat(DetrDecoder.objectScore(new float[] {4, 0, 0}, 0, 3)).isCloseTo(P0, within(1e-9));
        assertThat(DetrDecoder.objectScore(new float[] {0, 0, 5}, 0, 3)).isCloseTo(1 / (Math.exp(5) + 2), within(1e-9));
        // Large logits must not overflow.
        assertThat(DetrDecoder.objectScore(new float[] {1000, 999}, 0, 2)).isCloseTo(
                1 / (1 + Math.exp(-1)), within(1e-9));
    }

    @Test
    void nmsKeepsTheBestOfEachOverlappingGroup() {
        List<Proposal> in = List.of(
                new Proposal(new Box(0, 0, 10, 10), 0.6, "d"),
                new Proposal(new Box(1, 0, 11, 10), 0.9, "d"),
                new Proposal(new Box(50, 50, 60, 60), 0.5, "d"),
                new Proposal(new Box(0, 0, 10, 10), 0.7, "d"));

        List<Proposal> kept = DetrDecoder.suppress(in, 0.5, 10);

        assertThat(kept).extracting(Proposal::score).containsExactly(0.9, 0.5);
    }

    @Test
    void wrongOutputShapesAreReportedWithTheShapes() {
        DetrDecoder decoder = new DetrDecoder(0.3, 4, 0.5, 10, "test-detr");
        Tensor flat = new Tensor(new long[] {1, 15}, new float[15]);

        assertThatThrownBy(() -> decoder.decode(flat, boxes(1), 0, placement(ModelManifest.Resize.LETTERBOX)))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("test-detr")
                .hasMessageContaining("[1, 15]");
    }
}
