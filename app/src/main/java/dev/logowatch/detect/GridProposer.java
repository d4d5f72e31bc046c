package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.source.Frame;
import dev.logowatch.web.DeviceMeters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 */
public final class GridProposer implements Proposer {
    private static final System.Logger LOG = System.getLogger(GridProposer.class.getName());

    private final List<Double> sizes;
    private final double stride;
    private final int minSize;
    private final int maxProposals;
    private final DeviceMeters meters;
    private final Map<String, AtomicLong> framesPerStream = new ConcurrentHashMap<>();
    private volatile Layout layout;

    private record Layout(int width, int height, List<Proposal> windows) {
    }

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
        Layout current = layout;
        if (current != null && current.width() == width && current.height() == height) {
            return current.windows();
        }
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
        if (windows.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "grid windows for a {0}x{1} frame are all smaller than "
                    + "proposer.min-size {2} px; nothing will be identified", width, height, minSize);
        } else if (windows.size() > maxProposals) {
            LOG.log(System.Logger.Level.INFO, "grid has {0} windows on a {1}x{2} frame, more than proposer."
                            + "max-proposals {3}; each frame takes every {4}th window",
                    windows.size(), width, height, maxProposals, (windows.size() + maxProposals - 1) / maxProposals);
        }
        List<Proposal> result = List.copyOf(windows);
        layout = new Layout(width, height, result);
        return result;
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
