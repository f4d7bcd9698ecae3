package io.sequin.layer;

import io.sequin.kernel.Kernels;
import java.util.Arrays;

/**
 * ONNX LSTM, one step (gate blocks i, o, f, c):
 * <pre>
 * it = f(Xt·Wiᵀ + Ht-1·Riᵀ + Pi⊙Ct-1 + Wbi + Rbi)
 * ft = f(Xt·Wfᵀ + Ht-1·Rfᵀ + Pf⊙Ct-1 + Wbf + Rbf)     (input_forget: ft = 1 - it)
 * ct = g(Xt·Wcᵀ + Ht-1·Rcᵀ + Wbc + Rbc)
 * Ct = ft⊙Ct-1 + it⊙ct
 * ot = f(Xt·Woᵀ + Ht-1·Roᵀ + Po⊙Ct + Wbo + Rbo)        (the output gate peeks at the new Ct)
 * Ht = ot⊙h(Ct)                                         (with a projection: Ht = Whr·(ot⊙h(Ct)))
 * </pre>
 * The projection is PyTorch's {@code proj_size}: the state H has P values, the cell state C has
 * H, and R is [4H, P].
 */
final class LstmCell extends Cell {
    private final Activation f;
    private final Activation g;
    private final Activation h;
    private final boolean inputForget;
    private float[] cellActivation;
    /** With a projection: each row's ot⊙h(Ct) before it, [rows][H]. */
    private float[] unprojected = new float[0];
    /** Values per row of the state H: P with a projection, else H. */
    private final int out;

    /** Direction d of a layer of {@code spec}. */
    LstmCell(Kernels kernels, CellWeights weights, RecurrentSpec spec, int d) {
        super(kernels, weights, spec);
        Activation[] activations = spec.activations(d);
        this.f = activations[0];
        this.g = activations[1];
        this.h = activations[2];
        this.inputForget = spec.inputForget();
        this.cellActivation = new float[hidden];
        this.out = weights.proj == null ? hidden : weights.proj.rows();
    }

    @Override
    void reserve(int rows) {
        if (weights.proj != null && unprojected.length < rows * hidden) {
            unprojected = new float[rows * hidden];
        }
    }

    @Override
    void finish(float[] gates, float[] hState, float[] cState, int rows, boolean[] active) {
        int n = hidden;
        for (int b = 0; b < rows; b++) {
            if (!active[b]) {
                continue;
            }
            int i = b * 4 * n;      // gate blocks of this row: i, o, f, c
            int o = i + n;
            int fo = i + 2 * n;
            int co = i + 3 * n;
            int s = b * n;          // this row's c (and h, without a projection)
            peepholes(gates, i, 0, cState, s);
            peepholes(gates, fo, 2 * n, cState, s);
            clip(gates, i, n);
            clip(gates, fo, 2 * n);  // f and c; o is clipped once its peephole on the new Ct is in
            inputGate(gates, i);
            forgetGate(gates, i, fo);
            cellGate(gates, co);
            updateCell(gates, i, fo, co, cState, s);
            outputGate(gates, o, cState, s);
            if (weights.proj == null) {
                updateHidden(gates, o, hState, s, cState, s);
            } else {
                updateHidden(gates, o, unprojected, s, cState, s);
            }
        }
        if (weights.proj != null) {
            for (int b = 0; b < rows; b++) {
                if (active[b]) {
                    Arrays.fill(hState, b * out, (b + 1) * out, 0f);
                    kernels.gemv(packed.proj, unprojected, b * hidden, hState, b * out);
                }
            }
        }
    }

    /** gate += P⊙C, where P's block for this gate starts at {@code pOff}. */
    private void peepholes(float[] gates, int gate, int pOff, float[] c, int s) {
        float[] p = weights.p;
        if (p == null) {
            return;
        }
        for (int j = 0; j < hidden; j++) {
            gates[gate + j] += p[pOff + j] * c[s + j];
        }
    }

    /** it = f(...) */
    private void inputGate(float[] gates, int i) {
        f.apply(kernels, gates, i, hidden);
    }

    /** ft = f(...), or 1 - it when input and forget gates are coupled. */
    private void forgetGate(float[] gates, int i, int fo) {
        if (inputForget) {
            for (int j = 0; j < hidden; j++) {
                gates[fo + j] = 1f - gates[i + j];
            }
        } else {
            f.apply(kernels, gates, fo, hidden);
        }
    }

    /** ct = g(...) */
    private void cellGate(float[] gates, int co) {
        g.apply(kernels, gates, co, hidden);
    }

    /** Ct = ft⊙Ct-1 + it⊙ct */
    private void updateCell(float[] gates, int i, int fo, int co, float[] c, int s) {
        for (int j = 0; j < hidden; j++) {
            c[s + j] = gates[fo + j] * c[s + j] + gates[i + j] * gates[co + j];
        }
    }

    /** ot = f(... + Po⊙Ct), clipped after the peephole like the other gates. */
    private void outputGate(float[] gates, int o, float[] c, int s) {
        peepholes(gates, o, hidden, c, s);
        clip(gates, o, hidden);
        f.apply(kernels, gates, o, hidden);
    }

    /** Ht = ot⊙h(Ct), into {@code to} from {@code at} */
    private void updateHidden(float[] gates, int o, float[] to, int at, float[] c, int s) {
        System.arraycopy(c, s, cellActivation, 0, hidden);
        h.apply(kernels, cellActivation, 0, hidden);
        for (int j = 0; j < hidden; j++) {
            to[at + j] = gates[o + j] * cellActivation[j];
        }
    }
}
