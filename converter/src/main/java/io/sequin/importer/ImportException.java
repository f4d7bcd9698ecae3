package io.sequin.importer;

/**
 * A source model cannot be converted: it is malformed, or uses something Sequin does not
 * support. The message names the node, tensor or field and what was expected.
 */
public class ImportException extends Exception {
    private static final long serialVersionUID = 1L;

    public ImportException(String message) {
        super(message);
    }

    public ImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
