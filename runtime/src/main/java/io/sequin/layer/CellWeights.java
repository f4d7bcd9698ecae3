package io.sequin.layer;

/**
 * The weights of one direction of a recurrent layer, prepared once at load in the layout the
 * cell reads them (row-major, ONNX gate order) and shared by every session.
 */
final class CellWeights {
    /** Input weights W, [gates*H, I]. */
    final float[] w;
    /** Recurrent weights R, [gates*H, H]; for a GRU only the z and r rows, [2H, H]. */
    final float[] r;
    /** GRU only: the recurrent rows of h, [H, H]; null otherwise. */
    final float[] rh;
    /** The bias added to the gate pre-activations, [gates*H]. */
    final float[] bias;
    /** GRU with linear_before_reset only: Rbh, kept inside the reset product; null otherwise. */
    final float[] rbh;
    /** LSTM peepholes i, o, f, [3H], or null. */
    final float[] p;

    CellWeights(float[] w, float[] r, float[] rh, float[] bias, float[] rbh, float[] p) {
        this.w = w;
        this.r = r;
        this.rh = rh;
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
        return new CellWeights(w, r, null, bias, null, p);
    }

    /**
     * GRU: R split into its z,r rows and its h rows; Rbh folded into the bias unless
     * linear_before_reset keeps it inside {@code rt⊙(Ht-1·Rhᵀ + Rbh)}.
     */
    static CellWeights gru(int hidden, float[] w, float[] r, float[] wb, float[] rb, boolean linearBeforeReset) {
        int n = hidden;
        float[] bias = new float[3 * n];
        for (int j = 0; j < 3 * n; j++) {
            boolean keepRecurrentBiasApart = linearBeforeReset && j >= 2 * n;
            bias[j] = keepRecurrentBiasApart ? wb[j] : wb[j] + rb[j];
        }
        return new CellWeights(w,
                java.util.Arrays.copyOfRange(r, 0, 2 * n * n),
                java.util.Arrays.copyOfRange(r, 2 * n * n, 3 * n * n),
                bias,
                linearBeforeReset ? java.util.Arrays.copyOfRange(rb, 2 * n, 3 * n) : null,
                null);
    }
}
