package dev.logowatch.verify;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * A borderline track to show the remote verifier.
 *
 * @param stream           stream id
 * @param trackId          the track's id within its stream
 * @param brand            the brand's catalog id
 * @param brandDisplayName what the model is asked about ("Is this the … logo?"); the id when blank
 * @param similarity       the track's best similarity; when the queue is full the lowest are not sent
 * @param crop             the best crop with some context around the box; the verifier keeps it
 *                         until the request is sent, so the caller must not draw on it afterwards
 */
public record Candidate(String stream, long trackId, String brand, String brandDisplayName, double similarity,
                        BufferedImage crop) {
    public Candidate {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(brand, "brand");
        Objects.requireNonNull(crop, "crop");
        if (brandDisplayName == null || brandDisplayName.isBlank()) {
            brandDisplayName = brand;
        }
    }
}
