package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.parallel.ThreadTeam;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.Arrays;

/**
 * One session's run of a {@link RecurrentLayer}: its cells and buffers. Whole-sequence buffers
 * grow to the largest sequence and batch seen and are then reused; streaming buffers are sized
 * once for the session's streams.
 */
final class RecurrentRunner implements Layer.Runner {
    private final RecurrentLayer layer;
    private final String name;
    private final RecurrentLayout forms;
    private final CellType cellType;
    private final Direction direction;
    private final int hidden;
    /** Values per row of the state H and of Y: the projection's P, or H without one. */
    private final int out;
    private final int inputSize;
    private final Cell[] cells;
    private final int streams;
    private final int gateRows;
    private final int fusedRows;
    private final SequenceOffsets at;
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

    /** Each direction's products split across a session's threads, or null for one thread. */
    private final ParallelStep[] parallel;

    /** With {@code team} non-null, a streaming step of a layer large enough is split across its threads. */
    RecurrentRunner(RecurrentLayer layer, Kernels kernels, int streams, ThreadTeam team) {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be at least 1, not " + streams);
        }
        RecurrentSpec spec = layer.spec();
        this.layer = layer;
        this.name = layer.name();
        this.forms = spec.layout();
        this.cellType = spec.cell();
        this.direction = spec.direction();
        this.hidden = spec.hiddenSize();
        this.out = spec.outputSize();
        this.inputSize = spec.inputSize();
        this.streams = streams;
        this.at = new SequenceOffsets(spec);
        cells = new Cell[direction.count()];
        for (int d = 0; d < cells.length; d++) {
            cells[d] = layer.newCell(kernels, d);
            cells[d].reserve(streams);
        }
        gateRows = cells[0].gateRows();
        fusedRows = cells[0].fusedRows();
        streamGates = new float[streams * gateRows];
        streamH = new float[streams * out];
        streamC = new float[streams * hidden];
        allActive = new boolean[streams];
        Arrays.fill(allActive, true);
        boolean split = team != null && ParallelStep.pays(cells[0].weights, kernels, team.size(), streams);
        parallel = split ? new ParallelStep[cells.length] : null;
        for (int d = 0; split && d < cells.length; d++) {
            parallel[d] = new ParallelStep(team, kernels, cells[d].weights, streams, inputSize, out);
            cells[d].split = parallel[d].splitsRh() ? parallel[d] : null;
        }
    }

    @Override
    public Tensor[] run(Tensor[] in) {
        Tensor x = checkX(in);
        at.set(at.seq(x), at.batch(x));
        int[][] shapes = at.shapes();
        Tensor[] out = new Tensor[3];
        for (int k = 0; k < 3; k++) {
            if (layer.produces(k)) {
                out[k] = Tensor.zeros(shapes[k]);
            }
        }
        compute(in, out, shapes);
        return out;
    }

    @Override
    public Tensor[] run(Tensor[] in, Tensor[] given) {
        Tensor x = checkX(in);
        int[][] shapes = shapes(at.seq(x), at.batch(x));
        for (int k = 0; k < 3; k++) {
            Tensor g = k < given.length ? given[k] : null;
            if (!layer.produces(k)) {
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
        compute(in, results, shapes);
        return results;
    }

    private void compute(Tensor[] in, Tensor[] written, int[][] shapes) {
        Tensor x = in[0];
        int seq = at.seq(x);
        int batch = at.batch(x);
        at.set(seq, batch);
        int dirs = direction.count();
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
            CellWeights wd = cell.weights;
            boolean backward = direction.isBackward(d);
            int maxLength = startStates(d, batch, initialH, initialC);
            // bias + W·x for every step at once: one pass over W for the whole sequence.
            // The projection keeps X's order, (t, b) or (b, t) when the batch comes first.
            int rows = seq * batch;
            for (int i = 0; i < rows; i++) {
                System.arraycopy(wd.bias, 0, projection, i * gateRows, gateRows);
            }
            if (parallel != null) {
                parallel[d].project(xs, rows, projection);
            } else {
                cell.kernels.gemm(cell.packed.w, xs, 0, inputSize, rows, projection, 0, gateRows);
            }
            for (int k = 0; k < maxLength; k++) {
                for (int b = 0; b < batch; b++) {
                    int t = backward ? lengths[b] - 1 - k : k;
                    int p = at.xRow(t, b);
                    // A masked step is skipped: the state carries over (Keras masking).
                    active[b] = k < lengths[b] && (mask == null || mask[p] != 0f);
                    if (active[b]) {
                        System.arraycopy(projection, p * gateRows, gates, b * gateRows, gateRows);
                    }
                }
                if (parallel != null) {
                    parallel[d].recur(h, batch, gates);
                } else {
                    cell.kernels.gemm(cell.packed.rFused, h, 0, out, batch, gates, 0, gateRows);
                }
                cell.finish(gates, h, c, batch, active);
                if (y != null) {
                    for (int b = 0; b < batch; b++) {
                        // A masked step outputs the carried state, or the 0 already there.
                        if (active[b] || (k < lengths[b] && !forms.zeroMaskedOutputs)) {
                            int t = backward ? lengths[b] - 1 - k : k;
                            System.arraycopy(h, b * out, y, at.y(t, d, b), out);
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
                        System.arraycopy(h, b * out, yh, at.state(d, b, out), out);
                    }
                    if (yc != null) {
                        System.arraycopy(c, b * hidden, yc, at.state(d, b, hidden), hidden);
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
        layer.stepOutputWidth(width);
        Cell cell = cells[0];
        CellWeights wd = cell.weights;
        for (int b = 0; b < streams; b++) {
            System.arraycopy(wd.bias, 0, streamGates, b * gateRows, gateRows);
        }
        CellWeights.Packed pw = cell.packed;
        if (parallel != null) {
            parallel[0].step(x, xOff, streamH, streamGates);
        } else if (streams == 1 && gateRows == fusedRows) {
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
                load(initialH, at.initialState(d, b, out), h, b * out, out);
                load(initialC, at.initialState(d, b, hidden), c, b * hidden, hidden);
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

    private static void fillZero(float[] v) {
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
            at.set(seq, batch);
            lastShapes = at.shapes();
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

    private static void load(float[] initial, int offset, float[] state, int stateOff, int width) {
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
