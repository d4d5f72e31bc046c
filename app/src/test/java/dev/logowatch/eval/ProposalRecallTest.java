package dev.logowatch.eval;

import dev.logowatch.detect.Proposal;
import dev.logowatch.engine.Box;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ProposalRecallTest {
    private static Dataset.Item item(Box... boxes) {
        return new Dataset.Item(Path.of("a.jpg"), "images/a.jpg", Set.of("logo"),
                java.util.Arrays.stream(boxes).map(b -> new Dataset.LabelledBox("logo", b)).toList(), true, true);
    }

    private static Proposal proposal(double x1, double y1, double x2, double y2) {
        return new Proposal(new Box(x1, y1, x2, y2), 0.9, "test");
    }

    @Test
    void aLogoCountsAsFoundOnlyWithAProposalAtIouHalfAndIsBinnedByItsSmallerSide() {
        ProposalRecall recall = new ProposalRecall();
        Box small = new Box(0, 0, 200, 20);      // a wordmark: 20 px on its smaller side
        Box medium = new Box(300, 300, 340, 340); // 40 px
        Box large = new Box(500, 500, 700, 700);  // 200 px
        recall.add(item(small, medium, large), List.of(
                proposal(0, 0, 200, 20),             // exact: found
                proposal(300, 300, 360, 360),        // IoU 1600/3600 = 0.44: not found, but loosely
                proposal(510, 510, 700, 700)));      // IoU 0.9: found

        var json = recall.toJson(1.0);
        assertThat(json.get("images").asInt()).isEqualTo(1);
        assertThat(json.get("proposals_per_image").asDouble()).isEqualTo(3.0);
        assertThat(json.at("/by_size/1/from_px").asInt()).isEqualTo(16);
        assertThat(json.at("/by_size/1/found").asInt()).isEqualTo(1);
        assertThat(json.at("/by_size/2/logos").asInt()).isEqualTo(1);
        assertThat(json.at("/by_size/2/found").asInt()).isZero();
        assertThat(json.at("/by_size/5/found").asInt()).isEqualTo(1);
        assertThat(recall.recallFrom(24)).isCloseTo(0.5, within(1e-9));
        assertThat(recall.recallFrom(0)).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(json.at("/by_size/2/loose").asInt()).isEqualTo(1);
        assertThat(recall.looseRecallFrom(24)).isCloseTo(1.0, within(1e-9));
        assertThat(json.get("loose_recall_from_24px").asDouble()).isEqualTo(1.0);
        assertThat(recall.toText(1.0)).contains("IoU>=0.3").contains("16-24 px").contains(">= 24 px").contains("0.500");
    }
}
