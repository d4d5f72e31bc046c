package dev.logowatch.source;

/**
 * Picks which decoded frames to deliver so that at most {@code fps} frames per second of
 * stream time pass, evenly spaced: the due time advances by exactly one interval per
 * delivered frame, so a 25 fps camera sampled at 3 fps yields 3 frames every second, not
 * alternately 3 and 4. A tenth of an interval of slack absorbs timestamp jitter when the
 * camera runs at about the sampled rate. Jumps (a file looping, a camera restarting its
 * clock) restart the schedule.
 */
final class FrameSampler {
    private static final long JUMP_MICROS = 10_000_000;
    private final long intervalMicros;
    private final long slackMicros;
    private long due;
    private boolean started;

    FrameSampler(double fps) {
        if (!(fps > 0)) {
            throw new IllegalArgumentException("fps must be positive, got " + fps);
        }
        this.intervalMicros = Math.round(1_000_000 / fps);
        this.slackMicros = intervalMicros / 10;
    }

    /** Whether the frame at stream time {@code mediaMicros} is delivered. */
    boolean admit(long mediaMicros) {
        if (!started || mediaMicros < due - intervalMicros - slackMicros || mediaMicros > due + JUMP_MICROS) {
            started = true;
            due = mediaMicros + intervalMicros;
            return true;
        }
        if (mediaMicros < due - slackMicros) {
            return false;
        }
        due += intervalMicros;
        if (due <= mediaMicros) {
            // Frames were missing for longer than an interval: no burst to catch up.
            due = mediaMicros + intervalMicros;
        }
        return true;
    }

    /** Starts a new schedule with the next frame (after reopening a source). */
    void reset() {
        started = false;
    }
}
