package dev.logowatch.web;

import dev.logowatch.config.Secret;
import dev.logowatch.config.WebConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.track.Detection;
import dev.logowatch.track.TrackState;
import dev.logowatch.track.Verification;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/** Frames and detections as the pipeline would push them onto the board, and a server to ask. */
final class WebFixtures {
    private WebFixtures() {
    }

    static Detection detection(String stream, String brand, long frame, Box box) {
        return new Detection(stream, Instant.parse("2026-11-23T19:02:11.250Z").plusMillis(frame * 333), frame, 7,
                brand, 0.8712, 0.12, Optional.of("adidas"), box, TrackState.CONFIRMED, Verification.NOT_NEEDED);
    }

    static Frame grayFrame(String stream, long sequence, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.GRAY);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return new Frame(stream, Instant.parse("2026-11-23T19:02:11Z"), sequence, image);
    }

    /** The status server on a free loopback port, with {@code token} required when it is not null. */
    static StatusServer serve(StatusBoard board, DeviceMeters meters, String token) {
        Optional<Secret> secret = token == null ? Optional.empty()
                : Optional.of(new Secret("web.auth-token-file", Path.of("/dev/null"), token));
        return StatusServer.start(new WebConfig("127.0.0.1", 0, secret), board, meters);
    }
}
