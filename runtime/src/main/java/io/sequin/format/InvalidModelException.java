package io.sequin.format;

/**
 * A model file is malformed, corrupt, of an unsupported version, or breaks one of the format's
 * rules. The message names the field and what was expected.
 */
public class InvalidModelException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
