package io.sequin.importer;

import io.sequin.format.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A zip archive from outside (a torch.save file, a {@code .keras} file), read with every failure
 * as an {@link ImportException}: {@link ZipFile} throws {@link IllegalArgumentException} for an
 * entry name that is not UTF-8, and an entry's declared size is the file's word, not a fact.
 */
public final class ZipArchive implements AutoCloseable {
    private final ZipFile zip;
    private final String what;

    private ZipArchive(ZipFile zip, String what) {
        this.zip = zip;
        this.what = what;
    }

    /** Opens a zip; {@code what} begins every message (such as "the archive"). */
    public static ZipArchive open(Path file, String what) throws ImportException {
        try {
            return new ZipArchive(new ZipFile(file.toFile()), what);
        } catch (IOException | IllegalArgumentException e) {
            throw new ImportException(what + ": not a readable zip archive: " + e.getMessage(), e);
        }
    }

    /** The entries' names, in the archive's order (at most {@link Limits#MAX_COUNT}). */
    public List<String> names() throws ImportException {
        List<String> names = new ArrayList<>();
        try {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                if (names.size() == Limits.MAX_COUNT) {
                    throw new ImportException(what + ": more than " + Limits.MAX_COUNT + " entries in the archive");
                }
                names.add(entries.nextElement().getName());
            }
        } catch (IllegalArgumentException e) {
            throw new ImportException(what + ": an entry name is not valid UTF-8: " + e.getMessage(), e);
        }
        return names;
    }

    /** Whether the archive has an entry of this name. */
    public boolean has(String name) throws ImportException {
        return entry(name) != null;
    }

    /** An entry's bytes, which must be as many as it declares (up to {@link Limits#MAX_FILE_BYTES}). */
    public byte[] bytes(String name) throws ImportException {
        ZipEntry entry = entry(name);
        if (entry == null) {
            throw new ImportException(what + ": no entry " + name);
        }
        long size = entry.getSize();
        if (size < 0 || size > Limits.MAX_FILE_BYTES) {
            throw new ImportException(what + ": entry " + name + " declares " + size + " bytes");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] b = in.readNBytes((int) size);
            if (b.length != size || in.read() != -1) {
                throw new ImportException(what + ": entry " + name + " does not hold the " + size + " bytes it declares");
            }
            return b;
        } catch (IOException | IllegalArgumentException e) {
            throw new ImportException(what + ": entry " + name + " cannot be read: " + e.getMessage(), e);
        }
    }

    private ZipEntry entry(String name) throws ImportException {
        try {
            return zip.getEntry(name);
        } catch (IllegalArgumentException e) {
            throw new ImportException(what + ": an entry name is not valid UTF-8: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            // Nothing was written; a failed close of a file opened for reading loses nothing.
        }
    }
}
