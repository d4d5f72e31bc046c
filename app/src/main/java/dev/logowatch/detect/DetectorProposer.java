package dev.logowatch.detect;

import dev.logowatch.config.ProposerConfig;
import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.InferenceEngine;
import dev.logowatch.engine.InputBatch;
import dev.logowatch.engine.ModelException;
import dev.logowatch.engine.ModelManifest;
import dev.logowatch.engine.Placement;
import dev.logowatch.engine.Tensor;
import dev.logowatch.source.Frame;
import dev.logowatch.status.DeviceMeters;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Proposals from a logo detector speaking the DETR convention: the whole frame is fitted to
 * the detector's input as its manifest says, run, and decoded by {@link DetrDecoder}. The
 * engine may be shared by several streams; input buffers are pooled so concurrent calls do
 * not share one and steady state allocates none.
 */
public final class DetectorProposer implements Proposer {
    private final InferenceEngine detector;
    private final DetrDecoder decoder;
    private final DeviceMeters meters;
    private final String inputName;
    private final String logitsName;
    private final String boxesName;
    private final ConcurrentLinkedQueue<InputBatch> batches = new ConcurrentLinkedQueue<>();

    /** @param meters where to record the propose stage's time (preprocessing included), or {@code null} */
    public DetectorProposer(InferenceEngine detector, ProposerConfig config, DeviceMeters meters) {
        ModelManifest manifest = detector.manifest();
        if (manifest.task() != ModelManifest.Task.DETECT || manifest.output().kind() != ModelManifest.OutputKind.DETR) {
            throw new IllegalArgumentException("model " + manifest.name() + " (" + manifest.manifestFile()
                    + ") is not a detr detector; models.detector needs task detect with output kind detr");
        }
        this.detector = detector;
        this.decoder = new DetrDecoder(config.minScore(), config.minSize(), config.nmsIou(), config.maxProposals(),
                manifest.name());
        this.meters = meters;
        this.inputName = manifest.input().name();
        this.logitsName = manifest.output().names().get(0);
        this.boxesName = manifest.output().names().get(1);
    }

    @Override
    public List<Proposal> propose(Frame frame) {
        long started = System.nanoTime();
        InputBatch batch = batches.poll();
        if (batch == null) {
            batch = new InputBatch(detector.manifest().input(), 1, InputBatch.LANES);
        }
        try {
            batch.clear();
            // Shrinking the whole frame to the detector's input costs about as much as the detector
            // itself on a CPU, so its rows are shared with the common pool.
            Placement placement = batch.add(BgrImage.of(frame), new Box(0, 0, frame.width(), frame.height()),
                    InputBatch.HELPERS);
            Map<String, Tensor> outputs = detector.run(Map.of(inputName, batch.tensor()));
            List<Proposal> proposals = decoder.decode(output(outputs, logitsName), output(outputs, boxesName), 0,
                    placement);
            if (meters != null) {
                meters.record(DeviceMeters.Stage.PROPOSE, Duration.ofNanos(System.nanoTime() - started));
            }
            return proposals;
        } finally {
            batches.offer(batch);
        }
    }

    private Tensor output(Map<String, Tensor> outputs, String name) {
        Tensor tensor = outputs.get(name);
        if (tensor == null) {
            throw new ModelException("detector " + detector.manifest().name() + " returned no output \"" + name
                    + "\" (it returned " + outputs.keySet() + ")");
        }
        return tensor;
    }
}
