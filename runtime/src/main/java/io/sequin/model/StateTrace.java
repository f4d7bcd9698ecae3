package io.sequin.model;

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.layer.Layer;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the inputs that are recurrent state and the outputs that return them, by following
 * values rather than by matching graph shapes: an input is filled with distinct tags (1, 2, 3,
 * ...), carried through the layers that only move elements (slices, concatenations) to the
 * recurrent layers that read them as initial states, passed through each such layer as if it took
 * no step ({@link Layer#untouchedState}), and carried on to the outputs. An output that then holds
 * exactly the input's tags, each in its own place, returns that input, however the exporter packed
 * the states: one tensor per layer, a stack per kind, or h and c of every layer in one tensor.
 * An input any other layer reads, or that reaches an output only in part, is not state. The work
 * is bounded: a file with more inputs and layers than {@link #MAX_WORK} allows reports no more.
 */
final class StateTrace {
    /**
     * The largest input traced: tags are floats (distinct up to 2^24), and a state tensor is
     * small (layers x 2 x H x 2 streams); a larger input, from a file that declares one, is not.
     */
    private static final int MAX_TAGS = 1 << 18;
    /** The most elements one trace may copy, over all the layers it runs (a file could repeat a copy many times). */
    private static final long MAX_COPIED = 8L * MAX_TAGS;
    /** Layer inputs looked at over all traces: a file of many inputs and layers stops here rather than take minutes. */
    private static final long MAX_WORK = 1L << 24;
    /** The size a run-time axis is traced at: more than 1, so batch rows stay apart. */
    private static final int DYNAMIC_SIZE = 2;

    private StateTrace() {
    }

    static Map<String, String> pairs(List<TensorSpec> inputs, List<TensorSpec> outputs, List<Layer> layers) {
        Map<String, String> pairs = new LinkedHashMap<>();
        // Only a tensor read as an initial state or moved can be state.
        Set<String> candidates = new HashSet<>();
        long perTrace = 0;
        for (Layer layer : layers) {
            List<String> in = layer.inputs();
            for (int k = 0; k < in.size(); k++) {
                if (layer.movesOnly() || layer.finalStateOf(k) >= 0) {
                    candidates.add(in.get(k));
                }
            }
            perTrace += in.size();
        }
        long work = 0;
        Kernels kernels = null;
        for (TensorSpec input : inputs) {
            Tensor tags = candidates.contains(input.name()) ? tags(input) : null;
            if (tags == null) {
                continue;
            }
            work += perTrace;
            if (work > MAX_WORK) {
                break;
            }
            if (kernels == null) {
                kernels = KernelSelection.select("scalar");
            }
            Map<String, Tensor> traced = trace(input.name(), tags, layers, kernels);
            if (traced == null) {
                continue;
            }
            for (TensorSpec output : outputs) {
                Tensor t = traced.get(output.name());
                if (t != null && t.hasShape(tags.shape()) && Arrays.equals(t.floats(), tags.floats())) {
                    pairs.put(input.name(), output.name());
                    break;
                }
            }
        }
        return pairs;
    }

    /** The input filled with 1, 2, 3, ... at a size for each run-time axis; null if it cannot be state. */
    private static Tensor tags(TensorSpec input) {
        if (input.type() != ElementType.FLOAT32 || input.shape().length == 0) {
            return null;
        }
        int[] shape = input.shape().clone();
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == TensorSpec.DYNAMIC) {
                shape[i] = DYNAMIC_SIZE;
            }
            n *= shape[i];
            if (n > MAX_TAGS || n == 0) {
                return null;
            }
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = i + 1;
        }
        return Tensor.ofFloats(shape, values);
    }

    /**
     * Every tensor the input's tags reach, by name; null when a layer reads them other than as a
     * moved element or an initial state, or a move cannot be carried out.
     */
    private static Map<String, Tensor> trace(String input, Tensor tags, List<Layer> layers, Kernels kernels) {
        Map<String, Tensor> traced = new HashMap<>();
        traced.put(input, tags);
        long copied = 0;
        for (Layer layer : layers) {
            List<String> in = layer.inputs();
            Tensor[] values = new Tensor[in.size()];
            boolean reads = false;
            boolean all = true;
            for (int k = 0; k < in.size(); k++) {
                values[k] = traced.get(in.get(k));
                reads |= values[k] != null;
                all &= values[k] != null || in.get(k).isEmpty();
                // A layer writes no more than it reads (a Concat as much).
                copied += values[k] == null ? 0 : values[k].size();
            }
            if (!reads) {
                continue;
            }
            if (copied > MAX_COPIED) {
                return null;
            }
            try {
                if (layer.movesOnly()) {
                    if (!all) {
                        return null;
                    }
                    Tensor[] out = layer.newRunner(kernels, 1).run(values);
                    for (int k = 0; k < out.length && k < layer.outputs().size(); k++) {
                        if (out[k] != null && !layer.outputs().get(k).isEmpty()) {
                            traced.put(layer.outputs().get(k), out[k]);
                        }
                    }
                    continue;
                }
                for (int k = 0; k < values.length; k++) {
                    if (values[k] == null) {
                        continue;
                    }
                    int out = layer.finalStateOf(k);
                    Tensor state = layer.untouchedState(k, values[k]);
                    if (out < 0 || state == null) {
                        return null;
                    }
                    if (out < layer.outputs().size() && !layer.outputs().get(out).isEmpty()) {
                        traced.put(layer.outputs().get(out), state);
                    }
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                // The tags do not fit the layer at this size: not a state this trace can follow.
                return null;
            }
        }
        return traced;
    }
}
