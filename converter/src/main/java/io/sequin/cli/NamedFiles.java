package io.sequin.cli;

import io.sequin.npy.Npy;
import io.sequin.npy.NpyFormatException;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code NAME=FILE.npy} arguments, read into tensors. */
final class NamedFiles {
    private NamedFiles() {
    }

    /**
     * Reads each {@code NAME=FILE.npy}; an argument without a name gets {@code defaultName}, or is
     * an error when there is none.
     */
    static Map<String, Tensor> read(List<String> args, String option, String defaultName, String whyNoDefault)
            throws IOException, NpyFormatException {
        return read(paths(args, option, defaultName, whyNoDefault));
    }

    /** The tensors in the files, by the same names. */
    static Map<String, Tensor> read(Map<String, Path> files) throws IOException, NpyFormatException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            tensors.put(e.getKey(), Npy.read(e.getValue()));
        }
        return tensors;
    }

    /** Each {@code NAME=FILE.npy} as a name and a path, checked as {@link #read} checks them. */
    static Map<String, Path> paths(List<String> args, String option, String defaultName, String whyNoDefault) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String name;
            String file;
            if (eq < 0) {
                if (defaultName == null) {
                    throw new Failures.UserError(option + " " + arg + ": give it as NAME=FILE.npy; " + whyNoDefault);
                }
                name = defaultName;
                file = arg;
            } else {
                name = arg.substring(0, eq);
                file = arg.substring(eq + 1);
            }
            if (name.isEmpty() || file.isEmpty()) {
                throw new Failures.UserError(option + " " + arg + ": expected NAME=FILE.npy");
            }
            if (files.containsKey(name)) {
                throw new Failures.UserError(option + ": '" + name + "' is given twice");
            }
            files.put(name, Path.of(file));
        }
        return files;
    }
}
