package dev.logowatch.source;

/**
 * A stream could not be opened or stopped decoding. The message is a short reason fit for
 * the status page and a log line; any {@code user:password@} in it is replaced by
 * {@code user:***@}, so decoder messages that echo the URL never leak a camera password.
 */
public final class SourceException extends RuntimeException {
    public SourceException(String reason) {
        super(redact(reason));
    }

    public SourceException(String reason, Throwable cause) {
        super(redact(reason), cause);
    }

    static String redact(String text) {
        return text == null ? "" : text.replaceAll("(?<=://)([^:/@\\s]*):[^@/\\s]*@", "$1:***@");
    }
}
