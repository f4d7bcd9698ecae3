package io.sequin.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ways to widen int8 weights into float vectors, each reading a layer's worth of weights once
 * with an fma per element: the choice behind {@code PanamaKernels}' int8 loops, which use
 * {@link #stackedSums} (in eight fma chains) below 512 bits and {@link #convertPart0} at 512.
 * On an AVX2 Zen 3 (JDK 25) the masks read 19 G weights/s at 64x128 against the byte load's
 * 13.6; on an AVX-512 Intel Xeon the byte load was 1.6 times as fast as the masks
 * ({@code bench/results/weights.md}); the stacked sums, which drop the masks, have not yet been
 * measured at 512 bits. Worth re-running on each new kind of CPU.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class WideningBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final VectorSpecies<Byte> BFULL = ByteVector.SPECIES_PREFERRED;

    /** Weights of an LSTM of this size: 4·H·(I+H). */
    @Param({"64x128", "512x1024"})
    public String size;

    private byte[] bytes;
    private int[] ints;
    private float[] floats;
    private float x = 0.5f;

    @Setup
    public void setUp() {
        int[] s = BenchModels.size(size);
        int n = 4 * s[1] * (s[0] + s[1]);
        float[] r = BenchModels.randomInput(n, 3);
        bytes = new byte[n];
        floats = new float[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (r[i] * 127);
            floats[i] = r[i];
        }
        ints = new int[n / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(ints);
    }

    @Benchmark
    public float f32() {
        float[] w = floats;
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + 4 * L <= w.length; k += 4 * L) {
            a0 = FloatVector.fromArray(F, w, k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, k + L).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, k + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, k + 3 * L).fma(v, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    public float convertPart0() {
        byte[] w = bytes;
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + 4 * L <= w.length; k += 4 * L) {
            a0 = ((FloatVector) ByteVector.fromArray(B, w, k).convertShape(VectorOperators.B2F, F, 0)).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromArray(B, w, k + L).convertShape(VectorOperators.B2F, F, 0)).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromArray(B, w, k + 2 * L).convertShape(VectorOperators.B2F, F, 0)).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromArray(B, w, k + 3 * L).convertShape(VectorOperators.B2F, F, 0)).fma(v, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    public float convertViaInts() {
        byte[] w = bytes;
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + 4 * L <= w.length; k += 4 * L) {
            a0 = ((IntVector) ByteVector.fromArray(B, w, k).convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a0);
            a1 = ((IntVector) ByteVector.fromArray(B, w, k + L).convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a1);
            a2 = ((IntVector) ByteVector.fromArray(B, w, k + 2 * L).convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a2);
            a3 = ((IntVector) ByteVector.fromArray(B, w, k + 3 * L).convertShape(VectorOperators.B2I, I, 0)).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** One int load holds four columns; shifts pick out each byte, sign-extended. */
    @Benchmark
    public float shiftsFromInts() {
        int[] w = ints;
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + L <= w.length; k += L) {
            IntVector q = IntVector.fromArray(I, w, k);
            a0 = q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a0);
            a1 = q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a1);
            a2 = q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a2);
            a3 = q.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * One int load holds four columns; a shift and a mask leave each byte on top and the
     * conversion yields q·2^24 exactly (the sum is scaled back once): the layout before
     * {@code Int8Stacks}.
     */
    @Benchmark
    public float masksFromInts() {
        int[] w = ints;
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + L <= w.length; k += L) {
            IntVector q = IntVector.fromArray(I, w, k);
            a3 = q.and(0xFF000000).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a3);
            a2 = q.lanewise(VectorOperators.LSHL, 8).and(0xFF000000).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a2);
            a1 = q.lanewise(VectorOperators.LSHL, 16).and(0xFF000000).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a1);
            a0 = q.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * One int load holds four rows' weights as {@code q0 + q1·2^8 + q2·2^16 + q3·2^24}, as
     * {@code Int8Stacks} stores them: a shift alone leaves each on top, the rows below it
     * riding along exactly (taken out once per sum, after the loop), so no mask.
     */
    @Benchmark
    public float stackedSums() {
        int[] w = ints;
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + L <= w.length; k += L) {
            IntVector q = IntVector.fromArray(I, w, k);
            a3 = q.convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a3);
            a2 = q.lanewise(VectorOperators.LSHL, 8).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a2);
            a1 = q.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a1);
            a0 = q.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0).reinterpretAsFloats().fma(v, a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** A full-width byte load, converted a quarter at a time. */
    @Benchmark
    public float fullLoadParts() {
        byte[] w = bytes;
        int step = BFULL.length();
        FloatVector v = FloatVector.broadcast(F, x);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int k = 0; k + step <= w.length; k += step) {
            ByteVector q = ByteVector.fromArray(BFULL, w, k);
            a0 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).fma(v, a0);
            a1 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 1)).fma(v, a1);
            a2 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 2)).fma(v, a2);
            a3 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 3)).fma(v, a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
