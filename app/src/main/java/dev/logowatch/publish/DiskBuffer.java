package dev.logowatch.publish;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Every QoS 1 message on its way to the broker: one {@link Journal} per {@link MessageKind},
 * so that dropping "the oldest detection" is taking the head of one file set rather than
 * punching holes in a shared log, while a global sequence number restores the original
 * order across kinds when sending. Bounded in message count and in bytes on disk; over
 * either bound the oldest message of the most expendable kind goes first (bytes are freed a
 * segment file at a time, so the byte bound holds to within one segment). Owned by the publisher's thread.
 */
final class DiskBuffer implements Closeable {
    private final Map<MessageKind, Journal> journals = new EnumMap<>(MessageKind.class);
    private final long max;
    private final long maxBytes;
    private long nextSeq;

    DiskBuffer(Path dir, long max, int segmentRecords) {
        this(dir, max, Long.MAX_VALUE, segmentRecords);
    }

    DiskBuffer(Path dir, long max, long maxBytes, int segmentRecords) {
        this.max = max;
        this.maxBytes = maxBytes;
        long seq = 0;
        try {
            for (MessageKind kind : MessageKind.values()) {
                Journal journal = Journal.open(kind, dir.resolve(kind.folder), segmentRecords);
                journals.put(kind, journal);
                seq = Math.max(seq, journal.maxSeq());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        nextSeq = seq + 1;
    }

    /**
     * Appends a message, then drops the oldest of the most expendable kind while over the bound.
     *
     * @return what was dropped to make room, usually nothing
     */
    List<Journal.Buffered> append(MessageKind kind, String topic, int qos, byte[] payload) {
        journals.get(kind).append(new Journal.Buffered(nextSeq++, kind, topic, qos, payload));
        List<Journal.Buffered> dropped = List.of();
        while (size() > max || size() > 0 && bytes() > maxBytes) {
            Journal victim = null;
            for (Journal j : journals.values()) {
                if (j.pending() > 0 && (victim == null || j.kind().dropRank > victim.kind().dropRank)) {
                    victim = j;
                }
            }
            if (dropped.isEmpty()) {
                dropped = new ArrayList<>();
            }
            dropped.add(victim.dropOldest());
        }
        return dropped;
    }

    long size() {
        long size = 0;
        for (Journal j : journals.values()) {
            size += j.pending();
        }
        return size;
    }

    /** Bytes of the buffer's segment files. */
    long bytes() {
        long bytes = 0;
        for (Journal j : journals.values()) {
            bytes += j.bytes();
        }
        return bytes;
    }

    long size(MessageKind kind) {
        return journals.get(kind).pending();
    }

    int inFlight() {
        int n = 0;
        for (Journal j : journals.values()) {
            n += j.sent();
        }
        return n;
    }

    /** The oldest message not yet handed to the connection, across kinds; null when none. */
    Journal.Buffered nextToSend() {
        Journal.Buffered next = null;
        for (Journal j : journals.values()) {
            Journal.Buffered candidate = j.peekUnsent();
            if (candidate != null && (next == null || candidate.seq() < next.seq())) {
                next = candidate;
            }
        }
        if (next != null) {
            journals.get(next.kind()).markSent();
        }
        return next;
    }

    /** The connection would not take the message returned by the last {@link #nextToSend()}. */
    void notSent(Journal.Buffered message) {
        journals.get(message.kind()).unmarkSent();
    }

    void acknowledged(Journal.Buffered message) {
        journals.get(message.kind()).acknowledged(message.seq());
    }

    /** The connection dropped: send everything unacknowledged again after reconnecting. */
    void resendAll() {
        journals.values().forEach(Journal::resendAll);
    }

    void flush() {
        journals.values().forEach(Journal::flush);
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Journal j : journals.values()) {
            try {
                j.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
