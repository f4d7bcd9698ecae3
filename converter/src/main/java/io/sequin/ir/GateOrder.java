package io.sequin.ir;

import io.sequin.layer.CellType;

/**
 * The order of the gate blocks in a recurrent layer's W, R and B rows. Sequin computes in
 * ONNX's; an importer writes its source's order as it is, and the converter's normalization
 * ({@link #toOnnx}) reorders every layer once, so the orders are written down here only.
 */
public enum GateOrder {
    /** LSTM i, o, f, c; GRU z, r, h (onnx/defs/rnn/defs.cc). */
    ONNX(new int[] {0, 1, 2, 3}, new int[] {0, 1, 2}),
    /** Keras 2 and 3, TF.js: LSTM i, f, c, o; GRU z, r, h (keras/layers/rnn/lstm.py, gru.py). */
    KERAS(new int[] {0, 3, 1, 2}, new int[] {0, 1, 2}),
    /** PyTorch: LSTM i, f, g, o; GRU r, z, n (torch.nn.LSTM and torch.nn.GRU docs). */
    PYTORCH(new int[] {0, 3, 1, 2}, new int[] {1, 0, 2});

    /** For each ONNX gate, the block that holds it in this order. */
    private final int[] lstm;
    private final int[] gru;

    GateOrder(int[] lstm, int[] gru) {
        this.lstm = lstm;
        this.gru = gru;
    }

    /** For each of ONNX's gates in order, the block that holds it in this order. */
    private int[] sources(CellType cell) {
        return cell == CellType.LSTM ? lstm : cell == CellType.GRU ? gru : new int[] {0};
    }

    /** Puts the layer's W, R and B into ONNX's gate order; peepholes and the projection have no gate blocks to move. */
    public static void toOnnx(IrRecurrentLayer l) {
        if (l.gateOrder == ONNX) {
            return;
        }
        int[] source = l.gateOrder.sources(l.spec.cell());
        int hidden = l.spec.hiddenSize();
        int gates = source.length;
        // W and R are [D][gates*H][cols] and B is [D][2][gates*H]: blocks of H rows, per direction and part.
        l.w = reorder(l.w, source, hidden * l.spec.inputSize(), gates);
        l.r = reorder(l.r, source, hidden * l.spec.outputSize(), gates);
        if (l.b != null) {
            l.b = reorder(l.b, source, hidden, gates);
        }
        l.gateOrder = ONNX;
    }

    /** Within each run of {@code gates} blocks of {@code block} values, block g of the result is block source[g]. */
    private static float[] reorder(float[] v, int[] source, int block, int gates) {
        float[] to = new float[v.length];
        int run = block * gates;
        for (int start = 0; start < v.length; start += run) {
            for (int g = 0; g < gates; g++) {
                System.arraycopy(v, start + source[g] * block, to, start + g * block, block);
            }
        }
        return to;
    }
}
