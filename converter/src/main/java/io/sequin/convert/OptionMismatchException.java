package io.sequin.convert;

/** An option or source the converter cannot take as given, such as --const on a Keras file; the message says which and why. */
public final class OptionMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public OptionMismatchException(String message) {
        super(message);
    }
}
