package dev.logowatch.match;

import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.InputBatch;
import dev.logowatch.engine.ModelException;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Reads the line of text in an image region with a CTC recogniser (PP-OCR's, see
 * {@code models/text-reader}): the region is scaled to the model's height and as wide as its
 * aspect needs, up to the manifest's width, and each step's most likely class is kept, repeats
 * and blanks dropped. No text detector runs first: the regions are logo proposals, which for a
 * wordmark are the line itself. Safe to share between stream workers.
 */
public final class TextReader {
    /** Widths are rounded up to this, so a few batch shapes recur and buffers are reused. */
    private static final int WIDTH_STEP = 32;

    private final InferenceEngine engine;
    private final ModelManifest manifest;
    private final String outputName;
    private final String[] classes;
    /** Input buffers by width, pooled per concurrent call: a batch of 8 at 320 is 1.5 MB. */
    private final Map<Integer, ConcurrentLinkedQueue<InputBatch>> batches = new ConcurrentHashMap<>();

    /**
     * What a region says.
     *
     * @param text       the characters read, possibly empty
     * @param confidence mean probability of the characters read; 0 when none were
     */
    public record Reading(String text, double confidence) {
        public static final Reading NOTHING = new Reading("", 0);
    }

    public TextReader(InferenceEngine engine) {
        this.engine = engine;
        this.manifest = engine.manifest();
        if (manifest.task() != ModelManifest.Task.READ || manifest.output().kind() != ModelManifest.OutputKind.CTC) {
            throw new IllegalArgumentException("model " + manifest.name() + " (" + manifest.manifestFile()
                    + ") is not a text reader; models.text-reader needs task read with output kind ctc");
        }
        this.outputName = manifest.output().names().getFirst();
        List<String> alphabet;
        try {
            alphabet = Files.readAllLines(manifest.dir().resolve(manifest.output().alphabet().orElseThrow()),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the alphabet of " + manifest.manifestFile(), e);
        }
        classes = new String[alphabet.size() + 2];
        classes[0] = "";
        for (int i = 0; i < alphabet.size(); i++) {
            classes[i + 1] = alphabet.get(i);
        }
        classes[classes.length - 1] = " ";
    }

    public String modelName() {
        return manifest.name();
    }

    /** One reading per region of {@code image}, in order. */
    public List<Reading> read(BgrImage image, List<Box> regions) {
        List<Reading> out = new ArrayList<>(regions.size());
        int capacity = engine.maxBatch();
        for (int start = 0; start < regions.size(); start += capacity) {
            List<Box> part = regions.subList(start, Math.min(regions.size(), start + capacity));
            int width = width(part);
            ConcurrentLinkedQueue<InputBatch> pool = batches.computeIfAbsent(width, w -> new ConcurrentLinkedQueue<>());
            InputBatch batch = pool.poll();
            if (batch == null) {
                batch = new InputBatch(manifest.input().withSize(manifest.input().height(), width), capacity, 1);
            }
            try {
                batch.clear();
                batch.addAll(Collections.nCopies(part.size(), image), part, InputBatch.HELPERS);
                Map<String, Tensor> outputs = engine.run(Map.of(batch.input().name(), batch.tensor()));
                decode(outputs.get(outputName), part.size(), out);
            } finally {
                pool.offer(batch);
            }
        }
        return out;
    }

    /** Wide enough for the widest region at the model's height, within the manifest's width. */
    private int width(List<Box> regions) {
        ModelManifest.Input input = manifest.input();
        double aspect = 1;
        for (Box b : regions) {
            aspect = Math.max(aspect, b.width() / Math.max(1, b.height()));
        }
        int wanted = (int) Math.ceil(input.height() * aspect / WIDTH_STEP) * WIDTH_STEP;
        int width = Math.min(input.width(), Math.max(WIDTH_STEP, wanted));
        return engine.accepts(input.height(), width) ? width : input.width();
    }

    private void decode(Tensor steps, int items, List<Reading> into) {
        if (steps == null || steps.rank() != 3 || steps.dim(0) != items || steps.dim(2) != classes.length) {
            throw new ModelException("text reader " + manifest.name() + ": output \"" + outputName + "\" is "
                    + steps + " for " + items + " regions; model.json says " + classes.length + " classes per step");
        }
        int length = steps.dim(1);
        int k = classes.length;
        float[] p = steps.data();
        for (int item = 0; item < items; item++) {
            StringBuilder text = new StringBuilder();
            double sum = 0;
            int count = 0;
            int previous = 0;
            for (int t = 0; t < length; t++) {
                int base = (item * length + t) * k;
                int best = 0;
                for (int c = 1; c < k; c++) {
                    if (p[base + c] > p[base + best]) {
                        best = c;
                    }
                }
                if (best != 0 && best != previous) {
                    text.append(classes[best]);
                    sum += p[base + best];
                    count++;
                }
                previous = best;
            }
            into.add(count == 0 ? Reading.NOTHING : new Reading(text.toString().strip(), sum / count));
        }
    }
}
