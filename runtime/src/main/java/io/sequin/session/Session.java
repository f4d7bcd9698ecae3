package io.sequin.session;

import io.sequin.kernel.Kernels;
import io.sequin.layer.Layer;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.parallel.ThreadTeam;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream of work on a {@link Model} (or several streams stepped together): owns the
 * scratch memory and the streaming state of every layer. A session must be used by one thread
 * at a time; create one per thread (a {@link Model} is immutable and may be shared by any number
 * of threads and sessions). A second thread entering run, step or reset while another is inside
 * gets an {@link IllegalStateException} rather than corrupted state.
 *
 * <p>Two ways to run:
 * <ul>
 *   <li>whole sequences, {@link #run(Map)} (new output tensors) or {@link #run(Map, Map)}
 *       (into the caller's tensors, allocating nothing once the session's buffers have grown to
 *       the largest sequence and batch seen);</li>
 *   <li>streaming, {@link #step(float[], float[])}: one time step of every stream, the state
 *       carried inside the session from call to call until {@link #reset()}. Allocates nothing.</li>
 * </ul>
 *
 * <p>A session made with more than one thread ({@link Model#newSession(Kernels, int, int)})
 * splits each large enough layer's products across them, with the same outputs bit for bit;
 * {@link #close()} stops those threads. A session of one thread holds no threads, and closing it
 * is optional.
 */
public final class Session implements AutoCloseable {
    /** More threads than this would be a mistake (cores are rarely so many), not a setting. */
    public static final int MAX_THREADS = 256;

    private final Model model;
    private final int threads;
    /** The threads a streaming step is split across, or null for one thread. */
    private final ThreadTeam team;
    private boolean closed;
    private final Kernels kernels;
    private final int streams;
    private final List<Layer> layers;
    private final Layer.Runner[] runners;
    /** Every tensor name's slot in {@link #values}. */
    private final Map<String, Integer> slots = new HashMap<>();
    private final Tensor[] values;
    private final int[] inputSlots;
    /** For each model input, whether {@link Model#isOptional} lets a run leave it out. */
    private final boolean[] optionalInputs;
    private final int[][] layerInputSlots;
    private final int[][] layerOutputSlots;
    /** For each layer output, the model output it is (index), or -1. */
    private final int[][] layerOutputModelIndex;
    private final Tensor[][] layerIn;
    private final Tensor[][] layerGiven;
    /** For each layer, {@link Layer#movesOnly}. */
    private final boolean[] movesOnly;
    // Streaming: the chain of layers, and the buffers between them.
    private final StreamingPlan plan;
    private final float[][] stepBuffers;
    /** The layers a step runs, in order ({@link StreamingPlan#layers}). */
    private final int[] stepLayers;
    /** Floats per stream that {@link #step} reads and writes; 0 when the model cannot be stepped. */
    private final int stepIn;
    private final int stepOut;
    /** Where each model output's tensor lands, in {@link Model#outputs()} order. */
    private final int[] outputSlots;
    /** A state of zeros, for {@link #reset(int)}. */
    private final float[] zeroState;
    /** Whether a thread is inside run, step or reset (see {@link #enter}). */
    private final AtomicBoolean busy = new AtomicBoolean();

    /** Use {@link Model#newSession()}. */
    public Session(Model model, Kernels kernels) {
        this(model, kernels, 1);
    }

    /** Use {@link Model#newSession(Kernels, int)}. */
    public Session(Model model, Kernels kernels, int streams) {
        this(model, kernels, streams, 1);
    }

    /** Use {@link Model#newSession(Kernels, int, int)}. */
    public Session(Model model, Kernels kernels, int streams, int threads) {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be at least 1, not " + streams);
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be from 1 to " + MAX_THREADS + ", not " + threads);
        }
        this.model = model;
        this.kernels = kernels;
        this.streams = streams;
        this.threads = threads;
        this.team = threads > 1 ? new ThreadTeam(threads, "step") : null;
        this.layers = model.layers();
        List<Tensor> initial = new ArrayList<>();
        for (TensorSpec s : model.inputs()) {
            slot(s.name(), initial, null);
        }
        for (var c : model.constants()) {
            slot(c.name(), initial, model.constant(c.name()));
        }
        runners = new Layer.Runner[layers.size()];
        layerInputSlots = new int[layers.size()][];
        layerOutputSlots = new int[layers.size()][];
        layerOutputModelIndex = new int[layers.size()][];
        layerIn = new Tensor[layers.size()][];
        layerGiven = new Tensor[layers.size()][];
        movesOnly = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            runners[i] = layer.newRunner(kernels, streams, team);
            movesOnly[i] = layer.movesOnly();
            layerInputSlots[i] = new int[layer.inputs().size()];
            for (int k = 0; k < layerInputSlots[i].length; k++) {
                String name = layer.inputs().get(k);
                layerInputSlots[i][k] = name.isEmpty() ? -1 : slots.get(name);
            }
            layerOutputSlots[i] = new int[layer.outputs().size()];
            layerOutputModelIndex[i] = new int[layer.outputs().size()];
            for (int k = 0; k < layerOutputSlots[i].length; k++) {
                String name = layer.outputs().get(k);
                layerOutputSlots[i][k] = name.isEmpty() ? -1 : slot(name, initial, null);
                layerOutputModelIndex[i][k] = name.isEmpty() ? -1 : outputIndex(name);
            }
            layerIn[i] = new Tensor[layer.inputs().size()];
            layerGiven[i] = new Tensor[layer.outputs().size()];
        }
        values = initial.toArray(new Tensor[0]);
        outputSlots = new int[model.outputs().size()];
        for (int i = 0; i < outputSlots.length; i++) {
            outputSlots[i] = slots.get(model.outputs().get(i).name());
        }
        inputSlots = new int[model.inputs().size()];
        optionalInputs = new boolean[inputSlots.length];
        for (int i = 0; i < inputSlots.length; i++) {
            inputSlots[i] = slots.get(model.inputs().get(i).name());
            optionalInputs[i] = model.isOptional(model.inputs().get(i).name());
        }
        plan = StreamingPlan.of(model);
        stepLayers = plan.layers;
        stepIn = plan.inputWidth();
        stepOut = plan.outputWidth();
        stepBuffers = new float[stepLayers.length][];
        if (plan.refusal == null) {
            for (int k = 0; k < stepLayers.length; k++) {
                stepBuffers[k] = new float[streams * plan.widths[k + 1]];
            }
            zeroState = new float[stateSize()];
        } else {
            zeroState = new float[0];
        }
    }

    private int slot(String name, List<Tensor> initial, Tensor value) {
        Integer existing = slots.get(name);
        if (existing != null) {
            return existing;
        }
        slots.put(name, initial.size());
        initial.add(value);
        return initial.size() - 1;
    }

    private int outputIndex(String name) {
        for (int i = 0; i < model.outputs().size(); i++) {
            if (model.outputs().get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public Model model() {
        return model;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** How many streams {@link #step} advances together. */
    public int streams() {
        return streams;
    }

    /**
     * Runs the whole model once, into new output tensors.
     *
     * @param inputs a tensor for every model input, by name, except those {@link
     *     Model#isOptional} lets a run leave out; an int64 tensor is accepted for an int32 input
     *     (and the reverse) when every value fits
     * @return every model output by name, in the model's output order
     * @throws IllegalArgumentException if an input is missing, unknown, or of the wrong type or
     *     shape (the message names it and what was expected)
     * @throws IllegalStateException if the layers make an output of another shape than the model
     *     file declares for it (a corrupt or hand-made file), or another thread is in this session
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        enter();
        try {
            return runNew(inputs);
        } finally {
            exit();
        }
    }

    private Map<String, Tensor> runNew(Map<String, Tensor> inputs) {
        bindInputs(inputs);
        for (int i = 0; i < runners.length; i++) {
            if (!skipped(i)) {
                store(i, runners[i].run(layerInputs(i)));
            }
        }
        checkOutputs();
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (TensorSpec spec : model.outputs()) {
            result.put(spec.name(), values[slots.get(spec.name())]);
        }
        return result;
    }

    /**
     * The tensor that the last {@link #run} gave a named value: a model input, a constant, or any
     * layer's output (the names {@code inspect} lists), or null if the name is unknown or the value
     * was not computed. Not a copy: the next run may overwrite it. For looking inside a model, as
     * the converter's accuracy report does for every layer of a quantized model.
     */
    public Tensor value(String name) {
        Integer slot = slots.get(name);
        return slot == null ? null : values[slot];
    }

    /**
     * A model file declares its outputs' shapes, and nothing at load time infers what the layers
     * make of the inputs; so a run checks, and a file whose declaration disagrees with its layers
     * is refused rather than handing out tensors that contradict {@link Model#outputs()}.
     */
    private void checkOutputs() {
        List<TensorSpec> specs = model.outputs();
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec spec = specs.get(i);
            Tensor t = values[outputSlots[i]];
            if (t == null || !spec.accepts(t)) {
                throw new IllegalStateException("the model declares output " + spec + " but its layers made "
                        + (t == null ? "nothing" : Tensor.format(t.shape())) + "; the model file is inconsistent");
            }
        }
    }

    /**
     * Runs the whole model once, writing every model output into the caller's tensor of that
     * name (float32, of the exact output shape). Allocates nothing once the session has seen a
     * sequence and batch at least this large, unless an input needs int64/int32 conversion.
     *
     * @throws IllegalArgumentException if an input or output is missing, unknown, or of the
     *     wrong type or shape
     * @throws IllegalStateException if the layers make an output of another shape than the model
     *     file declares for it, or another thread is in this session
     */
    public void run(Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
        enter();
        try {
            runInto(inputs, outputs);
        } finally {
            exit();
        }
    }

    private void runInto(Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
        bindInputs(inputs);
        if (outputs.size() != model.outputs().size()) {
            throw new IllegalArgumentException("expected a tensor for each of the model's outputs " + names(model.outputs())
                    + ", got " + outputs.keySet());
        }
        for (int i = 0; i < runners.length; i++) {
            if (skipped(i)) {
                continue;
            }
            Tensor[] given = layerGiven[i];
            for (int k = 0; k < given.length; k++) {
                int index = layerOutputModelIndex[i][k];
                given[k] = null;
                if (index >= 0) {
                    String name = model.outputs().get(index).name();
                    given[k] = outputs.get(name);
                    if (given[k] == null) {
                        throw new IllegalArgumentException("no tensor for output '" + name + "'; the model's outputs are "
                                + names(model.outputs()));
                    }
                }
            }
            store(i, runners[i].run(layerInputs(i), given));
        }
        checkOutputs();
    }

    /** A session of several threads refuses work once closed: its threads are gone. */
    private void requireOpen() {
        if (closed && team != null) {
            throw new IllegalStateException("this session is closed: the threads its work is split across are stopped");
        }
    }

    private void bindInputs(Map<String, Tensor> inputs) {
        requireOpen();
        List<TensorSpec> specs = model.inputs();
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec spec = specs.get(i);
            Tensor t = inputs.get(spec.name());
            if (t == null && !optionalInputs[i]) {
                throw new IllegalArgumentException("input '" + spec.name() + "' is missing; the model's inputs are " + names(specs));
            }
            values[inputSlots[i]] = t == null ? null : conform(spec, t);
        }
        if (inputs.size() != specs.size()) {
            for (String name : inputs.keySet()) {
                if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                    throw new IllegalArgumentException("unknown input '" + name + "'; the model's inputs are " + names(specs));
                }
            }
        }
    }

    /**
     * Whether layer i only moves elements and the run left out every input it reads (a packed
     * state tensor, say: see {@link Model#isOptional}); its outputs are then left out too.
     */
    private boolean skipped(int i) {
        if (!movesOnly[i]) {
            return false;
        }
        for (int slot : layerInputSlots[i]) {
            if (slot >= 0 && values[slot] != null) {
                return false;
            }
        }
        for (int slot : layerOutputSlots[i]) {
            if (slot >= 0) {
                values[slot] = null;
            }
        }
        return true;
    }

    private Tensor[] layerInputs(int i) {
        Tensor[] in = layerIn[i];
        int[] from = layerInputSlots[i];
        for (int k = 0; k < in.length; k++) {
            in[k] = from[k] < 0 ? null : values[from[k]];
        }
        return in;
    }

    private void store(int i, Tensor[] out) {
        int[] to = layerOutputSlots[i];
        for (int k = 0; k < to.length && k < out.length; k++) {
            if (to[k] >= 0) {
                values[to[k]] = out[k];
            }
        }
    }

    /**
     * Floats one stream reads per {@link #step}: the model's sequence input's feature size, or 1
     * when the first layer is an embedding (the index, as a float holding a whole number).
     */
    public int stepInputSize() {
        requireStreamable();
        return stepIn;
    }

    /** Floats one stream writes per {@link #step}: the last layer's output width (a recurrent layer's hidden size). */
    public int stepOutputSize() {
        requireStreamable();
        return stepOut;
    }

    /**
     * Streaming: advances every stream by one time step. {@code x} holds
     * [streams][{@link #stepInputSize}] floats; the output for the step of the chain of layers
     * from the input, [streams][{@link #stepOutputSize}] (a recurrent layer's new hidden state,
     * or what the layers after it make of it), is written to {@code y}. Layers off that chain
     * (a stack's final states put together, a branch from a returned state) do not run.
     * The state starts at zero and is carried from call to call; the model's initial-state and
     * sequence-length inputs do not apply. A masked step (Keras masking) leaves the state as it
     * was. Allocates nothing.
     *
     * @throws IllegalStateException if the model cannot be stepped (a layer reads its sequence
     *     backwards, or the layers do not form a chain from the model's one sequence input)
     * @throws IllegalArgumentException if an array is too short
     */
    public void step(float[] x, float[] y) {
        enter();
        try {
            stepOnce(x, y);
        } finally {
            exit();
        }
    }

    private void stepOnce(float[] x, float[] y) {
        requireStreamable();
        requireOpen();
        int in = streams * stepIn;
        int out = streams * stepOut;
        if (x.length < in || y.length < out) {
            throw new IllegalArgumentException("step needs x of " + in + " and y of " + out + " floats (" + streams
                    + " streams), got " + x.length + " and " + y.length);
        }
        float[] current = x;
        for (int k = 0; k < stepLayers.length; k++) {
            int i = stepLayers[k];
            float[] next = k == stepLayers.length - 1 ? y : stepBuffers[k];
            int source = plan.maskSource[i];
            if (source >= 0) {
                runners[i].step(current, 0, plan.widths[k], next, 0, runners[source].stepKept());
            } else {
                runners[i].step(current, 0, plan.widths[k], next, 0);
            }
            current = next;
        }
    }

    /** The threads this session splits a streaming step across (1: the caller's alone). */
    public int threads() {
        return threads;
    }

    /** The team a session of more than one thread runs its split steps on, or null; for tests. */
    ThreadTeam team() {
        return team;
    }

    /**
     * Stops the threads a session of more than one thread started; then it can no longer run or
     * step. Does nothing for a session of one thread. Idempotent.
     */
    @Override
    public void close() {
        enter();
        try {
            closed = true;
            if (team != null) {
                team.close();
            }
        } finally {
            exit();
        }
    }

    /** Zeroes the streaming state of every stream. */
    public void reset() {
        enter();
        try {
            for (Layer.Runner r : runners) {
                r.reset();
            }
        } finally {
            exit();
        }
    }

    /**
     * Marks the session busy: a session is for one thread at a time, and two threads inside it at
     * once would corrupt its state silently, so the second is refused. One atomic operation a
     * call, nothing allocated.
     */
    private void enter() {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("this session is already running in another thread; a session is for one "
                    + "thread at a time: create one session per thread (the Model can be shared)");
        }
    }

    private void exit() {
        busy.set(false);
    }

    /**
     * Floats one stream's streaming state takes in {@link #saveState} and {@link #restoreState}:
     * for each recurrent layer that {@link #step} runs, in order, its h (the hidden or projection
     * size), then an LSTM's c (the hidden size).
     *
     * @throws IllegalStateException if the model cannot be stepped
     */
    public int stateSize() {
        requireStreamable();
        int size = 0;
        for (int i : stepLayers) {
            size += runners[i].stateWidth();
        }
        return size;
    }

    /**
     * Copies one stream's streaming state to {@code to[off..off + stateSize())}: a snapshot to
     * restore later, into this stream or another (a beam search's hypotheses, a paused
     * conversation). Allocates nothing.
     *
     * @throws IllegalArgumentException if the stream or the array range is out of bounds
     */
    public void saveState(int stream, float[] to, int off) {
        checkState(stream, to, off);
        for (int i : stepLayers) {
            runners[i].saveState(stream, to, off);
            off += runners[i].stateWidth();
        }
    }

    /**
     * Sets one stream's streaming state from {@code from[off..off + stateSize())}, as {@link
     * #saveState} wrote it, or as built from a model's final states (an encoder's h_n and c_n,
     * layer by layer: h, then c). The other streams are untouched. Allocates nothing.
     *
     * @throws IllegalArgumentException if the stream or the array range is out of bounds
     */
    public void restoreState(int stream, float[] from, int off) {
        checkState(stream, from, off);
        for (int i : stepLayers) {
            runners[i].loadState(stream, from, off);
            off += runners[i].stateWidth();
        }
    }

    /** Zeroes one stream's streaming state; the other streams go on. Allocates nothing. */
    public void reset(int stream) {
        checkState(stream, zeroState, 0);
        restoreState(stream, zeroState, 0);
    }

    private void checkState(int stream, float[] state, int off) {
        int size = stateSize();
        if (stream < 0 || stream >= streams) {
            throw new IllegalArgumentException("stream " + stream + " is outside [0, " + streams + ")");
        }
        if (off < 0 || off > state.length - size) {
            throw new IllegalArgumentException("a state of " + size + " floats at offset " + off + " does not fit an array of "
                    + state.length);
        }
    }

    private void requireStreamable() {
        if (plan.refusal != null) {
            throw new IllegalStateException("this model cannot be stepped: " + plan.refusal);
        }
    }

    private static String names(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.name());
        }
        return names.toString();
    }

    private static Tensor conform(TensorSpec spec, Tensor t) {
        if (!spec.accepts(t)) {
            throw new IllegalArgumentException("input '" + spec.name() + "' has shape " + Tensor.format(t.shape())
                    + ", expected " + spec.shapeString());
        }
        if (t.type() == spec.type()) {
            return t;
        }
        if (spec.type() == ElementType.INT32 && t.type() == ElementType.INT64) {
            long[] v = t.longs();
            int[] narrowed = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("input '" + spec.name() + "' element " + i + " = " + v[i] + " does not fit int32");
                }
                narrowed[i] = (int) v[i];
            }
            return Tensor.ofInts(t.shape(), narrowed);
        }
        if (spec.type() == ElementType.INT64 && t.type() == ElementType.INT32) {
            int[] v = t.ints();
            long[] widened = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                widened[i] = v[i];
            }
            return Tensor.ofLongs(t.shape(), widened);
        }
        throw new IllegalArgumentException("input '" + spec.name() + "' is " + t.type().displayName()
                + ", expected " + spec.type().displayName());
    }
}
