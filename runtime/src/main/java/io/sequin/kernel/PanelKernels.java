package io.sequin.kernel;

import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightType;
import java.util.Arrays;

/**
 * The Panama kernels' arithmetic in plain Java, lane by lane: over the same panel layouts, each
 * row summed in the same fma chains, in the same order, as the vector code sums it, so the
 * results are the same bit for bit. It is the specification of {@code PanamaKernels} down to the
 * last bit ({@code PanelKernelsTest} holds them to it), and what a JVM's default Panama kernels run
 * while the vector code is still interpreted ({@link WarmingKernels}), which needs no Vector API
 * class and no compilation to be fast.
 *
 * <p>How the vector code splits the work, which this class follows: a matrix's whole panels go
 * through register tiles or, where no tile fits, a remainder loop ({@code ...Rest}); the rows past
 * the last whole panel through a plain loop. An f32 tile sums each row in one fma chain starting
 * from y, an f32 remainder loop in two chains, even and odd columns, added at the end; bf16
 * always in two chains; int8 stacks always in one chain per panel from 0, then
 * {@link #addInt8Stacks}; int8 columns in one from 0 in a tile and two in the remainder, then
 * {@code fma(sum, scale, y)}; f16 in an even pass and an odd pass
 * over y. Which panels and vectors the tiles take depends on the type and the number of vectors,
 * as written in {@link #gemm}.
 */
@DesktopOnly
public final class PanelKernels implements Kernels {
    // tanh's constants, which PanamaKernels uses too. exp(x) = 2^n * e^r with n = round(x / ln 2)
    // and |r| <= ln(2)/2; e^r by Cephes' expf polynomial.
    public static final float LOG2E = 1.44269504088896341f;
    public static final float LN2_HI = 0.693359375f;
    public static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float to an integer held in the low mantissa bits. */
    public static final float ROUNDER = 12582912f;
    public static final int ROUNDER_BITS = 0x4B400000;
    public static final float E0 = 1.9875691500E-4f;
    public static final float E1 = 1.3981999507E-3f;
    public static final float E2 = 8.3334519073E-3f;
    public static final float E3 = 4.1665795894E-2f;
    public static final float E4 = 1.6666665459E-1f;
    public static final float E5 = 5.0000001201E-1f;
    /** tanh's Taylor series near 0: x - x³/3 + 2x⁵/15 - 17x⁷/315. */
    public static final float T3 = -1f / 3f;
    public static final float T5 = 2f / 15f;
    public static final float T7 = -17f / 315f;
    /** Below this |x|, tanh is its series. */
    public static final float SERIES_BELOW = 0.1f;
    /** 2|x| is capped here before exp: tanh is 1 in float long before. */
    public static final float EXP_CAP = 18f;

    private final int lanes;
    private final String widthNote;

    /** For Panama kernels of {@code lanes} floats a vector. */
    public PanelKernels(int lanes, String widthNote) {
        if (lanes < 2) {
            throw new IllegalArgumentException("panels of " + lanes + " lanes");
        }
        this.lanes = lanes;
        this.widthNote = widthNote;
    }

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public int vectorLanes() {
        return lanes;
    }

    @Override
    public String widthNote() {
        return widthNote;
    }

    @Override
    public int rowGrain() {
        return lanes * 8;
    }

    @Override
    public PackedMatrix pack(MatrixSource m, int from, int rows) {
        return PackedMatrix.of(m, from, rows, lanes);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        gemm(w, x, xOff, 0, 1, y, yOff, 0);
    }

    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        ScalarKernels.requireSameRows(w, r);
        gemm(w, x, xOff, 0, 1, y, yOff, 0);
        gemm(r, h, hOff, 0, 1, y, yOff, 0);
    }

    @Override
    public void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        PanelMatrix m = (PanelMatrix) w.layout();
        int full = m.rows / lanes;
        // The panels [0, pDone) by vectors [0, jDone) that the vector code's tiles take.
        int pDone;
        int jDone;
        switch (m.type) {
            case F32:
                f32((F32Panels) m, full, f32TilePanels(full, n), f32TileVectors(n), x, xOff, xStride, n, y, yOff, yStride);
                break;
            case INT8:
                if (m instanceof Int8Columns) {
                    if (n == 1) {
                        pDone = full / Int8Columns.GROUP * Int8Columns.GROUP;
                        jDone = 1;
                    } else {
                        pDone = full / 2 * 2;
                        jDone = n / 4 * 4;
                    }
                    int8Columns((Int8Columns) m, full, pDone, jDone, x, xOff, xStride, n, y, yOff, yStride);
                    break;
                }
                // Every Int8Stacks tile sums a row alike.
                int8((Int8Stacks) m, full, x, xOff, xStride, n, y, yOff, yStride);
                break;
            case BF16:
                // Tiles and remainder sum a bf16 row alike.
                bf16((HalfPanels) m, full, x, xOff, xStride, n, y, yOff, yStride);
                break;
            default:
                f16((HalfPanels) m, full, x, xOff, xStride, n, y, yOff, yStride);
        }
        for (int row = full * lanes; row < m.rows; row++) {
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                float s = 0;
                for (int k = 0; k < m.cols; k++) {
                    s += m.element(row, k) * x[xj + k];
                }
                y[yOff + j * yStride + row] += m.type == WeightType.INT8 ? s * m.scale(row) : s;
            }
        }
    }

    // Each loop below runs over a panel's lanes innermost, so that it reads the panel in order and
    // C2 can vectorize it by itself; y holds the chain that starts from y, and this thread's
    // scratch the chains that start from 0.

    /** The f32 panels [0, this) that the vector code's tiles take, of {@code full} whole ones, for n vectors. */
    private static int f32TilePanels(int full, int n) {
        return n == 1 ? full / 8 * 8 : n <= 8 ? full / 2 * 2 : full / 4 * 4;
    }

    /** The vectors [0, this) that the f32 tiles take, of n. */
    private static int f32TileVectors(int n) {
        return n == 1 ? 1 : n <= 8 ? n / 4 * 4 : n / 2 * 2;
    }

    /**
     * {@link #gemm} of an f32 matrix of {@code rows} rows whose elements lie row-major in
     * {@code w} from {@code wOff}, as {@link WarmingKernels} runs a {@link StagedMatrix} before
     * its panels are laid out: each row in the chains, and the chains in the order, that the panel
     * code sums it in (which depend on the rows and vectors, not on where the weights lie), so the
     * numbers are the same bit for bit.
     */
    void f32RowMajor(float[] w, int wOff, int rows, int cols, float[] x, int xOff, int xStride, int n,
                     float[] y, int yOff, int yStride) {
        int full = rows / lanes;
        int tileRows = f32TilePanels(full, n) * lanes;
        int tileVectors = f32TileVectors(n);
        for (int r = 0; r < full * lanes; r++) {
            int o = wOff + r * cols;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + r;
                float acc = y[out];
                if (r < tileRows && j < tileVectors) {
                    for (int k = 0; k < cols; k++) {
                        acc = Math.fma(w[o + k], x[xj + k], acc);
                    }
                } else {
                    float odd = 0f;
                    int k = 0;
                    for (; k + 2 <= cols; k += 2) {
                        acc = Math.fma(w[o + k], x[xj + k], acc);
                        odd = Math.fma(w[o + k + 1], x[xj + k + 1], odd);
                    }
                    if (k < cols) {
                        acc = Math.fma(w[o + k], x[xj + k], acc);
                    }
                    acc = acc + odd;
                }
                y[out] = acc;
            }
        }
        for (int r = full * lanes; r < rows; r++) {
            int o = wOff + r * cols;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                float s = 0;
                for (int k = 0; k < cols; k++) {
                    s += w[o + k] * x[xj + k];
                }
                y[yOff + j * yStride + r] += s;
            }
        }
    }

    /** Four rows of {@code lanes} floats for the chains that start from 0; no allocation once a thread has one. */
    private final ThreadLocal<float[]> scratch = new ThreadLocal<>();

    private float[] scratch() {
        float[] s = scratch.get();
        if (s == null) {
            s = new float[4 * lanes];
            scratch.set(s);
        }
        return s;
    }

    private void f32(F32Panels m, int full, int pDone, int jDone, float[] x, int xOff, int xStride, int n,
                     float[] y, int yOff, int yStride) {
        float[] d = m.data();
        float[] b = scratch();
        int cols = m.cols;
        int panel = cols * lanes;
        for (int p = 0; p < full; p++) {
            int o = m.start() + p * panel;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * lanes;
                if (p < pDone && j < jDone) {
                    // A tile: one chain per row.
                    for (int k = 0; k < cols; k++) {
                        fmaLanes(d, o + k * lanes, x[xj + k], y, out);
                    }
                    continue;
                }
                // The remainder: even columns on y, odd ones on a chain from 0, added at the end.
                Arrays.fill(b, 0, lanes, 0f);
                int k = 0;
                for (; k + 2 <= cols; k += 2) {
                    fmaLanes(d, o + k * lanes, x[xj + k], y, out);
                    fmaLanes(d, o + (k + 1) * lanes, x[xj + k + 1], b, 0);
                }
                if (k < cols) {
                    fmaLanes(d, o + k * lanes, x[xj + k], y, out);
                }
                addLanes(b, 0, y, out);
            }
        }
    }

    /** {@code acc[a + i] = fma(d[o + i], v, acc[a + i])} for each lane i. */
    private void fmaLanes(float[] d, int o, float v, float[] acc, int a) {
        for (int i = 0; i < lanes; i++) {
            acc[a + i] = Math.fma(d[o + i], v, acc[a + i]);
        }
    }

    /** {@code y[out + i] += b[from + i]} for each lane i. */
    private void addLanes(float[] b, int from, float[] y, int out) {
        for (int i = 0; i < lanes; i++) {
            y[out + i] = y[out + i] + b[from + i];
        }
    }

    /**
     * int8 stacks: each panel of a stack in one chain from 0, column k after column k - 1, its
     * weights widened as the vector code widens them (the stack's int shifted left by 8(3 - j)
     * for panel j, as a float); then {@link #addInt8Stacks}, a stack at a time.
     */
    private void int8(Int8Stacks m, int full, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        int[] d = m.data();
        float[] scales = m.scales();
        float[] c = scratch();
        int cols = m.cols;
        int rows = full * lanes;
        for (int g = 0; g < Int8Stacks.stacks(full); g++) {
            int s = m.offset(g);
            int first = g * Int8Stacks.STACK * lanes;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                Arrays.fill(c, 0f);
                for (int k = 0; k < cols; k++) {
                    for (int b = 0; b < Int8Stacks.STACK; b++) {
                        int8Lanes(d, s + k * lanes, 8 * (3 - b), x[xj + k], c, b * lanes);
                    }
                }
                addInt8Stacks(c, Math.min(Int8Stacks.STACK * lanes, rows - first), scales, m.scaleStart() + first, y, yOff + j * yStride + first);
            }
        }
    }

    /**
     * The first {@code count} rows of one int8 stack from its chains, row i's at {@code c[i]} (the
     * stack's panel j holds {@code Σ v_j·x} with {@code v_j = w_j·2^24 + w_(j-1)·2^16 + ...}, see
     * {@link Int8Stacks}): each chain first loses what the panels below put in it,
     * {@code e_j = c_j - e_(j-1)·2^-8 - e_(j-2)·2^-16 - e_(j-3)·2^-24}, in place, so that
     * {@code e_j = Σ w_j·x·2^24}; then {@code y = fma(e·2^-24, scale, y)} for each row. The Panama
     * kernels do the same in vectors, lane for lane.
     */
    private void addInt8Stacks(float[] c, int count, float[] scales, int sc, float[] y, int out) {
        for (int i = lanes; i < 2 * lanes; i++) {
            c[i] = Math.fma(c[i - lanes], -0x1p-8f, c[i]);
        }
        for (int i = 2 * lanes; i < 3 * lanes; i++) {
            c[i] = Math.fma(c[i - lanes], -0x1p-8f, Math.fma(c[i - 2 * lanes], -0x1p-16f, c[i]));
        }
        for (int i = 3 * lanes; i < 4 * lanes; i++) {
            c[i] = Math.fma(c[i - lanes], -0x1p-8f, Math.fma(c[i - 2 * lanes], -0x1p-16f, Math.fma(c[i - 3 * lanes], -0x1p-24f, c[i])));
        }
        for (int i = 0; i < count; i++) {
            y[out + i] = Math.fma(c[i] * 0x1p-24f, scales[sc + i], y[out + i]);
        }
    }

    /**
     * {@code acc[a + i] = fma(w, v, acc[a + i])} for each lane i, w the int {@code d[o + i]}
     * shifted left by {@code shift}, as a float.
     */
    private void int8Lanes(int[] d, int o, int shift, float v, float[] acc, int a) {
        for (int i = 0; i < lanes; i++) {
            acc[a + i] = Math.fma((float) (d[o + i] << shift), v, acc[a + i]);
        }
    }

    /**
     * Int8Columns rows: a tile sums each in one chain from 0, the remainder in two, even and odd
     * columns; then {@code fma(sum, scale, y)}.
     */
    private void int8Columns(Int8Columns m, int full, int pDone, int jDone, float[] x, int xOff, int xStride, int n,
                             float[] y, int yOff, int yStride) {
        byte[] d = m.data();
        float[] scales = m.scales();
        float[] ab = scratch();
        int cols = m.cols;
        for (int p = 0; p < full; p++) {
            int s = m.offset(p);
            int stride = m.columnStride(p);
            int sc = m.scaleStart() + p * lanes;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * lanes;
                boolean tile = p < pDone && j < jDone;
                Arrays.fill(ab, 0f);
                int k = 0;
                if (!tile) {
                    for (; k + 2 <= cols; k += 2) {
                        int8ColumnLanes(d, s + k * stride, x[xj + k], ab, 0);
                        int8ColumnLanes(d, s + (k + 1) * stride, x[xj + k + 1], ab, lanes);
                    }
                }
                for (; k < cols; k++) {
                    int8ColumnLanes(d, s + k * stride, x[xj + k], ab, 0);
                }
                for (int i = 0; i < lanes; i++) {
                    float sum = tile ? ab[i] : ab[i] + ab[lanes + i];
                    y[out + i] = Math.fma(sum, scales[sc + i], y[out + i]);
                }
            }
        }
    }

    /** {@code acc[a + i] = fma(d[o + i], v, acc[a + i])} for each lane i, the weights int8. */
    private void int8ColumnLanes(byte[] d, int o, float v, float[] acc, int a) {
        for (int i = 0; i < lanes; i++) {
            acc[a + i] = Math.fma(d[o + i], v, acc[a + i]);
        }
    }

    /** bf16 rows in two chains: even columns on y, odd ones from 0, added at the end. */
    private void bf16(HalfPanels m, int full, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        int[] d = m.pairs();
        float[] b = scratch();
        int cols = m.cols;
        int panel = (cols + 1) / 2 * lanes;
        for (int p = 0; p < full; p++) {
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * lanes;
                Arrays.fill(b, 0, lanes, 0f);
                for (int k = 0, o = m.start() + p * panel; k < cols; k += 2, o += lanes) {
                    float even = x[xj + k];
                    float odd = k + 1 < cols ? x[xj + k + 1] : 0f;
                    for (int i = 0; i < lanes; i++) {
                        int pair = d[o + i];
                        y[out + i] = Math.fma(Float.intBitsToFloat(pair << 16), even, y[out + i]);
                        b[i] = Math.fma(Float.intBitsToFloat(pair & 0xFFFF0000), odd, b[i]);
                    }
                }
                addLanes(b, 0, y, out);
            }
        }
    }

    /** f16 rows in two passes over y: the even columns, then the odd ones. */
    private void f16(HalfPanels m, int full, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        int[] d = m.pairs();
        int cols = m.cols;
        int panel = (cols + 1) / 2 * lanes;
        for (int p = 0; p < full; p++) {
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                int out = yOff + j * yStride + p * lanes;
                for (int odd = 0; odd < 2; odd++) {
                    int shift = odd == 0 ? 0 : 16;
                    for (int k = odd, o = m.start() + p * panel; k < cols + odd; k += 2, o += lanes) {
                        float v = k < cols ? x[xj + k] : 0f;
                        for (int i = 0; i < lanes; i++) {
                            y[out + i] = Math.fma(HalfFloats.f16ToFloat((short) (d[o + i] >>> shift)), v, y[out + i]);
                        }
                    }
                }
            }
        }
    }

    /** As the vector code: sigmoid(x) = 1/2 + tanh(x/2)/2. */
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
     * As the vector code: whole vectors of elements by the polynomial, each operation the one a
     * lane does; the last {@code len % lanes} elements by {@code Math.tanh}.
     */
    @Override
    public void tanh(float[] v, int off, int len) {
        int i = off;
        int end = off + len;
        int whole = off + len / lanes * lanes;
        for (; i < whole; i++) {
            v[i] = tanhLane(v[i]);
        }
        for (; i < end; i++) {
            v[i] = (float) Math.tanh(v[i]);
        }
    }

    /**
     * One lane of the vector tanh: sign(x) (1 - 2 / (e^{2|x|} + 1)), and for |x| < 0.1 the
     * series, e^{2|x|} from n = round(2|x| / ln 2) and Cephes' polynomial for e^r.
     */
    static float tanhLane(float x) {
        float a = Math.abs(x);
        float arg = Math.min(a * 2f, EXP_CAP);
        float t = Math.fma(arg, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, arg);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, E0, E1);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r * r, r) + 1f;
        float pow2n = Float.intBitsToFloat((Float.floatToRawIntBits(t) + (127 - ROUNDER_BITS)) << 23);
        float far = 1f - 2f / (p * pow2n + 1f);
        float x2 = x * x;
        float series = Math.fma(Math.fma(Math.fma(x2, T7, T5), x2, T3), x2, 1f) * a;
        float magnitude = a < SERIES_BELOW ? series : far;
        return x < 0 ? -magnitude : magnitude;
    }
}
