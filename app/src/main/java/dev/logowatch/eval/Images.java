package dev.logowatch.eval;

import dev.logowatch.config.ImagesConfig;
import dev.logowatch.image.ImageFile;
import dev.logowatch.source.Frame;

import java.nio.file.Path;
import java.time.Instant;

/** Still images as frames, so they go through exactly the path video frames take. */
public final class Images {
    private Images() {
    }

    /**
     * Reads an image file as a frame of a pseudo-stream, upright and in BGR.
     *
     * @throws ImageFile.Refused with the reason the file cannot be used
     */
    public static Frame frame(Path file, ImagesConfig limits, String stream, long sequence) throws ImageFile.Refused {
        return new Frame(stream, Instant.EPOCH.plusMillis(sequence), sequence, ImageFile.read(file, limits));
    }
}
