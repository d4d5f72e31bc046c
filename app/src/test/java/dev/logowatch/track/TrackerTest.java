package dev.logowatch.track;

import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.config.TrackingConfig;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.match.Match;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TrackerTest {
    private static final Instant T0 = Instant.parse("2026-11-23T19:02:11Z");
    private static final Box LEFT = new Box(100, 100, 200, 150);
    private static final Box LEFT_MOVED = new Box(110, 102, 210, 152);
    private static final Box RIGHT = new Box(400, 100, 500, 150);
    /** iou 0.3, min-frames 3, max-gap 2, window 5, update every 10 s. */
    private static final TrackingConfig TRACKING = new TrackingConfig(0.3, 3, 2, 5, Duration.ofSeconds(10));

    private static VerifyConfig verify(boolean enabled) {
        return new VerifyConfig(enabled, Optional.empty(), "", Optional.empty(), 0.6, 0.8, 0.7,
                Duration.ofSeconds(20), 2, 30);
    }

    private static Match match(String brand, double similarity, Box box) {
        return match(brand, similarity, box, VerifyPolicy.BORDERLINE);
    }

    private static Match match(String brand, double similarity, Box box, VerifyPolicy policy) {
        Match.Decision decision = similarity >= 0.75 ? Match.Decision.ACCEPTED : Match.Decision.BORDERLINE;
        return new Match(box, 0.9, brand, similarity, similarity - 0.3, Optional.of("other"), 0.3, 0.75, policy,
                decision);
    }

    /** Feeds frames at a fixed interval and collects everything the tracker says. */
    private static final class Run {
        final Tracker tracker;
        final Duration step;
        final List<Appearance.Event> events = new ArrayList<>();
        final List<Tracker.Result> results = new ArrayList<>();
        long frame;

        Run(TrackingConfig tracking, VerifyConfig verify, Duration step) {
            this.tracker = new Tracker("east", tracking, verify);
            this.step = step;
        }

        Run() {
            this(TRACKING, verify(false), Duration.ofMillis(500));
        }

        Instant time(long f) {
            return T0.plus(step.multipliedBy(f));
        }

        Tracker.Result frame(Match... matches) {
            Tracker.Result r = tracker.update(time(frame), frame, List.of(matches));
            frame++;
            events.addAll(r.events());
            results.add(r);
            return r;
        }

        void frames(int count, Match... matches) {
            for (int i = 0; i < count; i++) {
                frame(matches);
            }
        }

        List<Appearance.Event> flush() {
            List<Appearance.Event> end = tracker.flush();
            events.addAll(end);
            return end;
        }

        List<Appearance.Event> of(Appearance.EventType type) {
            return events.stream().filter(e -> e.type() == type).toList();
        }
    }

    @Test
    void appearanceStartsWhenConfirmedAndCoversTheTentativeFrames() {
        Run run = new Run();
        run.frame(match("acme", 0.9, LEFT));
        run.frame(match("acme", 0.88, LEFT_MOVED));
        assertThat(run.events).isEmpty();
        assertThat(run.results.get(1).detections()).singleElement()
                .satisfies(d -> assertThat(d.state()).isEqualTo(TrackState.TENTATIVE));

        Tracker.Result third = run.frame(match("acme", 0.86, LEFT));

        assertThat(third.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(Appearance.EventType.NEW);
            assertThat(e.appearance().brand()).isEqualTo("acme");
            assertThat(e.appearance().start()).isEqualTo(T0);
            assertThat(e.appearance().end()).isEqualTo(run.time(2));
            assertThat(e.appearance().visibleSeconds()).isEqualTo(1.0);
            assertThat(e.appearance().bestSimilarity()).isEqualTo(0.9);
            assertThat(e.appearance().id()).isEqualTo("east-" + T0.toEpochMilli() + "-1");
        });
        assertThat(third.detections()).singleElement().satisfies(d -> {
            assertThat(d.state()).isEqualTo(TrackState.CONFIRMED);
            assertThat(d.track()).isEqualTo(1);
            assertThat(d.frame()).isEqualTo(2);
            assertThat(d.stream()).isEqualTo("east");
            assertThat(d.verification()).isEqualTo(Verification.NOT_NEEDED);
        });
    }

    @Test
    void oneMissedFrameDoesNotEndTheAppearanceAndIsNotCountedVisible() {
        Run run = new Run();
        run.frames(5, match("acme", 0.9, LEFT)); // frames 0-4, t = 0 .. 2.0 s
        run.frame();                             // frame 5 missed
        run.frames(4, match("acme", 0.9, LEFT)); // frames 6-9, t = 3.0 .. 4.5 s

        List<Appearance.Event> end = run.flush();

        assertThat(run.of(Appearance.EventType.NEW)).hasSize(1);
        assertThat(end).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(Appearance.EventType.END);
            assertThat(e.appearance().start()).isEqualTo(T0);
            assertThat(e.appearance().end()).isEqualTo(run.time(9));
            // 4.5 s from first to last sighting, less the two half-second intervals around frame 5.
            assertThat(e.appearance().visibleSeconds()).isCloseTo(3.5, within(1e-9));
        });
        assertThat(run.events).extracting(e -> e.appearance().id()).containsOnly(end.get(0).appearance().id());
    }

    @Test
    void oneSpuriousFrameDoesNotStartAnAppearance() {
        Run run = new Run();
        run.frame(match("acme", 0.95, LEFT));
        run.frames(10);

        assertThat(run.events).isEmpty();
        assertThat(run.tracker.openTracks()).isZero();
        assertThat(run.flush()).isEmpty();
    }

    @Test
    void appearanceEndsAfterMoreThanMaxGapFramesUnseen() {
        Run run = new Run();
        run.frames(4, match("acme", 0.9, LEFT)); // frames 0-3
        run.frames(2);                          // frames 4, 5: within max-gap 2
        assertThat(run.of(Appearance.EventType.END)).isEmpty();

        Tracker.Result third = run.frame();     // frame 6: third frame unseen

        assertThat(third.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(Appearance.EventType.END);
            assertThat(e.appearance().end()).isEqualTo(run.time(3));
            assertThat(e.appearance().visibleSeconds()).isEqualTo(1.5);
        });
        assertThat(run.flush()).isEmpty();
    }

    @Test
    void twoBrandsSideBySideStayTwoTracks() {
        Run run = new Run();
        run.frames(4, match("acme", 0.9, LEFT), match("globex", 0.85, RIGHT));

        List<Appearance.Event> news = run.of(Appearance.EventType.NEW);
        assertThat(news).extracting(e -> e.appearance().brand()).containsExactlyInAnyOrder("acme", "globex");
        assertThat(news).extracting(e -> e.appearance().id()).doesNotHaveDuplicates();
        assertThat(run.results.get(3).detections()).extracting(Detection::track).doesNotHaveDuplicates();
        assertThat(run.results.get(3).detections()).extracting(Detection::box).containsExactly(LEFT, RIGHT);
        assertThat(run.flush()).hasSize(2);
    }

    @Test
    void fastMoverWhoseBoxesNeverOverlapIsOneAppearance() {
        // A 40 px mark on a walker's shirt, sampled at 3 fps: 60 px further at every frame.
        Run run = new Run();
        for (int f = 0; f < 6; f++) {
            run.frame(match("acme", 0.85, new Box(100 + 60 * f, 400, 140 + 60 * f, 440)));
        }
        run.flush();

        assertThat(run.of(Appearance.EventType.NEW)).singleElement()
                .satisfies(e -> assertThat(e.appearance().brand()).isEqualTo("acme"));
        assertThat(run.of(Appearance.EventType.END)).singleElement()
                .satisfies(e -> assertThat(e.appearance().visibleSeconds()).isEqualTo(2.5));
        assertThat(run.results).allSatisfy(r -> assertThat(r.detections()).extracting(Detection::track)
                .containsExactly(1L));
    }

    @Test
    void sameBrandFarAwayOrOfAnotherSizeIsAnotherTrack() {
        Run run = new Run();
        run.frames(3, match("acme", 0.9, LEFT));
        // Four diagonals away, and a board ten times the area right beside it.
        Tracker.Result next = run.frame(match("acme", 0.9, new Box(100, 600, 200, 650)),
                match("acme", 0.9, new Box(210, 100, 526, 258)));

        assertThat(next.detections()).extracting(Detection::track).doesNotContain(1L).hasSize(2);
        assertThat(Tracker.jump(LEFT, LEFT)).isZero();
        assertThat(Tracker.jump(LEFT, RIGHT)).isGreaterThan(Tracker.MAX_JUMP);
    }

    @Test
    void trackBrandIsTheMajorityWhenMatchesAlternate() {
        Run run = new Run();
        run.frame(match("globex", 0.8, LEFT));
        run.frame(match("acme", 0.82, LEFT));
        run.frame(match("acme", 0.81, LEFT_MOVED));
        run.frame(match("globex", 0.8, LEFT));
        assertThat(run.events).isEmpty();

        run.frame(match("acme", 0.83, LEFT));
        run.frame(match("globex", 0.8, LEFT));
        run.frame(match("acme", 0.8, LEFT));

        assertThat(run.events).singleElement().satisfies(e -> {
            assertThat(e.appearance().brand()).isEqualTo("acme");
            assertThat(e.appearance().start()).isEqualTo(T0);
            assertThat(e.appearance().bestSimilarity()).isEqualTo(0.83);
        });
        assertThat(run.results).flatExtracting(Tracker.Result::detections).extracting(Detection::track).containsOnly(1L);
        assertThat(run.flush()).singleElement().satisfies(e -> {
            assertThat(e.appearance().brand()).isEqualTo("acme");
            assertThat(e.appearance().visibleSeconds()).isEqualTo(3.0);
        });
    }

    @Test
    void boardSwitchingSponsorInPlaceEndsOneAppearanceAndStartsAnother() {
        Run run = new Run();
        run.frames(6, match("acme", 0.9, LEFT));   // frames 0-5
        run.frames(5, match("globex", 0.9, LEFT)); // frames 6-10: the window is all globex at frame 10

        assertThat(run.events).extracting(Appearance.Event::type).containsExactly(
                Appearance.EventType.NEW, Appearance.EventType.END, Appearance.EventType.NEW);
        Appearance acme = run.events.get(1).appearance();
        Appearance globex = run.events.get(2).appearance();
        assertThat(acme.brand()).isEqualTo("acme");
        assertThat(acme.end()).isEqualTo(run.time(5));
        assertThat(acme.visibleSeconds()).isEqualTo(2.5);
        assertThat(globex.brand()).isEqualTo("globex");
        assertThat(globex.start()).isEqualTo(run.time(6));
        assertThat(globex.visibleSeconds()).isEqualTo(2.0);
        assertThat(globex.id()).isNotEqualTo(acme.id());
    }

    @Test
    void flushEndsEveryOpenAppearance() {
        Run run = new Run();
        run.frames(3, match("acme", 0.9, LEFT), match("globex", 0.9, RIGHT));
        run.frames(1, match("acme", 0.9, LEFT));

        List<Appearance.Event> ended = run.flush();

        assertThat(ended).extracting(Appearance.Event::type).containsOnly(Appearance.EventType.END);
        assertThat(ended).extracting(e -> e.appearance().brand()).containsExactlyInAnyOrder("acme", "globex");
        assertThat(ended).filteredOn(e -> e.appearance().brand().equals("globex")).singleElement()
                .satisfies(e -> assertThat(e.appearance().end()).isEqualTo(run.time(2)));
        assertThat(run.tracker.openTracks()).isZero();
        assertThat(run.tracker.openAppearances()).isEmpty();
        assertThat(run.tracker.flush()).isEmpty();
    }

    @Test
    void openAppearanceUpdatesEveryInterval() {
        Run run = new Run(TRACKING, verify(false), Duration.ofSeconds(1));
        run.frames(40, match("acme", 0.9, LEFT)); // t = 0 .. 39 s, confirmed at t = 2 s

        assertThat(run.of(Appearance.EventType.NEW)).singleElement()
                .satisfies(e -> assertThat(e.appearance().end()).isEqualTo(run.time(2)));
        assertThat(run.of(Appearance.EventType.UPDATE)).extracting(e -> e.appearance().end())
                .containsExactly(run.time(12), run.time(22), run.time(32));
        assertThat(run.of(Appearance.EventType.UPDATE).get(0).appearance().visibleSeconds()).isEqualTo(12.0);
    }

    @Test
    void borderlineTrackWaitsForTheVerifierAndIsAskedOnce() {
        Run run = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        run.frames(2, match("acme", 0.7, LEFT));
        Tracker.Result third = run.frame(match("acme", 0.72, LEFT));
        run.frames(2, match("acme", 0.7, LEFT));

        assertThat(run.events).as("not confirmed while pending").isEmpty();
        assertThat(third.verificationRequests()).singleElement().satisfies(d -> {
            assertThat(d.brand()).isEqualTo("acme");
            assertThat(d.box()).isEqualTo(LEFT);
            assertThat(d.verification()).isEqualTo(Verification.PENDING);
        });
        assertThat(run.results).flatExtracting(Tracker.Result::verificationRequests).hasSize(1);

        assertThat(run.tracker.verification(third.verificationRequests().get(0).track(), Verification.CONFIRMED)).isTrue();
        Tracker.Result next = run.frame(match("acme", 0.7, LEFT));

        assertThat(next.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(Appearance.EventType.NEW);
            assertThat(e.appearance().verification()).isEqualTo(Verification.CONFIRMED);
            assertThat(e.appearance().start()).isEqualTo(T0);
        });
        assertThat(next.detections().get(0).state()).isEqualTo(TrackState.CONFIRMED);
    }

    @Test
    void rejectedBorderlineTrackNeverMakesAnAppearance() {
        Run run = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        run.frames(3, match("acme", 0.7, LEFT));
        long track = run.results.get(2).verificationRequests().get(0).track();

        run.tracker.verification(track, Verification.REJECTED);
        run.frames(10, match("acme", 0.7, LEFT));

        assertThat(run.events).isEmpty();
        assertThat(run.results.get(12).detections().get(0).verification()).isEqualTo(Verification.REJECTED);
        assertThat(run.flush()).isEmpty();
    }

    @Test
    void confidentTrackNeedsNoVerifierAndUnverifiedFallsBackToTheThreshold() {
        Run confident = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        confident.frames(3, match("acme", 0.85, LEFT));
        assertThat(confident.of(Appearance.EventType.NEW)).singleElement()
                .satisfies(e -> assertThat(e.appearance().verification()).isEqualTo(Verification.NOT_NEEDED));
        assertThat(confident.results).flatExtracting(Tracker.Result::verificationRequests).isEmpty();

        // Above the threshold but below accept-high: asked; the verifier is down, so the threshold decides.
        Run unanswered = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        unanswered.frames(3, match("acme", 0.77, LEFT));
        assertThat(unanswered.events).isEmpty();
        unanswered.tracker.verification(1, Verification.UNVERIFIED);
        unanswered.frame(match("acme", 0.77, LEFT));
        assertThat(unanswered.of(Appearance.EventType.NEW)).singleElement()
                .satisfies(e -> assertThat(e.appearance().verification()).isEqualTo(Verification.UNVERIFIED));
    }

    @Test
    void oneStrongFrameDoesNotCarryATrackOfBorderlineFrames() {
        // Best similarity 0.9 is above accept-high, so nobody asks; the median (0.65) decides.
        Run run = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        run.frame(match("acme", 0.9, LEFT));
        run.frames(6, match("acme", 0.65, LEFT));

        assertThat(run.events).isEmpty();
        assertThat(run.results.get(6).detections().get(0).verification()).isEqualTo(Verification.NOT_NEEDED);
    }

    @Test
    void alwaysPolicyWaitsForTheVerifierEvenWhenConfident() {
        Run run = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        run.frames(5, match("acme", 0.95, LEFT, VerifyPolicy.ALWAYS));
        assertThat(run.events).isEmpty();
        assertThat(run.results.get(2).verificationRequests()).hasSize(1);

        // Without verification the same track is confirmed by the ordinary rule.
        Run off = new Run();
        off.frames(3, match("acme", 0.95, LEFT, VerifyPolicy.ALWAYS));
        assertThat(off.of(Appearance.EventType.NEW)).hasSize(1);
    }

    @Test
    void verificationChangeOfAnOpenAppearanceIsPublishedAsUpdate() {
        Run run = new Run(TRACKING, verify(true), Duration.ofMillis(500));
        run.frames(3, match("acme", 0.9, LEFT));
        assertThat(run.of(Appearance.EventType.NEW)).hasSize(1);

        run.tracker.verification(1, Verification.REJECTED);
        Tracker.Result next = run.frame(match("acme", 0.9, LEFT));

        assertThat(next.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(Appearance.EventType.UPDATE);
            assertThat(e.appearance().verification()).isEqualTo(Verification.REJECTED);
        });
        assertThat(run.frame(match("acme", 0.9, LEFT)).events()).isEmpty();
        assertThat(run.tracker.verification(99, Verification.CONFIRMED)).isFalse();
    }

    @Test
    void rejectedMatchesAreIgnored() {
        Run run = new Run();
        Match weak = new Match(LEFT, 0.9, "acme", 0.5, 0.2, Optional.of("x"), 0.3, 0.75, VerifyPolicy.BORDERLINE,
                Match.Decision.BELOW_THRESHOLD);
        run.frames(5, weak);

        assertThat(run.results).flatExtracting(Tracker.Result::detections).isEmpty();
        assertThat(run.tracker.openTracks()).isZero();
    }

    @Test
    void keypointSightingsConfirmAnAppearanceTheirSimilarityAloneWouldNot() {
        Match sighted = new Match(LEFT, 1.0, "acme", 0.45, 0.2, Optional.of("x"), 0.25, 0.75, VerifyPolicy.BORDERLINE,
                Match.Decision.ACCEPTED, 40);
        Match sameSimilarityNoKeypoints = new Match(LEFT, 1.0, "acme", 0.45, 0.2, Optional.of("x"), 0.25, 0.75,
                VerifyPolicy.BORDERLINE, Match.Decision.ACCEPTED);
        Run withKeypoints = new Run();
        Run without = new Run();

        withKeypoints.frames(4, sighted);
        without.frames(4, sameSimilarityNoKeypoints);

        assertThat(without.events).isEmpty();
        assertThat(withKeypoints.events).singleElement().satisfies(e -> {
            assertThat(e.appearance().brand()).isEqualTo("acme");
            assertThat(e.appearance().bestSimilarity()).as("reports what the embedding said").isEqualTo(0.45);
        });
    }
}
