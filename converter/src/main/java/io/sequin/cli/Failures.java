package io.sequin.cli;

import io.sequin.format.InvalidModelException;
import io.sequin.importer.ImportException;
import io.sequin.npy.NpyFormatException;
import io.sequin.quantize.QuantizationException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns a failure into the one line the command line prints. */
final class Failures {
    private Failures() {
    }

    static String describe(Throwable e) {
        if (e instanceof InvalidModelException) {
            return "invalid model: " + e.getMessage();
        }
        if (e instanceof ImportException || e instanceof QuantizationException) {
            return "cannot convert: " + e.getMessage();
        }
        if (e instanceof NpyFormatException) {
            return "bad .npy file: " + e.getMessage();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory: " + e.getMessage();
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists and is not a directory: " + e.getMessage();
        }
        if (e instanceof IOException) {
            return "I/O error: " + e;
        }
        if (e instanceof UserError || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (raise the heap with JAVA_OPTS=-Xmx...)";
        }
        return "internal error: " + e + " (run with --verbose for details, and please report it)";
    }

    /** A mistake in what the user asked for, reported as its message alone. */
    static final class UserError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UserError(String message) {
            super(message);
        }
    }
}
