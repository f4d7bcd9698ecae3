package io.sequin.kernel.panama;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.kernel.ScalarKernels;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels written with the Vector API ({@code jdk.incubator.vector}), using only what JDK 17
 * and JDK 25 both have: array loads and stores, lanewise arithmetic, fma, reductions. They are
 * tested against {@link ScalarKernels}, the specification.
 *
 * <p>{@link #sigmoid} and {@link #tanh} are computed from a polynomial {@code exp}; their
 * largest absolute error against double-precision math is below 1.2e-7 (measured over
 * [-30, 30] in steps of 1.3e-4: 7.1e-8 for sigmoid, 8.4e-8 for tanh; the scalar kernels, rounded
 * once from double, 3.0e-8).
 *
 * <p>Weights in f16, bf16 or int8 are widened to float in registers as the products read them
 * (see {@link PackedMatrix} for the layouts); sums are kept in float, and an int8 row's sum is
 * multiplied by its scale once. {@code WideningBenchmark} in the bench module compares ways to
 * widen int8.
 *
 * <p>The register-tile loops are written out where they are used rather than shared through
 * helpers that take or return vectors: a vector crossing a method C2 does not inline is boxed on
 * the heap, which the zero-allocation tests would catch. The one helper, {@link #int8}, is a
 * load and a conversion, small enough that C2 inlines it at every use (the zero-allocation tests
 * run every int8 loop).
 *
 * <p>This class is loaded by name ({@code KernelSelection}) and nothing else in the runtime
 * refers to it, so a JVM without the incubator module never links it.
 */
public final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Ints of the float vector's width: a panel column of f16/bf16 pairs. */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /**
     * L bytes: a panel column of int8 weights, widened to one float vector; null where no byte
     * vector is that narrow (L < 8, 128-bit vectors), and int8 products run as plain Java there.
     */
    private static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public int vectorLanes() {
        return L;
    }

    /** Panels of one vector's width: column k of a panel (a column pair for 16-bit types) is one vector load. */
    @Override
    public PackedMatrix pack(WeightMatrix m, int from, int rows) {
        if (I.length() != L) {
            throw new IllegalStateException("int and float vectors of the preferred shape differ in lanes: " + I + ", " + F);
        }
        return PackedMatrix.of(m, from, rows, L);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        products(w, x, xOff, y, yOff);
    }

    /** W·x, then R·h, each into y: every weight is still read once per step. */
    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        if (w.rows != r.rows) {
            throw new IllegalArgumentException("gemv2 needs matrices with the same rows, got " + w.rows + " and " + r.rows);
        }
        products(w, x, xOff, y, yOff);
        products(r, h, hOff, y, yOff);
    }

    /**
     * y += M·v in the column form: for each column k, a panel's weights (one vector of L rows)
     * times v[k] broadcast, accumulated per panel, so no horizontal reduction is needed. Four
     * panels are done together, each with two accumulators (even and odd k): eight independent
     * fma chains hide the fma latency, and each broadcast serves four panels.
     */
    private static void products(PackedMatrix m, float[] v, int vOff, float[] y, int yOff) {
        int full = m.rows / L;
        switch (m.type) {
            case F32:
                productsF32(m, v, vOff, y, yOff);
                break;
            case INT8:
                if (B == null) {
                    full = 0;
                } else {
                    productsInt8(m, v, vOff, y, yOff);
                }
                break;
            case BF16:
                productsBf16(m, v, vOff, y, yOff);
                break;
            default:
                productsF16(m, v, vOff, y, yOff);
        }
        for (int p = full; p * L < m.rows; p++) {
            partialPanel(m, v, vOff, y, yOff, p);
        }
    }

    private static void productsF32(PackedMatrix m, float[] v, int vOff, float[] y, int yOff) {
        float[] d = m.elements();
        int cols = m.cols;
        int full = m.rows / L;
        int p = 0;
        for (; p + 4 <= full; p += 4) {
            int s0 = p * cols * L;
            int s1 = s0 + cols * L;
            int s2 = s1 + cols * L;
            int s3 = s2 + cols * L;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
            int k = 0;
            for (; k + 2 <= cols; k += 2) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + k]);
                FloatVector x1 = FloatVector.broadcast(F, v[vOff + k + 1]);
                int o = k * L;
                a0 = FloatVector.fromArray(F, d, s0 + o).fma(x0, a0);
                a1 = FloatVector.fromArray(F, d, s1 + o).fma(x0, a1);
                a2 = FloatVector.fromArray(F, d, s2 + o).fma(x0, a2);
                a3 = FloatVector.fromArray(F, d, s3 + o).fma(x0, a3);
                b0 = FloatVector.fromArray(F, d, s0 + o + L).fma(x1, b0);
                b1 = FloatVector.fromArray(F, d, s1 + o + L).fma(x1, b1);
                b2 = FloatVector.fromArray(F, d, s2 + o + L).fma(x1, b2);
                b3 = FloatVector.fromArray(F, d, s3 + o + L).fma(x1, b3);
            }
            if (k < cols) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + k]);
                int o = k * L;
                a0 = FloatVector.fromArray(F, d, s0 + o).fma(x0, a0);
                a1 = FloatVector.fromArray(F, d, s1 + o).fma(x0, a1);
                a2 = FloatVector.fromArray(F, d, s2 + o).fma(x0, a2);
                a3 = FloatVector.fromArray(F, d, s3 + o).fma(x0, a3);
            }
            int out = yOff + p * L;
            FloatVector.fromArray(F, y, out).add(a0.add(b0)).intoArray(y, out);
            FloatVector.fromArray(F, y, out + L).add(a1.add(b1)).intoArray(y, out + L);
            FloatVector.fromArray(F, y, out + 2 * L).add(a2.add(b2)).intoArray(y, out + 2 * L);
            FloatVector.fromArray(F, y, out + 3 * L).add(a3.add(b3)).intoArray(y, out + 3 * L);
        }
        for (; p < full; p++) {
            int s = p * cols * L;
            FloatVector a = FloatVector.zero(F);
            FloatVector b = FloatVector.zero(F);
            int k = 0;
            for (; k + 2 <= cols; k += 2) {
                a = FloatVector.fromArray(F, d, s + k * L).fma(FloatVector.broadcast(F, v[vOff + k]), a);
                b = FloatVector.fromArray(F, d, s + (k + 1) * L).fma(FloatVector.broadcast(F, v[vOff + k + 1]), b);
            }
            if (k < cols) {
                a = FloatVector.fromArray(F, d, s + k * L).fma(FloatVector.broadcast(F, v[vOff + k]), a);
            }
            int out = yOff + p * L;
            FloatVector.fromArray(F, y, out).add(a.add(b)).intoArray(y, out);
        }
    }

    /**
     * The rows of panel p, in plain Java: the last panel when the rows are not a multiple of the
     * vector width, and every int8 panel where there is no byte vector of L lanes.
     */
    private static void partialPanel(PackedMatrix m, float[] v, int vOff, float[] y, int yOff, int p) {
        for (int row = p * L; row < Math.min(m.rows, (p + 1) * L); row++) {
            float s = 0;
            for (int k = 0; k < m.cols; k++) {
                s += element(m, row, k) * v[vOff + k];
            }
            y[yOff + row] += m.type == WeightType.INT8 ? s * m.scales()[row] : s;
        }
    }

    /** Element (row, k) of a panel layout, widened; int8 without its scale. */
    private static float element(PackedMatrix m, int row, int k) {
        int p = row / L;
        int lane = row % L;
        switch (m.type) {
            case F32:
                return m.elements()[(p * m.cols + k) * L + lane];
            case INT8:
                return m.int8()[m.int8Offset(p) + k * m.int8ColumnStride(p) + lane];
            default: {
                int pair = m.pairs()[(p * ((m.cols + 1) / 2) + k / 2) * L + lane];
                short bits = (short) ((k & 1) == 0 ? pair : pair >>> 16);
                return m.type == WeightType.BF16 ? HalfFloats.bf16ToFloat(bits) : HalfFloats.f16ToFloat(bits);
            }
        }
    }

    /** L int8 weights widened to floats (without their scales). */
    private static FloatVector int8(byte[] d, int off) {
        return (FloatVector) ByteVector.fromArray(B, d, off).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * int8 products: four panels by two columns, eight fma chains, as f32, but the four panels'
     * columns lie side by side (see {@link PackedMatrix#INT8_GROUP}), so the loop reads one
     * sequential stream; each row's sum is multiplied by its scale once, at the end.
     */
    private static void productsInt8(PackedMatrix m, float[] v, int vOff, float[] y, int yOff) {
        byte[] d = m.int8();
        float[] scales = m.scales();
        int cols = m.cols;
        int full = m.rows / L;
        int p = 0;
        for (; p + PackedMatrix.INT8_GROUP <= full; p += PackedMatrix.INT8_GROUP) {
            int s = m.int8Offset(p);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
            int k = 0;
            for (; k + 2 <= cols; k += 2) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + k]);
                FloatVector x1 = FloatVector.broadcast(F, v[vOff + k + 1]);
                int o = s + k * 4 * L;
                a0 = int8(d, o).fma(x0, a0);
                a1 = int8(d, o + L).fma(x0, a1);
                a2 = int8(d, o + 2 * L).fma(x0, a2);
                a3 = int8(d, o + 3 * L).fma(x0, a3);
                b0 = int8(d, o + 4 * L).fma(x1, b0);
                b1 = int8(d, o + 5 * L).fma(x1, b1);
                b2 = int8(d, o + 6 * L).fma(x1, b2);
                b3 = int8(d, o + 7 * L).fma(x1, b3);
            }
            if (k < cols) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + k]);
                int o = s + k * 4 * L;
                a0 = int8(d, o).fma(x0, a0);
                a1 = int8(d, o + L).fma(x0, a1);
                a2 = int8(d, o + 2 * L).fma(x0, a2);
                a3 = int8(d, o + 3 * L).fma(x0, a3);
            }
            int out = yOff + p * L;
            int sc = p * L;
            a0.add(b0).fma(FloatVector.fromArray(F, scales, sc), FloatVector.fromArray(F, y, out)).intoArray(y, out);
            a1.add(b1).fma(FloatVector.fromArray(F, scales, sc + L), FloatVector.fromArray(F, y, out + L)).intoArray(y, out + L);
            a2.add(b2).fma(FloatVector.fromArray(F, scales, sc + 2 * L), FloatVector.fromArray(F, y, out + 2 * L)).intoArray(y, out + 2 * L);
            a3.add(b3).fma(FloatVector.fromArray(F, scales, sc + 3 * L), FloatVector.fromArray(F, y, out + 3 * L)).intoArray(y, out + 3 * L);
        }
        for (; p < full; p++) {
            int8PanelTimesOne(d, m.int8Offset(p), m.int8ColumnStride(p), cols, scales, p * L, v, vOff, y, yOff + p * L);
        }
    }

    /**
     * bf16 products: one int load holds columns 2j and 2j+1 of a panel; shifting the low half up
     * and masking the high half each give a float vector, the whole widening. Four panels at a
     * time, even and odd columns in their own accumulators.
     */
    private static void productsBf16(PackedMatrix m, float[] v, int vOff, float[] y, int yOff) {
        int[] d = m.pairs();
        int cols = m.cols;
        int pairCount = (cols + 1) / 2;
        int evenPairs = cols / 2;
        int full = m.rows / L;
        int p = 0;
        for (; p + 4 <= full; p += 4) {
            int s0 = p * pairCount * L;
            int s1 = s0 + pairCount * L;
            int s2 = s1 + pairCount * L;
            int s3 = s2 + pairCount * L;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
            int j = 0;
            for (; j < evenPairs; j++) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + 2 * j]);
                FloatVector x1 = FloatVector.broadcast(F, v[vOff + 2 * j + 1]);
                int o = j * L;
                IntVector w0 = IntVector.fromArray(I, d, s0 + o);
                IntVector w1 = IntVector.fromArray(I, d, s1 + o);
                IntVector w2 = IntVector.fromArray(I, d, s2 + o);
                IntVector w3 = IntVector.fromArray(I, d, s3 + o);
                a0 = w0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a0);
                a1 = w1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a1);
                a2 = w2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a2);
                a3 = w3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a3);
                b0 = w0.and(0xFFFF0000).reinterpretAsFloats().fma(x1, b0);
                b1 = w1.and(0xFFFF0000).reinterpretAsFloats().fma(x1, b1);
                b2 = w2.and(0xFFFF0000).reinterpretAsFloats().fma(x1, b2);
                b3 = w3.and(0xFFFF0000).reinterpretAsFloats().fma(x1, b3);
            }
            if (j < pairCount) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + 2 * j]);
                int o = j * L;
                a0 = IntVector.fromArray(I, d, s0 + o).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a0);
                a1 = IntVector.fromArray(I, d, s1 + o).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a1);
                a2 = IntVector.fromArray(I, d, s2 + o).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a2);
                a3 = IntVector.fromArray(I, d, s3 + o).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, a3);
            }
            int out = yOff + p * L;
            FloatVector.fromArray(F, y, out).add(a0.add(b0)).intoArray(y, out);
            FloatVector.fromArray(F, y, out + L).add(a1.add(b1)).intoArray(y, out + L);
            FloatVector.fromArray(F, y, out + 2 * L).add(a2.add(b2)).intoArray(y, out + 2 * L);
            FloatVector.fromArray(F, y, out + 3 * L).add(a3.add(b3)).intoArray(y, out + 3 * L);
        }
        for (; p < full; p++) {
            int s = p * pairCount * L;
            FloatVector a = FloatVector.zero(F);
            FloatVector b = FloatVector.zero(F);
            int j = 0;
            for (; j < evenPairs; j++) {
                IntVector w = IntVector.fromArray(I, d, s + j * L);
                a = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(F, v[vOff + 2 * j]), a);
                b = w.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.broadcast(F, v[vOff + 2 * j + 1]), b);
            }
            if (j < pairCount) {
                IntVector w = IntVector.fromArray(I, d, s + j * L);
                a = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(F, v[vOff + 2 * j]), a);
            }
            int out = yOff + p * L;
            FloatVector.fromArray(F, y, out).add(a.add(b)).intoArray(y, out);
        }
    }

    /**
     * f16 products, in the bf16 layout. The widening is exact: a normal f16 moves its exponent
     * and mantissa into place ({@code m = (u >>> 3) & 0x0FFFE000} for an f16 in the upper half
     * of u) and rebiases the exponent (+112); a subnormal one (exponent 0, found without a mask
     * as {@code z = (m - 2^23) >>> 31}) is rebiased by one more (+113), giving
     * 2^-14 * (1 + m/1024), and 2^-14 is subtracted, so no denormal float ever enters the
     * arithmetic (slow on x86); then the sign is put back. Infinities and NaN are not decoded:
     * the model loader rejects f16 weights that hold them. That is about ten vector operations
     * per column where bf16 takes one, so f16 is compute-bound at sizes that fit in cache.
     * (An earlier form selected the subnormal case with a compare and a blend; in a long test
     * JVM on JDK 17 its code ended up running without the Vector API intrinsics, boxing.)
     *
     * <p>The widening is written out wherever it is used: as a helper method taking and
     * returning vectors, C2 did not always inline it and then boxed its vectors on every call.
     * One panel at a time ({@link #f16PanelTimesOne}).
     */
    private static void productsF16(PackedMatrix m, float[] v, int vOff, float[] y, int yOff) {
        int pairCount = (m.cols + 1) / 2;
        int full = m.rows / L;
        for (int p = 0; p < full; p++) {
            f16PanelTimesOne(m.pairs(), p * pairCount * L, m.cols, v, vOff, y, yOff + p * L);
        }
    }

    /**
     * One f16 panel (its column pairs from {@code d[s]}) times one vector, added into
     * {@code y[out ..]}: even and odd columns in their own accumulators.
     */
    private static void f16PanelTimesOne(int[] d, int s, int cols, float[] v, int vOff, float[] y, int out) {
        int pairCount = (cols + 1) / 2;
        int evenPairs = cols / 2;
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        for (int j = 0; j < evenPairs; j++) {
            IntVector pair = IntVector.fromArray(I, d, s + j * L);
            IntVector even = pair.lanewise(VectorOperators.LSHL, 16);
            IntVector mwe = even.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
            IntVector zwe = mwe.sub(0x00800000).lanewise(VectorOperators.LSHR, 31);
            FloatVector we = mwe.add(0x38000000).add(zwe.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats()
                    .sub(zwe.neg().and(0x38800000).reinterpretAsFloats())
                    .reinterpretAsInts().or(even.and(0x80000000)).reinterpretAsFloats();
            IntVector mwo = pair.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
            IntVector zwo = mwo.sub(0x00800000).lanewise(VectorOperators.LSHR, 31);
            FloatVector wo = mwo.add(0x38000000).add(zwo.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats()
                    .sub(zwo.neg().and(0x38800000).reinterpretAsFloats())
                    .reinterpretAsInts().or(pair.and(0x80000000)).reinterpretAsFloats();
            a = we.fma(FloatVector.broadcast(F, v[vOff + 2 * j]), a);
            b = wo.fma(FloatVector.broadcast(F, v[vOff + 2 * j + 1]), b);
        }
        if (evenPairs < pairCount) {
            IntVector even = IntVector.fromArray(I, d, s + evenPairs * L).lanewise(VectorOperators.LSHL, 16);
            IntVector mwe = even.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
            IntVector zwe = mwe.sub(0x00800000).lanewise(VectorOperators.LSHR, 31);
            FloatVector we = mwe.add(0x38000000).add(zwe.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats()
                    .sub(zwe.neg().and(0x38800000).reinterpretAsFloats())
                    .reinterpretAsInts().or(even.and(0x80000000)).reinterpretAsFloats();
            a = we.fma(FloatVector.broadcast(F, v[vOff + 2 * evenPairs]), a);
        }
        FloatVector.fromArray(F, y, out).add(a.add(b)).intoArray(y, out);
    }

    /**
     * One f16 panel times four vectors ({@code x[x0 ..]}, each {@code xStride} on), added into
     * {@code y[out ..]} (each {@code yStride} on): each column pair widened once for four vectors.
     */
    private static void f16PanelTimesFour(int[] d, int s, int cols, float[] x, int x0, int xStride, float[] y, int out, int yStride) {
        int pairCount = (cols + 1) / 2;
        int evenPairs = cols / 2;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int q = 0; q < evenPairs; q++) {
            IntVector pair = IntVector.fromArray(I, d, s + q * L);
            IntVector even = pair.lanewise(VectorOperators.LSHL, 16);
            IntVector mwe = even.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
            IntVector zwe = mwe.sub(0x00800000).lanewise(VectorOperators.LSHR, 31);
            FloatVector we = mwe.add(0x38000000).add(zwe.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats()
                    .sub(zwe.neg().and(0x38800000).reinterpretAsFloats())
                    .reinterpretAsInts().or(even.and(0x80000000)).reinterpretAsFloats();
            IntVector mwo = pair.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
            IntVector zwo = mwo.sub(0x00800000).lanewise(VectorOperators.LSHR, 31);
            FloatVector wo = mwo.add(0x38000000).add(zwo.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats()
                    .sub(zwo.neg().and(0x38800000).reinterpretAsFloats())
                    .reinterpretAsInts().or(pair.and(0x80000000)).reinterpretAsFloats();
            int k = 2 * q;
            a0 = wo.fma(FloatVector.broadcast(F, x[x0 + k + 1]), we.fma(FloatVector.broadcast(F, x[x0 + k]), a0));
            a1 = wo.fma(FloatVector.broadcast(F, x[x1 + k + 1]), we.fma(FloatVector.broadcast(F, x[x1 + k]), a1));
            a2 = wo.fma(FloatVector.broadcast(F, x[x2 + k + 1]), we.fma(FloatVector.broadcast(F, x[x2 + k]), a2));
            a3 = wo.fma(FloatVector.broadcast(F, x[x3 + k + 1]), we.fma(FloatVector.broadcast(F, x[x3 + k]), a3));
        }
        if (evenPairs < pairCount) {
            IntVector even = IntVector.fromArray(I, d, s + evenPairs * L).lanewise(VectorOperators.LSHL, 16);
            IntVector mwe = even.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
            IntVector zwe = mwe.sub(0x00800000).lanewise(VectorOperators.LSHR, 31);
            FloatVector we = mwe.add(0x38000000).add(zwe.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats()
                    .sub(zwe.neg().and(0x38800000).reinterpretAsFloats())
                    .reinterpretAsInts().or(even.and(0x80000000)).reinterpretAsFloats();
            int k = 2 * evenPairs;
            a0 = we.fma(FloatVector.broadcast(F, x[x0 + k]), a0);
            a1 = we.fma(FloatVector.broadcast(F, x[x1 + k]), a1);
            a2 = we.fma(FloatVector.broadcast(F, x[x2 + k]), a2);
            a3 = we.fma(FloatVector.broadcast(F, x[x3 + k]), a3);
        }
        FloatVector.fromArray(F, y, out).add(a0).intoArray(y, out);
        FloatVector.fromArray(F, y, out + yStride).add(a1).intoArray(y, out + yStride);
        FloatVector.fromArray(F, y, out + 2 * yStride).add(a2).intoArray(y, out + 2 * yStride);
        FloatVector.fromArray(F, y, out + 3 * yStride).add(a3).intoArray(y, out + 3 * yStride);
    }

    /**
     * One matrix times n vectors, in register tiles of panels by vectors (6 loads per 8 fmas
     * either way): up to eight vectors, two panels by four, so the weights are read at most twice;
     * more vectors, four panels by two, which measured faster on a sequence's projection. A
     * single vector goes to the matrix-vector loop, which keeps more fma chains busy.
     */
    @Override
    public void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        if (n == 1) {
            products(w, x, xOff, y, yOff);
            return;
        }
        if (w.type != WeightType.F32) {
            int full = w.type == WeightType.INT8 && B == null ? 0 : w.rows / L;
            if (w.type == WeightType.INT8) {
                gemmInt8(w, full, x, xOff, xStride, n, y, yOff, yStride);
            } else if (w.type == WeightType.BF16) {
                gemmBf16(w, full, x, xOff, xStride, n, y, yOff, yStride);
            } else {
                gemmF16(w, full, x, xOff, xStride, n, y, yOff, yStride);
            }
            for (int p = full; p * L < w.rows; p++) {
                for (int j = 0; j < n; j++) {
                    partialPanel(w, x, xOff + j * xStride, y, yOff + j * yStride, p);
                }
            }
            return;
        }
        int p = n <= 8 ? fewVectors(w, x, xOff, xStride, n, y, yOff, yStride) : manyVectors(w, x, xOff, xStride, n, y, yOff, yStride);
        float[] d = w.elements();
        int cols = w.cols;
        int full = w.rows / L;
        for (; p < full; p++) {
            int s = p * cols * L;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                FloatVector a = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    a = FloatVector.fromArray(F, d, s + k * L).fma(FloatVector.broadcast(F, x[xj + k]), a);
                }
                int out = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, out).add(a).intoArray(y, out);
            }
        }
        if (full * L < w.rows) {
            for (int j = 0; j < n; j++) {
                partialPanel(w, x, xOff + j * xStride, y, yOff + j * yStride, full);
            }
        }
    }

    /**
     * int8 times n vectors: two panels by four vectors per call of {@link #int8TwoPanelsTimesFour}
     * (eight fma chains, each widened column serving four vectors), the vectors and the odd panel
     * left over one panel by one vector. Panels [0, full).
     *
     * <p>The tiles are methods of their own that take no vectors, for C2: written out in one
     * method, a quantized tile of two panels by four vectors was at times never compiled by C2
     * (the method stayed in C1 and boxed every vector), and the zero-allocation test stalled.
     */
    private static void gemmInt8(PackedMatrix w, int full, float[] x, int xOff, int xStride, int n,
                                 float[] y, int yOff, int yStride) {
        byte[] d = w.int8();
        float[] scales = w.scales();
        int cols = w.cols;
        int p = 0;
        // Pairs start at even panels, so both panels of a pair are in one group, with one stride.
        for (; p + 2 <= full; p += 2) {
            int s0 = w.int8Offset(p);
            int stride = w.int8ColumnStride(p);
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int8TwoPanelsTimesFour(d, s0, stride, cols, scales, p * L, x, xOff + j * xStride, xStride,
                        y, yOff + j * yStride + p * L, yStride);
            }
            for (; j < n; j++) {
                int8PanelTimesOne(d, s0, stride, cols, scales, p * L, x, xOff + j * xStride, y, yOff + j * yStride + p * L);
                int8PanelTimesOne(d, s0 + L, stride, cols, scales, (p + 1) * L, x, xOff + j * xStride,
                        y, yOff + j * yStride + (p + 1) * L);
            }
        }
        for (; p < full; p++) {
            for (int j = 0; j < n; j++) {
                int8PanelTimesOne(d, w.int8Offset(p), w.int8ColumnStride(p), cols, scales, p * L, x, xOff + j * xStride,
                        y, yOff + j * yStride + p * L);
            }
        }
    }

    /**
     * Two int8 panels of one group (the first's column 0 at {@code d[s0]}, the second's right
     * after it; columns {@code stride} apart) times four vectors, into y.
     */
    private static void int8TwoPanelsTimesFour(byte[] d, int s0, int stride, int cols, float[] scales, int sc, float[] x, int x0, int xStride,
                                               float[] y, int out, int yStride) {
        int s1 = s0 + L;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        for (int k = 0; k < cols; k++) {
            FloatVector w0 = int8(d, s0 + k * stride);
            FloatVector w1 = int8(d, s1 + k * stride);
            FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
            FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
            FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
            FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            a02 = w0.fma(v2, a02);
            a03 = w0.fma(v3, a03);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            a12 = w1.fma(v2, a12);
            a13 = w1.fma(v3, a13);
        }
        FloatVector scale0 = FloatVector.fromArray(F, scales, sc);
        FloatVector scale1 = FloatVector.fromArray(F, scales, sc + L);
        a00.fma(scale0, FloatVector.fromArray(F, y, out)).intoArray(y, out);
        a10.fma(scale1, FloatVector.fromArray(F, y, out + L)).intoArray(y, out + L);
        a01.fma(scale0, FloatVector.fromArray(F, y, out + yStride)).intoArray(y, out + yStride);
        a11.fma(scale1, FloatVector.fromArray(F, y, out + yStride + L)).intoArray(y, out + yStride + L);
        a02.fma(scale0, FloatVector.fromArray(F, y, out + 2 * yStride)).intoArray(y, out + 2 * yStride);
        a12.fma(scale1, FloatVector.fromArray(F, y, out + 2 * yStride + L)).intoArray(y, out + 2 * yStride + L);
        a03.fma(scale0, FloatVector.fromArray(F, y, out + 3 * yStride)).intoArray(y, out + 3 * yStride);
        a13.fma(scale1, FloatVector.fromArray(F, y, out + 3 * yStride + L)).intoArray(y, out + 3 * yStride + L);
    }

    /**
     * One int8 panel (column 0 at {@code d[s]}, columns {@code stride} apart) times one vector,
     * into y: even and odd columns in their own accumulators.
     */
    private static void int8PanelTimesOne(byte[] d, int s, int stride, int cols, float[] scales, int sc, float[] x, int xj, float[] y, int out) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        int k = 0;
        for (; k + 2 <= cols; k += 2) {
            a = int8(d, s + k * stride).fma(FloatVector.broadcast(F, x[xj + k]), a);
            b = int8(d, s + (k + 1) * stride).fma(FloatVector.broadcast(F, x[xj + k + 1]), b);
        }
        if (k < cols) {
            a = int8(d, s + k * stride).fma(FloatVector.broadcast(F, x[xj + k]), a);
        }
        a.add(b).fma(FloatVector.fromArray(F, scales, sc), FloatVector.fromArray(F, y, out)).intoArray(y, out);
    }

    /**
     * bf16 times n vectors, as {@link #gemmInt8}: two panels by four vectors per call of
     * {@link #bf16TwoPanelsTimesFour}, each column pair widened once for four vectors. Panels
     * [0, full).
     */
    private static void gemmBf16(PackedMatrix w, int full, float[] x, int xOff, int xStride, int n,
                                 float[] y, int yOff, int yStride) {
        int[] d = w.pairs();
        int cols = w.cols;
        int panel = (cols + 1) / 2 * L;
        int p = 0;
        for (; p + 2 <= full; p += 2) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                bf16TwoPanelsTimesFour(d, p * panel, cols, x, xOff + j * xStride, xStride, y, yOff + j * yStride + p * L, yStride);
            }
            for (; j < n; j++) {
                bf16PanelTimesOne(d, p * panel, cols, x, xOff + j * xStride, y, yOff + j * yStride + p * L);
                bf16PanelTimesOne(d, (p + 1) * panel, cols, x, xOff + j * xStride, y, yOff + j * yStride + (p + 1) * L);
            }
        }
        for (; p < full; p++) {
            for (int j = 0; j < n; j++) {
                bf16PanelTimesOne(d, p * panel, cols, x, xOff + j * xStride, y, yOff + j * yStride + p * L);
            }
        }
    }

    /** Two bf16 panels (from {@code d[s0]}, the next right after) times four vectors, into y. */
    private static void bf16TwoPanelsTimesFour(int[] d, int s0, int cols, float[] x, int x0, int xStride,
                                               float[] y, int out, int yStride) {
        int pairCount = (cols + 1) / 2;
        int evenPairs = cols / 2;
        int s1 = s0 + pairCount * L;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        for (int q = 0; q < pairCount; q++) {
            int k = 2 * q;
            IntVector p0 = IntVector.fromArray(I, d, s0 + q * L);
            IntVector p1 = IntVector.fromArray(I, d, s1 + q * L);
            FloatVector e0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector e1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
            FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
            FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
            FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
            a00 = e0.fma(v0, a00);
            a01 = e0.fma(v1, a01);
            a02 = e0.fma(v2, a02);
            a03 = e0.fma(v3, a03);
            a10 = e1.fma(v0, a10);
            a11 = e1.fma(v1, a11);
            a12 = e1.fma(v2, a12);
            a13 = e1.fma(v3, a13);
            if (q == evenPairs) {
                break; // an odd column count: the last pair has no odd column
            }
            FloatVector o0 = p0.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector o1 = p1.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector u0 = FloatVector.broadcast(F, x[x0 + k + 1]);
            FloatVector u1 = FloatVector.broadcast(F, x[x1 + k + 1]);
            FloatVector u2 = FloatVector.broadcast(F, x[x2 + k + 1]);
            FloatVector u3 = FloatVector.broadcast(F, x[x3 + k + 1]);
            a00 = o0.fma(u0, a00);
            a01 = o0.fma(u1, a01);
            a02 = o0.fma(u2, a02);
            a03 = o0.fma(u3, a03);
            a10 = o1.fma(u0, a10);
            a11 = o1.fma(u1, a11);
            a12 = o1.fma(u2, a12);
            a13 = o1.fma(u3, a13);
        }
        FloatVector.fromArray(F, y, out).add(a00).intoArray(y, out);
        FloatVector.fromArray(F, y, out + L).add(a10).intoArray(y, out + L);
        FloatVector.fromArray(F, y, out + yStride).add(a01).intoArray(y, out + yStride);
        FloatVector.fromArray(F, y, out + yStride + L).add(a11).intoArray(y, out + yStride + L);
        FloatVector.fromArray(F, y, out + 2 * yStride).add(a02).intoArray(y, out + 2 * yStride);
        FloatVector.fromArray(F, y, out + 2 * yStride + L).add(a12).intoArray(y, out + 2 * yStride + L);
        FloatVector.fromArray(F, y, out + 3 * yStride).add(a03).intoArray(y, out + 3 * yStride);
        FloatVector.fromArray(F, y, out + 3 * yStride + L).add(a13).intoArray(y, out + 3 * yStride + L);
    }

    /** One bf16 panel times one vector, into y: even and odd columns in their own accumulators. */
    private static void bf16PanelTimesOne(int[] d, int s, int cols, float[] x, int xj, float[] y, int out) {
        int pairCount = (cols + 1) / 2;
        int evenPairs = cols / 2;
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        for (int q = 0; q < evenPairs; q++) {
            IntVector pair = IntVector.fromArray(I, d, s + q * L);
            a = pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(F, x[xj + 2 * q]), a);
            b = pair.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.broadcast(F, x[xj + 2 * q + 1]), b);
        }
        if (evenPairs < pairCount) {
            a = IntVector.fromArray(I, d, s + evenPairs * L).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .fma(FloatVector.broadcast(F, x[xj + 2 * evenPairs]), a);
        }
        FloatVector.fromArray(F, y, out).add(a.add(b)).intoArray(y, out);
    }

    /**
     * f16 times n vectors, one panel by four vectors per call of {@link #f16PanelTimesFour}
     * (the f16 widening is large: a tile of two panels would be too), tiles that take no
     * vectors as in {@link #gemmInt8}. Panels [0, full).
     */
    private static void gemmF16(PackedMatrix w, int full, float[] x, int xOff, int xStride, int n,
                                float[] y, int yOff, int yStride) {
        int[] d = w.pairs();
        int pairCount = (w.cols + 1) / 2;
        for (int p = 0; p < full; p++) {
            int s = p * pairCount * L;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                f16PanelTimesFour(d, s, w.cols, x, xOff + j * xStride, xStride, y, yOff + j * yStride + p * L, yStride);
            }
            for (; j < n; j++) {
                f16PanelTimesOne(d, s, w.cols, x, xOff + j * xStride, y, yOff + j * yStride + p * L);
            }
        }
    }

    /**
     * A few vectors (batched streams): two panels by four vectors per register tile, so the
     * weights are read once per four vectors. Returns the first panel left undone.
     */
    private static int fewVectors(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        float[] d = w.elements();
        int cols = w.cols;
        int full = w.rows / L;
        int p = 0;
        for (; p + 2 <= full; p += 2) {
            int s0 = p * cols * L;
            int s1 = s0 + cols * L;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int x0 = xOff + j * xStride;
                int x1 = x0 + xStride;
                int x2 = x1 + xStride;
                int x3 = x2 + xStride;
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector w0 = FloatVector.fromArray(F, d, s0 + k * L);
                    FloatVector w1 = FloatVector.fromArray(F, d, s1 + k * L);
                    FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
                    FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
                    FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
                    FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
                    a00 = w0.fma(v0, a00);
                    a01 = w0.fma(v1, a01);
                    a02 = w0.fma(v2, a02);
                    a03 = w0.fma(v3, a03);
                    a10 = w1.fma(v0, a10);
                    a11 = w1.fma(v1, a11);
                    a12 = w1.fma(v2, a12);
                    a13 = w1.fma(v3, a13);
                }
                int o0 = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, o0).add(a00).intoArray(y, o0);
                FloatVector.fromArray(F, y, o0 + L).add(a10).intoArray(y, o0 + L);
                FloatVector.fromArray(F, y, o0 + yStride).add(a01).intoArray(y, o0 + yStride);
                FloatVector.fromArray(F, y, o0 + yStride + L).add(a11).intoArray(y, o0 + yStride + L);
                FloatVector.fromArray(F, y, o0 + 2 * yStride).add(a02).intoArray(y, o0 + 2 * yStride);
                FloatVector.fromArray(F, y, o0 + 2 * yStride + L).add(a12).intoArray(y, o0 + 2 * yStride + L);
                FloatVector.fromArray(F, y, o0 + 3 * yStride).add(a03).intoArray(y, o0 + 3 * yStride);
                FloatVector.fromArray(F, y, o0 + 3 * yStride + L).add(a13).intoArray(y, o0 + 3 * yStride + L);
            }
            for (; j < n; j++) {
                int xj = xOff + j * xStride;
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector v = FloatVector.broadcast(F, x[xj + k]);
                    a0 = FloatVector.fromArray(F, d, s0 + k * L).fma(v, a0);
                    a1 = FloatVector.fromArray(F, d, s1 + k * L).fma(v, a1);
                }
                int out = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, out).add(a0).intoArray(y, out);
                FloatVector.fromArray(F, y, out + L).add(a1).intoArray(y, out + L);
            }
        }
        return p;
    }

    /**
     * Many vectors (a sequence's input projection, compute-bound): four panels by two vectors
     * per register tile, one broadcast per four fmas. Returns the first panel left undone.
     */
    private static int manyVectors(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        float[] d = w.elements();
        int cols = w.cols;
        int full = w.rows / L;
        int p = 0;
        for (; p + 4 <= full; p += 4) {
            int s0 = p * cols * L;
            int s1 = s0 + cols * L;
            int s2 = s1 + cols * L;
            int s3 = s2 + cols * L;
            int j = 0;
            for (; j + 2 <= n; j += 2) {
                int x0 = xOff + j * xStride;
                int x1 = x0 + xStride;
                FloatVector a00 = FloatVector.zero(F), a10 = FloatVector.zero(F), a20 = FloatVector.zero(F), a30 = FloatVector.zero(F);
                FloatVector a01 = FloatVector.zero(F), a11 = FloatVector.zero(F), a21 = FloatVector.zero(F), a31 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
                    FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
                    FloatVector w0 = FloatVector.fromArray(F, d, s0 + k * L);
                    FloatVector w1 = FloatVector.fromArray(F, d, s1 + k * L);
                    FloatVector w2 = FloatVector.fromArray(F, d, s2 + k * L);
                    FloatVector w3 = FloatVector.fromArray(F, d, s3 + k * L);
                    a00 = w0.fma(v0, a00);
                    a10 = w1.fma(v0, a10);
                    a20 = w2.fma(v0, a20);
                    a30 = w3.fma(v0, a30);
                    a01 = w0.fma(v1, a01);
                    a11 = w1.fma(v1, a11);
                    a21 = w2.fma(v1, a21);
                    a31 = w3.fma(v1, a31);
                }
                int o0 = yOff + j * yStride + p * L;
                int o1 = o0 + yStride;
                FloatVector.fromArray(F, y, o0).add(a00).intoArray(y, o0);
                FloatVector.fromArray(F, y, o0 + L).add(a10).intoArray(y, o0 + L);
                FloatVector.fromArray(F, y, o0 + 2 * L).add(a20).intoArray(y, o0 + 2 * L);
                FloatVector.fromArray(F, y, o0 + 3 * L).add(a30).intoArray(y, o0 + 3 * L);
                FloatVector.fromArray(F, y, o1).add(a01).intoArray(y, o1);
                FloatVector.fromArray(F, y, o1 + L).add(a11).intoArray(y, o1 + L);
                FloatVector.fromArray(F, y, o1 + 2 * L).add(a21).intoArray(y, o1 + 2 * L);
                FloatVector.fromArray(F, y, o1 + 3 * L).add(a31).intoArray(y, o1 + 3 * L);
            }
            for (; j < n; j++) {
                int xj = xOff + j * xStride;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector v = FloatVector.broadcast(F, x[xj + k]);
                    a0 = FloatVector.fromArray(F, d, s0 + k * L).fma(v, a0);
                    a1 = FloatVector.fromArray(F, d, s1 + k * L).fma(v, a1);
                    a2 = FloatVector.fromArray(F, d, s2 + k * L).fma(v, a2);
                    a3 = FloatVector.fromArray(F, d, s3 + k * L).fma(v, a3);
                }
                int out = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, out).add(a0).intoArray(y, out);
                FloatVector.fromArray(F, y, out + L).add(a1).intoArray(y, out + L);
                FloatVector.fromArray(F, y, out + 2 * L).add(a2).intoArray(y, out + 2 * L);
                FloatVector.fromArray(F, y, out + 3 * L).add(a3).intoArray(y, out + 3 * L);
            }
        }
        return p;
    }

    // exp(x) = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2)/2; e^r by Cephes' expf polynomial.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = 0x4B400000;
    /** Bounds that keep 2^n a normal float: e^88.3 < 2^128 and e^-87.3 > 2^-126. */
    private static final float EXP_HI = 88.3f;
    private static final float EXP_LO = -87.3f;

    // tanh writes exp out in its own loop body and is larger than C2's FreqInlineSize (325
    // bytecodes), so it compiles as its own root, where every vector operation is intrinsified.
    // A vector passed to or returned from a method C2 does not inline is boxed on the heap: a
    // shared exp helper was compiled on its own and boxed its result, and a small activation
    // inlined deep into the cell passed MaxInlineLevel with the Vector API's own calls.
    // ZeroAllocationTest and JMH's gc profiler check that a step allocates nothing.

    /**
     * sigmoid(x) = 1/2 + tanh(x/2)/2: the vectorized tanh does the work. (A sigmoid loop of
     * its own, the obvious 1 / (1 + e^-x), boxed vectors on every step under C2 here; the
     * scaling loops around tanh are plain Java that C2 vectorizes by itself.)
     */
    @Override
    public void sigmoid(float[] v, int off, int len) {
        for (int i = off; i < off + len; i++) {
            v[i] *= 0.5f;
        }
        tanh(v, off, len);
        for (int i = off; i < off + len; i++) {
            v[i] = 0.5f * v[i] + 0.5f;
        }
    }

    /**
     * tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)), and near 0, where that subtraction loses
     * precision, its Taylor series x - x³/3 + 2x⁵/15 - 17x⁷/315 (error below 3e-11 for |x| < 0.1).
     */
    @Override
    public void tanh(float[] v, int off, int len) {
        int i = off;
        int end = off + len;
        for (; i + L <= end; i += L) {
            FloatVector x = FloatVector.fromArray(F, v, i);
            FloatVector a = x.abs();
            FloatVector arg = a.mul(2f).min(18f);
            FloatVector t = arg.fma(LOG2E, ROUNDER);
            FloatVector n = t.sub(ROUNDER);
            FloatVector r = n.fma(c(-LN2_HI), arg);
            r = n.fma(c(-LN2_LO), r);
            FloatVector p = r.fma(c(1.9875691500E-4f), c(1.3981999507E-3f));
            p = p.fma(r, c(8.3334519073E-3f));
            p = p.fma(r, c(4.1665795894E-2f));
            p = p.fma(r, c(1.6666665459E-1f));
            p = p.fma(r, c(5.0000001201E-1f));
            p = p.fma(r.mul(r), r).add(1f);
            IntVector bits = t.reinterpretAsInts().sub(ROUNDER_BITS).add(127).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = p.mul(bits.reinterpretAsFloats());
            FloatVector far = c(1f).sub(c(2f).div(e.add(1f)));
            FloatVector x2 = x.mul(x);
            FloatVector series = x2.fma(c(-17f / 315f), c(2f / 15f)).fma(x2, c(-1f / 3f)).fma(x2, c(1f)).mul(a);
            VectorMask<Float> small = a.compare(VectorOperators.LT, 0.1f);
            FloatVector magnitude = far.blend(series, small);
            magnitude.blend(magnitude.neg(), x.compare(VectorOperators.LT, 0f)).intoArray(v, i);
        }
        for (; i < end; i++) {
            v[i] = (float) Math.tanh(v[i]);
        }
    }

    private static FloatVector c(float value) {
        return FloatVector.broadcast(F, value);
    }
}
