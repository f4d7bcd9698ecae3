package io.sequin.layer;

/**
 * The weights of one direction of a recurrent layer, prepared once at load and shared by every
 * session. W and R stay separate, each contiguous and row-major in ONNX's gate order: a whole
 * sequence multiplies W with every time step at once and then only R with each state, and a
 * streaming step reads both in one pass ({@code Kernels.gemv2}) without a fused [W|R] copy.
 */
final class CellWeights {
    /** Input weights W, [gates*H, I]. */
    final float[] w;
    /** Recurrent weights R, [gates*H, H]. */
    final float[] r;
    /** The bias every step starts from, [gates*H]: Wb + Rb, except GRU's Rbh under linear_before_reset. */
    final float[] bias;
    /** GRU with linear_before_reset only: Rbh, kept inside {@code rt⊙(Ht-1·Rhᵀ + Rbh)}; null otherwise. */
    final float[] rbh;
    /** LSTM peepholes i, o, f, [3H], or null. */
    final float[] p;

    private CellWeights(float[] w, float[] r, float[] bias, float[] rbh, float[] p) {
        this.w = w;
        this.r = r;
        this.bias = bias;
        this.rbh = rbh;
        this.p = p;
    }

    /** LSTM and RNN: one bias, Wb + Rb. */
    static CellWeights fused(float[] w, float[] r, float[] wb, float[] rb, float[] p) {
        float[] bias = new float[wb.length];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = wb[i] + rb[i];
        }
        return new CellWeights(w, r, bias, null, p);
    }

    /** GRU: Rbh folded into the bias, unless linear_before_reset keeps it inside the reset product. */
    static CellWeights gru(int hidden, float[] w, float[] r, float[] wb, float[] rb, boolean linearBeforeReset) {
        int n = hidden;
        float[] bias = new float[3 * n];
        for (int j = 0; j < 3 * n; j++) {
            boolean keepApart = linearBeforeReset && j >= 2 * n;
            bias[j] = keepApart ? wb[j] : wb[j] + rb[j];
        }
        return new CellWeights(w, r, bias, linearBeforeReset ? java.util.Arrays.copyOfRange(rb, 2 * n, 3 * n) : null, null);
    }
}
