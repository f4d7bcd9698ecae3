package io.sequin.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
                out.writeBytes(((String) p).getBytes(StandardCharsets.UTF_8));
            } else {
                out.writeBytes((byte[]) p);
            }
        }
        return out.toByteArray();
    }

    /**
     * The pickle of {@code {'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 4), 0,
     * size, stride, False, OrderedDict())}}: one float tensor viewing a storage of 4 floats (its
     * archive holds {@code data/0} of 16 bytes), with whatever size and stride a test needs.
     */
    public static byte[] oneTensor(long[] size, long[] stride) {
        return pickle(0x80, 2, '}', 'X', le(1), "w", 'c', "torch._utils\n_rebuild_tensor_v2\n", '(',
                '(', 'X', le(7), "storage", 'c', "torch\nFloatStorage\n", 'X', le(1), "0", 'X', le(3), "cpu", 'K', 4, 't', 'Q',
                'K', 0, tuple(size), tuple(stride), 0x89, 'c', "collections\nOrderedDict\n", ')', 'R', 't', 'R', 's', '.');
    }

    /** A tuple of longs: BININT where an int holds it, LONG1 of 8 bytes otherwise. */
    private static byte[] tuple(long[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('(');
        for (long v : values) {
            if (v == (int) v) {
                out.write('J');
                out.writeBytes(le((int) v));
            } else {
                out.write(0x8a);
                out.write(8);
                for (int b = 0; b < 8; b++) {
                    out.write((int) (v >>> (8 * b)));
                }
            }
        }
        out.write('t');
        return out.toByteArray();
    }
}
