package io.sequin.kernel.panama;

import io.sequin.kernel.F32Panels;
import io.sequin.kernel.HalfPanels;
import io.sequin.kernel.Int8Columns;
import io.sequin.kernel.Int8Stacks;
import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.kernel.PanelKernels;
import io.sequin.kernel.PanelMatrix;
import io.sequin.kernel.ScalarKernels;
import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels written with the Vector API ({@code jdk.incubator.vector}), using only what JDK 17
 * and JDK 25 both have: array loads and stores, lanewise arithmetic, fma. They are tested
 * against {@link ScalarKernels}, the specification.
 *
 * <p>{@link #sigmoid} and {@link #tanh} are computed from a polynomial {@code exp}; their
 * largest absolute error against double-precision math is below 1.2e-7 (measured over
 * [-30, 30] in steps of 1.3e-4: 7.1e-8 for sigmoid, 8.4e-8 for tanh; the scalar kernels, rounded
 * once from double, 3.0e-8).
 *
 * <p>Weights in f16, bf16 or int8 are widened to float in registers as the products read them
 * (see {@link PackedMatrix} for the layouts); sums are kept in float, and an int8 row's sum is
 * multiplied by its scale once. {@code WideningBenchmark} in the bench module compares ways to
 * widen int8. The vector width is {@link VectorWidth}'s.
 *
 * <h2>Written for C2</h2>
 * A Vector API operation is fast and allocates nothing only when C2 turns it into an
 * intrinsic; otherwise every vector it touches is boxed on the heap. Three rules keep that true
 * on every CPU, JDK and compilation order, and {@code tools/JitCheck.java} checks them from a
 * compilation log (the CPU matrix in {@code .ci/run} runs it):
 * <ol>
 * <li><b>Every vector is typed exactly where it is made.</b> C2 expands the Vector API's
 *     intrinsics only after parsing a method, so while it parses, a vector returned by
 *     {@code fromArray}, {@code broadcast} or {@code reinterpretAsFloats} is just a
 *     {@code FloatVector}; an intrinsic needs its species as a constant, which C2 then has only if
 *     a type profile names the concrete class. On JDK 17 a profile that was still empty when C2
 *     compiled a kernel left a call virtual, {@code VectorSupport.store} failed ("missing
 *     constant: vclass=DecodeN"), and the kernel boxed a vector on every call for good
 *     (docs/PERFORMANCE.md tells how that was found). So loads,
 *     broadcasts, zeros and reinterpretations pass through {@code FV.cast}, {@code IV.cast} or
 *     {@code BV.cast}: {@code Class.cast} with a constant final class is an intrinsic that types
 *     its result exactly while parsing, whatever the profiles say, and the concrete classes'
 *     operations keep that type. Vectors carried around a loop are cast again where a call is made
 *     on them after it, since an on-stack-replacement entry knows them only by their declared
 *     type.
 * <li><b>Every method with vector code is small, and compiles alone.</b> Once C2 has created
 *     18,000 nodes while parsing one compilation (NodeCountInliningCutoff), it inlines the rest
 *     late, and a late {@code intoArray} can expand its store before the species is known; each
 *     Vector API call costs about 300 nodes. So the products are register tiles of at most about
 *     forty calls, each a method larger than C2's FreqInlineSize (325 bytecodes), which C2
 *     compiles alone; {@link #gemm}, which holds the loops over the tiles, is larger too, so no
 *     cell's compilation takes it in. The only vector method C2 may inline is a remainder loop
 *     of about a dozen calls ({@link #bf16Rest}), into {@code gemm}, well within the budget.
 * <li><b>No vector crosses a method call:</b> tiles take arrays and indices and write their sums
 *     into {@code y}, and no method takes or returns a vector, however small: C2 inlines a method
 *     of more than 35 bytecodes only where its call is hot, and a call it does not inline boxes
 *     the vector (a two-line int8 widening helper stayed a call in a rarely taken tail on
 *     JDK 25). The int8 widening and tanh's constants are written out where they are used.
 * </ol>
 *
 * <p><b>Loads are indexed by the loop's counter</b> ({@code s1 + k * L}, each panel's start set
 * before the loop), not by an offset stepped beside it ({@code o += L}). C2 moves the range check
 * of an index that is the counted loop's variable times a constant plus an invariant in front of
 * the loop; JDK 17's machine code for a stand-alone eight-panel product shows a compare and branch
 * before each of the stepped loop's eight loads, and none in the counted loop. On the AVX2 Zen 3
 * (JDK 25, {@code ProjectionBenchmark}, three interleaved rounds) the f32 products took 0.64-0.75
 * of their time, bf16's 0.72-0.98. The int8 stacks keep the stepped offset: counted, C2 unrolled
 * their loop and it took 1.36-1.74 times as long (with {@code -XX:LoopUnrollLimit=0} both forms
 * ran alike); a stack does four conversions a load, so its checks cost little. f16, whose
 * widening is some sixteen operations a column, measured no faster counted (0.95-1.07) and keeps
 * the stepped offset too; the int8 columns, used at 512 bits only, are as they were until
 * measured on an AVX-512 CPU. The counting changes no sum: each chain adds the same products in
 * the same order.
 *
 * <p>This class is loaded by name ({@code KernelSelection}) and nothing else in the runtime
 * refers to it, so a JVM without the incubator module never links it.
 */
public final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(VectorWidth.BITS));
    private static final int L = F.length();
    /** Ints of the float vector's width: a panel column of f16/bf16 pairs, or a stack column of int8. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** L bytes, a panel column of {@link Int8Columns}: only with 512-bit vectors or wider. */
    private static final VectorSpecies<Byte> B = L >= Int8Columns.MIN_PANEL ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    /** The concrete vector classes of these species: see rule 1 in the class comment. */
    private static final Class<? extends FloatVector> FV = FloatVector.zero(F).getClass();
    private static final Class<? extends IntVector> IV = IntVector.zero(I).getClass();
    private static final Class<? extends ByteVector> BV = B == null ? null : ByteVector.zero(B).getClass();

    /** Room for the int8 tiles' chains, per thread; allocated again only for a matrix with more rows than any before. */
    private final ThreadLocal<float[]> chains = new ThreadLocal<>();

    private float[] chains(int size) {
        float[] c = chains.get();
        if (c == null || c.length < size) {
            c = new float[size];
            chains.set(c);
        }
        return c;
    }

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public int vectorLanes() {
        return L;
    }

    @Override
    public String widthNote() {
        return VectorWidth.note();
    }

    /**
     * Eight panels: the most any product takes at once ({@link #gemm}: eight f32 panels for one
     * vector, and two int8 stacks of four; the other tiles take one, two or four, and int8 columns
     * group four), so a slice that starts at a multiple of it has its rows tiled, and summed,
     * exactly as in the whole matrix.
     */
    @Override
    public int rowGrain() {
        return L * 8;
    }

    @Override
    public PackedMatrix pack(MatrixSource m, int from, int rows) {
        return PackedMatrix.of(m, from, rows, L);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        gemm(w, x, xOff, 0, 1, y, yOff, 0);
    }

    /** W·x, then R·h, each into y: every weight is still read once per step. */
    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        if (w.rows != r.rows) {
            throw new IllegalArgumentException("gemv2 needs matrices with the same rows, got " + w.rows + " and " + r.rows);
        }
        gemm(w, x, xOff, 0, 1, y, yOff, 0);
        gemm(r, h, hOff, 0, 1, y, yOff, 0);
    }

    /** One matrix (laid out first if it is not: {@link PackedMatrix#layout}) times n vectors: {@link #panels}. */
    @Override
    public void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        panels(w.layout(), x, xOff, xStride, n, y, yOff, yStride);
    }

    /**
     * {@link #gemm} of a laid-out matrix: register tiles chosen by type and n, then what no tile
     * covers, one panel by one vector ({@code ...Rest}), then the rows past the last whole panel
     * in plain Java. The tile choice is written out here rather than in a method per type so that this
     * method too is larger than C2's FreqInlineSize and is never inlined into a cell's or a
     * session's compilation (rule 2 in the class comment).
     *
     * <ul>
     * <li>f32, one vector: eight panels at a time, eight fma chains. Up to eight vectors: two
     *     panels by four vectors, so the weights are read once per four vectors; more (a
     *     sequence's input projection): four panels by two vectors, which measured faster there.
     *     Both load six vectors per eight fmas.
     * <li>int8 ({@link Int8Stacks}, below 512 bits): two stacks of four panels by one vector,
     *     eight fma chains, one broadcast of x for all; more vectors one after another. Every
     *     tile sums a row the same way, so the tiling changes no bit.
     * <li>int8 ({@link Int8Columns}, 512 bits), one vector: a group of four panels (their
     *     columns lie side by side, one sequential stream), four fma chains. More vectors: two
     *     panels of a group by four vectors, each widened column serving four vectors.
     *     Either way each row's sum is multiplied by its scale once.
     * <li>bf16, one vector: four panels, even and odd columns in their own chains (eight). More:
     *     one panel by four vectors, even and odd columns apart (eight chains), so the weights
     *     are read once per four vectors (two panels by two read them twice as often, and
     *     measured 20-28% slower for eight streams).
     * <li>f16: the even columns of every panel, then the odd ones ({@link #f16Columns}); its
     *     widening is about sixteen vector operations a column, so one widened column serves at
     *     most four vectors, and a tile of more would pass C2's node budget. f16 saves memory,
     *     not time.
     * </ul>
     *
     * <p>Apart from {@code gemm} since a {@code layout()} at the top of this method went with a
     * once-off 320 bytes at a random call after the warm-up on JDK 17 ({@code WarmingKernelsTest},
     * 4 runs in 10; 0 in 20 after the split). Later found (JFR, 2026-12-06): a thread whose calls
     * queue a method for C2 allocates that class's string constants once, which fits those bytes
     * better than boxing; the test now counts the least of three attempts. Compiled alone this
     * method is as before, so the split stays.
     */
    private void panels(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        int full = w.rows / L;
        int cols = w.cols;
        int pDone = 0;
        int jDone = n;
        switch (w.type) {
            case F32: {
                float[] d = ((F32Panels) w).data();
                int s0 = ((F32Panels) w).start();
                int panel = cols * L;
                if (n == 1) {
                    for (; pDone + 8 <= full; pDone += 8) {
                        f32EightPanels(d, s0 + pDone * panel, panel, cols, x, xOff, y, yOff + pDone * L);
                    }
                } else if (n <= 8) {
                    jDone = n / 4 * 4;
                    for (; pDone + 2 <= full; pDone += 2) {
                        for (int j = 0; j < jDone; j += 4) {
                            f32TwoPanelsTimesFour(d, s0 + pDone * panel, panel, cols, x, xOff + j * xStride, xStride,
                                    y, yOff + j * yStride + pDone * L, yStride);
                        }
                    }
                } else {
                    jDone = n / 2 * 2;
                    for (; pDone + 4 <= full; pDone += 4) {
                        for (int j = 0; j < jDone; j += 2) {
                            f32FourPanelsTimesTwo(d, s0 + pDone * panel, panel, cols, x, xOff + j * xStride, xOff + (j + 1) * xStride,
                                    y, yOff + j * yStride + pDone * L, yOff + (j + 1) * yStride + pDone * L);
                        }
                    }
                }
                f32Rest(d, s0, panel, cols, full, pDone, jDone, x, xOff, xStride, n, y, yOff, yStride);
                break;
            }
            case INT8: {
                if (w instanceof Int8Columns) {
                    Int8Columns m = (Int8Columns) w;
                    byte[] d = m.data();
                    float[] scales = m.scales();
                    int sc0 = m.scaleStart();
                    if (n == 1) {
                        for (; pDone + Int8Columns.GROUP <= full; pDone += Int8Columns.GROUP) {
                            int8FourPanels(d, m.offset(pDone), cols, scales, sc0 + pDone * L, x, xOff, y, yOff + pDone * L);
                        }
                    } else {
                        jDone = n / 4 * 4;
                        // Pairs start at even panels, so both panels of a pair are in one group, with one stride.
                        for (; pDone + 2 <= full; pDone += 2) {
                            for (int j = 0; j < jDone; j += 4) {
                                int8TwoPanelsTimesFour(d, m.offset(pDone), m.columnStride(pDone), cols, scales, sc0 + pDone * L,
                                        x, xOff + j * xStride, xStride, y, yOff + j * yStride + pDone * L, yStride);
                            }
                        }
                    }
                    int8ColumnsRest(m, full, pDone, jDone, x, xOff, xStride, n, y, yOff, yStride);
                    break;
                }
                Int8Stacks m = (Int8Stacks) w;
                int[] d = m.data();
                float[] scales = m.scales();
                int sc0 = m.scaleStart();
                int stride = cols * L;
                int stacks = Int8Stacks.stacks(full);
                int stackRows = Int8Stacks.STACK * L;
                // One vector: every tile's chains first, row by row, then one pass takes them into y
                // (a pass per pair of stacks, as for more vectors, made an LSTM 64x128 step 8% slower:
                // 5.63 ± 0.44 against 5.19 ± 0.09 µs, JMH 3 forks, Zen 3).
                // More: each pair of stacks by one vector after another, so the pair's weights are
                // read from cache after the first; a tile that shared each widened column among two
                // vectors (twelve live vectors and more) had its accumulators spilled by C2 and ran
                // at a third of the speed. An odd stack out goes through the tile as both of its
                // stacks, half the work thrown away, so that no one-stack tile small enough for C2 to
                // inline into this method is needed (rule 2). A last stack in part (a slice may end
                // within one) is multiplied whole; only its whole panels' rows are added.
                float[] c = chains((stacks + 1) * stackRows);
                if (n == 1) {
                    for (int g = 0; g < stacks; g += 2) {
                        int8TwoStacks(d, m.offset(g), g + 1 < stacks ? stride : 0, cols, x, xOff, c, g * stackRows);
                    }
                    int8AddStacks(c, 0, full * L, scales, sc0, y, yOff);
                } else {
                    for (int g = 0; g < stacks; g += 2) {
                        int first = g * stackRows;
                        int count = Math.min(2 * stackRows, full * L - first);
                        for (int j = 0; j < n; j++) {
                            int8TwoStacks(d, m.offset(g), g + 1 < stacks ? stride : 0, cols, x, xOff + j * xStride, c, 0);
                            int8AddStacks(c, 0, count, scales, sc0 + first, y, yOff + j * yStride + first);
                        }
                    }
                }
                break;
            }
            case BF16: {
                int[] d = ((HalfPanels) w).pairs();
                int s0 = ((HalfPanels) w).start();
                int panel = (cols + 1) / 2 * L;
                if (n == 1) {
                    for (; pDone + 4 <= full; pDone += 4) {
                        bf16FourPanels(d, s0 + pDone * panel, panel, cols, x, xOff, y, yOff + pDone * L);
                    }
                } else {
                    jDone = n / 4 * 4;
                    for (; pDone < full; pDone++) {
                        for (int j = 0; j < jDone; j += 4) {
                            bf16PanelTimesFour(d, s0 + pDone * panel, cols, x, xOff + j * xStride, xStride, y, yOff + j * yStride + pDone * L, yStride);
                        }
                    }
                }
                bf16Rest(d, s0, panel, cols, full, pDone, jDone, x, xOff, xStride, n, y, yOff, yStride);
                break;
            }
            default:
                // Even columns, then odd ones.
                jDone = n / 4 * 4;
                int[] pairs = ((HalfPanels) w).pairs();
                int s0 = ((HalfPanels) w).start();
                for (int odd = 0; odd < 2; odd++) {
                    if (jDone > 0) {
                        f16ColumnsTimesFour(pairs, s0, (cols + 1) / 2 * L, cols, full, odd, x, xOff, xStride, jDone, y, yOff, yStride);
                    }
                    f16Columns(pairs, s0, (cols + 1) / 2 * L, cols, full, odd, x, xOff, xStride, jDone, n, y, yOff, yStride);
                }
        }
        for (int p = full; p * L < w.rows; p++) {
            for (int j = 0; j < n; j++) {
                partialPanel((PanelMatrix) w, x, xOff + j * xStride, y, yOff + j * yStride, p);
            }
        }
    }

    // ---- f32 -------------------------------------------------------------------------------

    /** Eight panels (from {@code d[s]}, each {@code panel} floats on) times one vector, into y. */
    private static void f32EightPanels(float[] d, int s, int panel, int cols, float[] x, int xj, float[] y, int out) {
        FloatVector a0 = FV.cast(FloatVector.fromArray(F, y, out));
        FloatVector a1 = FV.cast(FloatVector.fromArray(F, y, out + L));
        FloatVector a2 = FV.cast(FloatVector.fromArray(F, y, out + 2 * L));
        FloatVector a3 = FV.cast(FloatVector.fromArray(F, y, out + 3 * L));
        FloatVector a4 = FV.cast(FloatVector.fromArray(F, y, out + 4 * L));
        FloatVector a5 = FV.cast(FloatVector.fromArray(F, y, out + 5 * L));
        FloatVector a6 = FV.cast(FloatVector.fromArray(F, y, out + 6 * L));
        FloatVector a7 = FV.cast(FloatVector.fromArray(F, y, out + 7 * L));
        int s1 = s + panel, s2 = s + 2 * panel, s3 = s + 3 * panel, s4 = s + 4 * panel;
        int s5 = s + 5 * panel, s6 = s + 6 * panel, s7 = s + 7 * panel;
        for (int k = 0; k < cols; k++) {
            int o = k * L;
            FloatVector xk = FV.cast(FloatVector.broadcast(F, x[xj + k]));
            a0 = FV.cast(FloatVector.fromArray(F, d, s + o)).fma(xk, a0);
            a1 = FV.cast(FloatVector.fromArray(F, d, s1 + o)).fma(xk, a1);
            a2 = FV.cast(FloatVector.fromArray(F, d, s2 + o)).fma(xk, a2);
            a3 = FV.cast(FloatVector.fromArray(F, d, s3 + o)).fma(xk, a3);
            a4 = FV.cast(FloatVector.fromArray(F, d, s4 + o)).fma(xk, a4);
            a5 = FV.cast(FloatVector.fromArray(F, d, s5 + o)).fma(xk, a5);
            a6 = FV.cast(FloatVector.fromArray(F, d, s6 + o)).fma(xk, a6);
            a7 = FV.cast(FloatVector.fromArray(F, d, s7 + o)).fma(xk, a7);
        }
        FV.cast(a0).intoArray(y, out);
        FV.cast(a1).intoArray(y, out + L);
        FV.cast(a2).intoArray(y, out + 2 * L);
        FV.cast(a3).intoArray(y, out + 3 * L);
        FV.cast(a4).intoArray(y, out + 4 * L);
        FV.cast(a5).intoArray(y, out + 5 * L);
        FV.cast(a6).intoArray(y, out + 6 * L);
        FV.cast(a7).intoArray(y, out + 7 * L);
    }

    /**
     * Two panels (from {@code d[s]}) times four vectors ({@code x[x0 ..]}, each {@code xStride}
     * on), into {@code y[out ..]} (each {@code yStride} on).
     */
    private static void f32TwoPanelsTimesFour(float[] d, int s, int panel, int cols, float[] x, int x0, int xStride,
                                              float[] y, int out, int yStride) {
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a00 = FV.cast(FloatVector.fromArray(F, y, out));
        FloatVector a10 = FV.cast(FloatVector.fromArray(F, y, out + L));
        FloatVector a01 = FV.cast(FloatVector.fromArray(F, y, out + yStride));
        FloatVector a11 = FV.cast(FloatVector.fromArray(F, y, out + yStride + L));
        FloatVector a02 = FV.cast(FloatVector.fromArray(F, y, out + 2 * yStride));
        FloatVector a12 = FV.cast(FloatVector.fromArray(F, y, out + 2 * yStride + L));
        FloatVector a03 = FV.cast(FloatVector.fromArray(F, y, out + 3 * yStride));
        FloatVector a13 = FV.cast(FloatVector.fromArray(F, y, out + 3 * yStride + L));
        int s1 = s + panel;
        for (int k = 0; k < cols; k++) {
            FloatVector w0 = FV.cast(FloatVector.fromArray(F, d, s + k * L));
            FloatVector w1 = FV.cast(FloatVector.fromArray(F, d, s1 + k * L));
            FloatVector v0 = FV.cast(FloatVector.broadcast(F, x[x0 + k]));
            FloatVector v1 = FV.cast(FloatVector.broadcast(F, x[x1 + k]));
            FloatVector v2 = FV.cast(FloatVector.broadcast(F, x[x2 + k]));
            FloatVector v3 = FV.cast(FloatVector.broadcast(F, x[x3 + k]));
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            a02 = w0.fma(v2, a02);
            a03 = w0.fma(v3, a03);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            a12 = w1.fma(v2, a12);
            a13 = w1.fma(v3, a13);
        }
        FV.cast(a00).intoArray(y, out);
        FV.cast(a10).intoArray(y, out + L);
        FV.cast(a01).intoArray(y, out + yStride);
        FV.cast(a11).intoArray(y, out + yStride + L);
        FV.cast(a02).intoArray(y, out + 2 * yStride);
        FV.cast(a12).intoArray(y, out + 2 * yStride + L);
        FV.cast(a03).intoArray(y, out + 3 * yStride);
        FV.cast(a13).intoArray(y, out + 3 * yStride + L);
    }

    /** Four panels (from {@code d[s]}) times two vectors ({@code x[x0 ..]}, {@code x[x1 ..]}), into {@code y[o0 ..]}, {@code y[o1 ..]}. */
    private static void f32FourPanelsTimesTwo(float[] d, int s, int panel, int cols, float[] x, int x0, int x1,
                                              float[] y, int o0, int o1) {
        FloatVector a00 = FV.cast(FloatVector.fromArray(F, y, o0));
        FloatVector a10 = FV.cast(FloatVector.fromArray(F, y, o0 + L));
        FloatVector a20 = FV.cast(FloatVector.fromArray(F, y, o0 + 2 * L));
        FloatVector a30 = FV.cast(FloatVector.fromArray(F, y, o0 + 3 * L));
        FloatVector a01 = FV.cast(FloatVector.fromArray(F, y, o1));
        FloatVector a11 = FV.cast(FloatVector.fromArray(F, y, o1 + L));
        FloatVector a21 = FV.cast(FloatVector.fromArray(F, y, o1 + 2 * L));
        FloatVector a31 = FV.cast(FloatVector.fromArray(F, y, o1 + 3 * L));
        int s1 = s + panel, s2 = s + 2 * panel, s3 = s + 3 * panel;
        for (int k = 0; k < cols; k++) {
            int o = k * L;
            FloatVector v0 = FV.cast(FloatVector.broadcast(F, x[x0 + k]));
            FloatVector v1 = FV.cast(FloatVector.broadcast(F, x[x1 + k]));
            FloatVector w0 = FV.cast(FloatVector.fromArray(F, d, s + o));
            FloatVector w1 = FV.cast(FloatVector.fromArray(F, d, s1 + o));
            FloatVector w2 = FV.cast(FloatVector.fromArray(F, d, s2 + o));
            FloatVector w3 = FV.cast(FloatVector.fromArray(F, d, s3 + o));
            a00 = w0.fma(v0, a00);
            a10 = w1.fma(v0, a10);
            a20 = w2.fma(v0, a20);
            a30 = w3.fma(v0, a30);
            a01 = w0.fma(v1, a01);
            a11 = w1.fma(v1, a11);
            a21 = w2.fma(v1, a21);
            a31 = w3.fma(v1, a31);
        }
        FV.cast(a00).intoArray(y, o0);
        FV.cast(a10).intoArray(y, o0 + L);
        FV.cast(a20).intoArray(y, o0 + 2 * L);
        FV.cast(a30).intoArray(y, o0 + 3 * L);
        FV.cast(a01).intoArray(y, o1);
        FV.cast(a11).intoArray(y, o1 + L);
        FV.cast(a21).intoArray(y, o1 + 2 * L);
        FV.cast(a31).intoArray(y, o1 + 3 * L);
    }

    /**
     * What the tiles left of panels [0, full) times vectors [0, n): vectors [jDone, n) of panels
     * [0, pDone), and every vector of panels [pDone, full); one panel by one vector, even and odd
     * columns in their own fma chains.
     */
    private static void f32Rest(float[] d, int s0, int panel, int cols, int full, int pDone, int jDone,
                                float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        for (int p = 0; p < full; p++) {
            for (int j = p < pDone ? jDone : 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * L;
                FloatVector a = FV.cast(FloatVector.fromArray(F, y, out));
                FloatVector b = FV.cast(FloatVector.zero(F));
                int s = s0 + p * panel;
                int k = 0;
                for (; k + 2 <= cols; k += 2) {
                    a = FV.cast(FloatVector.fromArray(F, d, s + k * L)).fma(FV.cast(FloatVector.broadcast(F, x[xj + k])), a);
                    b = FV.cast(FloatVector.fromArray(F, d, s + L + k * L)).fma(FV.cast(FloatVector.broadcast(F, x[xj + k + 1])), b);
                }
                if (k < cols) {
                    a = FV.cast(FloatVector.fromArray(F, d, s + k * L)).fma(FV.cast(FloatVector.broadcast(F, x[xj + k])), a);
                }
                FV.cast(FV.cast(a).add(b)).intoArray(y, out);
            }
        }
    }

    // ---- int8 ------------------------------------------------------------------------------

    // Int8Stacks, below 512 bits: one int load is column k of a stack's four panels, panel j's
    // weight as w_j·2^(8j) of a sum. Shifted left by 8(3 - j) it leaves panel j's weight times
    // 2^24 plus the panels below it, exactly, and converts to float (panel 3's, unshifted, to
    // within 2^6); one broadcast of x serves all four panels. Each panel of a stack sums in one
    // chain from 0 over the columns in order; the tiles store the chains in c, row by row, and
    // int8AddStacks (PanelKernels.addInt8Stacks lane for lane) takes the panels below out of
    // each, scales back by 2^-24 and adds the row's scale times it to y, for one vector in one
    // pass after all tiles: apart from the tiles, which keeps each within C2's budget (rule 2).
    // The weights carry 2^24 (up to 2^31), so a product overflows for inputs beyond 2^97 (about
    // 10^29) rather than 2^128.

    /**
     * Two int8 stacks (from {@code d[s]}, the second {@code stride} ints on; 0 for one stack
     * twice) times one vector: their chains into {@code c[at .. at + 8L)}, row by row.
     */
    private static void int8TwoStacks(int[] d, int s, int stride, int cols, float[] x, int xj, float[] c, int at) {
        FloatVector zero = FV.cast(FloatVector.zero(F));
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        FloatVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        for (int k = 0, o = s; k < cols; k++, o += L) {
            FloatVector xk = FV.cast(FloatVector.broadcast(F, x[xj + k]));
            IntVector u = IV.cast(IntVector.fromArray(I, d, o));
            IntVector v = IV.cast(IntVector.fromArray(I, d, o + stride));
            a3 = FV.cast(u.convert(VectorOperators.I2F, 0)).fma(xk, a3);
            a2 = FV.cast(u.lanewise(VectorOperators.LSHL, 8).convert(VectorOperators.I2F, 0)).fma(xk, a2);
            a1 = FV.cast(u.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).fma(xk, a1);
            a0 = FV.cast(u.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, a0);
            b3 = FV.cast(v.convert(VectorOperators.I2F, 0)).fma(xk, b3);
            b2 = FV.cast(v.lanewise(VectorOperators.LSHL, 8).convert(VectorOperators.I2F, 0)).fma(xk, b2);
            b1 = FV.cast(v.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).fma(xk, b1);
            b0 = FV.cast(v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).fma(xk, b0);
        }
        FV.cast(a0).intoArray(c, at);
        FV.cast(a1).intoArray(c, at + L);
        FV.cast(a2).intoArray(c, at + 2 * L);
        FV.cast(a3).intoArray(c, at + 3 * L);
        FV.cast(b0).intoArray(c, at + 4 * L);
        FV.cast(b1).intoArray(c, at + 5 * L);
        FV.cast(b2).intoArray(c, at + 6 * L);
        FV.cast(b3).intoArray(c, at + 7 * L);
    }

    /**
     * {@code PanelKernels.addInt8Stacks} in vectors, lane for lane the same operations: rows
     * {@code [0, count)} of whole stacks' chains from {@code c[from]} (count a multiple of L)
     * into {@code y[out ..]}.
     */
    private static void int8AddStacks(float[] c, int from, int count, float[] scales, int sc, float[] y, int out) {
        FloatVector below8 = FV.cast(FloatVector.broadcast(F, -0x1p-8f));
        FloatVector below16 = FV.cast(FloatVector.broadcast(F, -0x1p-16f));
        FloatVector below24 = FV.cast(FloatVector.broadcast(F, -0x1p-24f));
        for (int g = 0; g < count; g += Int8Stacks.STACK * L) {
            int at = from + g;
            FloatVector e0 = FV.cast(FloatVector.fromArray(F, c, at));
            FloatVector e1 = e0.fma(below8, FV.cast(FloatVector.fromArray(F, c, at + L)));
            FloatVector e2 = e1.fma(below8, e0.fma(below16, FV.cast(FloatVector.fromArray(F, c, at + 2 * L))));
            FloatVector e3 = e2.fma(below8, e1.fma(below16, e0.fma(below24, FV.cast(FloatVector.fromArray(F, c, at + 3 * L)))));
            int r = out + g;
            int q = sc + g;
            e0.mul(0x1p-24f).fma(FV.cast(FloatVector.fromArray(F, scales, q)), FV.cast(FloatVector.fromArray(F, y, r))).intoArray(y, r);
            if (g + L < count) {
                e1.mul(0x1p-24f).fma(FV.cast(FloatVector.fromArray(F, scales, q + L)), FV.cast(FloatVector.fromArray(F, y, r + L)))
                        .intoArray(y, r + L);
            }
            if (g + 2 * L < count) {
                e2.mul(0x1p-24f).fma(FV.cast(FloatVector.fromArray(F, scales, q + 2 * L)), FV.cast(FloatVector.fromArray(F, y, r + 2 * L)))
                        .intoArray(y, r + 2 * L);
            }
            if (g + 3 * L < count) {
                e3.mul(0x1p-24f).fma(FV.cast(FloatVector.fromArray(F, scales, q + 3 * L)), FV.cast(FloatVector.fromArray(F, y, r + 3 * L)))
                        .intoArray(y, r + 3 * L);
            }
        }
    }

    // Int8Columns, with 512-bit vectors: a column of a panel is one byte load, widened by a
    // sign-extending conversion.

    /** A whole group of four int8 panels (column 0 at {@code d[s]}) times one vector, into y. */
    private static void int8FourPanels(byte[] d, int s, int cols, float[] scales, int sc, float[] x, int xj, float[] y, int out) {
        FloatVector zero = FV.cast(FloatVector.zero(F));
        FloatVector a0 = zero;
        FloatVector a1 = zero;
        FloatVector a2 = zero;
        FloatVector a3 = zero;
        for (int k = 0, o = s; k < cols; k++, o += 4 * L) {
            FloatVector xk = FV.cast(FloatVector.broadcast(F, x[xj + k]));
            FloatVector w0 = FV.cast(BV.cast(ByteVector.fromArray(B, d, o)).convertShape(VectorOperators.B2F, F, 0));
            FloatVector w1 = FV.cast(BV.cast(ByteVector.fromArray(B, d, o + L)).convertShape(VectorOperators.B2F, F, 0));
            FloatVector w2 = FV.cast(BV.cast(ByteVector.fromArray(B, d, o + 2 * L)).convertShape(VectorOperators.B2F, F, 0));
            FloatVector w3 = FV.cast(BV.cast(ByteVector.fromArray(B, d, o + 3 * L)).convertShape(VectorOperators.B2F, F, 0));
            a0 = w0.fma(xk, a0);
            a1 = w1.fma(xk, a1);
            a2 = w2.fma(xk, a2);
            a3 = w3.fma(xk, a3);
        }
        FV.cast(a0).fma(FV.cast(FloatVector.fromArray(F, scales, sc)), FV.cast(FloatVector.fromArray(F, y, out))).intoArray(y, out);
        FV.cast(a1).fma(FV.cast(FloatVector.fromArray(F, scales, sc + L)), FV.cast(FloatVector.fromArray(F, y, out + L)))
                .intoArray(y, out + L);
        FV.cast(a2).fma(FV.cast(FloatVector.fromArray(F, scales, sc + 2 * L)), FV.cast(FloatVector.fromArray(F, y, out + 2 * L)))
                .intoArray(y, out + 2 * L);
        FV.cast(a3).fma(FV.cast(FloatVector.fromArray(F, scales, sc + 3 * L)), FV.cast(FloatVector.fromArray(F, y, out + 3 * L)))
                .intoArray(y, out + 3 * L);
    }

    /**
     * Two int8 panels of one group (the first's column 0 at {@code d[s0]}, the second's right
     * after it; columns {@code stride} apart) times four vectors, into y.
     */
    private static void int8TwoPanelsTimesFour(byte[] d, int s0, int stride, int cols, float[] scales, int sc, float[] x, int x0, int xStride,
                                               float[] y, int out, int yStride) {
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector zero = FV.cast(FloatVector.zero(F));
        FloatVector a00 = zero, a01 = zero, a02 = zero, a03 = zero;
        FloatVector a10 = zero, a11 = zero, a12 = zero, a13 = zero;
        for (int k = 0, o = s0; k < cols; k++, o += stride) {
            FloatVector w0 = FV.cast(BV.cast(ByteVector.fromArray(B, d, o)).convertShape(VectorOperators.B2F, F, 0));
            FloatVector w1 = FV.cast(BV.cast(ByteVector.fromArray(B, d, o + L)).convertShape(VectorOperators.B2F, F, 0));
            FloatVector v0 = FV.cast(FloatVector.broadcast(F, x[x0 + k]));
            FloatVector v1 = FV.cast(FloatVector.broadcast(F, x[x1 + k]));
            FloatVector v2 = FV.cast(FloatVector.broadcast(F, x[x2 + k]));
            FloatVector v3 = FV.cast(FloatVector.broadcast(F, x[x3 + k]));
            a00 = w0.fma(v0, a00);
            a01 = w0.fma(v1, a01);
            a02 = w0.fma(v2, a02);
            a03 = w0.fma(v3, a03);
            a10 = w1.fma(v0, a10);
            a11 = w1.fma(v1, a11);
            a12 = w1.fma(v2, a12);
            a13 = w1.fma(v3, a13);
        }
        FloatVector scale0 = FV.cast(FloatVector.fromArray(F, scales, sc));
        FloatVector scale1 = FV.cast(FloatVector.fromArray(F, scales, sc + L));
        FV.cast(a00).fma(scale0, FV.cast(FloatVector.fromArray(F, y, out))).intoArray(y, out);
        FV.cast(a10).fma(scale1, FV.cast(FloatVector.fromArray(F, y, out + L))).intoArray(y, out + L);
        FV.cast(a01).fma(scale0, FV.cast(FloatVector.fromArray(F, y, out + yStride))).intoArray(y, out + yStride);
        FV.cast(a11).fma(scale1, FV.cast(FloatVector.fromArray(F, y, out + yStride + L))).intoArray(y, out + yStride + L);
        FV.cast(a02).fma(scale0, FV.cast(FloatVector.fromArray(F, y, out + 2 * yStride))).intoArray(y, out + 2 * yStride);
        FV.cast(a12).fma(scale1, FV.cast(FloatVector.fromArray(F, y, out + 2 * yStride + L))).intoArray(y, out + 2 * yStride + L);
        FV.cast(a03).fma(scale0, FV.cast(FloatVector.fromArray(F, y, out + 3 * yStride))).intoArray(y, out + 3 * yStride);
        FV.cast(a13).fma(scale1, FV.cast(FloatVector.fromArray(F, y, out + 3 * yStride + L))).intoArray(y, out + 3 * yStride + L);
    }

    /**
     * What the tiles left of int8 panels [0, full) times vectors [0, n), as {@link #f32Rest}
     * divides it; one panel (column 0 at {@code offset(p)}, columns {@code columnStride(p)}
     * apart) by one vector, even and odd columns in their own fma chains.
     */
    private static void int8ColumnsRest(Int8Columns w, int full, int pDone, int jDone,
                                        float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        byte[] d = w.data();
        float[] scales = w.scales();
        int sc0 = w.scaleStart();
        int cols = w.cols;
        for (int p = 0; p < full; p++) {
            int s = w.offset(p);
            int stride = w.columnStride(p);
            for (int j = p < pDone ? jDone : 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * L;
                FloatVector a = FV.cast(FloatVector.zero(F));
                FloatVector b = a;
                int k = 0;
                for (; k + 2 <= cols; k += 2) {
                    FloatVector even = FV.cast(BV.cast(ByteVector.fromArray(B, d, s + k * stride)).convertShape(VectorOperators.B2F, F, 0));
                    FloatVector odd = FV.cast(BV.cast(ByteVector.fromArray(B, d, s + (k + 1) * stride)).convertShape(VectorOperators.B2F, F, 0));
                    a = even.fma(FV.cast(FloatVector.broadcast(F, x[xj + k])), a);
                    b = odd.fma(FV.cast(FloatVector.broadcast(F, x[xj + k + 1])), b);
                }
                if (k < cols) {
                    FloatVector last = FV.cast(BV.cast(ByteVector.fromArray(B, d, s + k * stride)).convertShape(VectorOperators.B2F, F, 0));
                    a = last.fma(FV.cast(FloatVector.broadcast(F, x[xj + k])), a);
                }
                FV.cast(FV.cast(a).add(b)).fma(FV.cast(FloatVector.fromArray(F, scales, sc0 + p * L)), FV.cast(FloatVector.fromArray(F, y, out)))
                        .intoArray(y, out);
            }
        }
    }

    // ---- bf16 ------------------------------------------------------------------------------
    // One int load holds columns 2q and 2q+1 of a panel: shifting the low half up and masking
    // the high half each give a float vector, the whole widening. With an odd column count the
    // last pair's high half is zero (HalfPanels pads it) and is multiplied by 0, not by an
    // element past the end of x, so no tile needs a tail for the last column.

    /** Four bf16 panels (from {@code d[s]}, each {@code panel} ints on) times one vector, into y. */
    private static void bf16FourPanels(int[] d, int s, int panel, int cols, float[] x, int xj, float[] y, int out) {
        FloatVector zero = FV.cast(FloatVector.zero(F));
        FloatVector a0 = FV.cast(FloatVector.fromArray(F, y, out));
        FloatVector a1 = FV.cast(FloatVector.fromArray(F, y, out + L));
        FloatVector a2 = FV.cast(FloatVector.fromArray(F, y, out + 2 * L));
        FloatVector a3 = FV.cast(FloatVector.fromArray(F, y, out + 3 * L));
        FloatVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        IntVector high = IV.cast(IntVector.broadcast(I, 0xFFFF0000));
        int s1 = s + panel, s2 = s + 2 * panel, s3 = s + 3 * panel;
        for (int k = 0; k < cols; k += 2) {
            int o = k * (L / 2);
            FloatVector even = FV.cast(FloatVector.broadcast(F, x[xj + k]));
            FloatVector odd = FV.cast(FloatVector.broadcast(F, k + 1 < cols ? x[xj + k + 1] : 0f));
            IntVector p0 = IV.cast(IntVector.fromArray(I, d, s + o));
            IntVector p1 = IV.cast(IntVector.fromArray(I, d, s1 + o));
            IntVector p2 = IV.cast(IntVector.fromArray(I, d, s2 + o));
            IntVector p3 = IV.cast(IntVector.fromArray(I, d, s3 + o));
            a0 = FV.cast(p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a0);
            a1 = FV.cast(p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a1);
            a2 = FV.cast(p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a2);
            a3 = FV.cast(p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(even, a3);
            b0 = FV.cast(p0.and(high).reinterpretAsFloats()).fma(odd, b0);
            b1 = FV.cast(p1.and(high).reinterpretAsFloats()).fma(odd, b1);
            b2 = FV.cast(p2.and(high).reinterpretAsFloats()).fma(odd, b2);
            b3 = FV.cast(p3.and(high).reinterpretAsFloats()).fma(odd, b3);
        }
        FV.cast(a0).add(b0).intoArray(y, out);
        FV.cast(a1).add(b1).intoArray(y, out + L);
        FV.cast(a2).add(b2).intoArray(y, out + 2 * L);
        FV.cast(a3).add(b3).intoArray(y, out + 3 * L);
    }

    /** One bf16 panel (from {@code d[s]}) times four vectors ({@code x[x0 ..]}, each {@code xStride} on), into y. */
    private static void bf16PanelTimesFour(int[] d, int s, int cols, float[] x, int x0, int xStride, float[] y, int out, int yStride) {
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector zero = FV.cast(FloatVector.zero(F));
        FloatVector a0 = FV.cast(FloatVector.fromArray(F, y, out));
        FloatVector a1 = FV.cast(FloatVector.fromArray(F, y, out + yStride));
        FloatVector a2 = FV.cast(FloatVector.fromArray(F, y, out + 2 * yStride));
        FloatVector a3 = FV.cast(FloatVector.fromArray(F, y, out + 3 * yStride));
        FloatVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        IntVector high = IV.cast(IntVector.broadcast(I, 0xFFFF0000));
        for (int k = 0; k < cols; k += 2) {
            IntVector pair = IV.cast(IntVector.fromArray(I, d, s + k * (L / 2)));
            FloatVector even = FV.cast(pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats());
            FloatVector odd = FV.cast(pair.and(high).reinterpretAsFloats());
            boolean last = k + 1 == cols;
            a0 = even.fma(FV.cast(FloatVector.broadcast(F, x[x0 + k])), a0);
            a1 = even.fma(FV.cast(FloatVector.broadcast(F, x[x1 + k])), a1);
            a2 = even.fma(FV.cast(FloatVector.broadcast(F, x[x2 + k])), a2);
            a3 = even.fma(FV.cast(FloatVector.broadcast(F, x[x3 + k])), a3);
            b0 = odd.fma(FV.cast(FloatVector.broadcast(F, last ? 0f : x[x0 + k + 1])), b0);
            b1 = odd.fma(FV.cast(FloatVector.broadcast(F, last ? 0f : x[x1 + k + 1])), b1);
            b2 = odd.fma(FV.cast(FloatVector.broadcast(F, last ? 0f : x[x2 + k + 1])), b2);
            b3 = odd.fma(FV.cast(FloatVector.broadcast(F, last ? 0f : x[x3 + k + 1])), b3);
        }
        FV.cast(a0).add(b0).intoArray(y, out);
        FV.cast(a1).add(b1).intoArray(y, out + yStride);
        FV.cast(a2).add(b2).intoArray(y, out + 2 * yStride);
        FV.cast(a3).add(b3).intoArray(y, out + 3 * yStride);
    }

    /**
     * What the tiles left of bf16 panels [0, full) times vectors [0, n), as {@link #f32Rest}
     * divides it; one panel by one vector, even and odd columns in their own fma chains.
     */
    private static void bf16Rest(int[] d, int s0, int panel, int cols, int full, int pDone, int jDone,
                                 float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        for (int p = 0; p < full; p++) {
            for (int j = p < pDone ? jDone : 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * L;
                FloatVector a = FV.cast(FloatVector.fromArray(F, y, out));
                FloatVector b = FV.cast(FloatVector.zero(F));
                int s = s0 + p * panel;
                for (int k = 0; k < cols; k += 2) {
                    IntVector pair = IV.cast(IntVector.fromArray(I, d, s + k * (L / 2)));
                    a = FV.cast(pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats())
                            .fma(FV.cast(FloatVector.broadcast(F, x[xj + k])), a);
                    b = FV.cast(pair.and(0xFFFF0000).reinterpretAsFloats())
                            .fma(FV.cast(FloatVector.broadcast(F, k + 1 < cols ? x[xj + k + 1] : 0f)), b);
                }
                FV.cast(FV.cast(a).add(b)).intoArray(y, out);
            }
        }
    }

    // ---- f16 -------------------------------------------------------------------------------

    /**
     * The even ({@code odd == 0}) or odd columns of f16 panels [0, full) times vectors
     * [jFrom, n), one panel by one vector, added into y. Column 2q is the low half of pair q and
     * 2q+1 the high half; shifting the low half up puts either where {@code widen} reads it.
     * With an odd column count the last pair's high half is zero and is multiplied by 0, not by
     * an element past the end of x.
     *
     * <p>The widening is exact: a normal f16 moves its exponent and mantissa into place
     * ({@code m = (u >>> 3) & 0x0FFFE000} for an f16 in the upper half of u) and rebiases the
     * exponent (+112); a subnormal one (exponent 0, found without a mask as
     * {@code z = (m - 2^23) >>> 31}) is rebiased by one more (+113), giving
     * 2^-14 * (1 + m/1024), and 2^-14 is subtracted, so no denormal float ever enters the
     * arithmetic (slow on x86); then the sign is put back. Infinities and NaN are not decoded:
     * the model loader rejects f16 weights that hold them. It is written out in each tile (a
     * helper returning a vector could be left uninlined, rule 3).
     */
    private static void f16Columns(int[] d, int s0, int panel, int cols, int full, int odd,
                                   float[] x, int xOff, int xStride, int jFrom, int n, float[] y, int yOff, int yStride) {
        IntVector mantissa = IV.cast(IntVector.broadcast(I, 0x0FFFE000));
        IntVector hidden = IV.cast(IntVector.broadcast(I, 0x00800000));
        IntVector rebias = IV.cast(IntVector.broadcast(I, 0x38000000));
        IntVector subnormal = IV.cast(IntVector.broadcast(I, 0x38800000));
        IntVector sign = IV.cast(IntVector.broadcast(I, 0x80000000));
        int shift = odd == 0 ? 16 : 0;
        for (int p = 0; p < full; p++) {
            for (int j = jFrom; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * L;
                FloatVector a = FV.cast(FloatVector.fromArray(F, y, out));
                for (int k = odd, o = s0 + p * panel; k < cols + odd; k += 2, o += L) {
                    IntVector h = IV.cast(IntVector.fromArray(I, d, o)).lanewise(VectorOperators.LSHL, shift);
                    IntVector m = h.lanewise(VectorOperators.LSHR, 3).and(mantissa);
                    IntVector z = m.sub(hidden).lanewise(VectorOperators.LSHR, 31);
                    FloatVector magnitude = FV.cast(m.add(rebias).add(z.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats())
                            .sub(FV.cast(z.neg().and(subnormal).reinterpretAsFloats()));
                    FloatVector weight = FV.cast(IV.cast(magnitude.reinterpretAsInts()).or(h.and(sign)).reinterpretAsFloats());
                    a = weight.fma(FV.cast(FloatVector.broadcast(F, k < cols ? x[xj + k] : 0f)), a);
                }
                FV.cast(a).intoArray(y, out);
            }
        }
    }

    /**
     * As {@link #f16Columns}, for vectors [0, jTo) four at a time: each column widened once for
     * four vectors.
     */
    private static void f16ColumnsTimesFour(int[] d, int s0, int panel, int cols, int full, int odd,
                                            float[] x, int xOff, int xStride, int jTo, float[] y, int yOff, int yStride) {
        IntVector mantissa = IV.cast(IntVector.broadcast(I, 0x0FFFE000));
        IntVector hidden = IV.cast(IntVector.broadcast(I, 0x00800000));
        IntVector rebias = IV.cast(IntVector.broadcast(I, 0x38000000));
        IntVector subnormal = IV.cast(IntVector.broadcast(I, 0x38800000));
        IntVector sign = IV.cast(IntVector.broadcast(I, 0x80000000));
        int shift = odd == 0 ? 16 : 0;
        for (int p = 0; p < full; p++) {
            for (int j = 0; j < jTo; j += 4) {
                int x0 = xOff + j * xStride;
                int out = yOff + j * yStride + p * L;
                FloatVector a0 = FV.cast(FloatVector.fromArray(F, y, out));
                FloatVector a1 = FV.cast(FloatVector.fromArray(F, y, out + yStride));
                FloatVector a2 = FV.cast(FloatVector.fromArray(F, y, out + 2 * yStride));
                FloatVector a3 = FV.cast(FloatVector.fromArray(F, y, out + 3 * yStride));
                for (int k = odd, o = s0 + p * panel; k < cols + odd; k += 2, o += L) {
                    IntVector h = IV.cast(IntVector.fromArray(I, d, o)).lanewise(VectorOperators.LSHL, shift);
                    IntVector m = h.lanewise(VectorOperators.LSHR, 3).and(mantissa);
                    IntVector z = m.sub(hidden).lanewise(VectorOperators.LSHR, 31);
                    FloatVector magnitude = FV.cast(m.add(rebias).add(z.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats())
                            .sub(FV.cast(z.neg().and(subnormal).reinterpretAsFloats()));
                    FloatVector weight = FV.cast(IV.cast(magnitude.reinterpretAsInts()).or(h.and(sign)).reinterpretAsFloats());
                    boolean past = k >= cols;
                    a0 = weight.fma(FV.cast(FloatVector.broadcast(F, past ? 0f : x[x0 + k])), a0);
                    a1 = weight.fma(FV.cast(FloatVector.broadcast(F, past ? 0f : x[x0 + xStride + k])), a1);
                    a2 = weight.fma(FV.cast(FloatVector.broadcast(F, past ? 0f : x[x0 + 2 * xStride + k])), a2);
                    a3 = weight.fma(FV.cast(FloatVector.broadcast(F, past ? 0f : x[x0 + 3 * xStride + k])), a3);
                }
                FV.cast(a0).intoArray(y, out);
                FV.cast(a1).intoArray(y, out + yStride);
                FV.cast(a2).intoArray(y, out + 2 * yStride);
                FV.cast(a3).intoArray(y, out + 3 * yStride);
            }
        }
    }

    // ---- rows past the last whole panel -------------------------------------------------------

    /** The rows of panel p, in plain Java: the last panel when the rows are not a multiple of the vector width. */
    private static void partialPanel(PanelMatrix m, float[] v, int vOff, float[] y, int yOff, int p) {
        for (int row = p * L; row < Math.min(m.rows, (p + 1) * L); row++) {
            float s = 0;
            for (int k = 0; k < m.cols; k++) {
                s += m.element(row, k) * v[vOff + k];
            }
            y[yOff + row] += m.type == WeightType.INT8 ? s * m.scale(row) : s;
        }
    }

    // ---- activations ---------------------------------------------------------------------------

    // exp(x) = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2)/2; e^r by Cephes' expf
    // polynomial. The constants are PanelKernels', whose tanhLane is this code lane by lane.

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
     * The constants are made once, before the loop, so each use in it is one vector operation.
     * The method is larger than C2's FreqInlineSize (325 bytecodes), so it compiles as its own
     * root, never inlined into a cell, which keeps the cell's compilation small (rule 2).
     */
    @Override
    public void tanh(float[] v, int off, int len) {
        FloatVector zero = FV.cast(FloatVector.zero(F));
        FloatVector one = FV.cast(FloatVector.broadcast(F, 1f));
        FloatVector two = FV.cast(FloatVector.broadcast(F, 2f));
        FloatVector cap = FV.cast(FloatVector.broadcast(F, PanelKernels.EXP_CAP));
        FloatVector tenth = FV.cast(FloatVector.broadcast(F, PanelKernels.SERIES_BELOW));
        FloatVector log2e = FV.cast(FloatVector.broadcast(F, PanelKernels.LOG2E));
        FloatVector rounder = FV.cast(FloatVector.broadcast(F, PanelKernels.ROUNDER));
        FloatVector ln2Hi = FV.cast(FloatVector.broadcast(F, -PanelKernels.LN2_HI));
        FloatVector ln2Lo = FV.cast(FloatVector.broadcast(F, -PanelKernels.LN2_LO));
        FloatVector e0 = FV.cast(FloatVector.broadcast(F, PanelKernels.E0));
        FloatVector e1 = FV.cast(FloatVector.broadcast(F, PanelKernels.E1));
        FloatVector e2 = FV.cast(FloatVector.broadcast(F, PanelKernels.E2));
        FloatVector e3 = FV.cast(FloatVector.broadcast(F, PanelKernels.E3));
        FloatVector e4 = FV.cast(FloatVector.broadcast(F, PanelKernels.E4));
        FloatVector e5 = FV.cast(FloatVector.broadcast(F, PanelKernels.E5));
        FloatVector t7 = FV.cast(FloatVector.broadcast(F, PanelKernels.T7));
        FloatVector t5 = FV.cast(FloatVector.broadcast(F, PanelKernels.T5));
        FloatVector t3 = FV.cast(FloatVector.broadcast(F, PanelKernels.T3));
        IntVector bias = IV.cast(IntVector.broadcast(I, 127 - PanelKernels.ROUNDER_BITS));
        int i = off;
        int end = off + len;
        for (; i + L <= end; i += L) {
            FloatVector x = FV.cast(FloatVector.fromArray(F, v, i));
            FloatVector a = x.abs();
            FloatVector arg = a.mul(two).min(cap);
            FloatVector t = arg.fma(log2e, rounder);
            FloatVector n = t.sub(rounder);
            FloatVector r = n.fma(ln2Hi, arg);
            r = n.fma(ln2Lo, r);
            FloatVector p = r.fma(e0, e1);
            p = p.fma(r, e2);
            p = p.fma(r, e3);
            p = p.fma(r, e4);
            p = p.fma(r, e5);
            p = p.fma(r.mul(r), r).add(one);
            FloatVector pow2n = FV.cast(IV.cast(t.reinterpretAsInts()).add(bias).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector far = one.sub(two.div(p.mul(pow2n).add(one)));
            FloatVector x2 = x.mul(x);
            FloatVector series = x2.fma(t7, t5).fma(x2, t3).fma(x2, one).mul(a);
            FloatVector magnitude = far.blend(series, a.compare(VectorOperators.LT, tenth));
            FV.cast(magnitude.blend(magnitude.neg(), x.compare(VectorOperators.LT, zero))).intoArray(v, i);
        }
        for (; i < end; i++) {
            v[i] = (float) Math.tanh(v[i]);
        }
    }
}
