package io.sequin.flink;

import io.sequin.format.InvalidModelException;
import io.sequin.model.Model;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Which Sequin model a job runs: a {@code .sqn} file each task reads from a path it can see (a
 * shared file system, or a file shipped beside the job), or the file's bytes carried in the job
 * itself. Serializable, so that a function holding it travels to the task managers; the model is
 * loaded there, once per task, in {@code open()}.
 */
public final class ModelRef implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final byte[] bytes;

    private ModelRef(String path, byte[] bytes) {
        this.path = path;
        this.bytes = bytes;
    }

    /** A model file at {@code path} on every task manager. */
    public static ModelRef of(Path path) {
        return new ModelRef(path.toString(), null);
    }

    /** A model's bytes, shipped with the job (not copied: do not change them). */
    public static ModelRef of(byte[] sqn) {
        return new ModelRef(null, sqn);
    }

    /**
     * Loads and verifies the model.
     *
     * @throws IOException naming the file and what is wrong with it (Sequin's own message for a
     *     file that is not a valid model)
     */
    public Model load() throws IOException {
        try {
            return path != null ? Model.load(Path.of(path)) : Model.load(bytes);
        } catch (InvalidModelException e) {
            throw new IOException("Sequin cannot load " + this + ": " + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new IOException("Sequin cannot load " + this + ": no such file on this task manager", e);
        } catch (IOException e) {
            throw new IOException("Sequin cannot load " + this + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return path != null ? path : "the model shipped with the job (" + bytes.length + " bytes)";
    }
}
