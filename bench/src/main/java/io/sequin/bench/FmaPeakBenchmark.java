package io.sequin.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The core's fma peak through the Vector API: twelve independent chains in registers, no memory
 * traffic, enough to cover the fma latency (4 cycles) on two fma pipes. {@link #FMAS} × lanes ÷
 * the time is the most multiply-adds per second a tile could do; {@link ProjectionBenchmark}'s
 * products are read against it.
 *
 * <p>{@link #int8Stacks} and {@link #bf16Pairs} do the work of the int8 and bf16 tiles' inner
 * loops (PanamaKernels.int8TwoStacks and bf16FourPanels: the same loads, widening and eight fma
 * chains) on 16 KiB of weights that stay in L1, so what bounds each type where
 * bytes do not can be read against the peak; an fma is a vector's lanes of weights for both,
 * {@link #STACK_FMAS} and {@link #PAIR_FMAS} a call. The int8 loop exits on its offset, a loop C2 does
 * not unroll: counted on k, as the kernel's is, C2 unrolled it here and JDK 25 ran it about 1.35
 * times slower, though not the kernel's own loop (an exit on the offset there moved
 * ProjectionBenchmark's figures only within the noise). {@link #int8StacksWithoutConversions} prices the conversions.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** Vector fmas per call: 12 chains of 1,000. */
    public static final int FMAS = 12_000;

    /** Ints of weights the L1 stand-ins read a call: 16 KiB, half of the smallest L1 seen. */
    private static final int INTS = 4096;
    private static final int L = F.length();
    /** Vector fmas per call of {@link #int8Stacks}: eight per two stack columns (2 × L ints), four times over. */
    public static final int STACK_FMAS = 4 * 8 * INTS / (2 * L);
    /** Vector fmas per call of {@link #bf16Pairs}: eight per four panels' column pair (4 × L ints), four times over. */
    public static final int PAIR_FMAS = 4 * 8 * INTS / (4 * L);

    private final int[] weights = new int[INTS];
    private final float[] x = new float[INTS];

    /** Below 1, so the chains converge and never overflow; a field, so C2 cannot fold it. */
    private float factor = 0.999f;

    @Setup
    public void setUp() {
        // Any bits would time the same; bytes in [0, 63] keep every sum finite, and normal when reinterpreted.
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < INTS; i++) {
            weights[i] = random.nextInt() & 0x3F3F3F3F;
            x[i] = random.nextFloat();
        }
    }

    @Benchmark
    public float fmaPeak() {
        FloatVector v = FloatVector.broadcast(F, 0.5f);
        FloatVector f = FloatVector.broadcast(F, factor);
        FloatVector a0 = v, a1 = v.add(1f), a2 = v.add(2f), a3 = v.add(3f), a4 = v.add(4f), a5 = v.add(5f);
        FloatVector a6 = v.add(6f), a7 = v.add(7f), a8 = v.add(8f), a9 = v.add(9f), a10 = v.add(10f), a11 = v.add(11f);
        for (int i = 0; i < FMAS / 12; i++) {
            a0 = a0.fma(f, v);
            a1 = a1.fma(f, v);
            a2 = a2.fma(f, v);
            a3 = a3.fma(f, v);
            a4 = a4.fma(f, v);
            a5 = a5.fma(f, v);
            a6 = a6.fma(f, v);
            a7 = a7.fma(f, v);
            a8 = a8.fma(f, v);
            a9 = a9.fma(f, v);
            a10 = a10.fma(f, v);
            a11 = a11.fma(f, v);
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11))).reduceLanes(VectorOperators.ADD);
    }

    /** Two int8 stacks' columns: per column two int loads, six shifts, eight conversions, eight fmas, one broadcast. */
    @Benchmark
    public float int8Stacks() {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int half = INTS / 2;
        for (int r = 0; r < 4; r++) {
            for (int k = 0, o = 0; o != half; k++, o += L) {
                FloatVector xk = FloatVector.broadcast(F, x[k]);
                IntVector u = IntVector.fromArray(I, weights, o);
                IntVector v = IntVector.fromArray(I, weights, o + half);
                a3 = ((FloatVector) u.convert(VectorOperators.I2F, 0)).fma(xk, a3);
                a2 = ((FloatVector) u.lanewise(VectorOperators.LSHL, 8).convert(VectorOperators.I2F, 0)).fma(xk, a2);
                a1 = ((FloatVector) u.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).fma(xk, a1);
                a0 = ((FloatVector) u.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, a0);
                b3 = ((FloatVector) v.convert(VectorOperators.I2F, 0)).fma(xk, b3);
                b2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).convert(VectorOperators.I2F, 0)).fma(xk, b2);
                b1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).fma(xk, b1);
                b0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, b0);
            }
        }
        return a0.add(a1).add(a2.add(a3)).add(b0.add(b1).add(b2.add(b3))).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #int8Stacks} with each conversion replaced by a reinterpretation (nonsense sums, the
     * same loads, shifts and fmas): what the conversions cost the stacks.
     */
    @Benchmark
    public float int8StacksWithoutConversions() {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int half = INTS / 2;
        for (int r = 0; r < 4; r++) {
            for (int k = 0, o = 0; o != half; k++, o += L) {
                FloatVector xk = FloatVector.broadcast(F, x[k]);
                IntVector u = IntVector.fromArray(I, weights, o);
                IntVector v = IntVector.fromArray(I, weights, o + half);
                a3 = ((FloatVector) u.reinterpretAsFloats()).fma(xk, a3);
                a2 = ((FloatVector) u.lanewise(VectorOperators.LSHL, 8).reinterpretAsFloats()).fma(xk, a2);
                a1 = ((FloatVector) u.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(xk, a1);
                a0 = ((FloatVector) u.lanewise(VectorOperators.LSHL, 24).reinterpretAsFloats()).fma(xk, a0);
                b3 = ((FloatVector) v.reinterpretAsFloats()).fma(xk, b3);
                b2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).reinterpretAsFloats()).fma(xk, b2);
                b1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(xk, b1);
                b0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).reinterpretAsFloats()).fma(xk, b0);
            }
        }
        return a0.add(a1).add(a2.add(a3)).add(b0.add(b1).add(b2.add(b3))).reduceLanes(VectorOperators.ADD);
    }

    /** Four bf16 panels' column pairs: per pair four int loads, four shifts, four masks, eight fmas, two broadcasts. */
    @Benchmark
    public float bf16Pairs() {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        IntVector high = IntVector.broadcast(I, 0xFFFF0000);
        int panel = INTS / 4;
        for (int r = 0; r < 4; r++) {
            for (int k = 0; k < panel / L; k++) {
                int o = k * L;
                FloatVector even = FloatVector.broadcast(F, x[2 * k]);
                FloatVector odd = FloatVector.broadcast(F, x[2 * k + 1]);
                IntVector p0 = IntVector.fromArray(I, weights, o);
                IntVector p1 = IntVector.fromArray(I, weights, panel + o);
                IntVector p2 = IntVector.fromArray(I, weights, 2 * panel + o);
                IntVector p3 = IntVector.fromArray(I, weights, 3 * panel + o);
                a0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a0);
                a1 = ((FloatVector) p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a1);
                a2 = ((FloatVector) p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a2);
                a3 = ((FloatVector) p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a3);
                b0 = ((FloatVector) p0.and(high).reinterpretAsFloats()).fma(odd, b0);
                b1 = ((FloatVector) p1.and(high).reinterpretAsFloats()).fma(odd, b1);
                b2 = ((FloatVector) p2.and(high).reinterpretAsFloats()).fma(odd, b2);
                b3 = ((FloatVector) p3.and(high).reinterpretAsFloats()).fma(odd, b3);
            }
        }
        return a0.add(a1).add(a2.add(a3)).add(b0.add(b1).add(b2.add(b3))).reduceLanes(VectorOperators.ADD);
    }
}
