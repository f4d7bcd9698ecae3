package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.parallel.ThreadTeam;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
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
    private final RecurrentSpec spec;
    private final CellWeights[] weights;
    private final List<StoredTensor> stored;

    /**
     * @param spec what the layer computes
     * @param weights its weights, which must have the shapes {@code spec} gives them
     * @param stored how the weights are stored, for {@link #weights()}
     * @throws IllegalArgumentException naming the layer and what does not fit
     */
    public RecurrentLayer(String name, List<String> inputs, List<String> outputs, RecurrentSpec spec, RecurrentWeights weights,
                          List<StoredTensor> stored) {
        this.name = name;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.outputs = Collections.unmodifiableList(new ArrayList<>(outputs));
        this.spec = spec;
        this.stored = Collections.unmodifiableList(new ArrayList<>(stored));
        try {
            weights.check(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        this.weights = new CellWeights[spec.directions()];
        for (int d = 0; d < this.weights.length; d++) {
            this.weights[d] = weights.direction(spec, d);
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
        return spec.cell().name();
    }

    /** What the layer computes: cell, direction, sizes, activations, the forms of its tensors. */
    public RecurrentSpec spec() {
        return spec;
    }

    @Override
    public Map<String, Object> attributes() {
        RecurrentLayout forms = spec.layout();
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("direction", spec.direction().name().toLowerCase(Locale.ROOT));
        a.put("hidden_size", spec.hiddenSize());
        a.put("input_size", spec.inputSize());
        if (spec.hasProjection()) {
            a.put("proj_size", spec.outputSize());
        }
        a.put("layout", forms.layout);
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
                a.put("state_rows", forms.stateOffset + ".." + (forms.stateOffset + spec.directions() - 1) + " of "
                        + forms.stateRows(spec.directions()));
            }
        }
        List<String> acts = new ArrayList<>();
        for (Activation act : spec.activations()) {
            acts.add(act.toString());
        }
        a.put("activations", acts);
        if (spec.hasClip()) {
            a.put("clip", spec.clip());
        }
        if (spec.cell() == CellType.LSTM) {
            a.put("input_forget", spec.inputForget());
            a.put("peepholes", weights[0].p != null);
        }
        if (spec.cell() == CellType.GRU) {
            a.put("linear_before_reset", spec.linearBeforeReset());
        }
        return a;
    }

    @Override
    public List<StoredTensor> weights() {
        return stored;
    }

    @Override
    public int stepOutputWidth(int inputWidth) {
        if (spec.direction() != Direction.FORWARD) {
            throw new IllegalStateException(name + ": a " + spec.direction().name().toLowerCase(Locale.ROOT)
                    + " layer needs the whole sequence; it cannot be stepped");
        }
        if (inputWidth != spec.inputSize()) {
            throw new IllegalArgumentException(name + ": steps of " + inputWidth + " floats per stream, expected input_size "
                    + spec.inputSize());
        }
        return spec.outputSize();
    }

    @Override
    public int stepInputWidth() {
        return spec.inputSize();
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new RecurrentRunner(this, kernels, streams, null);
    }

    /** A streaming step of a forward layer large enough for it ({@code ParallelStep}) is split across {@code team}'s threads. */
    @Override
    public Runner newRunner(Kernels kernels, int streams, ThreadTeam team) {
        return new RecurrentRunner(this, kernels, streams, team);
    }

    /** Every input but X: sequence_lens, initial_h, initial_c and the mask. */
    @Override
    public boolean isOptionalInput(int k) {
        return k > 0;
    }

    /** initial_h returns as Y_h, initial_c as Y_c. */
    @Override
    public int finalStateOf(int input) {
        return input == 2 ? 1 : input == 3 && spec.cell() == CellType.LSTM ? 2 : -1;
    }

    /** initial_h (or initial_c) as Y_h (or Y_c): each direction's rows, re-laid out as the layer writes its final states. */
    @Override
    public Tensor untouchedState(int input, Tensor initial) {
        int output = finalStateOf(input);
        if (output < 0 || initial == null || initial.type() != ElementType.FLOAT32 || initial.rank() != 3) {
            return null;
        }
        int batch = spec.layout().layout == 0 ? initial.dim(1) : initial.dim(0);
        SequenceOffsets at = new SequenceOffsets(spec);
        at.set(1, batch);
        int[][] shapes = at.shapes();
        if (!initial.hasShape(shapes[input + 1])) {
            return null;
        }
        int width = input == 2 ? spec.outputSize() : spec.hiddenSize();
        Tensor state = Tensor.zeros(shapes[output]);
        for (int d = 0; d < spec.directions(); d++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(initial.floats(), at.initialState(d, b, width), state.floats(), at.state(d, b, width), width);
            }
        }
        return state;
    }

    @Override
    public String maskInput() {
        return inputs.size() > 4 ? inputs.get(4) : "";
    }

    /** Y, and Y_h: a step's output is the new state. */
    @Override
    public List<String> stepOutputs() {
        return outputs.subList(0, Math.min(2, outputs.size()));
    }

    /** Direction d's cell, computing with {@code kernels}. */
    Cell newCell(Kernels kernels, int d) {
        switch (spec.cell()) {
            case LSTM:
                return new LstmCell(kernels, weights[d], spec, d);
            case GRU:
                return new GruCell(kernels, weights[d], spec, d);
            case RNN:
                return new RnnCell(kernels, weights[d], spec, d);
            default:
                throw new AssertionError(spec.cell());
        }
    }

    /** Direction d's weights. */
    CellWeights cellWeights(int d) {
        return weights[d];
    }

    /** Whether output k (Y, Y_h, Y_c) is computed: named, and Y_c for an LSTM only. */
    boolean produces(int output) {
        return output < outputs.size() && !outputs.get(output).isEmpty() && (output < 2 || spec.cell() == CellType.LSTM);
    }
}
