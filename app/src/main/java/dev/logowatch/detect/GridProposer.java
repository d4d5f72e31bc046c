package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Square windows at several scales, laid over the frame at a fixed stride: the proposer that
 * needs no detector. Window sides are fractions of the frame's short side; each scale's grid
 * is centred so both borders get the same margin.
 *
 * <p>When a frame has more windows than {@code max-proposals}, successive frames of a stream
 * take interleaved slices (every k-th window), so each frame still samples every part of the
 * picture at every scale and all windows are covered within k frames.
 *
 * <p>Layouts are kept for the {@value #CACHED_SIZES} most recently seen frame sizes, so streams
 * of different resolutions sharing one proposer (or a camera that changes resolution) do not
 * recompute them per frame. Each frame size is described in the log once.
 */
public final class GridProposer implements Proposer {
    private static final System.Logger LOG = System.getLogger(GridProposer.class.getName());
    /** Frame sizes whose window layout is kept; a device rarely has more distinct resolutions. */
    static final int CACHED_SIZES = 8;
    /** Frame sizes remembered as already described in the log, so an evicted size is not logged again. */
    private static final int REPORTED_SIZES = 256;
    /** A stream has one or two frame sizes; a folder of photos has hundreds, told at debug after these. */
    static final int SIZES_TOLD_AT_INFO = 4;

    private final List<Double> sizes;
    private final double stride;
    private final int minSize;
    private final int maxProposals;
    private final DeviceMeters meters;
    private final Map<String, AtomicLong> framesPerStream = new ConcurrentHashMap<>();
    /** Access-ordered, so the least recently used size is evicted; guarded by itself. */
    private final Map<Long, List<Proposal>> layouts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<Proposal>> eldest) {
            return size() > CACHED_SIZES;
        }
    };
    /** Guarded by {@link #layouts}. */
    private final SequencedSet<Long> reported = new LinkedHashSet<>();

    /** @param meters where to record the propose stage's time, or {@code null} */
    public GridProposer(ProposerConfig config, DeviceMeters meters) {
        if (config.gridSizes().isEmpty()) {
            throw new IllegalArgumentException("proposer.grid.sizes is empty; give at least one window size");
        }
        this.sizes = List.copyOf(config.gridSizes());
        this.stride = config.gridStride();
        this.minSize = config.minSize();
        this.maxProposals = config.maxProposals();
        this.meters = meters;
    }

    @Override
    public List<Proposal> propose(Frame frame) {
        long started = System.nanoTime();
        List<Proposal> all = windows(frame.width(), frame.height());
        List<Proposal> chosen = all;
        if (all.size() > maxProposals) {
            int slices = (all.size() + maxProposals - 1) / maxProposals;
            long n = framesPerStream.computeIfAbsent(frame.stream(), s -> new AtomicLong()).getAndIncrement();
            int slice = (int) (n % slices);
            chosen = new ArrayList<>(maxProposals);
            for (int i = slice; i < all.size() && chosen.size() < maxProposals; i += slices) {
                chosen.add(all.get(i));
            }
        }
        if (meters != null) {
            meters.record(DeviceMeters.Stage.PROPOSE, Duration.ofNanos(System.nanoTime() - started));
        }
        return chosen;
    }

    /** Every window for a frame of this size, smallest scale first, row by row. */
    public List<Proposal> windows(int width, int height) {
        Long key = ((long) width << 32) | (height & 0xffffffffL);
        synchronized (layouts) {
            List<Proposal> cached = layouts.get(key);
            if (cached != null) {
                return cached;
            }
        }
        // Computed outside the lock: two workers meeting a new size at once both compute it, which is harmless.
        List<Proposal> windows = layout(width, height);
        boolean first;
        synchronized (layouts) {
            List<Proposal> raced = layouts.putIfAbsent(key, windows);
            if (raced != null) {
                return raced;
            }
            first = reported.add(key);
            if (reported.size() > REPORTED_SIZES) {
                reported.removeFirst();
            }
        }
        if (first) {
            describe(width + "x" + height, windows.size(), reported.size() <= SIZES_TOLD_AT_INFO
                    ? System.Logger.Level.INFO : System.Logger.Level.DEBUG);
        }
        return windows;
    }

    private List<Proposal> layout(int width, int height) {
        List<Proposal> windows = new ArrayList<>();
        int shortSide = Math.min(width, height);
        for (double size : sizes) {
            int side = Math.min(shortSide, (int) Math.round(size * shortSide));
            if (side < minSize || side < 1) {
                continue;
            }
            int step = Math.max(1, (int) Math.round(side * stride));
            int[] xs = positions(width, side, step);
            int[] ys = positions(height, side, step);
            for (int y : ys) {
                for (int x : xs) {
                    windows.add(new Proposal(new Box(x, y, x + side, y + side), 1.0, "grid"));
                }
            }
        }
        return List.copyOf(windows);
    }

    /** @param size as {@code WIDTHxHEIGHT}, preformatted so the log shows no digit grouping */
    private void describe(String size, int windows, System.Logger.Level level) {
        if (windows == 0) {
            LOG.log(System.Logger.Level.WARNING, "grid windows for a {0} frame are all smaller than "
                    + "proposer.min-size {1} px; nothing will be identified", size, String.valueOf(minSize));
        } else if (windows > maxProposals) {
            LOG.log(level, "grid has {0} windows on a {1} frame, more than proposer."
                            + "max-proposals {2}; each frame takes every {3}th window",
                    windows, size, maxProposals, (windows + maxProposals - 1) / maxProposals);
        } else {
            LOG.log(level, "grid has {0} windows on a {1} frame", windows, size);
        }
    }

    private static int[] positions(int length, int side, int step) {
        int count = (length - side) / step + 1;
        int margin = (length - side - (count - 1) * step) / 2;
        int[] positions = new int[count];
        for (int i = 0; i < count; i++) {
            positions[i] = margin + i * step;
        }
        return positions;
    }
}
