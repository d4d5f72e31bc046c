package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;

import java.util.List;
import java.util.Optional;

/**
 * Finds the regions of a frame that may show a logo, best first. Implementations:
 * {@link GridProposer} (fixed multi-scale windows, needs no model) and
 * {@link DetectorProposer} (a DETR-style logo detector).
 */
public interface Proposer {

    /** At most {@code proposer.max-proposals} regions, in frame pixels. */
    List<Proposal> propose(Frame frame);

    /**
     * The proposer the configuration asks for.
     *
     * @param detector the loaded {@code models.detector}, required for {@code kind: detector}
     * @param meters   where to record the propose stage's time, or {@code null}
     * @throws IllegalArgumentException when {@code kind: detector} is configured without a detector
     */
    static Proposer create(ProposerConfig config, Optional<InferenceEngine> detector, DeviceMeters meters) {
        return switch (config.kind()) {
            case GRID -> new GridProposer(config, meters);
            case DETECTOR -> new DetectorProposer(detector.orElseThrow(() -> new IllegalArgumentException(
                    "proposer.kind is detector, but models.detector is not set; set it to a detector model "
                            + "folder or use proposer.kind: grid")), config, meters);
        };
    }
}
