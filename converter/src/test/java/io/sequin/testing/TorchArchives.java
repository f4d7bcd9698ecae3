package io.sequin.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-made torch.save archives for tests of what PyTorch itself would never write. */
public final class TorchArchives {
    private TorchArchives() {
    }

    /** A torch.save-style archive in {@code dir} holding the given (name, bytes) entries under "m/". */
    public static Path zip(Path dir, Object... entries) throws IOException {
        Path file = Files.createTempFile(dir, "sd", ".pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            for (int i = 0; i < entries.length; i += 2) {
                z.putNextEntry(new ZipEntry("m/" + entries[i]));
                z.write((byte[]) entries[i + 1]);
                z.closeEntry();
            }
        }
        return file;
    }

    /** An int as four little-endian bytes, as pickle's BININT and string lengths take it. */
    public static byte[] le(int n) {
        return new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)};
    }

    /** Opcodes (ints and chars), strings (their UTF-8 bytes) and byte arrays, concatenated: a pickle. */
    public static byte[] pickle(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer) {
                out.write((Integer) p);
            } else if (p instanceof Character) {
                out.write((Character) p);
            } else if (p instanceof String) {
                out.writeBytes(((String) p).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                out.writeBytes((byte[]) p);
            }
        }
        return out.toByteArray();
    }
}
