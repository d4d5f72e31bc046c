package dev.logowatch.source;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PictureCopyTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05.678Z");

    /** A BGR picture whose pixel (x, y) is (b, g, r) = (x, y, 100 + x + y), rows padded to {@code stride}. */
    private static ByteBuffer pattern(int width, int height, int stride) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(stride * height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int at = y * stride + 3 * x;
                buffer.put(at, (byte) x).put(at + 1, (byte) y).put(at + 2, (byte) (100 + x + y));
            }
            for (int pad = 3 * width; pad < stride; pad++) {
                buffer.put(y * stride + pad, (byte) 0xEE);
            }
        }
        return buffer;
    }

    private static byte[] pixels(Frame frame) {
        return ((DataBufferByte) frame.image().getRaster().getDataBuffer()).getData();
    }

    @Test
    void copiesPaddedRowsIntoAPackedBgrImage() {
        // 5 pixels of 3 bytes = 15 bytes per row, padded to 16 as GStreamer does.
        Frame frame = new FrameSource.Picture(40_000, 5, 3, pattern(5, 3, 16), 16).copy("cam", T, 42);

        assertThat(frame.image().getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        assertThat(frame.width()).isEqualTo(5);
        assertThat(frame.height()).isEqualTo(3);
        assertThat(frame.stream()).isEqualTo("cam");
        assertThat(frame.timestamp()).isEqualTo(T);
        assertThat(frame.sequence()).isEqualTo(42);
        byte[] px = pixels(frame);
        assertThat(px).hasSize(45).doesNotContain((byte) 0xEE);
        // Pixel (4, 2): blue 4, green 2, red 106; getRGB agrees on the channel order.
        assertThat(new byte[] {px[2 * 15 + 12], px[2 * 15 + 13], px[2 * 15 + 14]}).containsExactly(4, 2, 106);
        assertThat(frame.image().getRGB(4, 2)).isEqualTo(0xFF000000 | (106 << 16) | (2 << 8) | 4);
    }

    @Test
    void theFrameKeepsItsPixelsWhenTheDecoderReusesItsBuffer() {
        ByteBuffer decoderBuffer = pattern(8, 4, 24);
        Frame frame = new FrameSource.Picture(0, 8, 4, decoderBuffer, 24).copy("cam", T, 1);
        byte[] before = pixels(frame).clone();

        for (int i = 0; i < decoderBuffer.capacity(); i++) {
            decoderBuffer.put(i, (byte) 0x55);
        }

        assertThat(pixels(frame)).containsExactly(before);
        assertThat(pixels(new FrameSource.Picture(0, 8, 4, decoderBuffer, 24).copy("cam", T, 2)))
                .containsOnly((byte) 0x55);
    }

    @Test
    void readsFromTheStartWhateverTheBufferPosition() {
        ByteBuffer buffer = pattern(2, 2, 6);
        buffer.position(5);
        Frame frame = new FrameSource.Picture(0, 2, 2, buffer, 6).copy("cam", T, 1);

        assertThat(pixels(frame)).startsWith((byte) 0, (byte) 0, (byte) 100);
    }

    @Test
    void refusesABufferTooSmallForItsSize() {
        assertThatThrownBy(() -> new FrameSource.Picture(0, 640, 360, ByteBuffer.allocate(1000), 1920))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("640x360");
        assertThatThrownBy(() -> new FrameSource.Picture(0, 10, 10, ByteBuffer.allocate(300), 20))
                .hasMessageContaining("rows of 20 bytes");
    }
}
