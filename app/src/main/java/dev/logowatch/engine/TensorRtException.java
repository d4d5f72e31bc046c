package dev.logowatch.engine;

/**
 * A failure inside the TensorRT bridge ({@code liblogowatch_trt.so}): the message is the
 * bridge's, followed by what TensorRT itself logged during the call, and {@link #code()} says
 * what kind of failure it was. {@link TensorRtEngine} reports these as the cause of a
 * {@link ModelException} that names the model.
 */
public final class TensorRtException extends RuntimeException {

    /** Kinds of failure; the numbers are shared with the native library. */
    public enum Code {
        /** The engine file cannot be read or deserialised (wrong TensorRT version or GPU, damaged file). */
        LOAD(1),
        /** A call broke the bridge's contract. */
        INVALID_ARGUMENT(2),
        /** An input shape the engine does not accept. */
        SHAPE(3),
        /** A buffer smaller than the tensor it should hold. */
        BUFFER_SIZE(4),
        /** The engine failed while running. */
        RUN(5),
        /** No usable GPU. */
        NO_DEVICE(6),
        OUT_OF_MEMORY(7),
        /** An engine feature the bridge does not handle (shape tensors, vectorized I/O formats). */
        UNSUPPORTED(8),
        /** An execution context used by two threads at once. */
        BUSY(9),
        /** The library was built without the requested backend. */
        NO_BACKEND(10),
        INTERNAL(11);

        private final int value;

        Code(int value) {
            this.value = value;
        }

        static Code of(int value) {
            for (Code code : values()) {
                if (code.value == value) {
                    return code;
                }
            }
            return INTERNAL;
        }
    }

    private final Code code;

    public TensorRtException(Code code, String message) {
        super(message);
        this.code = code;
    }

    /** Called by the native library. */
    TensorRtException(int code, String message) {
        this(Code.of(code), message);
    }

    public Code code() {
        return code;
    }

    @Override
    public String getMessage() {
        return code + ": " + super.getMessage();
    }
}
