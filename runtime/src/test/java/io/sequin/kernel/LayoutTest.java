package io.sequin.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.tensor.BufferMatrix;
import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What holding weights once rests on: a layout read back gives the stored elements bit for bit
 * (so another kernel set lays out its own from it), a matrix laid out from a file region a few
 * rows at a time is the one laid out from the heap, and a slice of a layout multiplies its rows
 * bit for bit as the whole does (a split step's parts read slices).
 */
class LayoutTest {
    static Stream<Arguments> cases() {
        List<Arguments> args = new ArrayList<>();
        for (Kernels k : KernelsTest.implementations()) {
            for (WeightType t : WeightType.values()) {
                for (int[] shape : new int[][] {{1000, 37}, {333, 256}, {4100, 65}}) {
                    args.add(Arguments.of(k.name(), t, shape[0], shape[1], k));
                }
            }
        }
        return args.stream();
    }

    /** The matrix's elements as stored, little-endian, as a model file holds them. */
    private static ByteBuffer fileBytes(WeightMatrix m) {
        ByteBuffer b = ByteBuffer.allocate(m.rows() * m.cols() * m.type().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                switch (m.type()) {
                    case F32:
                        b.putFloat(m.get(r, c));
                        break;
                    case INT8:
                        b.put(((Int8Matrix) m).values()[r * m.cols() + c]);
                        break;
                    case F16:
                        b.putShort(io.sequin.tensor.HalfFloats.floatToF16(m.get(r, c)));
                        break;
                    default:
                        b.putShort(io.sequin.tensor.HalfFloats.floatToBf16(m.get(r, c)));
                }
            }
        }
        b.flip();
        return b;
    }

    private static void assertSameElements(WeightMatrix expected, WeightMatrix actual, String what) {
        assertEquals(expected.rows(), actual.rows(), what);
        for (int r = 0; r < expected.rows(); r++) {
            for (int c = 0; c < expected.cols(); c++) {
                assertEquals(Float.floatToRawIntBits(expected.get(r, c)), Float.floatToRawIntBits(actual.get(r, c)),
                        what + ": element (" + r + ", " + c + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}")
    @MethodSource("cases")
    void aLayoutReadsBackAsStoredAndSlicesMultiplyAsTheWhole(String name, WeightType type, int rows, int cols, Kernels k) {
        SplittableRandom random = new SplittableRandom(rows * 31 + cols);
        WeightMatrix m = StoredTypeKernelsTest.randomMatrix(random, type, rows, cols);
        MatrixSource file = new BufferMatrix(fileBytes(m), type, rows, cols, m instanceof Int8Matrix ? ((Int8Matrix) m).scales() : null);
        PackedMatrix fromHeap = k.pack(m, 0, rows);
        PackedMatrix fromFile = k.pack(file, 0, rows);
        assertSameElements(m, fromFile.read(0, rows), "laid out from the file region, read back");
        assertSameElements(m.rows(17, rows - 40), fromHeap.read(17, rows - 40), "rows [17, " + (rows - 23) + ") read back");
        // Another kernel set lays out its own from this layout.
        for (Kernels other : KernelsTest.implementations()) {
            assertSameElements(m, other.pack(fromFile, 0, rows).read(0, rows), other.name() + " from " + name);
        }

        int n = 3;
        float[] x = KernelsTest.random(random, n * cols, 1);
        float[] whole = new float[n * rows];
        k.gemm(fromFile, x, 0, cols, n, whole, 0, rows);
        float[] wholeHeap = new float[n * rows];
        k.gemm(fromHeap, x, 0, cols, n, wholeHeap, 0, rows);
        assertArrayEquals(wholeHeap, whole, "the layout from the file and from the heap");
        float[] wholeOne = new float[rows];
        k.gemv(fromFile, x, 0, wholeOne, 0);
        int grain = k.rowGrain();
        for (int from = 0; from < rows; from += grain * 2) {
            int count = Math.min(rows - from, grain * (1 + from / grain % 3));
            PackedMatrix slice = fromFile.slice(from, count);
            assertEquals(0, slice.heapBytes(), "a slice holds no bytes of its own");
            float[] y = new float[n * rows];
            k.gemm(slice, x, 0, cols, n, y, from, rows);
            float[] one = new float[count];
            k.gemv(slice, x, 0, one, 0);
            for (int j = 0; j < n; j++) {
                for (int r = from; r < from + count; r++) {
                    assertEquals(Float.floatToRawIntBits(whole[j * rows + r]), Float.floatToRawIntBits(y[j * rows + r]),
                            "rows [" + from + ", " + (from + count) + "), vector " + j + ", row " + r);
                }
            }
            for (int r = 0; r < count; r++) {
                assertEquals(Float.floatToRawIntBits(wholeOne[from + r]), Float.floatToRawIntBits(one[r]), "gemv of a slice, row " + (from + r));
            }
            assertSameElements(m.rows(from, count), slice.read(0, count), "slice [" + from + ", " + (from + count) + ") read back");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.sequin.kernel.KernelsTest#implementations")
    void aSliceStartsOnAGrain(Kernels k) {
        WeightMatrix m = StoredTypeKernelsTest.randomMatrix(new SplittableRandom(3), WeightType.INT8, 300, 20);
        PackedMatrix p = k.pack(m, 0, 300);
        assertThrows(IndexOutOfBoundsException.class, () -> p.slice(290, 20));
        if (k.rowGrain() > 1) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.slice(1, k.rowGrain()));
            int group = k.vectorLanes() >= Int8Columns.MIN_PANEL ? Int8Columns.GROUP : Int8Stacks.STACK;
            String expected = "does not start on a group of " + group + " panels of " + k.vectorLanes() + " rows";
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.slice(0, k.rowGrain() + 1));
            assertTrue(e.getMessage().contains("end on a panel or with the matrix"), e.getMessage());
        }
    }

    /**
     * An int8 -128 (which no file holds: the loader refuses it) cannot be laid out in stacks, whose
     * sums of four weights need every weight within [-127, 127]; it is refused with its place named,
     * not multiplied wrongly.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.sequin.kernel.KernelsTest#implementations")
    void int8StacksRefuseMinusOneTwentyEight(Kernels k) {
        byte[] v = new byte[40 * 3];
        v[20 * 3 + 1] = Byte.MIN_VALUE;
        WeightMatrix m = WeightMatrix.ofInt8(40, 3, v, new float[40]);
        if (k.pack(WeightMatrix.ofInt8(40, 3, new byte[40 * 3], new float[40]), 0, 40) instanceof Int8Stacks) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.pack(m, 0, 40));
            assertTrue(e.getMessage().contains("int8 element (20, 1) is -128"), e.getMessage());
        }
    }
}
