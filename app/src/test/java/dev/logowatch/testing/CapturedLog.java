package dev.logowatch.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what a class logs (through {@code System.getLogger}, which goes to java.util.logging)
 * from {@link #of} until {@link #close}, at every level, so tests can assert what an operator
 * would read in the service log.
 */
public final class CapturedLog extends Handler implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    // Held here: java.util.logging keeps loggers only weakly, and a collected one would lose the handler.
    private final Logger logger;
    private final Level previousLevel;

    private CapturedLog(Logger logger, boolean everyLevel) {
        this.logger = logger;
        this.previousLevel = logger.getLevel();
        if (everyLevel) {
            logger.setLevel(Level.ALL);
        }
        logger.addHandler(this);
    }

    /** Starts recording everything {@code type} logs, at every level. */
    public static CapturedLog of(Class<?> type) {
        return new CapturedLog(Logger.getLogger(type.getName()), true);
    }

    /** Starts recording what every logger of the process logs at its configured level, as the service log shows it. */
    public static CapturedLog everything() {
        return new CapturedLog(Logger.getLogger(""), false);
    }

    /** Everything logged so far, oldest first. */
    public List<LogRecord> records() {
        return records;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    /** Stops recording and restores the logger's level. */
    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(previousLevel);
    }
}
