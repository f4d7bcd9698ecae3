package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An LSTM, GRU or simple RNN with the semantics of the ONNX operators of the same names
 * (onnx/defs/rnn/defs.cc), including ONNX Runtime's reading of {@code sequence_lens}: a batch
 * row's steps at or past its length are not computed and their outputs are 0; its final state is
 * the state after its last valid step, or 0 when its length is 0. A reverse direction reads each
 * row from its last valid step back to step 0, and writes its outputs in input order.
 *
 * <p>Inputs by position: X, sequence_lens, initial_h, initial_c. Outputs: Y, Y_h, Y_c.
 * With layout 0, X is [S, B, I], Y is [S, D, B, H] and the states are [D, B, H]; with layout 1,
 * X is [B, S, I], Y is [B, S, D, H] and the states are [B, D, H].
 */
public final class RecurrentLayer implements Layer {
    private final String name;
    private final List<String> inputs;
    private final List<String> outputs;
    private final CellType cellType;
    private final Direction direction;
    private final int hidden;
    private final int inputSize;
    private final int layout;
    private final Activation[] activations;
    private final boolean hasClip;
    private final float clip;
    private final boolean inputForget;
    private final boolean linearBeforeReset;
    private final CellWeights[] weights;
    private final List<StoredTensor> stored;

    /**
     * @param w [D, gates*H, I] flattened; {@code r} [D, gates*H, H]; {@code b} [D, 2*gates*H]
     *     (Wb then Rb per direction) or null for zeros; {@code p} [D, 3H] or null
     * @param activations per direction in ONNX order (LSTM f, g, h; GRU f, g; RNN f), forward first
     */
    public RecurrentLayer(String name, List<String> inputs, List<String> outputs, CellType cellType,
                          Direction direction, int hidden, int inputSize, int layout, Activation[] activations,
                          boolean hasClip, float clip, boolean inputForget, boolean linearBeforeReset,
                          float[] w, float[] r, float[] b, float[] p, List<StoredTensor> stored) {
        this.name = name;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.outputs = Collections.unmodifiableList(new ArrayList<>(outputs));
        this.cellType = cellType;
        this.direction = direction;
        this.hidden = hidden;
        this.inputSize = inputSize;
        this.layout = layout;
        this.activations = activations.clone();
        this.hasClip = hasClip;
        this.clip = clip;
        this.inputForget = inputForget;
        this.linearBeforeReset = linearBeforeReset;
        this.stored = Collections.unmodifiableList(new ArrayList<>(stored));
        int dirs = direction.count();
        int rows = cellType.gates() * hidden;
        requireLength("W", w, (long) dirs * rows * inputSize);
        requireLength("R", r, (long) dirs * rows * hidden);
        if (b != null) {
            requireLength("B", b, (long) dirs * 2 * rows);
        }
        if (p != null) {
            if (cellType != CellType.LSTM) {
                throw new IllegalArgumentException(name + ": peepholes are for LSTM layers only");
            }
            requireLength("P", p, (long) dirs * 3 * hidden);
        }
        if (activations.length != dirs * cellType.activations()) {
            throw new IllegalArgumentException(name + ": " + activations.length + " activations, expected " + dirs * cellType.activations());
        }
        if (layout != 0 && layout != 1) {
            throw new IllegalArgumentException(name + ": layout " + layout + ", expected 0 or 1");
        }
        this.weights = new CellWeights[dirs];
        for (int d = 0; d < dirs; d++) {
            float[] wd = Arrays.copyOfRange(w, d * rows * inputSize, (d + 1) * rows * inputSize);
            float[] rd = Arrays.copyOfRange(r, d * rows * hidden, (d + 1) * rows * hidden);
            float[] wb = b == null ? new float[rows] : Arrays.copyOfRange(b, 2 * d * rows, (2 * d + 1) * rows);
            float[] rb = b == null ? new float[rows] : Arrays.copyOfRange(b, (2 * d + 1) * rows, (2 * d + 2) * rows);
            float[] pd = p == null ? null : Arrays.copyOfRange(p, 3 * d * hidden, 3 * (d + 1) * hidden);
            weights[d] = cellType == CellType.GRU
                    ? CellWeights.gru(hidden, wd, rd, wb, rb, linearBeforeReset)
                    : CellWeights.fused(wd, rd, wb, rb, pd);
        }
    }

    private void requireLength(String what, float[] v, long expected) {
        if (v == null || v.length != expected) {
            throw new IllegalArgumentException(name + ": " + what + " has " + (v == null ? 0 : v.length) + " elements, expected " + expected);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> inputs() {
        return inputs;
    }

    @Override
    public List<String> outputs() {
        return outputs;
    }

    @Override
    public String kind() {
        return cellType.name();
    }

    public CellType cellType() {
        return cellType;
    }

    public Direction direction() {
        return direction;
    }

    public int hiddenSize() {
        return hidden;
    }

    public int inputSize() {
        return inputSize;
    }

    public int layout() {
        return layout;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("direction", direction.name().toLowerCase(java.util.Locale.ROOT));
        a.put("hidden_size", hidden);
        a.put("input_size", inputSize);
        a.put("layout", layout);
        List<String> acts = new ArrayList<>();
        for (Activation act : activations) {
            acts.add(act.toString());
        }
        a.put("activations", acts);
        if (hasClip) {
            a.put("clip", clip);
        }
        if (cellType == CellType.LSTM) {
            a.put("input_forget", inputForget);
            a.put("peepholes", weights[0].p != null);
        }
        if (cellType == CellType.GRU) {
            a.put("linear_before_reset", linearBeforeReset);
        }
        return a;
    }

    @Override
    public List<StoredTensor> weights() {
        return stored;
    }

    @Override
    public Runner newRunner(Kernels kernels) {
        return new RecurrentRunner(kernels);
    }

    private Cell newCell(Kernels kernels, int d) {
        int per = cellType.activations();
        Activation[] acts = Arrays.copyOfRange(activations, d * per, (d + 1) * per);
        switch (cellType) {
            case LSTM:
                return new LstmCell(kernels, hidden, inputSize, weights[d], acts, hasClip, clip, inputForget);
            case GRU:
                return new GruCell(kernels, hidden, inputSize, weights[d], acts, hasClip, clip, linearBeforeReset);
            case RNN:
                return new RnnCell(kernels, hidden, inputSize, weights[d], acts, hasClip, clip);
            default:
                throw new AssertionError(cellType);
        }
    }

    /** One session's cells and state buffers. */
    private final class RecurrentRunner implements Runner {
        private final Cell[] cells;
        private final float[] h;
        private final float[] c;

        RecurrentRunner(Kernels kernels) {
            cells = new Cell[direction.count()];
            for (int d = 0; d < cells.length; d++) {
                cells[d] = newCell(kernels, d);
            }
            h = new float[hidden];
            c = new float[hidden];
        }

        @Override
        public Tensor[] run(Tensor[] in) {
            Tensor x = in[0];
            if (x == null) {
                throw new IllegalArgumentException(name + ": input X is missing");
            }
            requireFloat(x, "X");
            if (x.rank() != 3 || x.dim(2) != inputSize) {
                throw new IllegalArgumentException(name + ": X has shape " + Tensor.format(x.shape()) + ", expected "
                        + (layout == 0 ? "[seq, batch, " : "[batch, seq, ") + inputSize + "]");
            }
            int seq = layout == 0 ? x.dim(0) : x.dim(1);
            int batch = layout == 0 ? x.dim(1) : x.dim(0);
            int dirs = direction.count();
            int[] lengths = sequenceLengths(in.length > 1 ? in[1] : null, seq, batch);
            int[] stateShape = layout == 0 ? new int[] {dirs, batch, hidden} : new int[] {batch, dirs, hidden};
            float[] initialH = initialState(in.length > 2 ? in[2] : null, "initial_h", stateShape);
            float[] initialC = initialState(in.length > 3 ? in[3] : null, "initial_c", stateShape);

            Tensor y = produces(0) ? Tensor.zeros(layout == 0
                    ? new int[] {seq, dirs, batch, hidden} : new int[] {batch, seq, dirs, hidden}) : null;
            Tensor yh = produces(1) ? Tensor.zeros(stateShape) : null;
            Tensor yc = produces(2) && cellType == CellType.LSTM ? Tensor.zeros(stateShape) : null;
            float[] xs = x.floats();
            for (int d = 0; d < dirs; d++) {
                boolean backward = direction.isBackward(d);
                for (int b = 0; b < batch; b++) {
                    int state = stateIndex(d, b, batch, dirs);
                    load(initialH, state, h);
                    load(initialC, state, c);
                    int length = lengths[b];
                    for (int k = 0; k < length; k++) {
                        int t = backward ? length - 1 - k : k;
                        int xOff = layout == 0 ? (t * batch + b) * inputSize : (b * seq + t) * inputSize;
                        cells[d].step(xs, xOff, h, c);
                        if (y != null) {
                            int yOff = layout == 0 ? ((t * dirs + d) * batch + b) * hidden : ((b * seq + t) * dirs + d) * hidden;
                            System.arraycopy(h, 0, y.floats(), yOff, hidden);
                        }
                    }
                    if (length > 0) {
                        if (yh != null) {
                            System.arraycopy(h, 0, yh.floats(), state, hidden);
                        }
                        if (yc != null) {
                            System.arraycopy(c, 0, yc.floats(), state, hidden);
                        }
                    }
                }
            }
            return new Tensor[] {y, yh, yc};
        }

        private boolean produces(int output) {
            return output < outputs.size() && !outputs.get(output).isEmpty();
        }

        private int stateIndex(int d, int b, int batch, int dirs) {
            return layout == 0 ? (d * batch + b) * hidden : (b * dirs + d) * hidden;
        }

        private void load(float[] initial, int offset, float[] state) {
            if (initial == null) {
                Arrays.fill(state, 0f);
            } else {
                System.arraycopy(initial, offset, state, 0, hidden);
            }
        }

        private int[] sequenceLengths(Tensor t, int seq, int batch) {
            int[] lengths = new int[batch];
            if (t == null) {
                Arrays.fill(lengths, seq);
                return lengths;
            }
            if (t.rank() != 1 || t.dim(0) != batch) {
                throw new IllegalArgumentException(name + ": sequence_lens has shape " + Tensor.format(t.shape())
                        + ", expected [" + batch + "]");
            }
            for (int b = 0; b < batch; b++) {
                long v;
                if (t.type() == ElementType.INT32) {
                    v = t.ints()[b];
                } else if (t.type() == ElementType.INT64) {
                    v = t.longs()[b];
                } else {
                    throw new IllegalArgumentException(name + ": sequence_lens must be int32, not " + t.type().displayName());
                }
                if (v < 0 || v > seq) {
                    throw new IllegalArgumentException(name + ": sequence_lens[" + b + "] = " + v
                            + " is outside [0, " + seq + "] (the sequence length of X)");
                }
                lengths[b] = (int) v;
            }
            return lengths;
        }

        private float[] initialState(Tensor t, String what, int[] shape) {
            if (t == null) {
                return null;
            }
            requireFloat(t, what);
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException(name + ": " + what + " has shape " + Tensor.format(t.shape())
                        + ", expected " + Tensor.format(shape));
            }
            return t.floats();
        }

        private void requireFloat(Tensor t, String what) {
            if (t.type() != ElementType.FLOAT32) {
                throw new IllegalArgumentException(name + ": " + what + " must be float32, not " + t.type().displayName());
            }
        }
    }
}
