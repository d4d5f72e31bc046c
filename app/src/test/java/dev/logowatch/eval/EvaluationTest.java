package dev.logowatch.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.engine.Box;
import dev.logowatch.match.Match;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvaluationTest {
    private static Match match(String brand, double similarity, Box box, boolean accepted) {
        return new Match(box, 1.0, brand, similarity, 0.2, Optional.of("other"), similarity - 0.2, 0.7,
                VerifyPolicy.BORDERLINE, accepted ? Match.Decision.ACCEPTED : Match.Decision.BELOW_THRESHOLD);
    }

    private static Dataset.Item item(Set<String> brands, boolean exhaustive, List<Dataset.LabelledBox> boxes) {
        return new Dataset.Item(Path.of("x.jpg"), "x.jpg", brands, boxes, exhaustive, !boxes.isEmpty());
    }

    @Test
    void imageLevelCountsRightWrongAndMissedBrands() {
        Evaluation eval = new Evaluation(0.05);
        Box box = new Box(0, 0, 10, 10);
        eval.add(item(Set.of("nike"), true, List.of()), List.of(match("nike", 0.9, box, true)));        // TP
        eval.add(item(Set.of("nike", "puma"), true, List.of()), List.of(match("nike", 0.8, box, true))); // TP + FN
        eval.add(item(Set.of(), true, List.of()), List.of(match("puma", 0.75, box, true)));              // FP
        eval.add(item(Set.of("nike"), false, List.of()), List.of(match("puma", 0.9, box, true),
                match("nike", 0.9, box, true)));                                                        // TP, puma ignored
        assertThat(eval.image()).isEqualTo(new Counts(3, 1, 1));
        assertThat(eval.image().precision()).isCloseTo(0.75, within(1e-9));
        assertThat(eval.image().recall()).isCloseTo(0.75, within(1e-9));
    }

    @Test
    void boxesOfOneBrandAreMergedThenPairedAtIou05() {
        Evaluation eval = new Evaluation(0.05);
        Dataset.LabelledBox truth = new Dataset.LabelledBox("nike", new Box(100, 100, 200, 200));
        eval.add(item(Set.of("nike"), true, List.of(truth)), List.of(
                match("nike", 0.9, new Box(105, 100, 205, 200), true),   // pairs with the label
                match("nike", 0.8, new Box(110, 105, 210, 205), true),   // merged into the first
                match("nike", 0.85, new Box(400, 400, 500, 500), true),  // elsewhere: false positive
                match("nike", 0.95, new Box(0, 0, 20, 20), false)));     // rejected: not a prediction
        assertThat(eval.box()).isEqualTo(new Counts(1, 1, 0));
    }

    @Test
    void sweepAndJsonFollowTheReportContract() {
        Evaluation eval = new Evaluation(0.05);
        Box box = new Box(0, 0, 10, 10);
        eval.add(item(Set.of("nike"), true, List.of()), List.of(match("nike", 0.72, box, true)));
        eval.add(item(Set.of(), true, List.of()), List.of(match("nike", 0.52, box, false)));
        JsonNode json = eval.toJson(1.5);
        assertThat(json.get("images").asInt()).isEqualTo(2);
        assertThat(json.get("seconds").asDouble()).isEqualTo(1.5);
        assertThat(json.at("/overall/image/tp").asLong()).isEqualTo(1);
        assertThat(json.at("/brands/nike/image/f1").asDouble()).isEqualTo(1.0);
        JsonNode at50 = null;
        JsonNode at60 = null;
        for (JsonNode row : json.get("sweep")) {
            if (Math.abs(row.get("threshold").asDouble() - 0.5) < 1e-6) {
                at50 = row;
            }
            if (Math.abs(row.get("threshold").asDouble() - 0.6) < 1e-6) {
                at60 = row;
            }
        }
        assertThat(at50.get("precision").asDouble()).isEqualTo(0.5);   // 0.52 in the negative counts at 0.50
        assertThat(at60.get("precision").asDouble()).isEqualTo(1.0);   // but not at 0.60
        assertThat(json.at("/similarity/right/14").asLong()).isEqualTo(1);  // 0.72 → bin 0.70–0.75
        assertThat(json.at("/similarity/wrong/10").asLong()).isEqualTo(1);  // 0.52 → bin 0.50–0.55
        assertThat(eval.toText(1.5)).contains("overall (image)").contains("threshold sweep");
    }
}
