package dev.logowatch.cli;

import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a model costs at a given batch size, against the same items run one per call by as
 * many threads at once (what stream workers do without batching across streams). Inputs are
 * noise of the model's input shape: the cost of these networks does not depend on the pixels.
 *
 * @param batch                items per run
 * @param millisPerRun         median wall time of one run of {@code batch} items
 * @param millisPerItemAlone   wall time per item when {@code batch} threads each run one item
 *                             at a time, all at once
 */
record BatchTiming(int batch, double millisPerRun, double millisPerItemAlone) {
    private static final int WARMUP_RUNS = 3;

    /** Batch sizes 1, 2, 4, ... up to the engine's maximum, which is always included. */
    static List<BatchTiming> measure(InferenceEngine engine, int runs) throws InterruptedException {
        List<BatchTiming> timings = new ArrayList<>();
        for (int batch = 1; ; batch = Math.min(2 * batch, engine.maxBatch())) {
            Map<String, Tensor> batched = noise(engine.manifest().input(), batch);
            for (int i = 0; i < WARMUP_RUNS; i++) {
                engine.run(batched);
            }
            long[] nanos = new long[runs];
            for (int i = 0; i < runs; i++) {
                long started = System.nanoTime();
                engine.run(batched);
                nanos[i] = System.nanoTime() - started;
            }
            Arrays.sort(nanos);
            timings.add(new BatchTiming(batch, nanos[runs / 2] / 1e6, concurrent(engine, batch, runs)));
            if (batch == engine.maxBatch()) {
                return timings;
            }
        }
    }

    /** Wall time per item of {@code threads} threads each making {@code runs} single-item runs. */
    private static double concurrent(InferenceEngine engine, int threads, int runs) throws InterruptedException {
        Map<String, Tensor> single = noise(engine.manifest().input(), 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            long started = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < runs; i++) {
                        engine.run(single);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return (System.nanoTime() - started) / 1e6 / ((long) threads * runs);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, Tensor> noise(ModelManifest.Input input, int batch) {
        int item = 3 * input.width() * input.height();
        SplittableRandom random = new SplittableRandom(batch);
        float[] data = new float[batch * item];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble(-2, 2);
        }
        return Map.of(input.name(), new Tensor(new long[] {batch, 3, input.height(), input.width()}, data));
    }
}
