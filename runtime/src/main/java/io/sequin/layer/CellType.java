package io.sequin.layer;

/** The recurrent cells Sequin runs, with ONNX's gate order and activation count. */
public enum CellType {
    /** Gates i, o, f, c; activations f, g, h. */
    LSTM(4, 3),
    /** Gates z, r, h; activations f, g. */
    GRU(3, 2),
    /** One gate; activation f. */
    RNN(1, 1);

    private final int gates;
    private final int activations;

    CellType(int gates, int activations) {
        this.gates = gates;
        this.activations = activations;
    }

    /** Gate blocks in W and R: the weights have {@code gates() * hidden} rows. */
    public int gates() {
        return gates;
    }

    /** Activations per direction. */
    public int activations() {
        return activations;
    }
}
