package io.sequin.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NpyTest {

    /** A .npy file as numpy writes it: magic, version, header length, header dict, data. */
    static byte[] npy(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) h.length);
        } else {
            len.putInt(h.length);
        }
        out.writeBytes(len.array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    @Test
    void roundTripsEveryType() throws Exception {
        Tensor f = Tensor.ofFloats(new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f});
        Tensor i = Tensor.ofInts(new int[] {4}, new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE});
        Tensor l = Tensor.ofLongs(new int[] {1, 2, 1}, new long[] {Long.MIN_VALUE, 42});
        Tensor scalar = Tensor.ofFloats(new int[] {}, new float[] {7});
        Tensor empty = Tensor.ofFloats(new int[] {0, 3}, new float[0]);
        for (Tensor t : new Tensor[] {f, i, l, scalar, empty}) {
            byte[] bytes = Npy.toBytes(t);
            assertEquals(0, (bytes.length - t.size() * t.type().bytes()) % 64, "data starts on a 64-byte boundary");
            Tensor back = Npy.read(bytes);
            assertEquals(t.type(), back.type());
            assertArrayEquals(t.shape(), back.shape());
            switch (t.type()) {
                case FLOAT32:
                    assertArrayEquals(t.floats(), back.floats());
                    break;
                case INT32:
                    assertArrayEquals(t.ints(), back.ints());
                    break;
                default:
                    assertArrayEquals(t.longs(), back.longs());
            }
        }
    }

    @Test
    void readsVersion2AndSpacingVariants() throws Exception {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(-6).array();
        Tensor t = Npy.read(npy(2, "{\"descr\":\"<i4\",\"fortran_order\":False,\"shape\":(2L,)}\n", data));
        assertEquals(ElementType.INT32, t.type());
        assertArrayEquals(new int[] {5, -6}, t.ints());
    }

    @Test
    void writesFilesNumpyCanRead() throws Exception {
        // The header must be the dict numpy writes, so numpy.load takes our outputs.
        String header = header(Npy.toBytes(Tensor.zeros(3, 1, 2)));
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1, 2), }"), header);
        String one = header(Npy.toBytes(Tensor.zeros(3)));
        assertTrue(one.contains("'shape': (3,)"), one);
    }

    private static String header(byte[] npy) {
        int length = ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        return new String(npy, 10, length, StandardCharsets.ISO_8859_1);
    }

    private static void refused(byte[] bytes, String mention) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(bytes));
        assertTrue(e.getMessage().contains(mention), "'" + e.getMessage() + "' should mention " + mention);
    }

    @Test
    void refusesWhatItCannotRead() {
        byte[] four = new byte[16];
        refused(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", four), "<f8");
        refused(npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", four), "big-endian");
        refused(npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", four), "pickle");
        refused(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four), "Fortran");
        refused(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", four), "needs 20");
        refused(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", four), "needs 12");
        refused(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", four), "negative");
        refused(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", four), "whole number");
        refused(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 65536), }", four), "too large");
        refused(npy(1, "{'descr': '<f4', 'shape': (4,), }", four), "fortran_order");
        refused(npy(1, "not a dict", four), "dictionary");
        refused(npy(9, "{}", four), "version 9");
        refused("PK\u0003\u0004 a zip file".getBytes(StandardCharsets.ISO_8859_1), "magic");
        refused(new byte[3], "too short");
        byte[] good = Npy.toBytes(Tensor.zeros(4));
        refused(Arrays.copyOf(good, good.length - 1), "needs 16");
        byte[] lying = good.clone();
        lying[8] = (byte) 0xff;
        lying[9] = (byte) 0x7f;
        refused(lying, "header length");
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws Exception {
        Path dir = Files.createTempDirectory("npy");
        Path file = dir.resolve("a.npy");
        Npy.write(file, Tensor.zeros(2, 2));
        Npy.write(file, Tensor.zeros(3));
        assertArrayEquals(new int[] {3}, Npy.read(file).shape());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }
}
