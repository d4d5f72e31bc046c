package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.TestModels;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.web.StatusBoard;
import io.helidon.metrics.api.Tag;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DetectorProposerTest {
    private static final ProposerConfig CONFIG =
            new ProposerConfig(ProposerConfig.Kind.DETECTOR, 0.3, 4, 0.5, 10, List.of(0.5), 0.5, 0.0);

    @Test
    void proposesTheDetectorsBoxesInFramePixelsAndTimesTheStage() {
        DeviceMeters meters = StatusBoard.create("test", "0").meters();
        try (OnnxEngine detector = OnnxEngine.open(TestModels.model("detr"), 1, 4)) {
            Proposer proposer = Proposer.create(CONFIG, Optional.of(detector), meters);
            Frame frame = new Frame("cam", Instant.EPOCH, 1, new BufferedImage(128, 64, BufferedImage.TYPE_3BYTE_BGR));
            // The meter registry is shared by the whole JVM, so count from here.
            long before = proposeCount(meters);

            List<Proposal> first = proposer.propose(frame);
            List<Proposal> second = proposer.propose(frame);

            assertThat(proposer).isInstanceOf(DetectorProposer.class);
            DetrDecoderTest.assertLetterboxedProposals(first, "test-detr");
            assertThat(second).isEqualTo(first);
            assertThat(proposeCount(meters) - before).isEqualTo(2);
        }
    }

    private static long proposeCount(DeviceMeters meters) {
        return meters.registry().timer("logowatch.stage.duration", List.of(Tag.create("stage", "propose")))
                .orElseThrow().count();
    }

    @Test
    void refusesAnEmbedderAsDetector() {
        try (OnnxEngine embedder = OnnxEngine.open(TestModels.model("embedder"), 1, 4)) {
            assertThatThrownBy(() -> new DetectorProposer(embedder, CONFIG, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("test-embedder")
                    .hasMessageContaining("is not a detr detector");
        }
    }
}
