package io.sequin.layer;

import io.sequin.tensor.MatrixSource;
import java.util.Arrays;

/**
 * A recurrent layer's weights as they are stored, the directions one after the other, in ONNX's
 * gate order: W [D*gates*H, I] and R [D*gates*H, P or H] in their stored type; the biases B
 * [D * 2*gates*H] (Wb then Rb per direction), LSTM peepholes P [D * 3H] (i, o, f) and an LSTM's
 * projection [D*P, H], each optional. Immutable; {@link RecurrentLayer} checks it against its
 * {@link RecurrentSpec}.
 */
public final class RecurrentWeights {
    private final MatrixSource w;
    private final MatrixSource r;
    private final float[] b;
    private final float[] p;
    private final MatrixSource proj;

    private RecurrentWeights(MatrixSource w, MatrixSource r, float[] b, float[] p, MatrixSource proj) {
        if (w == null || r == null) {
            throw new IllegalArgumentException("W and R are required");
        }
        this.w = w;
        this.r = r;
        this.b = b;
        this.p = p;
        this.proj = proj;
    }

    /** W and R, without biases, peepholes or projection. */
    public static RecurrentWeights of(MatrixSource w, MatrixSource r) {
        return new RecurrentWeights(w, r, null, null, null);
    }

    /** These weights with biases (not copied), or without (null: zeros). */
    public RecurrentWeights withBias(float[] b) {
        return new RecurrentWeights(w, r, b, p, proj);
    }

    /** These weights with an LSTM's peepholes (not copied), or without (null). */
    public RecurrentWeights withPeepholes(float[] p) {
        return new RecurrentWeights(w, r, b, p, proj);
    }

    /** These weights with an LSTM's projection, or without (null). */
    public RecurrentWeights withProjection(MatrixSource proj) {
        return new RecurrentWeights(w, r, b, p, proj);
    }

    /** Checks every shape against {@code spec}; the message names the weight. */
    void check(RecurrentSpec spec) {
        int dirs = spec.directions();
        long rows = (long) dirs * spec.gateRows();
        requireShape("W", w, rows, spec.inputSize());
        requireShape("R", r, rows, spec.outputSize());
        if (b != null && b.length != 2 * rows) {
            throw new IllegalArgumentException("B has " + b.length + " elements, expected " + 2 * rows);
        }
        if (p != null) {
            if (spec.cell() != CellType.LSTM) {
                throw new IllegalArgumentException("peepholes are for LSTM layers only");
            }
            if (p.length != (long) dirs * 3 * spec.hiddenSize()) {
                throw new IllegalArgumentException("P has " + p.length + " elements, expected " + (long) dirs * 3 * spec.hiddenSize());
            }
        }
        if (spec.hasProjection() != (proj != null)) {
            throw new IllegalArgumentException(spec.hasProjection() ? "the projection's weights are missing"
                    : "projection weights are given but the layer has no proj_size");
        }
        if (proj != null) {
            requireShape("the projection", proj, (long) dirs * spec.outputSize(), spec.hiddenSize());
        }
    }

    private static void requireShape(String what, MatrixSource m, long rows, int cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException(what + " is " + m.rows() + "x" + m.cols() + ", expected " + rows + "x" + cols);
        }
    }

    /** Direction d's share, biases folded as its cell computes them. */
    CellWeights direction(RecurrentSpec spec, int d) {
        int rows = spec.gateRows();
        int hidden = spec.hiddenSize();
        int out = spec.outputSize();
        MatrixSource wd = w.view(d * rows, rows);
        MatrixSource rd = r.view(d * rows, rows);
        float[] wb = b == null ? new float[rows] : Arrays.copyOfRange(b, 2 * d * rows, (2 * d + 1) * rows);
        float[] rb = b == null ? new float[rows] : Arrays.copyOfRange(b, (2 * d + 1) * rows, (2 * d + 2) * rows);
        float[] pd = p == null ? null : Arrays.copyOfRange(p, 3 * d * hidden, 3 * (d + 1) * hidden);
        return spec.cell() == CellType.GRU
                ? CellWeights.gru(hidden, wd, rd, wb, rb, spec.linearBeforeReset())
                : CellWeights.fused(wd, rd, wb, rb, pd, proj == null ? null : proj.view(d * out, out));
    }
}
