package dev.logowatch.engine;

/**
 * A model cannot be loaded or run: a bad or stale {@code model.json}, a damaged model file,
 * or a model whose inputs and outputs do not match its manifest. The message names the
 * file, the field and the reason.
 */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
