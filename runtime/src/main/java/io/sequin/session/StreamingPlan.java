package io.sequin.session;

import io.sequin.layer.Layer;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How {@link Session#step} runs a model, worked out once from the model's layers: the chain of
 * layers a step runs, the floats per stream that pass between them, and for each layer the mask
 * layer whose mask it reads; or why the model cannot be stepped. The layers say what a plan needs
 * ({@link Layer#stepOutputs}, {@link Layer#maskInput}, {@link Layer#maskOutput}, the step widths),
 * so nothing here knows a layer's class.
 */
final class StreamingPlan {
    /** Why the model cannot be stepped, or null. */
    final String refusal;
    /** The layers a step runs, in order: each reads what the one before wrote. */
    final int[] layers;
    /** Floats per stream each of {@link #layers} reads in a step, then what the last writes. */
    final int[] widths;
    /** For each layer of the model, the earlier mask layer whose mask it reads, or -1. */
    final int[] maskSource;

    private StreamingPlan(String refusal, int[] layers, int[] widths, int[] maskSource) {
        this.refusal = refusal;
        this.layers = layers;
        this.widths = widths;
        this.maskSource = maskSource;
    }

    /** Floats per stream a step reads; 0 when the model cannot be stepped. */
    int inputWidth() {
        return refusal == null ? widths[0] : 0;
    }

    /** Floats per stream a step writes; 0 when the model cannot be stepped. */
    int outputWidth() {
        return refusal == null ? widths[layers.length] : 0;
    }

    static StreamingPlan of(Model model) {
        List<Layer> layers = model.layers();
        int[] maskSource = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            maskSource[i] = maskSource(layers, i);
        }
        List<Integer> chain = new ArrayList<>();
        String refusal = chain(model, maskSource, chain);
        int[] chainLayers = new int[chain.size()];
        for (int i = 0; i < chainLayers.length; i++) {
            chainLayers[i] = chain.get(i);
        }
        int[] widths = new int[chainLayers.length + 1];
        if (refusal == null) {
            refusal = widths(model, chainLayers, widths);
        }
        return new StreamingPlan(refusal, chainLayers, widths, maskSource);
    }

    /** The mask layer that writes the mask layer {@code i} reads, or -1. */
    private static int maskSource(List<Layer> layers, int i) {
        String mask = layers.get(i).maskInput();
        if (mask.isEmpty()) {
            return -1;
        }
        for (int j = 0; j < i; j++) {
            if (layers.get(j).maskOutput().equals(mask)) {
                return j;
            }
        }
        return -1;
    }

    /**
     * Finds the layers a step runs and returns why the model cannot be stepped, or null: a chain
     * from the first layer that reads a model input (not a recurrent state) as its first input,
     * each chain layer reading (as its first input) what the chain holds, that is the tensors the
     * last chain layer's step writes (a recurrent layer's Y and Y_h), or still the ones before when
     * it passes its input on (a mask layer that makes only a mask). Layers off the chain (the
     * concatenation of a stack's final states, the slices of a packed state input, any layer that
     * cannot step, a branch from a returned state) do not run in a step; the chain must end in a
     * model output, which is what a step writes.
     */
    private static String chain(Model model, int[] maskSource, List<Integer> chainLayers) {
        List<Layer> layers = model.layers();
        if (layers.isEmpty()) {
            return "it has no layers";
        }
        // The step's input: the first that a layer reads first, other than a state the session carries.
        String first = null;
        for (Layer layer : layers) {
            String x = layer.inputs().isEmpty() ? "" : layer.inputs().get(0);
            if (isModelInput(model, x) && !model.recurrentStates().containsKey(x)) {
                first = x;
                break;
            }
        }
        if (first == null) {
            return "no layer reads a model input (other than recurrent state) first";
        }
        // The tensors whose step values the chain holds.
        List<String> chain = new ArrayList<>();
        chain.add(first);
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer.inputs().isEmpty() || !chain.contains(layer.inputs().get(0)) || !layer.canStep()) {
                continue;
            }
            if (!layer.maskInput().isEmpty() && (maskSource[i] < 0 || !chainLayers.contains(maskSource[i]))) {
                return "layer '" + layer.name() + "' reads mask '" + layer.maskInput() + "', which no mask layer on its chain writes";
            }
            chainLayers.add(i);
            if (!layer.stepOutputs().isEmpty()) {
                chain.clear();
                chain.addAll(layer.stepOutputs());
            }
        }
        if (chainLayers.isEmpty()) {
            return "no layer that can step reads input '" + first + "'";
        }
        Layer last = layers.get(chainLayers.get(chainLayers.size() - 1));
        for (String o : last.outputs()) {
            if (outputIndex(model, o) >= 0) {
                return null;
            }
        }
        return "the chain of layers from the input ends at layer '" + last.name() + "', whose output is not a model output";
    }

    /**
     * Whether {@code name} is one of the model's inputs. (Loops here rather than streams and
     * lambdas: a fresh JVM links each lambda on first use, and a first session is on the clock.)
     */
    private static boolean isModelInput(Model model, String name) {
        for (TensorSpec s : model.inputs()) {
            if (s.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Fills {@code widths}; returns why the chain cannot be stepped, or null. */
    private static String widths(Model model, int[] chain, int[] widths) {
        List<Layer> layers = model.layers();
        Layer head = layers.get(chain[0]);
        int width = head.stepInputWidth();
        if (width < 0) {
            // A layer that takes any width (Masking, an activation) steps the model input's features.
            String x = head.inputs().get(0);
            for (TensorSpec s : model.inputs()) {
                int[] shape = s.shape();
                if (s.name().equals(x) && shape.length > 0 && shape[shape.length - 1] > 0) {
                    width = shape[shape.length - 1];
                }
            }
        }
        if (width < 0) {
            return "its first layer, '" + head.name() + "', takes any width, so a step's width is unknown";
        }
        for (int k = 0; k < chain.length; k++) {
            widths[k] = width;
            try {
                width = layers.get(chain[k]).stepOutputWidth(width);
            } catch (IllegalStateException | IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        widths[chain.length] = width;
        Layer last = layers.get(chain[chain.length - 1]);
        for (String name : last.stepOutputs()) {
            int index = outputIndex(model, name);
            int[] shape = index < 0 ? null : model.outputs().get(index).shape();
            if (shape != null && shape.length > 0 && shape[shape.length - 1] != TensorSpec.DYNAMIC && shape[shape.length - 1] != width) {
                return "output " + model.outputs().get(index) + " declares a width of " + shape[shape.length - 1]
                        + ", but layer '" + last.name() + "' makes " + width;
            }
        }
        return null;
    }

    private static int outputIndex(Model model, String name) {
        for (int i = 0; i < model.outputs().size(); i++) {
            if (model.outputs().get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return refusal != null ? "not streamable: " + refusal : "layers " + Arrays.toString(layers) + ", widths " + Arrays.toString(widths);
    }
}
