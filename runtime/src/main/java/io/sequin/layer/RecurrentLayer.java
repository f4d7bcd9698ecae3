package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An LSTM, GRU or simple RNN with the semantics of the ONNX operators of the same names
 * (onnx/defs/rnn/defs.cc), including ONNX Runtime's reading of {@code sequence_lens}: a batch
 * row's steps at or past its length are not computed and their outputs are 0; its final state is
 * the state after its last valid step, or 0 when its length is 0. A reverse direction reads each
 * row from its last valid step back to step 0, and writes its outputs in input order.
 *
 * <p>Inputs by position: X, sequence_lens, initial_h, initial_c, mask. Outputs: Y, Y_h, Y_c.
 * A mask (Keras masking, X's shape without its last axis) skips the steps where it is 0: the
 * state carries over, and Y holds the carried output there, or 0 when the layout says so.
 * With layout 0, X is [S, B, I], Y is [S, D, B, H] and the states are [D, B, H]; with layout 1,
 * X is [B, S, I], Y is [B, S, D, H] and the states are [B, D, H]. A {@link RecurrentLayout}
 * can override X's and Y's forms and read the initial states from part of a larger tensor.
 */
public final class RecurrentLayer implements Layer {
    private final String name;
    private final List<String> inputs;
    private final List<String> outputs;
    private final CellType cellType;
    private final Direction direction;
    private final int hidden;
    /** Values per row of the state H and of Y: the projection's P, or H without one. */
    private final int out;
    private final int inputSize;
    private final int layout;
    private final RecurrentLayout forms;
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
        this(name, inputs, outputs, cellType, direction, hidden, inputSize, layout, activations, hasClip, clip,
                inputForget, linearBeforeReset,
                floats(name, "W", w, direction.count() * cellType.gates() * hidden, inputSize),
                floats(name, "R", r, direction.count() * cellType.gates() * hidden, hidden), b, p, stored);
    }

    /**
     * As the float constructor, with W and R in their stored type: W a [D*gates*H, I] matrix and
     * R a [D*gates*H, H] one, the directions' rows one after the other.
     */
    public RecurrentLayer(String name, List<String> inputs, List<String> outputs, CellType cellType,
                          Direction direction, int hidden, int inputSize, int layout, Activation[] activations,
                          boolean hasClip, float clip, boolean inputForget, boolean linearBeforeReset,
                          WeightMatrix w, WeightMatrix r, float[] b, float[] p, List<StoredTensor> stored) {
        this(name, inputs, outputs, cellType, direction, hidden, inputSize, RecurrentLayout.onnx(checkLayout(name, layout)),
                activations, hasClip, clip, inputForget, linearBeforeReset, w, r, b, p, null, stored);
    }

    /**
     * As the constructor with a layout attribute, with the tensors' forms given in full, and an
     * LSTM's projection: {@code proj} [D*P, H] (PyTorch's weight_hr, directions one after the
     * other) or null. With one, R is [D*gates*H, P], and Y, the state and Y_h have P values.
     */
    public RecurrentLayer(String name, List<String> inputs, List<String> outputs, CellType cellType,
                          Direction direction, int hidden, int inputSize, RecurrentLayout forms, Activation[] activations,
                          boolean hasClip, float clip, boolean inputForget, boolean linearBeforeReset,
                          WeightMatrix w, WeightMatrix r, float[] b, float[] p, WeightMatrix proj, List<StoredTensor> stored) {
        this.name = name;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.outputs = Collections.unmodifiableList(new ArrayList<>(outputs));
        this.cellType = cellType;
        this.direction = direction;
        this.hidden = hidden;
        this.inputSize = inputSize;
        this.layout = forms.layout;
        this.forms = forms;
        this.activations = activations.clone();
        this.hasClip = hasClip;
        this.clip = clip;
        this.inputForget = inputForget;
        this.linearBeforeReset = linearBeforeReset;
        this.stored = Collections.unmodifiableList(new ArrayList<>(stored));
        int dirs = direction.count();
        int rows = cellType.gates() * hidden;
        if (proj != null && (cellType != CellType.LSTM || proj.cols() != hidden || proj.rows() % dirs != 0 || proj.rows() == 0)) {
            throw new IllegalArgumentException(name + ": a projection is [D*P, H] and for LSTM layers only; got "
                    + proj.rows() + "x" + proj.cols() + " on a " + cellType);
        }
        this.out = proj == null ? hidden : proj.rows() / dirs;
        requireShape("W", w, (long) dirs * rows, inputSize);
        requireShape("R", r, (long) dirs * rows, out);
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
        if (forms.stateOffset + dirs > forms.stateRows(dirs)) {
            throw new IllegalArgumentException(name + ": states at rows " + forms.stateOffset + ".." + (forms.stateOffset + dirs - 1)
                    + " of " + forms.stateRows(dirs));
        }
        this.weights = new CellWeights[dirs];
        for (int d = 0; d < dirs; d++) {
            WeightMatrix wd = w.rows(d * rows, rows);
            WeightMatrix rd = r.rows(d * rows, rows);
            float[] wb = b == null ? new float[rows] : Arrays.copyOfRange(b, 2 * d * rows, (2 * d + 1) * rows);
            float[] rb = b == null ? new float[rows] : Arrays.copyOfRange(b, (2 * d + 1) * rows, (2 * d + 2) * rows);
            float[] pd = p == null ? null : Arrays.copyOfRange(p, 3 * d * hidden, 3 * (d + 1) * hidden);
            weights[d] = cellType == CellType.GRU
                    ? CellWeights.gru(hidden, wd, rd, wb, rb, linearBeforeReset)
                    : CellWeights.fused(wd, rd, wb, rb, pd, proj == null ? null : proj.rows(d * out, out));
        }
    }

    private static int checkLayout(String name, int layout) {
        if (layout != 0 && layout != 1) {
            throw new IllegalArgumentException(name + ": layout " + layout + ", expected 0 or 1");
        }
        return layout;
    }

    private static WeightMatrix floats(String name, String what, float[] v, int rows, int cols) {
        if (v == null || v.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + what + " has " + (v == null ? 0 : v.length)
                    + " elements, expected " + (long) rows * cols);
        }
        return WeightMatrix.ofFloats(rows, cols, v.clone());
    }

    private void requireShape(String what, WeightMatrix m, long rows, int cols) {
        if (m == null || m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException(name + ": " + what + " is " + (m == null ? "missing" : m.rows() + "x" + m.cols())
                    + ", expected " + rows + "x" + cols);
        }
    }

    /**
     * Bytes of weights this layer holds in memory: the stored matrices, biases and peepholes,
     * and the layouts made for each kernel set that has run it.
     */
    public long weightHeapBytes() {
        long n = 0;
        for (CellWeights c : weights) {
            n += c.heapBytes();
        }
        return n;
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

    /** Values per step and direction in Y and the state: the projection size, or the hidden size. */
    public int outputSize() {
        return out;
    }

    public int inputSize() {
        return inputSize;
    }

    public int layout() {
        return layout;
    }

    /** The forms of X, Y and the states. */
    public RecurrentLayout forms() {
        return forms;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("direction", direction.name().toLowerCase(Locale.ROOT));
        a.put("hidden_size", hidden);
        a.put("input_size", inputSize);
        if (out != hidden) {
            a.put("proj_size", out);
        }
        a.put("layout", layout);
        if (!forms.isOnnx()) {
            a.put("x", forms.xBatchFirst ? "[batch, seq, input]" : "[seq, batch, input]");
            a.put("y", forms.y.name().toLowerCase(Locale.ROOT));
            if (forms.mergedStates) {
                a.put("states", "[batch, directions*hidden]");
            }
            if (forms.yReversed) {
                a.put("y_time", "reversed");
            }
            if (forms.stateful) {
                a.put("stateful", true);
            }
            if (forms.zeroMaskedOutputs) {
                a.put("masked_outputs", "zero");
            }
            if (forms.stateOffset != 0 || forms.stateRows != 0) {
                a.put("state_rows", forms.stateOffset + ".." + (forms.stateOffset + direction.count() - 1) + " of "
                        + forms.stateRows(direction.count()));
            }
        }
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
    public int stepOutputWidth(int inputWidth) {
        if (direction != Direction.FORWARD) {
            throw new IllegalStateException(name + ": a " + direction.name().toLowerCase(Locale.ROOT)
                    + " layer needs the whole sequence; it cannot be stepped");
        }
        if (inputWidth != inputSize) {
            throw new IllegalArgumentException(name + ": steps of " + inputWidth + " floats per stream, expected input_size " + inputSize);
        }
        return out;
    }

    @Override
    public int stepInputWidth() {
        return inputSize;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new RecurrentRunner(kernels, streams);
    }

    private Cell newCell(Kernels kernels, int d) {
        int per = cellType.activations();
        Activation[] acts = Arrays.copyOfRange(activations, d * per, (d + 1) * per);
        switch (cellType) {
            case LSTM:
                return new LstmCell(kernels, weights[d], hidden, inputSize, acts, hasClip, clip, inputForget);
            case GRU:
                return new GruCell(kernels, weights[d], hidden, inputSize, acts, hasClip, clip, linearBeforeReset);
            case RNN:
                return new RnnCell(kernels, weights[d], hidden, inputSize, acts, hasClip, clip);
            default:
                throw new AssertionError(cellType);
        }
    }

    /** The shapes of Y, Y_h and Y_c for a sequence of {@code seq} steps and {@code batch} rows. */
    int[][] outputShapes(int seq, int batch) {
        int dirs = direction.count();
        int[] state = layout == 0 ? new int[] {dirs, batch, out} : forms.mergedStates ? new int[] {batch, dirs * out}
                : new int[] {batch, dirs, out};
        int[] cell = layout == 0 ? new int[] {dirs, batch, hidden} : forms.mergedStates ? new int[] {batch, dirs * hidden}
                : new int[] {batch, dirs, hidden};
        int[] y;
        switch (forms.y) {
            case SEQ_BATCH:
                y = new int[] {seq, batch, dirs * out};
                break;
            case BATCH_SEQ:
                y = new int[] {batch, seq, dirs * out};
                break;
            default:
                y = layout == 0 ? new int[] {seq, dirs, batch, out} : new int[] {batch, seq, dirs, out};
        }
        return new int[][] {y, state, cell};
    }

    /** The shape initial_h (width P or H) or initial_c (width H) must have. */
    int[] initialStateShape(int batch, int width) {
        int rows = forms.stateRows(direction.count());
        return layout == 0 ? new int[] {rows, batch, width} : new int[] {batch, rows, width};
    }

    /** Where Y holds step t, direction d, batch row b. */
    private int yOffset(int step, int d, int b, int seq, int batch) {
        int dirs = direction.count();
        int t = forms.yReversed ? seq - 1 - step : step;
        switch (forms.y) {
            case SEQ_BATCH:
                return ((t * batch + b) * dirs + d) * out;
            case BATCH_SEQ:
                return ((b * seq + t) * dirs + d) * out;
            default:
                return layout == 0 ? ((t * dirs + d) * batch + b) * out : ((b * seq + t) * dirs + d) * out;
        }
    }

    /**
     * One session's cells and buffers. Whole-sequence buffers grow to the largest sequence and
     * batch seen and are then reused; streaming buffers are sized once for the session's streams.
     */
    private final class RecurrentRunner implements Runner {
        private final Cell[] cells;
        private final int streams;
        private final int gateRows;
        private final int fusedRows;
        // Whole sequences.
        private float[] projection = new float[0];
        private float[] gates = new float[0];
        private float[] h = new float[0];
        private float[] c = new float[0];
        private boolean[] active = new boolean[0];
        private int[] lengths = new int[0];
        // Streaming: the state carried from step to step.
        private final float[] streamGates;
        private final float[] streamH;
        private final float[] streamC;
        private final boolean[] allActive;
        // Stateful layers: the final states of the last whole-sequence run, [D][batch][*].
        private float[] carriedH = new float[0];
        private float[] carriedC = new float[0];
        private int carriedBatch = -1;
        private int[][] lastShapes;
        private final Tensor[] results = new Tensor[3];
        private final Tensor[] owned = new Tensor[3];
        private int shapesSeq = -1;
        private int shapesBatch = -1;

        RecurrentRunner(Kernels kernels, int streams) {
            if (streams < 1) {
                throw new IllegalArgumentException("streams must be at least 1, not " + streams);
            }
            this.streams = streams;
            cells = new Cell[direction.count()];
            for (int d = 0; d < cells.length; d++) {
                cells[d] = newCell(kernels, d);
                cells[d].reserve(streams);
            }
            gateRows = cells[0].gateRows();
            fusedRows = cells[0].fusedRows();
            streamGates = new float[streams * gateRows];
            streamH = new float[streams * out];
            streamC = new float[streams * hidden];
            allActive = new boolean[streams];
            Arrays.fill(allActive, true);
        }

        @Override
        public Tensor[] run(Tensor[] in) {
            Tensor x = checkX(in);
            int seq = forms.xBatchFirst ? x.dim(1) : x.dim(0);
            int batch = forms.xBatchFirst ? x.dim(0) : x.dim(1);
            int[][] shapes = outputShapes(seq, batch);
            Tensor[] out = new Tensor[3];
            for (int k = 0; k < 3; k++) {
                if (produces(k)) {
                    out[k] = Tensor.zeros(shapes[k]);
                }
            }
            compute(in, out);
            return out;
        }

        @Override
        public Tensor[] run(Tensor[] in, Tensor[] given) {
            Tensor x = checkX(in);
            int seq = forms.xBatchFirst ? x.dim(1) : x.dim(0);
            int batch = forms.xBatchFirst ? x.dim(0) : x.dim(1);
            int[][] shapes = shapes(seq, batch);
            for (int k = 0; k < 3; k++) {
                Tensor g = k < given.length ? given[k] : null;
                if (!produces(k)) {
                    results[k] = null;
                } else if (g != null) {
                    results[k] = g;
                } else {
                    if (owned[k] == null || !owned[k].hasShape(shapes[k])) {
                        owned[k] = Tensor.zeros(shapes[k]);
                    }
                    results[k] = owned[k];
                }
            }
            compute(in, results);
            return results;
        }

        private void compute(Tensor[] in, Tensor[] written) {
            Tensor x = checkX(in);
            int seq = forms.xBatchFirst ? x.dim(1) : x.dim(0);
            int batch = forms.xBatchFirst ? x.dim(0) : x.dim(1);
            int dirs = direction.count();
            int[][] shapes = shapes(seq, batch);
            float[] y = output(written, 0, shapes[0]);
            float[] yh = output(written, 1, shapes[1]);
            float[] yc = cellType == CellType.LSTM ? output(written, 2, shapes[2]) : null;
            reserve(seq, batch);
            sequenceLengths(in.length > 1 ? in[1] : null, seq, batch);
            float[] initialH = initialState(in.length > 2 ? in[2] : null, "initial_h", shapes[3]);
            float[] initialC = initialState(in.length > 3 ? in[3] : null, "initial_c", shapes[4]);
            float[] mask = mask(in.length > 4 ? in[4] : null, x);
            fillZero(y);
            fillZero(yh);
            fillZero(yc);
            float[] xs = x.floats();
            for (int d = 0; d < dirs; d++) {
                Cell cell = cells[d];
                CellWeights wd = weights[d];
                boolean backward = direction.isBackward(d);
                int maxLength = startStates(d, batch, initialH, initialC);
                // bias + W·x for every step at once: one pass over W for the whole sequence.
                // The projection keeps X's order, (t, b) or (b, t) when the batch comes first.
                int rows = seq * batch;
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(wd.bias, 0, projection, i * gateRows, gateRows);
                }
                cell.kernels.gemm(cell.packed.w, xs, 0, inputSize, rows, projection, 0, gateRows);
                for (int k = 0; k < maxLength; k++) {
                    for (int b = 0; b < batch; b++) {
                        int t = backward ? lengths[b] - 1 - k : k;
                        int p = forms.xBatchFirst ? b * seq + t : t * batch + b;
                        // A masked step is skipped: the state carries over (Keras masking).
                        active[b] = k < lengths[b] && (mask == null || mask[p] != 0f);
                        if (active[b]) {
                            System.arraycopy(projection, p * gateRows, gates, b * gateRows, gateRows);
                        }
                    }
                    cell.kernels.gemm(cell.packed.rFused, h, 0, out, batch, gates, 0, gateRows);
                    cell.finish(gates, h, c, batch, active);
                    if (y != null) {
                        for (int b = 0; b < batch; b++) {
                            // A masked step outputs the carried state, or the 0 already there.
                            if (active[b] || (k < lengths[b] && !forms.zeroMaskedOutputs)) {
                                int t = backward ? lengths[b] - 1 - k : k;
                                System.arraycopy(h, b * out, y, yOffset(t, d, b, seq, batch), out);
                            }
                        }
                    }
                }
                if (forms.stateful) {
                    carry(d, batch);
                }
                for (int b = 0; b < batch; b++) {
                    if (lengths[b] > 0) {
                        if (yh != null) {
                            System.arraycopy(h, b * out, yh, stateIndex(d, b, batch, out), out);
                        }
                        if (yc != null) {
                            System.arraycopy(c, b * hidden, yc, stateIndex(d, b, batch, hidden), hidden);
                        }
                    }
                }
            }
        }

        @Override
        public void step(float[] x, int xOff, int width, float[] y, int yOff) {
            advance(x, xOff, width, y, yOff, allActive);
        }

        @Override
        public void step(float[] x, int xOff, int width, float[] y, int yOff, boolean[] kept) {
            if (kept.length < streams) {
                throw new IllegalArgumentException(name + ": " + kept.length + " mask flags for " + streams + " streams");
            }
            advance(x, xOff, width, y, yOff, kept);
        }

        /** One step of the streams whose {@code active} flag is set; the others keep their state (masked). */
        private void advance(float[] x, int xOff, int width, float[] y, int yOff, boolean[] active) {
            stepOutputWidth(width);
            Cell cell = cells[0];
            CellWeights wd = weights[0];
            for (int b = 0; b < streams; b++) {
                System.arraycopy(wd.bias, 0, streamGates, b * gateRows, gateRows);
            }
            CellWeights.Packed pw = cell.packed;
            if (streams == 1 && gateRows == fusedRows) {
                // W·x + R·h in one pass over both matrices.
                cell.kernels.gemv2(pw.w, x, xOff, pw.rFused, streamH, 0, streamGates, 0);
            } else {
                // GRU's h rows take R·h only after the reset gate, so W and R go separately.
                cell.kernels.gemm(pw.w, x, xOff, inputSize, streams, streamGates, 0, gateRows);
                cell.kernels.gemm(pw.rFused, streamH, 0, out, streams, streamGates, 0, gateRows);
            }
            cell.finish(streamGates, streamH, streamC, streams, active);
            System.arraycopy(streamH, 0, y, yOff, streams * out);
            if (forms.zeroMaskedOutputs) {
                for (int b = 0; b < streams; b++) {
                    if (!active[b]) {
                        Arrays.fill(y, yOff + b * out, yOff + (b + 1) * out, 0f);
                    }
                }
            }
        }

        @Override
        public int stateWidth() {
            return out + (cellType == CellType.LSTM ? hidden : 0);
        }

        @Override
        public void saveState(int stream, float[] to, int off) {
            System.arraycopy(streamH, stream * out, to, off, out);
            if (cellType == CellType.LSTM) {
                System.arraycopy(streamC, stream * hidden, to, off + out, hidden);
            }
        }

        @Override
        public void loadState(int stream, float[] from, int off) {
            System.arraycopy(from, off, streamH, stream * out, out);
            if (cellType == CellType.LSTM) {
                System.arraycopy(from, off + out, streamC, stream * hidden, hidden);
            }
        }

        @Override
        public void reset() {
            Arrays.fill(streamH, 0f);
            Arrays.fill(streamC, 0f);
            carriedBatch = -1;
        }

        /**
         * Direction d's starting states in h and c: the initial states given, the previous run's
         * final ones (stateful layers), or zeros. Returns the longest sequence length. A method of
         * its own: written inside compute, C2 left vectors boxed in every Panama run.
         */
        private int startStates(int d, int batch, float[] initialH, float[] initialC) {
            boolean carry = forms.stateful && initialH == null && carriedBatch >= 0;
            if (carry && carriedBatch != batch) {
                throw new IllegalArgumentException(name + ": a stateful layer ran with batch " + carriedBatch + " and now "
                        + batch + "; reset the session to change the batch size");
            }
            int maxLength = 0;
            for (int b = 0; b < batch; b++) {
                if (carry) {
                    System.arraycopy(carriedH, (d * batch + b) * out, h, b * out, out);
                    System.arraycopy(carriedC, (d * batch + b) * hidden, c, b * hidden, hidden);
                } else {
                    load(initialH, initialStateIndex(d, b, batch, out), h, b * out, out);
                    load(initialC, initialStateIndex(d, b, batch, hidden), c, b * hidden, hidden);
                }
                maxLength = Math.max(maxLength, lengths[b]);
            }
            return maxLength;
        }

        /** Keeps direction d's final states for the next run (stateful layers). */
        private void carry(int d, int batch) {
            int dirs = direction.count();
            if (carriedH.length != dirs * batch * out) {
                carriedH = new float[dirs * batch * out];
                carriedC = new float[dirs * batch * hidden];
            }
            System.arraycopy(h, 0, carriedH, d * batch * out, batch * out);
            System.arraycopy(c, 0, carriedC, d * batch * hidden, batch * hidden);
            carriedBatch = batch;
        }

        private void fillZero(float[] v) {
            if (v != null) {
                Arrays.fill(v, 0f);
            }
        }

        /**
         * Shapes of Y, Y_h, Y_c and the initial states for the last (seq, batch) asked for, kept
         * so that repeated runs allocate nothing.
         */
        private int[][] shapes(int seq, int batch) {
            if (seq != shapesSeq || batch != shapesBatch) {
                int[][] shapes = outputShapes(seq, batch);
                lastShapes = new int[][] {shapes[0], shapes[1], shapes[2], initialStateShape(batch, out), initialStateShape(batch, hidden)};
                shapesSeq = seq;
                shapesBatch = batch;
            }
            return lastShapes;
        }

        private void reserve(int seq, int batch) {
            long projectionSize = (long) seq * batch * gateRows;
            if (projectionSize > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(name + ": a sequence of " + seq + " steps and " + batch
                        + " rows is too large for one run; split it");
            }
            if (projection.length < projectionSize) {
                projection = new float[(int) projectionSize];
            }
            if (active.length < batch) {
                gates = new float[batch * gateRows];
                h = new float[batch * out];
                c = new float[batch * hidden];
                active = new boolean[batch];
                lengths = new int[batch];
                for (Cell cell : cells) {
                    cell.reserve(batch);
                }
            }
        }

        private Tensor checkX(Tensor[] in) {
            Tensor x = in.length > 0 ? in[0] : null;
            if (x == null) {
                throw new IllegalArgumentException(name + ": input X is missing");
            }
            requireFloat(x, "X");
            if (x.rank() != 3 || x.dim(2) != inputSize) {
                throw new IllegalArgumentException(name + ": X has shape " + Tensor.format(x.shape()) + ", expected "
                        + (forms.xBatchFirst ? "[batch, seq, " : "[seq, batch, ") + inputSize + "]");
            }
            return x;
        }

        private float[] output(Tensor[] out, int k, int[] shape) {
            Tensor t = k < out.length ? out[k] : null;
            if (t == null) {
                return null;
            }
            if (t.type() != ElementType.FLOAT32 || !t.hasShape(shape)) {
                throw new IllegalArgumentException(name + ": output " + (k == 0 ? "Y" : k == 1 ? "Y_h" : "Y_c") + " buffer is "
                        + t + ", expected float32" + Tensor.format(shape));
            }
            return t.floats();
        }

        private boolean produces(int output) {
            return output < outputs.size() && !outputs.get(output).isEmpty() && (output < 2 || cellType == CellType.LSTM);
        }

        /** Where Y_h (width P or H) or Y_c (width H) holds direction d, batch row b. */
        private int stateIndex(int d, int b, int batch, int width) {
            return layout == 0 ? (d * batch + b) * width : (b * direction.count() + d) * width;
        }

        private int initialStateIndex(int d, int b, int batch, int width) {
            int rows = forms.stateRows(direction.count());
            int row = forms.stateOffset + d;
            return layout == 0 ? (row * batch + b) * width : (b * rows + row) * width;
        }

        private void load(float[] initial, int offset, float[] state, int stateOff, int width) {
            if (initial == null) {
                Arrays.fill(state, stateOff, stateOff + width, 0f);
            } else {
                System.arraycopy(initial, offset, state, stateOff, width);
            }
        }

        private void sequenceLengths(Tensor t, int seq, int batch) {
            if (t == null) {
                Arrays.fill(lengths, 0, batch, seq);
                return;
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
        }

        /** The mask's values (X's shape without its last axis; 0 skips a step), or null without one. */
        private float[] mask(Tensor t, Tensor x) {
            if (t == null) {
                return null;
            }
            requireFloat(t, "mask");
            if (t.rank() != 2 || t.dim(0) != x.dim(0) || t.dim(1) != x.dim(1)) {
                throw new IllegalArgumentException(name + ": mask has shape " + Tensor.format(t.shape()) + ", expected ["
                        + x.dim(0) + ", " + x.dim(1) + "] (X's shape without its last axis)");
            }
            return t.floats();
        }

        private float[] initialState(Tensor t, String what, int[] shape) {
            if (t == null) {
                return null;
            }
            requireFloat(t, what);
            if (!t.hasShape(shape)) {
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
