package io.sequin.quantize;

/** A weight cannot be stored in the requested type: it is not finite, or beyond the type's range. */
public final class QuantizationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QuantizationException(String message) {
        super(message);
    }
}
