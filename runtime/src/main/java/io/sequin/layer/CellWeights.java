package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.kernel.SharedMatrix;
import io.sequin.tensor.MatrixSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The weights of one direction of a recurrent layer, prepared once at load and shared by every
 * session. W and R stay separate, each contiguous and row-major in ONNX's gate order: a whole
 * sequence multiplies W with every time step at once and then only R with each state, and a
 * streaming step reads both in one pass ({@code Kernels.gemv2}) without a fused [W|R] copy.
 * W and R keep their stored type (f32, f16, bf16 or int8) and are each held once
 * ({@link SharedMatrix}); biases and peepholes are floats.
 */
final class CellWeights {
    /** Input weights W, [gates*H, I]. */
    final SharedMatrix w;
    /** The leading {@link #fusedRows} rows of the recurrent weights R, [fusedRows, H]. */
    final SharedMatrix rFused;
    /** GRU's h rows of R, [H, H], which multiply the reset state; null for the other cells. */
    final SharedMatrix rh;
    /** The bias every step starts from, [gates*H]: Wb + Rb, except GRU's Rbh under linear_before_reset. */
    final float[] bias;
    /** GRU with linear_before_reset only: Rbh, kept inside {@code rt⊙(Ht-1·Rhᵀ + Rbh)}; null otherwise. */
    final float[] rbh;
    /** LSTM peepholes i, o, f, [3H], or null. */
    final float[] p;
    /** LSTM projection (PyTorch's proj_size), [P, H]: the state is W_hr·(ot⊙h(Ct)); or null. */
    final SharedMatrix proj;
    /** Gate rows, gates·H. */
    final int gateRows;
    /** The leading gate rows whose R·h uses the old state directly: all, except GRU's h rows. */
    final int fusedRows;
    /** R's columns: the state's size. */
    final int stateSize;

    /** The matrices laid out for each kernel set that has asked for them, by kernel name. Guarded by this. */
    private final Map<String, Packed> packed = new HashMap<>();

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

    /**
     * The weights laid out for {@code kernels}, made on first use and then shared. (Locked rather
     * than computeIfAbsent with a lambda, which a fresh JVM links on first use: a first session
     * is on the clock. Sessions are made far less often than they step.)
     */
    synchronized Packed packedFor(Kernels kernels) {
        Packed p = packed.get(kernels.name());
        if (p == null) {
            p = new Packed(w.layoutFor(kernels), rFused.layoutFor(kernels), rh == null ? null : rh.layoutFor(kernels),
                    proj == null ? null : proj.layoutFor(kernels));
            packed.put(kernels.name(), p);
        }
        return p;
    }

    /** Bytes of weights held: the float vectors, and each matrix's layouts (or its source until it has one). */
    long heapBytes() {
        long n = w.heapBytes() + rFused.heapBytes() + 4L * bias.length;
        n += rh == null ? 0 : rh.heapBytes();
        n += rbh == null ? 0 : 4L * rbh.length;
        n += p == null ? 0 : 4L * p.length;
        n += proj == null ? 0 : proj.heapBytes();
        return n;
    }

    private CellWeights(MatrixSource w, MatrixSource r, float[] bias, float[] rbh, float[] p, MatrixSource proj, int fusedRows) {
        this.gateRows = bias.length;
        this.fusedRows = fusedRows;
        this.stateSize = r.cols();
        this.w = new SharedMatrix(w);
        this.rFused = new SharedMatrix(r.view(0, fusedRows));
        this.rh = fusedRows < gateRows ? new SharedMatrix(r.view(fusedRows, gateRows - fusedRows)) : null;
        this.bias = bias;
        this.rbh = rbh;
        this.p = p;
        this.proj = proj == null ? null : new SharedMatrix(proj);
    }

    /** LSTM and RNN: one bias, Wb + Rb; an LSTM may have a projection (null for none). */
    static CellWeights fused(MatrixSource w, MatrixSource r, float[] wb, float[] rb, float[] p, MatrixSource proj) {
        float[] bias = new float[wb.length];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = wb[i] + rb[i];
        }
        return new CellWeights(w, r, bias, null, p, proj, bias.length);
    }

    /** GRU: Rbh folded into the bias, unless linear_before_reset keeps it inside the reset product. */
    static CellWeights gru(int hidden, MatrixSource w, MatrixSource r, float[] wb, float[] rb, boolean linearBeforeReset) {
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
