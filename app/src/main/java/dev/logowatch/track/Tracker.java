package dev.logowatch.track;

import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.config.TrackingConfig;
import dev.logowatch.config.VerifyConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.match.Match;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Smooths one stream's per-frame matches into tracks and appearances. One per stream
 * worker, not thread-safe. All time comes from frame timestamps, never the wall clock.
 *
 * <p>Call {@link #update} for <em>every</em> processed frame, also those without matches:
 * a frame without the track is what counts as a gap. Call {@link #flush()} when the stream
 * stops or restarts, so open appearances end and the time the stream was down is not
 * counted as visible.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>Association.</b> Trackable matches ({@link Match#trackable()}) join open tracks
 *     greedily by IoU, highest first, each track taking at most one match per frame, when
 *     IoU ≥ {@code tracking.iou} (and above 0). At equal IoU a match of the track's own brand
 *     goes first. A match still unjoined then joins a free track of its own brand whose last
 *     box is of similar size (area within 2x) and whose centre is at most
 *     {@value #MAX_JUMP} diagonals away, nearest first: at 2–4 fps a walker's shirt or a
 *     passing van moves more than its own width between processed frames. Unjoined matches
 *     start new tentative tracks.</li>
 * <li><b>Brand.</b> A tentative track's brand is the majority of all its matches (ties:
 *     higher similarity sum). At confirmation the brand is fixed for the appearance. When the
 *     last {@code window} matches of a confirmed track all name other brands (a perimeter
 *     board switching sponsor in place), its appearance ends at the last sighting of its
 *     brand and a new tentative track continues from those matches.</li>
 * <li><b>Confirmation.</b> A track is confirmed when its brand has ≥ {@code min-frames}
 *     matches and the median similarity of the brand's matches among the last
 *     {@code window} matches reaches the brand's threshold; then {@code NEW} is published.</li>
 * <li><b>Verification</b> (only while {@code verify.enabled}). For brand policy
 *     {@code always}, and for {@code borderline} while the brand's best similarity in the
 *     track is below {@code verify.accept-high}, the track is {@code PENDING}: it is not
 *     confirmed until {@link #verification} brings {@code CONFIRMED}, after which
 *     {@code min-frames} alone suffices (the median rule is waived: the verifier has seen
 *     it). {@code REJECTED} never confirms (a verdict about an already confirmed appearance
 *     only changes what it shows); {@code UNVERIFIED} (verifier down) falls back to the
 *     ordinary rule. The verifier is asked once per track and brand, when the track
 *     first has {@code min-frames} matches of the brand (see {@link Result#verificationRequests()}).</li>
 * <li><b>End.</b> A track unseen in more than {@code max-gap} consecutive processed frames
 *     ends; a confirmed one publishes {@code END}. Tentative tracks end silently.</li>
 * <li><b>Update.</b> An open appearance publishes {@code UPDATE} at the first processed
 *     frame at least {@code update-interval} after its previous event, and at the next
 *     frame after its verification state changed.</li>
 * <li><b>Times.</b> {@code start} and {@code end} are the timestamps of the first and the
 *     latest frame the track was seen in. Visible seconds are the sum of the intervals
 *     between consecutive processed frames that <em>both</em> contain the track: a
 *     continuously seen appearance is visible {@code end - start}; each missed frame removes
 *     the intervals on both of its sides. Intervals between processed frames include frames
 *     dropped before processing, which were not looked at.</li>
 * </ul>
 * Appearance ids are {@code <stream>-<start epoch millis>-<track id>}: unique per stream
 * across restarts, stable across an appearance's events.
 */
public final class Tracker {
    private final String stream;
    private final TrackingConfig tracking;
    private final VerifyConfig verify;
    private final List<Track> tracks = new ArrayList<>();
    private final float[] scratch;
    private long nextId = 1;
    private long frames;
    /** How far, in box diagonals, a track's brand may move between processed frames. */
    static final double MAX_JUMP = 2.0;

    private Instant previous;

    /**
     * What one frame produced.
     *
     * @param detections           one per trackable match, in the matches' order
     * @param events               appearance events, in the order they happened
     * @param verificationRequests detections of tracks the verifier should now be asked
     *                             about (crop the box from this frame); answer through
     *                             {@link Tracker#verification}
     */
    public record Result(List<Detection> detections, List<Appearance.Event> events,
                         List<Detection> verificationRequests) {
        static final Result EMPTY = new Result(List.of(), List.of(), List.of());
    }

    public Tracker(String stream, TrackingConfig tracking, VerifyConfig verify) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.tracking = Objects.requireNonNull(tracking, "tracking");
        this.verify = Objects.requireNonNull(verify, "verify");
        this.scratch = new float[tracking.window()];
    }

    /**
     * Takes one processed frame's matches; non-trackable matches are ignored.
     *
     * @param timestamp the frame's capture time; a time before the previous frame's counts
     *                  as no time passing
     * @param frame     the frame's sequence number, copied into detections
     */
    public Result update(Instant timestamp, long frame, List<Match> matches) {
        long index = ++frames;
        long interval = previous == null ? 0 : Math.max(0, Duration.between(previous, timestamp).toNanos());
        previous = timestamp;

        List<Match> usable = new ArrayList<>(matches.size());
        for (Match m : matches) {
            if (m.trackable()) {
                usable.add(m);
            }
        }
        Track[] owner = associate(usable);
        List<Track> seen = new ArrayList<>(usable.size());
        for (int i = 0; i < usable.size(); i++) {
            if (owner[i] == null) {
                owner[i] = new Track(nextId++, tracking.window());
                tracks.add(owner[i]);
            }
            owner[i].see(usable.get(i), timestamp, index, interval);
            seen.add(owner[i]);
        }

        List<Appearance.Event> events = new ArrayList<>();
        List<Track> requested = new ArrayList<>();
        for (int t = 0; t < tracks.size(); t++) {
            Track track = tracks.get(t);
            if (track.lastSeenFrame != index) {
                track.missed++;
                continue;
            }
            if (track.brandReplaced()) {
                events.add(new Appearance.Event(Appearance.EventType.END, appearance(track, true)));
                Track next = track.successor(nextId++);
                tracks.set(t, next);
                for (int i = 0; i < owner.length; i++) {
                    if (owner[i] == track) {
                        owner[i] = next;
                    }
                }
                track = next;
            }
            refreshVerification(track);
            if (track.verification == Verification.PENDING && track.askedBrand == null
                    && track.votes.get(track.brand()).count >= tracking.minFrames()) {
                track.askedBrand = track.brand();
                requested.add(track);
            }
        }
        for (Track track : tracks) {
            if (track.lastSeenFrame != index) {
                refreshVerification(track); // a verdict may have arrived while it was out of sight
            }
            if (!track.confirmed() && track.missed <= tracking.maxGap() && confirmable(track)) {
                confirm(track, timestamp);
                events.add(new Appearance.Event(Appearance.EventType.NEW, appearance(track, false)));
            }
        }
        for (var it = tracks.iterator(); it.hasNext(); ) {
            Track track = it.next();
            if (track.missed > tracking.maxGap()) {
                it.remove();
                if (track.confirmed()) {
                    events.add(new Appearance.Event(Appearance.EventType.END, appearance(track, false)));
                }
            } else if (track.confirmed() && updateDue(track, timestamp)) {
                track.lastEvent = timestamp;
                track.published = track.verification;
                events.add(new Appearance.Event(Appearance.EventType.UPDATE, appearance(track, false)));
            }
        }

        if (usable.isEmpty() && events.isEmpty()) {
            return Result.EMPTY;
        }
        List<Detection> detections = new ArrayList<>(usable.size());
        List<Detection> requests = new ArrayList<>(requested.size());
        for (int i = 0; i < usable.size(); i++) {
            Detection d = detection(usable.get(i), owner[i], timestamp, frame);
            detections.add(d);
            if (requested.contains(owner[i]) && requests.stream().noneMatch(r -> r.track() == d.track())) {
                requests.add(d);
            }
        }
        return new Result(List.copyOf(detections), List.copyOf(events), List.copyOf(requests));
    }

    /**
     * Records the verifier's answer about a track; it takes effect at the next frame (or
     * {@link #flush()}). An answer about a track that has ended, or was asked about another
     * brand than the track now has, is ignored.
     *
     * @param verdict {@code CONFIRMED}, {@code REJECTED} or {@code UNVERIFIED}
     * @return whether the track is still open
     */
    /** The id of the appearance a track has become, once it is confirmed. */
    public Optional<String> appearanceId(long trackId) {
        for (Track track : tracks) {
            if (track.id == trackId) {
                return Optional.ofNullable(track.appearanceId);
            }
        }
        return Optional.empty();
    }

    public boolean verification(long trackId, Verification verdict) {
        if (verdict == Verification.PENDING || verdict == Verification.NOT_NEEDED) {
            throw new IllegalArgumentException("a verdict is CONFIRMED, REJECTED or UNVERIFIED, not " + verdict);
        }
        for (Track track : tracks) {
            if (track.id == trackId) {
                track.verdict = verdict;
                if (track.askedBrand == null) {
                    track.askedBrand = track.brand();
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Ends every open appearance ({@code END} events) and forgets all tracks: for stream
     * stop, restart and shutdown. A pending track whose verdict arrived after the last frame
     * is confirmed first, so its appearance is not lost.
     */
    public List<Appearance.Event> flush() {
        List<Appearance.Event> events = new ArrayList<>();
        for (Track track : tracks) {
            refreshVerification(track);
            if (!track.confirmed() && confirmable(track)) {
                confirm(track, track.lastSeen);
                events.add(new Appearance.Event(Appearance.EventType.NEW, appearance(track, false)));
            }
            if (track.confirmed()) {
                events.add(new Appearance.Event(Appearance.EventType.END, appearance(track, false)));
            }
        }
        tracks.clear();
        previous = null;
        return List.copyOf(events);
    }

    /** Open appearances right now, for the status page. */
    public List<Appearance> openAppearances() {
        return tracks.stream().filter(Track::confirmed).map(t -> appearance(t, false)).toList();
    }

    /** Greedy IoU assignment; {@code owner[i]} is the track match {@code i} joins, or null. */
    private Track[] associate(List<Match> matches) {
        Track[] owner = new Track[matches.size()];
        if (tracks.isEmpty() || matches.isEmpty()) {
            return owner;
        }
        record Pair(double iou, boolean sameBrand, Track track, int match) {
        }
        List<Pair> pairs = new ArrayList<>();
        for (Track track : tracks) {
            String brand = track.brand();
            for (int i = 0; i < matches.size(); i++) {
                double iou = track.box.iou(matches.get(i).box());
                if (iou > 0 && iou >= tracking.iou()) {
                    pairs.add(new Pair(iou, matches.get(i).brand().equals(brand), track, i));
                }
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::iou).reversed()
                .thenComparing(Pair::sameBrand, Comparator.reverseOrder())
                .thenComparingLong(p -> p.track().id)
                .thenComparingInt(Pair::match));
        List<Track> taken = new ArrayList<>();
        for (Pair p : pairs) {
            if (owner[p.match()] == null && !taken.contains(p.track())) {
                owner[p.match()] = p.track();
                taken.add(p.track());
            }
        }
        record Jump(double distance, Track track, int match) {
        }
        List<Jump> jumps = new ArrayList<>();
        for (Track track : tracks) {
            if (taken.contains(track)) {
                continue;
            }
            for (int i = 0; i < matches.size(); i++) {
                Match m = matches.get(i);
                double distance = jump(track.box, m.box());
                if (owner[i] == null && m.brand().equals(track.brand()) && distance <= MAX_JUMP) {
                    jumps.add(new Jump(distance, track, i));
                }
            }
        }
        jumps.sort(Comparator.comparingDouble(Jump::distance).thenComparingLong(j -> j.track().id)
                .thenComparingInt(Jump::match));
        for (Jump j : jumps) {
            if (owner[j.match()] == null && !taken.contains(j.track())) {
                owner[j.match()] = j.track();
                taken.add(j.track());
            }
        }
        return owner;
    }

    /**
     * Centre distance in diagonals of the larger box, or infinity when the areas differ by
     * more than 2x (a different object of the same brand, not the same one moved).
     */
    static double jump(Box a, Box b) {
        double ratio = a.area() / Math.max(1e-9, b.area());
        if (!(ratio <= 2 && ratio >= 0.5)) {
            return Double.POSITIVE_INFINITY;
        }
        double dx = (a.x1() + a.x2() - b.x1() - b.x2()) / 2;
        double dy = (a.y1() + a.y2() - b.y1() - b.y2()) / 2;
        double diagonal = Math.max(Math.hypot(a.width(), a.height()), Math.hypot(b.width(), b.height()));
        return Math.hypot(dx, dy) / Math.max(1e-9, diagonal);
    }

    private void refreshVerification(Track track) {
        if (!verify.enabled()) {
            track.verification = Verification.NOT_NEEDED;
            return;
        }
        String brand = track.brand();
        if (track.askedBrand != null && !track.askedBrand.equals(brand)) {
            // The vote moved to another brand: the answer was about the wrong one, ask again.
            track.askedBrand = null;
            track.verdict = null;
        }
        if (track.verdict != null) {
            track.verification = track.verdict;
            return;
        }
        Track.Votes v = track.votes.get(brand);
        boolean needed = v.policy == VerifyPolicy.ALWAYS
                || (v.policy == VerifyPolicy.BORDERLINE && v.best < verify.acceptHigh());
        track.verification = needed ? Verification.PENDING : Verification.NOT_NEEDED;
    }

    private boolean confirmable(Track track) {
        String brand = track.brand();
        Track.Votes v = track.votes.get(brand);
        if (v.count < tracking.minFrames()) {
            return false;
        }
        return switch (track.verification) {
            case PENDING, REJECTED -> false;
            case CONFIRMED -> true;
            case NOT_NEEDED, UNVERIFIED -> track.recentMedian(brand, scratch) >= v.threshold - 1e-6;
        };
    }

    private void confirm(Track track, Instant now) {
        track.confirmedBrand = track.brand();
        track.appearanceId = stream + "-" + track.start.toEpochMilli() + "-" + track.id;
        track.lastEvent = now;
        track.published = track.verification;
        track.brandLastSeen = track.lastSeen;
        track.brandVisibleNanos = track.visibleNanos;
        track.brandBox = track.box;
    }

    private boolean updateDue(Track track, Instant now) {
        if (track.verification != track.published) {
            return true;
        }
        if (now.isBefore(track.lastEvent)) {
            track.lastEvent = now; // the clock stepped back; count the interval from here
            return false;
        }
        return Duration.between(track.lastEvent, now).compareTo(tracking.updateInterval()) >= 0;
    }

    /** @param atBrandsLastSighting for a split: the appearance as of its brand's last sighting */
    private Appearance appearance(Track track, boolean atBrandsLastSighting) {
        String brand = track.confirmedBrand;
        Instant end = atBrandsLastSighting ? track.brandLastSeen : track.lastSeen;
        long visible = atBrandsLastSighting ? track.brandVisibleNanos : track.visibleNanos;
        return new Appearance(track.appearanceId, stream, brand, track.start, end, visible / 1e9,
                track.votes.get(brand).best, atBrandsLastSighting ? track.brandBox : track.box, track.verification);
    }

    private Detection detection(Match m, Track track, Instant timestamp, long frame) {
        return new Detection(stream, timestamp, frame, track.id, m.brand(), m.similarity(), m.margin(),
                m.runnerUp(), m.box(), track.confirmed() ? TrackState.CONFIRMED : TrackState.TENTATIVE,
                track.verification);
    }

    /** The number of open tracks, tentative and confirmed. */
    public int openTracks() {
        return tracks.size();
    }
}
