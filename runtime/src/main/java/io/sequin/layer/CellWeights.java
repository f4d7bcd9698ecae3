package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.kernel.RowMajorMatrix;
import io.sequin.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The weights of one direction of a recurrent layer, prepared once at load and shared by every
 * session. W and R stay separate, each contiguous and row-major in ONNX's gate order: a whole
 * sequence multiplies W with every time step at once and then only R with each state, and a
 * streaming step reads both in one pass ({@code Kernels.gemv2}) without a fused [W|R] copy.
 * W and R keep their stored type (f32, f16, bf16 or int8); biases and peepholes are floats.
 */
final class CellWeights {
    /** Input weights W, [gates*H, I]. */
    final WeightMatrix w;
    /** Recurrent weights R, [gates*H, H]. */
    final WeightMatrix r;
    /** The bias every step starts from, [gates*H]: Wb + Rb, except GRU's Rbh under linear_before_reset. */
    final float[] bias;
    /** GRU with linear_before_reset only: Rbh, kept inside {@code rt⊙(Ht-1·Rhᵀ + Rbh)}; null otherwise. */
    final float[] rbh;
    /** LSTM peepholes i, o, f, [3H], or null. */
    final float[] p;
    /** LSTM projection (PyTorch's proj_size), [P, H]: the state is W_hr·(ot⊙h(Ct)); or null. */
    final WeightMatrix proj;
    /** Gate rows, gates·H. */
    final int gateRows;
    /** The leading gate rows whose R·h uses the old state directly: all, except GRU's h rows. */
    final int fusedRows;

    /** The matrices laid out for each kernel set that has asked for them, by kernel name. */
    private final ConcurrentHashMap<String, Packed> packed = new ConcurrentHashMap<>();

    /**
     * W and R laid out for one kernel set: {@code w} all gate rows; {@code rFused} the R rows
     * that take the old state directly (all of them, but GRU's h rows); {@code rh} GRU's h rows
     * of R, or null.
     */
    static final class Packed {
        final PackedMatrix w;
        final PackedMatrix rFused;
        final PackedMatrix rh;
        final PackedMatrix proj;

        Packed(PackedMatrix w, PackedMatrix rFused, PackedMatrix rh, PackedMatrix proj) {
            this.w = w;
            this.rFused = rFused;
            this.rh = rh;
            this.proj = proj;
        }
    }

    /** The weights laid out for {@code kernels}, made on first use and then shared. */
    Packed packedFor(Kernels kernels) {
        return packed.computeIfAbsent(kernels.name(), name -> new Packed(
                kernels.pack(w, 0, gateRows),
                kernels.pack(r, 0, fusedRows),
                fusedRows < gateRows ? kernels.pack(r, fusedRows, gateRows - fusedRows) : null,
                proj == null ? null : kernels.pack(proj, 0, proj.rows())));
    }

    /** Bytes of weights held: the stored matrices, the float vectors, and every kernel layout made so far. */
    long heapBytes() {
        long n = w.heapBytes() + r.heapBytes() + 4L * bias.length;
        n += rbh == null ? 0 : 4L * rbh.length;
        n += p == null ? 0 : 4L * p.length;
        n += proj == null ? 0 : proj.heapBytes();
        for (Packed k : packed.values()) {
            n += shared(k.w, w) ? 0 : k.w.heapBytes();
            n += shared(k.rFused, r) ? 0 : k.rFused.heapBytes();
            n += k.rh == null ? 0 : k.rh.heapBytes();
            n += k.proj == null || shared(k.proj, proj) ? 0 : k.proj.heapBytes();
        }
        return n;
    }

    /** True when a layout is the stored matrix itself (row-major, whole), not a copy. */
    private static boolean shared(PackedMatrix packed, WeightMatrix stored) {
        return packed instanceof RowMajorMatrix && ((RowMajorMatrix) packed).matrix() == stored;
    }

    private CellWeights(WeightMatrix w, WeightMatrix r, float[] bias, float[] rbh, float[] p, WeightMatrix proj, int fusedRows) {
        this.gateRows = bias.length;
        this.fusedRows = fusedRows;
        this.w = w;
        this.r = r;
        this.bias = bias;
        this.rbh = rbh;
        this.p = p;
        this.proj = proj;
    }

    /** LSTM and RNN: one bias, Wb + Rb; an LSTM may have a projection (null for none). */
    static CellWeights fused(WeightMatrix w, WeightMatrix r, float[] wb, float[] rb, float[] p, WeightMatrix proj) {
        float[] bias = new float[wb.length];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = wb[i] + rb[i];
        }
        return new CellWeights(w, r, bias, null, p, proj, bias.length);
    }

    /** GRU: Rbh folded into the bias, unless linear_before_reset keeps it inside the reset product. */
    static CellWeights gru(int hidden, WeightMatrix w, WeightMatrix r, float[] wb, float[] rb, boolean linearBeforeReset) {
        int n = hidden;
        float[] bias = new float[3 * n];
        for (int j = 0; j < 3 * n; j++) {
            boolean keepApart = linearBeforeReset && j >= 2 * n;
            bias[j] = keepApart ? wb[j] : wb[j] + rb[j];
        }
        return new CellWeights(w, r, bias, linearBeforeReset ? Arrays.copyOfRange(rb, 2 * n, 3 * n) : null, null, null,
                2 * n);
    }
}
