package dev.logowatch.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logowatch.engine.Box;
import dev.logowatch.match.Match;
import dev.logowatch.publish.Payloads;
import dev.logowatch.source.Frame;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps what went wrong in an evaluation, to be looked at before a threshold is moved: for
 * every image where a brand was named wrongly (fp) or missed (fn), the image with its labelled
 * boxes (green), the matches accepted in it (red when wrong, blue when right) and, for a
 * missed brand, that brand's best match however it was decided (yellow); the crop of every
 * wrong match and of every missed labelled box; and one JSON line per failure in
 * {@code failures.jsonl}: image, kind, brand, best similarity, decision, and for a missed
 * box how well the closest proposal covered it (IoU), which tells a proposal miss from a
 * matching miss.
 */
public final class Failures implements AutoCloseable {
    private static final Color LABEL = new Color(0, 200, 0);
    private static final Color WRONG = new Color(230, 0, 0);
    private static final Color RIGHT = new Color(0, 90, 255);
    private static final Color MISSED_BEST = new Color(255, 200, 0);

    private final Path dir;
    private final Path crops;
    private final BufferedWriter lines;
    private int images;

    public Failures(Path dir) throws IOException {
        this.dir = dir;
        this.crops = dir.resolve("crops");
        Files.createDirectories(crops);
        this.lines = Files.newBufferedWriter(dir.resolve("failures.jsonl"));
    }

    /** Records the image's failures, if it has any. */
    public void add(Dataset.Item item, Frame frame, List<Match> matches) {
        Set<String> predicted = new TreeSet<>();
        matches.stream().filter(Match::accepted).forEach(m -> predicted.add(m.brand()));
        Set<String> wrong = new TreeSet<>(predicted);
        wrong.removeAll(item.brands());
        if (!item.exhaustive()) {
            wrong.clear();
        }
        Set<String> missed = new TreeSet<>(item.brands());
        missed.removeAll(predicted);
        if (wrong.isEmpty() && missed.isEmpty()) {
            return;
        }
        images++;
        String stem = stem(item.name());
        try {
            BufferedImage picture = copy(frame.image());
            Graphics2D g = picture.createGraphics();
            g.setStroke(new BasicStroke(Math.max(2f, picture.getWidth() / 400f)));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, picture.getWidth() / 60)));
            for (Dataset.LabelledBox b : item.boxes()) {
                draw(g, b.box(), LABEL, b.brand());
            }
            int crop = 0;
            for (Match m : matches) {
                if (!m.accepted()) {
                    continue;
                }
                boolean isWrong = wrong.contains(m.brand());
                draw(g, m.box(), isWrong ? WRONG : RIGHT, label(m));
                if (isWrong) {
                    save(frame.image(), m.box(), String.format(Locale.ROOT, "fp-%s-%s-%d.png", m.brand(), stem, crop++));
                    line(item, "fp", m.brand(), Optional.of(m), Optional.empty());
                }
            }
            for (String brand : missed) {
                Optional<Match> best = matches.stream().filter(m -> m.brand().equals(brand))
                        .max(Comparator.comparingDouble(Match::similarity));
                best.ifPresent(m -> draw(g, m.box(), MISSED_BEST, label(m)));
                List<Dataset.LabelledBox> boxes = item.boxes().stream().filter(b -> b.brand().equals(brand)).toList();
                if (boxes.isEmpty()) {
                    line(item, "fn", brand, best, Optional.empty());
                }
                for (Dataset.LabelledBox b : boxes) {
                    save(frame.image(), b.box(), String.format(Locale.ROOT, "fn-%s-%s-%d.png", brand, stem, crop++));
                    double cover = matches.stream().mapToDouble(m -> m.box().iou(b.box())).max().orElse(0);
                    line(item, "fn", brand, best, Optional.of(cover));
                }
            }
            g.dispose();
            String kind = wrong.isEmpty() ? "fn" : "fp";
            String brands = String.join("+", wrong.isEmpty() ? missed : wrong);
            ImageIO.write(picture, "jpg", dir.resolve(kind + "-" + brands + "-" + stem + ".jpg").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the failures of " + item.name() + " to " + dir, e);
        }
    }

    /** Images with at least one failure. */
    public int images() {
        return images;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }

    private void line(Dataset.Item item, String kind, String brand, Optional<Match> best, Optional<Double> cover)
            throws IOException {
        ObjectNode o = Payloads.JSON.createObjectNode();
        o.put("image", item.name());
        o.put("kind", kind);
        o.put("brand", brand);
        best.ifPresent(m -> {
            o.put("similarity", round(m.similarity()));
            o.put("margin", round(m.margin()));
            o.put("decision", m.decision().name());
            m.runnerUp().ifPresent(r -> o.put("runner_up", r));
            if (!m.text().isEmpty()) {
                o.put("text", m.text());
            }
            o.put("box", Payloads.JSON.valueToTree(m.box().toArray()));
        });
        cover.ifPresent(c -> o.put("best_proposal_iou", round(c)));
        lines.write(Payloads.JSON.writeValueAsString(o));
        lines.newLine();
    }

    private void save(BufferedImage image, Box box, String name) throws IOException {
        int x1 = clamp((int) Math.floor(box.x1()), image.getWidth() - 1);
        int y1 = clamp((int) Math.floor(box.y1()), image.getHeight() - 1);
        int x2 = clamp((int) Math.ceil(box.x2()), image.getWidth());
        int y2 = clamp((int) Math.ceil(box.y2()), image.getHeight());
        ImageIO.write(copy(image.getSubimage(x1, y1, Math.max(1, x2 - x1), Math.max(1, y2 - y1))), "png",
                crops.resolve(name).toFile());
    }

    private static String label(Match m) {
        return String.format(Locale.ROOT, "%s %.2f%s", m.brand(), m.similarity(),
                m.accepted() ? "" : " " + m.decision().name().toLowerCase(Locale.ROOT));
    }

    private static void draw(Graphics2D g, Box b, Color color, String text) {
        g.setColor(color);
        g.drawRect((int) b.x1(), (int) b.y1(), (int) b.width(), (int) b.height());
        g.drawString(text, (int) b.x1() + 2, (int) Math.max(g.getFont().getSize(), b.y1() - 3));
    }

    private static BufferedImage copy(BufferedImage image) {
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }

    private static String stem(String name) {
        String base = name.substring(name.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        return (dot > 0 ? base.substring(0, dot) : base).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
