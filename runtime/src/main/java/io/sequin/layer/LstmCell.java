package io.sequin.layer;

import io.sequin.kernel.Kernels;

/**
 * ONNX LSTM, one step (gate blocks i, o, f, c):
 * <pre>
 * it = f(Xt·Wiᵀ + Ht-1·Riᵀ + Pi⊙Ct-1 + Wbi + Rbi)
 * ft = f(Xt·Wfᵀ + Ht-1·Rfᵀ + Pf⊙Ct-1 + Wbf + Rbf)     (input_forget: ft = 1 - it)
 * ct = g(Xt·Wcᵀ + Ht-1·Rcᵀ + Wbc + Rbc)
 * Ct = ft⊙Ct-1 + it⊙ct
 * ot = f(Xt·Woᵀ + Ht-1·Roᵀ + Po⊙Ct + Wbo + Rbo)        (the output gate peeks at the new Ct)
 * Ht = ot⊙h(Ct)
 * </pre>
 */
final class LstmCell extends Cell {
    private final CellWeights weights;
    private final Activation f;
    private final Activation g;
    private final Activation h;
    private final boolean inputForget;
    private final float[] gates;
    private final float[] cellActivation;
    private final int iOff;
    private final int oOff;
    private final int fOff;
    private final int cOff;

    LstmCell(Kernels kernels, int hidden, int inputSize, CellWeights weights, Activation[] activations,
             boolean hasClip, float clip, boolean inputForget) {
        super(kernels, hidden, inputSize, hasClip, clip);
        this.weights = weights;
        this.f = activations[0];
        this.g = activations[1];
        this.h = activations[2];
        this.inputForget = inputForget;
        this.gates = new float[4 * hidden];
        this.cellActivation = new float[hidden];
        this.iOff = 0;
        this.oOff = hidden;
        this.fOff = 2 * hidden;
        this.cOff = 3 * hidden;
    }

    @Override
    void step(float[] x, int xOff, float[] hState, float[] cState) {
        int n = hidden;
        preActivations(x, xOff, hState);
        peepholes(iOff, 0, cState);
        peepholes(fOff, 2 * n, cState);
        clip(gates, iOff, n);
        clip(gates, fOff, 2 * n);  // f and c; o is clipped once its peephole on the new Ct is in
        inputGate();
        forgetGate();
        cellGate();
        updateCell(cState);
        outputGate(cState);
        updateHidden(hState, cState);
    }

    /** gates = W·x + R·h + Wb + Rb, for all four gates at once. */
    private void preActivations(float[] x, int xOff, float[] hState) {
        System.arraycopy(weights.bias, 0, gates, 0, gates.length);
        kernels.matVecAdd(weights.w, 4 * hidden, inputSize, x, xOff, gates, 0);
        kernels.matVecAdd(weights.r, 4 * hidden, hidden, hState, 0, gates, 0);
    }

    /** gate += P⊙C, where P's block for this gate starts at {@code pOff}. */
    private void peepholes(int gateOff, int pOff, float[] c) {
        if (weights.p == null) {
            return;
        }
        for (int j = 0; j < hidden; j++) {
            gates[gateOff + j] += weights.p[pOff + j] * c[j];
        }
    }

    /** it = f(...) */
    private void inputGate() {
        f.apply(gates, iOff, hidden);
    }

    /** ft = f(...), or 1 - it when input and forget gates are coupled. */
    private void forgetGate() {
        if (inputForget) {
            for (int j = 0; j < hidden; j++) {
                gates[fOff + j] = 1f - gates[iOff + j];
            }
        } else {
            f.apply(gates, fOff, hidden);
        }
    }

    /** ct = g(...) */
    private void cellGate() {
        g.apply(gates, cOff, hidden);
    }

    /** Ct = ft⊙Ct-1 + it⊙ct */
    private void updateCell(float[] c) {
        for (int j = 0; j < hidden; j++) {
            c[j] = gates[fOff + j] * c[j] + gates[iOff + j] * gates[cOff + j];
        }
    }

    /** ot = f(... + Po⊙Ct), clipped after the peephole like the other gates. */
    private void outputGate(float[] c) {
        peepholes(oOff, hidden, c);
        clip(gates, oOff, hidden);
        f.apply(gates, oOff, hidden);
    }

    /** Ht = ot⊙h(Ct) */
    private void updateHidden(float[] hState, float[] c) {
        System.arraycopy(c, 0, cellActivation, 0, hidden);
        h.apply(cellActivation, 0, hidden);
        for (int j = 0; j < hidden; j++) {
            hState[j] = gates[oOff + j] * cellActivation[j];
        }
    }
}
