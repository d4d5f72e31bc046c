package dev.logowatch.engine;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A model input tensor being filled, crop by crop, straight from BGR bytes (see
 * {@link CropWriter}). All buffers are kept between batches, so steady-state frames allocate
 * nothing here. One caller at a time; {@link #addAll} may spread one call's crops over helper
 * threads.
 */
public final class InputBatch {
    /** Below this many crops a helper costs more to wake than it saves. */
    static final int MIN_CROPS_TO_SHARE = 8;
    /**
     * Where the sharing adds send their helper tasks: the common pool (one thread fewer than
     * the processors), whose threads otherwise idle while a worker prepares its input.
     */
    public static final Executor HELPERS = ForkJoinPool.commonPool();
    /** Lanes for this machine: the calling thread and the common pool's threads, at most four. */
    public static final int LANES = Runtime.getRuntime().availableProcessors() < 2 ? 1
            : Math.min(4, ForkJoinPool.getCommonPoolParallelism() + 1);

    private final ModelManifest.Input input;
    private final int capacity;
    private final int itemSize;
    private final float[] data;
    /** Writer 0 is the calling thread's; the others are for helpers. */
    private final CropWriter[] writers;
    private int count;

    public InputBatch(ModelManifest.Input input, int capacity) {
        this(input, capacity, 1);
    }

    /**
     * @param lanes threads that may fill this batch at once in {@link #addAll} and
     *              {@link #add(BgrImage, Box, Executor)}, the caller included ({@link #LANES})
     */
    public InputBatch(ModelManifest.Input input, int capacity, int lanes) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be at least 1, got " + capacity);
        }
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes must be at least 1, got " + lanes);
        }
        this.input = input;
        this.capacity = capacity;
        this.itemSize = CropWriter.itemSize(input);
        this.data = new float[Math.multiplyExact(capacity, itemSize)];
        this.writers = new CropWriter[lanes];
        for (int i = 0; i < lanes; i++) {
            writers[i] = new CropWriter(input);
        }
    }

    public ModelManifest.Input input() {
        return input;
    }

    public int capacity() {
        return capacity;
    }

    /** Crops added since the last {@link #clear()}. */
    public int size() {
        return count;
    }

    public boolean isFull() {
        return count == capacity;
    }

    public void clear() {
        count = 0;
    }

    /** The filled items as {@code [size, 3, height, width]}, sharing this batch's buffer. */
    public Tensor tensor() {
        return new Tensor(new long[] {count, 3, input.height(), input.width()}, data);
    }

    /**
     * Appends one crop of {@code image} as the next batch item.
     *
     * @param crop region in image pixels; parts outside the image are ignored
     * @return how the crop maps into the input, to map model answers back
     * @throws IllegalStateException    when the batch is full
     * @throws IllegalArgumentException when the crop does not overlap the image
     */
    public Placement add(BgrImage image, Box crop) {
        if (count == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " items)");
        }
        Placement placement = writers[0].write(image, crop, data, count * itemSize);
        count++;
        return placement;
    }

    /**
     * Appends one large crop (a whole frame for a detector) as the next item, its rows shared
     * between the calling thread and up to {@code lanes - 1} tasks given to {@code helpers}.
     * The item is the same, bit for bit, as {@link #add(BgrImage, Box)} writes.
     *
     * @throws IllegalStateException    when the batch is full
     * @throws IllegalArgumentException when the crop does not overlap the image
     */
    public Placement add(BgrImage image, Box crop, Executor helpers) {
        return add(image, crop, helpers, 1.0);
    }

    /**
     * As {@link #add(BgrImage, Box, Executor)}, the crop drawn at {@code fit} of its letterboxed
     * size, centred in padding: a zoomed-out view in which marks too large for a detector's
     * reach appear smaller.
     *
     * @throws IllegalArgumentException when {@code fit} is not in (0, 1], or below 1 for an
     *                                  input that is not letterboxed
     */
    public Placement add(BgrImage image, Box crop, Executor helpers, double fit) {
        if (count == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " items)");
        }
        int parts = writers.length;
        int base = count * itemSize;
        Placement[] placements = new Placement[parts];
        share(parts, parts, helpers,
                (writer, part) -> placements[part] = writer.write(image, crop, data, base, part, parts, fit));
        count++;
        return placements[0];
    }

    /**
     * Appends {@code crops.get(i)} of {@code images.get(i)} for every i, as {@link #add} would,
     * with the crops shared between the calling thread and up to {@code lanes - 1} tasks given
     * to {@code helpers}. The tensor is the same, bit for bit, as adding one by one.
     *
     * @throws IllegalStateException    when the crops do not fit in the batch
     * @throws IllegalArgumentException when a crop does not overlap its image; the batch then
     *                                  keeps the items it had before this call
     */
    public Placement[] addAll(List<BgrImage> images, List<Box> crops, Executor helpers) {
        int n = crops.size();
        if (images.size() != n) {
            throw new IllegalArgumentException(images.size() + " images for " + n + " crops");
        }
        if (n > capacity - count) {
            throw new IllegalStateException(n + " crops do not fit: the batch holds " + count + " of "
                    + capacity + " items");
        }
        Placement[] placements = new Placement[n];
        int start = count;
        int lanes = Math.max(1, Math.min(writers.length, n / MIN_CROPS_TO_SHARE));
        share(n, lanes, helpers, (writer, i) -> placements[i] =
                writer.write(images.get(i), crops.get(i), data, (start + i) * itemSize));
        count = start + n;
        return placements;
    }

    /** One piece of a shared fill, written with the writer of the thread that claimed it. */
    private interface Piece {
        void write(CropWriter writer, int index);
    }

    /**
     * Runs pieces {@code 0..pieces-1} on the calling thread and up to {@code lanes - 1} helper
     * tasks. Pieces are claimed one at a time, so a helper that starts late (busy with another
     * stream's frame) only takes what is left, and the caller never waits for a piece nobody
     * has begun. The first failure is rethrown once every claimed piece has ended.
     */
    private void share(int pieces, int lanes, Executor helpers, Piece piece) {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(pieces);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger lane = new AtomicInteger(1);
        Consumer<CropWriter> work = writer -> {
            for (int i = next.getAndIncrement(); i < pieces; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        piece.write(writer, i);
                    }
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        };
        for (int i = 1; i < lanes; i++) {
            try {
                helpers.execute(() -> work.accept(writers[lane.getAndIncrement()]));
            } catch (RejectedExecutionException e) {
                break; // a shut-down pool: the caller does the rest alone
            }
        }
        work.accept(writers[0]);
        awaitUninterruptibly(done);
        Throwable thrown = failure.get();
        if (thrown instanceof RuntimeException e) {
            throw e;
        }
        if (thrown != null) {
            throw (Error) thrown;
        }
    }

    /**
     * Each piece takes milliseconds, and returning early would let a helper write into a batch
     * already handed to the model, so an interrupt is kept for the caller rather than obeyed.
     */
    private static void awaitUninterruptibly(CountDownLatch done) {
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
