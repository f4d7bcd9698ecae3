package io.sequin.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A JVM's default Panama kernels: plain-Java lanes first, the vector code once a thread has warmed
 * it up; the same numbers bit for bit before and after, nothing allocated per call either way,
 * and the switch made within the warm-up's time limit.
 */
class WarmingKernelsTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static float[] products(Kernels k, PackedMatrix[] m, float[] x, int cols) {
        float[] y = new float[m.length * 5 * m[0].rows];
        for (int i = 0; i < m.length; i++) {
            k.gemm(m[i], x, 0, cols, 5, y, i * 5 * m[0].rows, m[0].rows);
            k.gemv(m[i], x, 0, y, i * 5 * m[0].rows);
        }
        k.tanh(y, 0, y.length / 2);
        k.sigmoid(y, y.length / 2, y.length / 2);
        return y;
    }

    /**
     * The fewest bytes this thread allocates in 200 rounds of products, each attempt after 20
     * rounds to settle (classes loaded, code compiled), in up to three attempts. Why attempts:
     * the thread whose calls make HotSpot queue a method for C2 resolves the string constants of
     * that method's class (CompileBroker::compile_method), allocating them once, at a moment the
     * JIT picks: 104 bytes in one round of the first 20 in every run on JDK 25, and past them in
     * about one run in 15. Such a once-off does not repeat; an allocation in a product comes in
     * every attempt.
     */
    private static long allocated(Kernels k, PackedMatrix[] m, float[] x, float[] y, int cols) {
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3 && least != 0; attempt++) {
            long before = 0;
            for (int i = 0; i < 220; i++) {
                if (i == 20) {
                    before = THREADS.getCurrentThreadAllocatedBytes();
                }
                for (PackedMatrix p : m) {
                    k.gemm(p, x, 0, cols, 5, y, 0, m[0].rows);
                    k.gemv2(p, x, 0, p, x, 0, y, 0);
                }
                k.tanh(y, 0, 100);
            }
            least = Math.min(least, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        return least;
    }

    /** y from one, four and sixteen vectors through m, then W·x + R·h, then a slice of m from row {@code grain}. */
    private static float[] productsAndSlice(Kernels k, PackedMatrix m, PackedMatrix slice, float[] x, int cols) {
        int rows = m.rows;
        float[] y = new float[22 * rows + slice.rows];
        int at = 0;
        for (int n = 1; n <= 16; n *= 4) {
            k.gemm(m, x, 0, cols, n, y, at, rows);
            at += n * rows;
        }
        k.gemv2(m, x, 0, m, x, cols, y, at);
        k.gemv(slice, x, 0, y, at + rows);
        return y;
    }

    /**
     * An f32 matrix handed out row-major, as a JVM's default kernels hand out a first session's
     * small matrices, computes the vector code's numbers bit for bit, and so does a slice of it
     * made then; laid out, it drops its copy and its slice gets panels too; and the vector code,
     * given such a matrix before the warm-up thread has laid it out, lays it out itself.
     */
    @Test
    void aMatrixHandedOutRowMajorComputesTheVectorCodesNumbers() {
        Kernels panama = KernelSelection.select("panama");
        int lanes = panama.vectorLanes();
        WarmingKernels warming = new WarmingKernels(lanes, "");
        int rows = 9 * lanes + 5;
        int cols = 37;
        int grain = panama.rowGrain();
        SplittableRandom random = new SplittableRandom(11);
        WeightMatrix w = StoredTypeKernelsTest.randomMatrix(random, WeightType.F32, rows, cols);
        float[] x = KernelsTest.random(random, 16 * cols, 1);
        PackedMatrix panels = panama.pack(w, 0, rows);
        float[] expected = productsAndSlice(panama, panels, panels.slice(grain, rows - grain), x, cols);

        StagedMatrix staged = new StagedMatrix((F32Matrix) w, new PanelKernels(lanes, ""));
        PackedMatrix slice = staged.slice(grain, rows - grain);
        assertArrayEquals(expected, productsAndSlice(warming, staged, slice, x, cols), "row-major");
        assertNull(staged.panels(), "laid out by the products");
        assertEquals(4L * rows * cols, staged.heapBytes(), "the row-major copy's bytes");

        staged.layOut();
        assertNull(staged.rowMajor(), "the copy, once laid out");
        assertNotNull(((StagedMatrix) slice).panels(), "the slice's panels");
        assertEquals(panels.heapBytes(), staged.heapBytes(), "the panels' bytes");
        assertArrayEquals(expected, productsAndSlice(warming, staged, slice, x, cols), "laid out");

        StagedMatrix unlaid = new StagedMatrix((F32Matrix) w, new PanelKernels(lanes, ""));
        PackedMatrix unlaidSlice = unlaid.slice(grain, rows - grain);
        assertArrayEquals(expected, productsAndSlice(panama, unlaid, unlaidSlice, x, cols), "the vector code, given it row-major");
        assertNotNull(unlaid.panels(), "laid out by the vector code");
        assertNull(unlaid.rowMajor());
    }

    /** Each stored type laid out as the plain-Java lanes read it, and an f32 matrix row-major, as a first session's are handed out. */
    private static PackedMatrix[] plainJavaMatrices(SplittableRandom random, int lanes, int rows, int cols) {
        PanelKernels packer = new PanelKernels(lanes, "");
        PackedMatrix[] m = new PackedMatrix[WeightType.values().length + 1];
        for (WeightType t : WeightType.values()) {
            m[t.ordinal()] = packer.pack(StoredTypeKernelsTest.randomMatrix(random, t, rows, cols), 0, rows);
        }
        m[m.length - 1] = new StagedMatrix((F32Matrix) StoredTypeKernelsTest.randomMatrix(random, WeightType.F32, rows, cols), packer);
        return m;
    }

    @Test
    void theVectorCodeTakesOverWithTheSameNumbers() throws Exception {
        Kernels panama = KernelSelection.select("panama");
        WarmingKernels warming = new WarmingKernels(panama.vectorLanes(), "");
        assertEquals(panama.rowGrain(), warming.rowGrain());
        assertEquals("panama", warming.name());
        // Nine panels and five vectors leave panels and vectors past every tile, at every width:
        // paths the warm-up must have compiled too, or the vector code boxes after the switch.
        int rows = 9 * panama.vectorLanes() + 5;
        int cols = 41;
        SplittableRandom random = new SplittableRandom(7);
        PackedMatrix[] m = new PackedMatrix[WeightType.values().length];
        for (WeightType t : WeightType.values()) {
            WeightMatrix w = StoredTypeKernelsTest.randomMatrix(random, t, rows, cols);
            m[t.ordinal()] = warming.pack(w, 0, rows);
        }
        float[] x = KernelsTest.random(random, 5 * cols, 1);
        float[] expected = products(panama, m, x, cols);
        assertArrayEquals(expected, products(warming, m, x, cols), "whichever code ran");
        float[] y = new float[5 * rows];
        // Default kernels whose warm-up never starts (it starts with their first pack, which they
        // never get): every call of theirs runs the plain-Java lanes, however long this takes.
        WarmingKernels cold = new WarmingKernels(panama.vectorLanes(), "");
        PackedMatrix[] plain = plainJavaMatrices(random, panama.vectorLanes(), rows, cols);
        assertEquals(0, allocated(cold, plain, x, y, cols), "bytes the plain-Java lanes allocated");
        assertFalse(cold.isWarm());
        assertNotNull(((StagedMatrix) plain[plain.length - 1]).rowMajor(), "still row-major");
        long deadline = System.nanoTime() + WarmingKernels.MAX_NANOS + 10_000_000_000L;
        while (!warming.isWarm()) {
            assertTrue(System.nanoTime() < deadline, "the vector code never took over");
            Thread.sleep(20);
        }
        assertArrayEquals(expected, products(warming, m, x, cols), "the vector code");
        Thread warmup = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("sequin-warmup")).findFirst().orElse(null);
        if (warmup != null) {
            warmup.join(5_000);
        }
        assertEquals(0, allocated(warming, m, x, y, cols), "bytes the warm vector code allocated");
    }
}
