package dev.logowatch.publish;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The buffered messages of one {@link MessageKind}, oldest first, in append-only segment
 * files {@code seg-<n>.log} plus a small {@code head} file naming the first message not yet
 * delivered. A segment is deleted once every message in it is delivered or dropped.
 *
 * <p>Record layout: body length (int), body = sequence (long), QoS (byte), topic length
 * (short), topic (UTF-8), payload; then the body's CRC-32 (int). A torn last record (power
 * cut mid-write) fails its length or CRC check and is cut off when the journal is opened.
 *
 * <p>Only the first few thousand pending messages are held in memory; the rest are read back
 * from disk a segment at a time as delivery reaches them. Not thread-safe: the publisher's
 * single thread owns it.
 */
final class Journal implements Closeable {
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    private static final int MAX_BODY = 16 * 1024 * 1024;

    /** A message waiting for the broker; {@code seq} orders messages across kinds. */
    record Buffered(long seq, MessageKind kind, String topic, int qos, byte[] payload) {
    }

    private static final class Segment {
        final long number;
        final Path path;
        int count;
        long bytes;

        Segment(long number, Path path, int count) {
            this.number = number;
            this.path = path;
            this.count = count;
        }
    }

    private final MessageKind kind;
    private final Path dir;
    private final int segmentRecords;
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    /** The first {@code loaded.size()} pending messages; all of them when {@code loadedToEnd}. */
    private final ArrayList<Buffered> loaded = new ArrayList<>();
    private int loadedStart;
    private boolean loadedToEnd = true;
    /** Messages of the first segment already delivered or dropped. */
    private int headIndex;
    private long pending;
    /** Bytes of the segment files, each until it is deleted. */
    private long bytes;
    /** Pending messages handed to the broker connection and not yet acknowledged. */
    private int sent;
    private final Set<Long> acked = new HashSet<>();
    private FileChannel writer;
    private boolean dataDirty;
    private boolean headDirty;
    private long maxSeq;
    /** Never reused, so a stale head file cannot point past a newer segment. */
    private long nextSegment = 1;

    private Journal(MessageKind kind, Path dir, int segmentRecords) {
        this.kind = kind;
        this.dir = dir;
        this.segmentRecords = segmentRecords;
    }

    /** Opens (creating if needed) the journal in {@code dir}, reading what an earlier run left. */
    static Journal open(MessageKind kind, Path dir, int segmentRecords) {
        Journal journal = new Journal(kind, dir, segmentRecords);
        try {
            Files.createDirectories(dir);
            journal.recover();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the MQTT buffer " + dir + ": " + e.getMessage(), e);
        }
        return journal;
    }

    MessageKind kind() {
        return kind;
    }

    long pending() {
        return pending;
    }

    long bytes() {
        return bytes;
    }

    int sent() {
        return sent;
    }

    /** Highest sequence number in the journal, 0 if it never held any. */
    long maxSeq() {
        return maxSeq;
    }

    void append(Buffered message) {
        try {
            Segment last = segments.peekLast();
            if (writer == null || last == null || last.count >= segmentRecords) {
                last = newSegment();
            }
            ByteBuffer record = encode(message);
            int length = record.remaining();
            long before = writer.size();
            try {
                while (record.hasRemaining()) {
                    writer.write(record);
                }
            } catch (IOException e) {
                // Cut a partial record so the messages appended after it stay readable.
                writer.truncate(before);
                throw e;
            }
            last.count++;
            last.bytes += length;
            bytes += length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the MQTT buffer " + dir + ": " + e.getMessage(), e);
        }
        pending++;
        maxSeq = Math.max(maxSeq, message.seq());
        dataDirty = true;
        if (loadedToEnd && loadedSize() < segmentRecords) {
            loaded.add(message);
        } else {
            loadedToEnd = false;
        }
    }

    /** The next pending message not yet handed to the connection, or null; marks it as sent. */
    Buffered peekUnsent() {
        return sent < pending ? get(sent) : null;
    }

    void markSent() {
        sent++;
    }

    /** Takes back the last {@link #markSent()}: the connection refused the message. */
    void unmarkSent() {
        sent--;
    }

    /** The broker acknowledged {@code seq}; the head advances over acknowledged messages. */
    void acknowledged(long seq) {
        acked.add(seq);
        while (pending > 0 && sent > 0 && acked.remove(get(0).seq())) {
            removeHead();
            sent--;
        }
    }

    /** Removes the oldest pending message to make room; returns it. */
    Buffered dropOldest() {
        Buffered oldest = get(0);
        acked.remove(oldest.seq());
        removeHead();
        if (sent > 0) {
            sent--;
        }
        return oldest;
    }

    /** The connection was lost: whatever was in flight will be sent again, in order. */
    void resendAll() {
        sent = 0;
        acked.clear();
    }

    /**
     * Makes appended data and the head position durable: fsync of the segment being written,
     * head file replaced atomically. Called about once a second, not per message, so flash
     * storage is not worn by one sync per event.
     */
    void flush() {
        try {
            if (dataDirty && writer != null) {
                writer.force(false);
            }
            dataDirty = false;
            if (headDirty) {
                writeHead();
                headDirty = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync the MQTT buffer " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            flush();
        } finally {
            closeWriter();
        }
    }

    private Buffered get(long index) {
        while (loadedSize() <= index && !loadedToEnd) {
            loadMore();
        }
        if (index >= loadedSize()) {
            throw new IllegalStateException("MQTT buffer " + dir + " lost track of message " + index);
        }
        return loaded.get(loadedStart + (int) index);
    }

    private int loadedSize() {
        return loaded.size() - loadedStart;
    }

    private void removeHead() {
        if (loadedSize() == 0) {
            loadMore();
        }
        loadedStart++;
        if (loadedStart > 1024 && loadedStart * 2 > loaded.size()) {
            loaded.subList(0, loadedStart).clear();
            loadedStart = 0;
        }
        pending--;
        headIndex++;
        headDirty = true;
        Segment first = segments.peekFirst();
        if (first != null && headIndex >= first.count) {
            if (segments.size() == 1) {
                closeWriter();
            }
            segments.pollFirst();
            bytes -= first.bytes;
            headIndex = 0;
            try {
                Files.deleteIfExists(first.path);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete delivered MQTT buffer segment " + first.path
                        + ": " + e.getMessage());
            }
        }
        if (pending == 0) {
            loaded.clear();
            loadedStart = 0;
            loadedToEnd = true;
        }
    }

    /** Reads the segment holding the first pending message that is not in memory yet. */
    private void loadMore() {
        long position = headIndex + (long) loadedSize();
        for (Segment segment : segments) {
            if (position < segment.count) {
                List<Buffered> records = read(segment.path, segment.count);
                loaded.addAll(records.subList((int) position, records.size()));
                loadedToEnd = loadedSize() >= pending;
                return;
            }
            position -= segment.count;
        }
        loadedToEnd = true;
    }

    private List<Buffered> read(Path path, int expected) {
        try {
            List<Buffered> records = new ArrayList<>(expected);
            decode(ByteBuffer.wrap(Files.readAllBytes(path)), records);
            if (records.size() < expected) {
                throw new IllegalStateException("MQTT buffer segment " + path + " holds " + records.size()
                        + " readable messages, expected " + expected);
            }
            return records.subList(0, expected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the MQTT buffer segment " + path + ": " + e.getMessage(), e);
        }
    }

    private void recover() throws IOException {
        List<Segment> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith("seg-") && name.endsWith(".log")) {
                    try {
                        found.add(new Segment(Long.parseLong(name.substring(4, name.length() - 4)), file, 0));
                    } catch (NumberFormatException e) {
                        LOG.log(System.Logger.Level.WARNING, "ignoring unexpected file in the MQTT buffer: " + file);
                    }
                }
            }
        }
        found.sort((a, b) -> Long.compare(a.number, b.number));
        for (Segment segment : found) {
            nextSegment = Math.max(nextSegment, segment.number + 1);
        }
        long headSegment = 0;
        int headOffset = 0;
        Path headFile = dir.resolve("head");
        if (Files.exists(headFile)) {
            String[] parts = Files.readString(headFile, StandardCharsets.US_ASCII).trim().split(" ");
            try {
                headSegment = Long.parseLong(parts[0]);
                headOffset = Integer.parseInt(parts[1]);
                nextSegment = Math.max(nextSegment, headSegment + 1);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "unreadable MQTT buffer head " + headFile
                        + ", delivering everything buffered again");
            }
        }
        for (int i = 0; i < found.size(); i++) {
            Segment segment = found.get(i);
            if (segment.number < headSegment) {
                Files.deleteIfExists(segment.path);
                continue;
            }
            List<Buffered> records = new ArrayList<>();
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment.path));
            int good = decode(bytes, records);
            if (good < bytes.capacity()) {
                // A torn write from a crash: keep what is intact so appends stay readable.
                LOG.log(System.Logger.Level.WARNING, "MQTT buffer segment " + segment.path + ": cut "
                        + (bytes.capacity() - good) + " unreadable bytes after " + records.size() + " messages");
                try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.WRITE)) {
                    channel.truncate(good);
                }
            }
            if (records.isEmpty()) {
                Files.deleteIfExists(segment.path);
                continue;
            }
            segment.count = records.size();
            int skip = segment.number == headSegment ? Math.min(headOffset, segment.count) : 0;
            if (segments.isEmpty()) {
                headIndex = skip;
            }
            if (skip == segment.count) {
                Files.deleteIfExists(segment.path);
                headIndex = 0;
                continue;
            }
            segment.bytes = good;
            this.bytes += good;
            segments.add(segment);
            pending += segment.count - skip;
            for (Buffered r : records) {
                maxSeq = Math.max(maxSeq, r.seq());
            }
            if (loadedSize() < segmentRecords) {
                loaded.addAll(records.subList(skip, records.size()));
            }
        }
        loadedToEnd = loadedSize() >= pending;
        // Appends after a restart go to a fresh segment (the writer is not open yet), so a
        // segment cut after a torn record is never appended to.
        headDirty = true;
    }

    private Segment newSegment() throws IOException {
        closeWriter();
        long number = nextSegment++;
        Path path = dir.resolve(String.format("seg-%016d.log", number));
        writer = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        Segment segment = new Segment(number, path, 0);
        segments.add(segment);
        return segment;
    }

    private void closeWriter() {
        if (writer != null) {
            try {
                if (dataDirty) {
                    writer.force(false);
                    dataDirty = false;
                }
                writer.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot close MQTT buffer segment in " + dir + ": "
                        + e.getMessage());
            }
            writer = null;
        }
    }

    private void writeHead() throws IOException {
        Path head = dir.resolve("head");
        Segment first = segments.peekFirst();
        if (first == null) {
            Files.deleteIfExists(head);
            return;
        }
        Path temp = dir.resolve("head.tmp");
        Files.writeString(temp, first.number + " " + headIndex + "\n", StandardCharsets.US_ASCII);
        try {
            Files.move(temp, head, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, head, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static ByteBuffer encode(Buffered m) {
        byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
        int bodyLength = Long.BYTES + 1 + Short.BYTES + topic.length + m.payload().length;
        ByteBuffer buffer = ByteBuffer.allocate(Integer.BYTES + bodyLength + Integer.BYTES);
        buffer.putInt(bodyLength).putLong(m.seq()).put((byte) m.qos()).putShort((short) topic.length)
                .put(topic).put(m.payload());
        CRC32 crc = new CRC32();
        crc.update(buffer.array(), Integer.BYTES, bodyLength);
        buffer.putInt((int) crc.getValue());
        return buffer.flip();
    }

    /** Decodes records until the end or the first damaged one; returns the bytes that were intact. */
    private int decode(ByteBuffer bytes, List<Buffered> into) {
        CRC32 crc = new CRC32();
        while (bytes.remaining() >= Integer.BYTES) {
            int start = bytes.position();
            int bodyLength = bytes.getInt();
            if (bodyLength < Long.BYTES + 1 + Short.BYTES || bodyLength > MAX_BODY
                    || bytes.remaining() < bodyLength + Integer.BYTES) {
                return start;
            }
            crc.reset();
            crc.update(bytes.array(), bytes.position(), bodyLength);
            int bodyStart = bytes.position();
            long seq = bytes.getLong();
            int qos = bytes.get();
            int topicLength = bytes.getShort() & 0xFFFF;
            int payloadLength = bodyLength - (Long.BYTES + 1 + Short.BYTES) - topicLength;
            if (payloadLength < 0) {
                return start;
            }
            String topic = new String(bytes.array(), bytes.position(), topicLength, StandardCharsets.UTF_8);
            bytes.position(bytes.position() + topicLength);
            byte[] payload = new byte[payloadLength];
            bytes.get(payload);
            if (bytes.getInt() != (int) crc.getValue() || bytes.position() != bodyStart + bodyLength + Integer.BYTES) {
                return start;
            }
            into.add(new Buffered(seq, kind, topic, qos, payload));
        }
        return bytes.position();
    }
}
