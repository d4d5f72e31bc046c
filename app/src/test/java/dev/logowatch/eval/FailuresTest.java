package dev.logowatch.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.engine.Box;
import dev.logowatch.match.Match;
import dev.logowatch.source.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FailuresTest {
    private static final Frame FRAME = new Frame("eval", Instant.EPOCH, 0,
            new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR));

    private static Match match(String brand, double similarity, Box box, Match.Decision decision) {
        return new Match(box, 1.0, brand, similarity, 0.2, Optional.of("other"), similarity - 0.2, 0.7,
                VerifyPolicy.BORDERLINE, decision);
    }

    private static Dataset.Item item(String name, Set<String> brands, List<Dataset.LabelledBox> boxes) {
        return new Dataset.Item(Path.of(name), name, brands, boxes, true, !boxes.isEmpty());
    }

    private static List<JsonNode> lines(Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        return Files.readAllLines(dir.resolve("failures.jsonl")).stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    void aWrongBrandAndAMissedLogoAreKeptWithTheirCropsAndWhy(@TempDir Path dir) throws Exception {
        Box logo = new Box(10, 10, 50, 40);
        Box elsewhere = new Box(120, 20, 180, 80);
        try (Failures failures = new Failures(dir)) {
            failures.add(item("images/shirt.jpg", Set.of("puma"), List.of(new Dataset.LabelledBox("puma", logo))),
                    FRAME, List.of(match("nike", 0.81, elsewhere, Match.Decision.ACCEPTED),
                            match("puma", 0.55, new Box(12, 12, 30, 30), Match.Decision.BELOW_THRESHOLD)));
            assertThat(failures.images()).isEqualTo(1);
        }
        assertThat(dir.resolve("fp-nike-shirt.jpg")).exists();
        BufferedImage wrongCrop = ImageIO.read(dir.resolve("crops/fp-nike-shirt-0.png").toFile());
        assertThat(wrongCrop.getWidth()).isEqualTo(60);
        assertThat(wrongCrop.getHeight()).isEqualTo(60);
        BufferedImage missedCrop = ImageIO.read(dir.resolve("crops/fn-puma-shirt-1.png").toFile());
        assertThat(missedCrop.getWidth()).isEqualTo(40);

        List<JsonNode> lines = lines(dir);
        assertThat(lines).hasSize(2);
        JsonNode fp = lines.get(0);
        assertThat(fp.get("kind").asText()).isEqualTo("fp");
        assertThat(fp.get("brand").asText()).isEqualTo("nike");
        assertThat(fp.get("similarity").asDouble()).isEqualTo(0.81);
        JsonNode fn = lines.get(1);
        assertThat(fn.get("kind").asText()).isEqualTo("fn");
        assertThat(fn.get("brand").asText()).isEqualTo("puma");
        assertThat(fn.get("decision").asText()).isEqualTo("BELOW_THRESHOLD");
        // The closest region covered the logo poorly: a proposal miss, not a matching miss.
        assertThat(fn.get("best_proposal_iou").asDouble()).isLessThan(0.5);
    }

    @Test
    void imagesRecognisedRightLeaveNothingBehind(@TempDir Path dir) throws Exception {
        Box logo = new Box(10, 10, 50, 40);
        try (Failures failures = new Failures(dir)) {
            failures.add(item("images/ok.jpg", Set.of("puma"), List.of(new Dataset.LabelledBox("puma", logo))),
                    FRAME, List.of(match("puma", 0.9, logo, Match.Decision.ACCEPTED)));
            failures.add(item("images/empty.jpg", Set.of(), List.of()), FRAME,
                    List.of(match("nike", 0.4, logo, Match.Decision.BELOW_THRESHOLD)));
            assertThat(failures.images()).isZero();
        }
        assertThat(lines(dir)).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("crops", "failures.jsonl");
        }
    }
}
