package dev.logowatch.image;

import dev.logowatch.config.ImagesConfig;
import dev.logowatch.testing.OddImages;
import dev.logowatch.testing.OddImages.Odd;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class ImageFileTest {
    private static List<Odd> readable;
    private static List<Odd> broken;

    @BeforeAll
    static void make() throws Exception {
        readable = OddImages.readable();
        broken = OddImages.broken();
    }

    @Test
    void everyOddButValidFileDecodesUprightToTheSceneInBgr() {
        List<String> wrong = new ArrayList<>();
        for (Odd odd : readable) {
            BufferedImage image;
            try {
                image = ImageFile.decode(odd.bytes(), ImagesConfig.DEFAULT, Integer.MAX_VALUE);
            } catch (ImageFile.Refused e) {
                wrong.add(odd.name() + ": refused: " + e.getMessage());
                continue;
            }
            if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
                wrong.add(odd.name() + ": type " + image.getType());
            }
            if (image.getWidth() != OddImages.WIDTH || image.getHeight() != OddImages.HEIGHT) {
                wrong.add(odd.name() + ": " + image.getWidth() + "x" + image.getHeight() + " (upright is "
                        + OddImages.WIDTH + "x" + OddImages.HEIGHT + ")");
                continue;
            }
            boolean grey = odd.name().startsWith("grey-16");
            int corner = image.getRGB(8, 8);
            int ground = image.getRGB(OddImages.WIDTH - 6, OddImages.HEIGHT - 6);
            int mark = image.getRGB(OddImages.WIDTH / 2, OddImages.HEIGHT / 2);
            if (grey ? luma(corner) > 140 || luma(corner) < 40 : !(red(corner) > 150 && red(corner) > green(corner) + 80)) {
                wrong.add(odd.name() + ": upper-left is " + hex(corner) + ", expected " + (grey ? "mid grey" : "red"));
            }
            if (luma(ground) < 235) {
                wrong.add(odd.name() + ": ground is " + hex(ground) + ", expected white");
            }
            if (luma(mark) > 90) {
                wrong.add(odd.name() + ": middle is " + hex(mark) + ", expected the dark mark");
            }
        }
        if (!wrong.isEmpty()) {
            fail(String.join("\n", wrong));
        }
    }

    @Test
    void everyBrokenFileIsRefusedWithItsReason() {
        List<String> wrong = new ArrayList<>();
        for (Odd odd : broken) {
            try {
                BufferedImage image = ImageFile.decode(odd.bytes(), ImagesConfig.DEFAULT, Integer.MAX_VALUE);
                wrong.add(odd.name() + ": read as " + image.getWidth() + "x" + image.getHeight() + ", expected refused ("
                        + odd.refusal() + ")");
            } catch (ImageFile.Refused e) {
                if (!e.getMessage().contains(odd.refusal())) {
                    wrong.add(odd.name() + ": refused with '" + e.getMessage() + "', expected '" + odd.refusal() + "'");
                }
            }
        }
        if (!wrong.isEmpty()) {
            fail(String.join("\n", wrong));
        }
    }

    @Test
    void thePixelLimitIsCheckedFromTheHeaderAndIsConfigurable() throws Exception {
        Odd bomb = broken.stream().filter(o -> o.name().equals("bomb.png")).findFirst().orElseThrow();
        assertThatThrownBy(() -> ImageFile.probe(bomb.bytes(), ImagesConfig.DEFAULT))
                .hasMessageContaining("50000x50000").hasMessageContaining("images.max-megapixels");
        byte[] scene = readable.getFirst().bytes();
        assertThat(ImageFile.probe(scene, ImagesConfig.DEFAULT).width()).isEqualTo(OddImages.WIDTH);
        assertThatThrownBy(() -> ImageFile.decode(scene, new ImagesConfig(5_000, 16), Integer.MAX_VALUE))
                .hasMessageContaining("too large");
        assertThatThrownBy(() -> ImageFile.decode(scene, new ImagesConfig(1_000_000, 80), Integer.MAX_VALUE))
                .hasMessageContaining("too small").hasMessageContaining("images.min-side");
    }

    @Test
    void exifOrientationTurnsTheHeaderSizeToo() throws Exception {
        Odd rotated = readable.stream().filter(o -> o.name().startsWith("exif")).findFirst().orElseThrow();
        ImageFile.Header header = ImageFile.probe(rotated.bytes(), ImagesConfig.DEFAULT);
        assertThat(header.orientation()).isEqualTo(6);
        assertThat(header.width()).isEqualTo(OddImages.HEIGHT);
        assertThat(header.uprightWidth()).isEqualTo(OddImages.WIDTH);
    }

    @Test
    void subsamplingKeepsLargeReferencesSmall() throws Exception {
        BufferedImage image = ImageFile.decode(readable.getFirst().bytes(), ImagesConfig.DEFAULT, 48);
        assertThat(image.getWidth()).isEqualTo(OddImages.WIDTH / 2);
        assertThat(red(image.getRGB(4, 4))).isGreaterThan(150);
    }

    private static int red(int rgb) {
        return (rgb >> 16) & 0xff;
    }

    private static int green(int rgb) {
        return (rgb >> 8) & 0xff;
    }

    private static int luma(int rgb) {
        return (299 * red(rgb) + 587 * green(rgb) + 114 * (rgb & 0xff)) / 1000;
    }

    private static String hex(int rgb) {
        return String.format("#%06x", rgb & 0xffffff);
    }
}
