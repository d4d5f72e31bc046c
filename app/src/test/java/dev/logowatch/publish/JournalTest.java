package dev.logowatch.publish;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class JournalTest {
    @TempDir
    Path dir;

    @Test
    void bufferedMessagesComeBackInOrderAfterARestart() {
        try (DiskBuffer buffer = new DiskBuffer(dir, 1000, 3)) {
            for (int i = 0; i < 10; i++) {
                MessageKind kind = i % 3 == 0 ? MessageKind.VERIFICATION : MessageKind.EVENT;
                buffer.append(kind, "t/" + kind.folder, 1, payload(i));
            }
        }
        try (DiskBuffer reopened = new DiskBuffer(dir, 1000, 3)) {
            assertThat(reopened.size()).isEqualTo(10);
            assertThat(drain(reopened)).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
        }
    }

    /** A long outage with large payloads: the disk used stays within the byte bound, events kept before detections. */
    @Test
    void theBufferStaysWithinItsBytesOnDiskAndDropsDetectionsFirst() throws IOException {
        byte[] kilobyte = new byte[1024];
        long maxBytes = 64 * 1024;
        int segmentRecords = 8;
        List<Journal.Buffered> dropped = new ArrayList<>();
        try (DiskBuffer buffer = new DiskBuffer(dir, 1_000_000, maxBytes, segmentRecords)) {
            for (int i = 0; i < 500; i++) {
                dropped.addAll(buffer.append(MessageKind.DETECTION, "t/detections", 1, kilobyte));
                if (i % 10 == 0) {
                    dropped.addAll(buffer.append(MessageKind.EVENT, "t/events", 1, payload(i / 10)));
                }
                assertThat(diskBytes(dir)).as("bytes on disk after %d messages", i)
                        .isLessThanOrEqualTo(maxBytes + segmentRecords * 1100L);
                assertThat(buffer.bytes()).isEqualTo(diskBytes(dir));
            }
            assertThat(dropped).isNotEmpty().allMatch(m -> m.kind() == MessageKind.DETECTION);
            assertThat(buffer.size(MessageKind.EVENT)).isEqualTo(50);
        }
        try (DiskBuffer reopened = new DiskBuffer(dir, 1_000_000, maxBytes, segmentRecords)) {
            assertThat(reopened.bytes()).as("counted again after a restart").isEqualTo(diskBytes(dir));
        }
    }

    private static long diskBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long total = 0;
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("seg-")).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }

    @Test
    void acknowledgedMessagesAreNotSentAgainAndTheirSegmentsAreDeleted() throws IOException {
        try (DiskBuffer buffer = new DiskBuffer(dir, 1000, 3)) {
            for (int i = 0; i < 7; i++) {
                buffer.append(MessageKind.EVENT, "t/events", 1, payload(i));
            }
            for (int i = 0; i < 4; i++) {
                buffer.acknowledged(buffer.nextToSend());
            }
            assertThat(buffer.size()).isEqualTo(3);
        }
        // 7 messages in segments of 3: the first is fully delivered and gone.
        assertThat(segments(dir.resolve("events"))).hasSize(2);
        try (DiskBuffer reopened = new DiskBuffer(dir, 1000, 3)) {
            assertThat(drain(reopened)).containsExactly("m4", "m5", "m6");
        }
    }

    @Test
    void aConnectionLossSendsUnacknowledgedMessagesAgainInOrder() {
        try (DiskBuffer buffer = new DiskBuffer(dir, 1000, 4)) {
            for (int i = 0; i < 5; i++) {
                buffer.append(MessageKind.EVENT, "t/events", 1, payload(i));
            }
            Journal.Buffered first = buffer.nextToSend();
            Journal.Buffered second = buffer.nextToSend();
            buffer.nextToSend();
            buffer.acknowledged(second); // out of order: the head waits for the first
            assertThat(buffer.size()).isEqualTo(5);
            buffer.acknowledged(first);
            assertThat(buffer.size()).isEqualTo(3);
            buffer.resendAll();
            assertThat(drain(buffer)).containsExactly("m2", "m3", "m4");
        }
    }

    @Test
    void overTheBoundTheOldestDetectionsGoFirstAndEventsLast() {
        try (DiskBuffer buffer = new DiskBuffer(dir, 4, 8)) {
            buffer.append(MessageKind.EVENT, "t/events", 1, payload(0));
            buffer.append(MessageKind.DETECTION, "t/detections", 1, payload(1));
            buffer.append(MessageKind.VERIFICATION, "t/verifications", 1, payload(2));
            buffer.append(MessageKind.DETECTION, "t/detections", 1, payload(3));
            List<Journal.Buffered> dropped = new ArrayList<>();
            dropped.addAll(buffer.append(MessageKind.EVENT, "t/events", 1, payload(4)));
            dropped.addAll(buffer.append(MessageKind.EVENT, "t/events", 1, payload(5)));
            dropped.addAll(buffer.append(MessageKind.EVENT, "t/events", 1, payload(6)));
            dropped.addAll(buffer.append(MessageKind.EVENT, "t/events", 1, payload(7)));
            assertThat(dropped).extracting(b -> new String(b.payload(), StandardCharsets.UTF_8))
                    .containsExactly("m1", "m3", "m2", "m0");
            assertThat(drain(buffer)).containsExactly("m4", "m5", "m6", "m7");
        }
    }

    @Test
    void aTornLastRecordIsCutAndLaterAppendsStayReadable() throws IOException {
        try (DiskBuffer buffer = new DiskBuffer(dir, 1000, 100)) {
            for (int i = 0; i < 3; i++) {
                buffer.append(MessageKind.EVENT, "t/events", 1, payload(i));
            }
        }
        Path segment = segments(dir.resolve("events")).get(0);
        // What a power cut in the middle of a write leaves: a length, part of a body.
        Files.write(segment, new byte[]{0, 0, 0, 40, 1, 2, 3}, StandardOpenOption.APPEND);
        try (DiskBuffer reopened = new DiskBuffer(dir, 1000, 100)) {
            assertThat(reopened.size()).isEqualTo(3);
            reopened.append(MessageKind.EVENT, "t/events", 1, payload(3));
        }
        try (DiskBuffer again = new DiskBuffer(dir, 1000, 100)) {
            assertThat(drain(again)).containsExactly("m0", "m1", "m2", "m3");
        }
    }

    @Test
    void moreMessagesThanFitInMemoryAreReadBackFromDiskInOrder() {
        try (DiskBuffer buffer = new DiskBuffer(dir, 100_000, 16)) {
            for (int i = 0; i < 500; i++) {
                buffer.append(i % 2 == 0 ? MessageKind.EVENT : MessageKind.DETECTION, "t", 1, payload(i));
            }
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Journal.Buffered next = buffer.nextToSend();
                seen.add(new String(next.payload(), StandardCharsets.UTF_8));
                buffer.acknowledged(next);
            }
            assertThat(seen).first().isEqualTo("m0");
            assertThat(seen).last().isEqualTo("m499");
            assertThat(seen).doesNotHaveDuplicates().hasSize(500);
            assertThat(buffer.size()).isZero();
        }
        assertThat(segments(dir.resolve("events"))).isEmpty();
    }

    private static List<String> drain(DiskBuffer buffer) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Journal.Buffered next = buffer.nextToSend();
            if (next == null) {
                break;
            }
            out.add(new String(next.payload(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static byte[] payload(int i) {
        return ("m" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static List<Path> segments(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("seg-")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
