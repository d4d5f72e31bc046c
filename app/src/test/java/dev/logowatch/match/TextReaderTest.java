package dev.logowatch.match;

import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.engine.OnnxEngine;
import dev.logowatch.engine.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped text reader (models/text-reader) on lettering drawn into a frame. */
class TextReaderTest {
    static final Path MODEL = Path.of(System.getProperty("logowatch.repo", "..")).toAbsolutePath().normalize()
            .resolve("models/text-reader");

    private static OnnxEngine engine;
    private static TextReader reader;

    @BeforeAll
    static void open() {
        engine = OnnxEngine.open(MODEL, 2, 8);
        reader = new TextReader(engine);
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    /** A grey frame with {@code word} in dark bold letters {@code size} px high at (x, y); returns its box. */
    static Box letter(BufferedImage frame, String word, int x, int y, int size) {
        Graphics2D g = frame.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
        int width = g.getFontMetrics().stringWidth(word);
        g.setColor(new Color(240, 240, 235));
        g.fillRect(x - size / 3, y - size, width + 2 * (size / 3), (int) (size * 1.4));
        g.setColor(new Color(20, 30, 90));
        g.drawString(word, x, y);
        g.dispose();
        return new Box(x - size / 4.0, y - size * 0.95, x + width + size / 4.0, y + size * 0.35);
    }

    static BufferedImage frame() {
        BufferedImage image = new BufferedImage(960, 540, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(70, 110, 60));
        g.fillRect(0, 0, 960, 540);
        g.dispose();
        return image;
    }

    @Test
    void wordsOnABoardAreReadInRegionOrder() {
        BufferedImage image = frame();
        Box rolex = letter(image, "ROLEX", 80, 120, 48);
        Box casio = letter(image, "CASIO", 500, 400, 30);
        Box grass = new Box(600, 60, 760, 160);

        List<TextReader.Reading> readings = reader.read(BgrImage.of(image), List.of(rolex, casio, grass));

        assertThat(readings).hasSize(3);
        assertThat(Spelling.normalise(readings.get(0).text())).isEqualTo("ROLEX");
        assertThat(readings.get(0).confidence()).isGreaterThan(0.9);
        assertThat(Spelling.normalise(readings.get(1).text())).isEqualTo("CASIO");
        assertThat(Spelling.normalise(readings.get(2).text())).as("plain grass spells nothing").hasSizeLessThan(2);
    }

    @Test
    void aLongLineIsReadWhole() {
        BufferedImage image = frame();
        Box line = letter(image, "SERGIO TACCHINI", 40, 300, 40);

        TextReader.Reading reading = reader.read(BgrImage.of(image), List.of(line)).getFirst();

        assertThat(Spelling.agreement(reading.text(), List.of("Sergio Tacchini"))).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void anEmbedderIsNotTakenForAReader() {
        try (OnnxEngine embedder = OnnxEngine.open(TestModels.model("embedder"), 1, 1)) {
            assertThatThrownBy(() -> new TextReader(embedder))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a text reader")
                    .hasMessageContaining("models.text-reader");
        }
    }
}
