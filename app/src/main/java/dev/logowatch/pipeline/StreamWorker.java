package dev.logowatch.pipeline;

import dev.logowatch.catalog.Brand;
import dev.logowatch.config.StreamConfig;
import dev.logowatch.match.Match;
import dev.logowatch.match.Matcher;
import dev.logowatch.publish.MqttPublisher;
import dev.logowatch.publish.Payloads;
import dev.logowatch.source.Frame;
import dev.logowatch.source.LatestFrame;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import dev.logowatch.track.Appearance;
import dev.logowatch.track.Detection;
import dev.logowatch.track.Tracker;
import dev.logowatch.verify.Candidate;
import dev.logowatch.verify.Verdict;
import dev.logowatch.verify.Verifier;
import dev.logowatch.web.StatusBoard;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One stream's worker: takes the latest frame, recognises the brands in it, smooths them
 * into appearances, and reports both. While it works, the reader keeps only the newest
 * frame, so a slow model drops frames (counted) instead of falling behind.
 */
final class StreamWorker implements Runnable {
    private static final System.Logger LOG = System.getLogger(StreamWorker.class.getName());
    private static final Duration POLL = Duration.ofMillis(500);

    private final StreamConfig config;
    private final StreamHealth status;
    private final LatestFrame frames;
    private final Recognizer recognizer;
    private final Tracker tracker;
    private final StatusBoard board;
    private final MqttPublisher publisher;
    private final Verifier verifier;
    private final Queue<Verdict> verdicts = new ConcurrentLinkedQueue<>();
    private final DeviceMeters meters;
    private final Duration outage;
    private Instant lastFrame;
    private volatile boolean stopping;

    StreamWorker(StreamConfig config, StreamHealth status, LatestFrame frames, Recognizer recognizer, Tracker tracker,
                 StatusBoard board, MqttPublisher publisher, Verifier verifier, DeviceMeters meters) {
        this.config = config;
        this.status = status;
        this.frames = frames;
        this.recognizer = recognizer;
        this.tracker = tracker;
        this.board = board;
        this.publisher = publisher;
        this.verifier = verifier;
        this.meters = meters;
        // A gap this long between frames is an outage, not a logo out of view for a moment:
        // open appearances end at the last frame before it rather than spanning the outage.
        this.outage = config.stallTimeout();
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                applyVerdicts();
                switch (frames.take(POLL)) {
                    case LatestFrame.Fresh fresh -> process(fresh.frame());
                    case LatestFrame.TimedOut ignored -> endAppearancesIfStreamDown();
                    case LatestFrame.Ended ignored -> stopping = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Also when dying: what was open ends now, so a restart begins with no stale track.
            try {
                report(tracker.flush());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "stream " + config.id() + ": open appearances not reported: "
                        + e);
            }
        }
    }

    void stop() {
        stopping = true;
    }

    private void process(Frame frame) {
        if (lastFrame != null && Duration.between(lastFrame, frame.timestamp()).compareTo(outage) > 0) {
            report(tracker.flush());
        }
        lastFrame = frame.timestamp();
        long begin = System.nanoTime();
        List<Match> matches;
        try {
            matches = recognizer.recognize(frame);
        } catch (RuntimeException e) {
            // A model failure on one frame must not kill the stream; it is counted as dropped.
            LOG.log(System.Logger.Level.WARNING, "stream " + config.id() + ": frame " + frame.sequence()
                    + " not recognised: " + e.getMessage());
            status.dropped(1);
            return;
        }
        long start = System.nanoTime();
        Tracker.Result result = tracker.update(frame.timestamp(), frame.sequence(), Matcher.distinct(matches));
        meters.record(DeviceMeters.Stage.TRACK, Duration.ofNanos(System.nanoTime() - start));
        board.processed(new StatusBoard.Snapshot(frame, result.detections()));
        for (Detection d : result.detections()) {
            board.detection(d);
        }
        long published = System.nanoTime();
        if (!result.detections().isEmpty()) {
            publisher.detections(frame, result.detections());
        }
        report(result.events());
        meters.record(DeviceMeters.Stage.PUBLISH, Duration.ofNanos(System.nanoTime() - published));
        for (Detection d : result.verificationRequests()) {
            verifier.submit(candidate(frame, d), verdicts::add);
        }
        meters.record(DeviceMeters.Stage.FRAME, Duration.ofNanos(System.nanoTime() - begin));
    }

    /**
     * The borderline track's crop with a quarter of its size of context on every side: a
     * mark is easier to judge with its board or shirt around it. The crop is a copy, so a
     * candidate waiting in the verifier's queue holds only its own pixels.
     */
    private Candidate candidate(Frame frame, Detection d) {
        double padX = d.box().width() / 4;
        double padY = d.box().height() / 4;
        int x1 = (int) Math.max(0, Math.floor(d.box().x1() - padX));
        int y1 = (int) Math.max(0, Math.floor(d.box().y1() - padY));
        int x2 = (int) Math.min(frame.width(), Math.ceil(d.box().x2() + padX));
        int y2 = (int) Math.min(frame.height(), Math.ceil(d.box().y2() + padY));
        BufferedImage crop = copy(frame.image().getSubimage(x1, y1, Math.max(1, x2 - x1), Math.max(1, y2 - y1)));
        String displayName = recognizer.matcher().catalog().brand(d.brand()).map(Brand::displayName).orElse(d.brand());
        return new Candidate(config.id(), d.track(), d.brand(), displayName, d.similarity(), crop);
    }

    /**
     * A sub-image shares its frame's whole raster: a queued candidate would keep every full
     * frame alive (about 25 MB each at 4K) until the verifier is done with it. Only the crop
     * is kept.
     */
    static BufferedImage copy(BufferedImage view) {
        BufferedImage own = new BufferedImage(view.getWidth(), view.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        view.copyData(own.getRaster());
        return own;
    }

    /** Verdicts arrive on the verifier's thread; the tracker is this worker's alone, so they are applied here. */
    private void applyVerdicts() {
        for (Verdict v = verdicts.poll(); v != null; v = verdicts.poll()) {
            tracker.verification(v.trackId(), v.verification());
            if (v.outcome() != DeviceMeters.VerifierOutcome.SKIPPED) {
                publisher.verification(Payloads.verification(v, tracker.appearanceId(v.trackId())));
            }
        }
    }

    private void endAppearancesIfStreamDown() {
        if (status.state() != StreamHealth.State.LIVE && tracker.openTracks() > 0) {
            report(tracker.flush());
        }
    }

    private void report(List<Appearance.Event> events) {
        for (Appearance.Event event : events) {
            board.appearance(event);
            publisher.event(event);
            if (event.type() == Appearance.EventType.UPDATE) {
                continue;
            }
            LOG.log(System.Logger.Level.INFO, "appearance " + event.type().wireName() + ": "
                    + event.appearance().brand() + " on " + config.name()
                    + String.format(java.util.Locale.ROOT, " %.1f s", event.appearance().visibleSeconds()));
        }
    }
}
