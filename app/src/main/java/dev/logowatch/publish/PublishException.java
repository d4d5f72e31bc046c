package dev.logowatch.publish;

/** Publishing cannot be set up as configured: unusable TLS files, an unwritable buffer folder. */
public final class PublishException extends RuntimeException {
    public PublishException(String message) {
        super(message);
    }

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
