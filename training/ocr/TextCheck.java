
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.LogowatchConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.eval.Dataset;
import dev.logowatch.eval.Evaluation;
import dev.logowatch.eval.Images;
import dev.logowatch.match.Match;
import dev.logowatch.pipeline.Models;
import dev.logowatch.pipeline.Recognizer;
import dev.logowatch.source.Frame;
import dev.logowatch.web.StatusBoard;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Would reading text help? Runs the service's recogniser over an eval dataset, as
 * {@code logowatch eval} does, and scores the same matches three ways: as they are; with
 * below-threshold candidates of a text brand accepted when the PP-OCRv4 recogniser reads the
 * brand's name in the crop; and strictly, a text brand named only when its crop reads as its
 * name. A brand is a text brand when one of its clean catalog references reads as its name.
 *
 * <pre>
 * training/ocr/fetch.sh
 * java -cp app/target/logowatch.jar training/ocr/TextCheck.java DATASET CONFIG [LOW] [MODELS]
 * </pre>
 * LOW: the lowest similarity a candidate is read at (default 0.5); MODELS: the fetched
 * package folder (default ~/.cache/logowatch/ocr-models/1.4.2). Research code: what it
 * measures is in docs/accuracy.md; the service does not read text.
 */
public class TextCheck {
    private static final int HEIGHT = 48;
    private static final int MAX_WIDTH = 320;

    record Reading(String text, double confidence) {
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession recogniser;
    private final List<String> alphabet;
    private int reads;
    private long readNanos;

    TextCheck(Path models) throws Exception {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        recogniser = env.createSession(models.resolve("assets/ch_PP-OCRv4_rec_infer.onnx").toString(), options);
        alphabet = Files.readAllLines(models.resolve("assets/ppocr_keys_v1.txt"));
    }

    /**
     * PaddleOCR's recogniser input: height 48, width by aspect up to 320, zero-padded on the
     * right, BGR scaled to [-1, 1]; output per column is a distribution over blank, the
     * alphabet and space, decoded greedily (CTC: repeats merged, blanks dropped).
     */
    Reading read(BufferedImage crop) throws OrtException {
        long started = System.nanoTime();
        int width = Math.max(8, Math.min(MAX_WIDTH, (int) Math.ceil(HEIGHT * (double) crop.getWidth() / crop.getHeight())));
        BufferedImage scaled = new BufferedImage(width, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(crop, 0, 0, width, HEIGHT, null);
        g.dispose();
        int plane = HEIGHT * MAX_WIDTH;
        float[] data = new float[3 * plane];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = scaled.getRGB(x, y);
                int at = y * MAX_WIDTH + x;
                data[at] = (rgb & 0xff) / 127.5f - 1;
                data[plane + at] = ((rgb >> 8) & 0xff) / 127.5f - 1;
                data[2 * plane + at] = ((rgb >> 16) & 0xff) / 127.5f - 1;
            }
        }
        String input = recogniser.getInputNames().iterator().next();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {1, 3, HEIGHT, MAX_WIDTH});
             OrtSession.Result result = recogniser.run(Map.of(input, tensor))) {
            float[][] columns = ((float[][][]) result.get(0).getValue())[0];
            StringBuilder text = new StringBuilder();
            double confidence = 0;
            int kept = 0;
            int previous = -1;
            for (float[] column : columns) {
                int best = 0;
                for (int i = 1; i < column.length; i++) {
                    if (column[i] > column[best]) {
                        best = i;
                    }
                }
                if (best != 0 && best != previous) {
                    text.append(best - 1 < alphabet.size() ? alphabet.get(best - 1) : " ");
                    confidence += column[best];
                    kept++;
                }
                previous = best;
            }
            return new Reading(text.toString(), kept == 0 ? 0 : confidence / kept);
        } finally {
            reads++;
            readNanos += System.nanoTime() - started;
        }
    }

    static String letters(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    /** The reading contains the name's letters, or misses at most one in three of them. */
    static boolean names(Reading reading, String name) {
        String read = letters(reading.text());
        String wanted = letters(name);
        if (wanted.length() < 2 || read.isEmpty()) {
            return false;
        }
        return read.contains(wanted) || editDistance(read, wanted) <= wanted.length() / 3;
    }

    static int editDistance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    /** Brands one of whose reference images reads as the brand's name, with that name. */
    Map<String, String> textBrands(Path catalogDir, Catalog catalog) throws Exception {
        Map<String, String> found = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(catalogDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                String id = dir.getFileName().toString();
                String name = catalog.brand(id).map(Brand::displayName).orElse(id);
                StringBuilder seen = new StringBuilder();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                        BufferedImage image = ImageIO.read(file.toFile());
                        BufferedImage onWhite = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
                        Graphics2D g = onWhite.createGraphics();
                        g.setColor(Color.WHITE);
                        g.fillRect(0, 0, image.getWidth(), image.getHeight());
                        g.drawImage(image, 0, 0, null);
                        g.dispose();
                        Reading r = read(onWhite);
                        seen.append(String.format(Locale.ROOT, " %s='%s' (%.2f)", file.getFileName(), r.text(), r.confidence()));
                        if (names(r, name)) {
                            found.put(id, name);
                        }
                    }
                }
                System.err.println("reference " + id + " [" + name + "]:" + seen + (found.containsKey(id) ? "  text brand" : ""));
            }
        }
        return found;
    }

    private static Match decided(Match m, Match.Decision decision) {
        return new Match(m.box(), m.proposalScore(), m.brand(), m.similarity(), m.margin(), m.runnerUp(),
                m.runnerUpSimilarity(), m.threshold(), m.verify(), decision);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TextCheck DATASET CONFIG [LOW] [MODELS]");
            System.exit(2);
        }
        Path datasetDir = Path.of(args[0]);
        LogowatchConfig config = LogowatchConfig.load(Path.of(args[1]), System.getenv());
        double low = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
        Path models = args.length > 3 ? Path.of(args[3])
                : Path.of(System.getProperty("user.home"), ".cache/logowatch/ocr-models/1.4.2");
        TextCheck ocr = new TextCheck(models);
        Dataset dataset = Dataset.read(datasetDir);
        try (Models loaded = Models.load(config, StatusBoard.create("text-check", "research").meters(), null)) {
            Catalog catalog = loaded.catalogLoader(config).load(dataset.catalog()).catalog();
            Map<String, String> textBrands = ocr.textBrands(dataset.catalog(), catalog);
            System.out.println("text brands (a reference reads as the name): " + textBrands.size() + " of "
                    + catalog.brands().size() + " " + textBrands.keySet());
            int referenceReads = ocr.reads;
            long referenceNanos = ocr.readNanos;
            Recognizer recognizer = loaded.recognizer(new AtomicReference<>(catalog), config).orElseThrow();
            double margin = config.catalog().margin();
            Map<String, Evaluation> variants = new LinkedHashMap<>();
            variants.put("as the service runs", new Evaluation(margin));
            variants.put("text brand accepted when read", new Evaluation(margin));
            variants.put("text brand only when read", new Evaluation(margin));
            long sequence = 0;
            for (Dataset.Item item : dataset.items()) {
                Frame frame = Images.frame(item.image(), "text-check", sequence++);
                List<Match> matches = recognizer.recognize(frame);
                List<Match> accepting = new ArrayList<>();
                List<Match> strict = new ArrayList<>();
                for (Match m : matches) {
                    Match a = m;
                    Match s = m;
                    String name = textBrands.get(m.brand());
                    boolean candidate = name != null && m.margin() >= margin
                            && (m.accepted() || (m.decision() == Match.Decision.BELOW_THRESHOLD && m.similarity() >= low));
                    Box box = m.box();
                    int x1 = (int) Math.max(0, box.x1() - box.width() / 10);
                    int y1 = (int) Math.max(0, box.y1() - box.height() / 10);
                    int x2 = (int) Math.min(frame.width(), box.x2() + box.width() / 10);
                    int y2 = (int) Math.min(frame.height(), box.y2() + box.height() / 10);
                    if (candidate && x2 - x1 >= 4 && y2 - y1 >= 4) {
                        Reading r = ocr.read(frame.image().getSubimage(x1, y1, x2 - x1, y2 - y1));
                        boolean read = names(r, name);
                        System.err.printf(Locale.ROOT, "%s %s similarity %.3f %s: read '%s' (%.2f), names it: %b, labelled: %b%n",
                                item.name(), m.brand(), m.similarity(), m.decision(), r.text(), r.confidence(), read,
                                item.brands().contains(m.brand()));
                        if (read && !m.accepted()) {
                            a = decided(m, Match.Decision.ACCEPTED);
                        }
                        s = decided(m, read ? Match.Decision.ACCEPTED : Match.Decision.BELOW_THRESHOLD);
                    }
                    accepting.add(a);
                    strict.add(s);
                }
                List<List<Match>> scored = List.of(matches, accepting, strict);
                int i = 0;
                for (Evaluation e : variants.values()) {
                    e.add(item, scored.get(i++));
                }
            }
            int crops = ocr.reads - referenceReads;
            System.out.printf(Locale.ROOT, "%d candidate crops read, %.1f ms each%n", crops,
                    crops == 0 ? 0 : (ocr.readNanos - referenceNanos) / 1e6 / crops);
            variants.forEach((name, e) -> {
                var overall = e.toJson(0).get("overall");
                System.out.printf(Locale.ROOT, "%-32s image %s%n%-32s box   %s%n", name, overall.get("image"), "", overall.get("box"));
            });
        }
    }
}
