package io.sequin.npy;

/** A {@code .npy} file that Sequin cannot read: malformed, or of a kind it does not take. */
public class NpyFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }
}
