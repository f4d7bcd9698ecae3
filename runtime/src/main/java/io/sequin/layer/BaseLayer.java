package io.sequin.layer;

import io.sequin.tensor.ElementType;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What every layer other than the recurrent one keeps: its name, tensor names and stored weights. */
abstract class BaseLayer implements Layer {
    final String name;
    private final List<String> inputs;
    private final List<String> outputs;
    private final List<StoredTensor> stored;

    BaseLayer(String name, List<String> inputs, List<String> outputs, List<StoredTensor> stored, int minInputs, int maxInputs) {
        this(name, inputs, outputs, stored, minInputs, maxInputs, 1);
    }

    /** With {@code outputCount} outputs, all but the last optional ("" when not produced). */
    BaseLayer(String name, List<String> inputs, List<String> outputs, List<StoredTensor> stored, int minInputs, int maxInputs,
              int outputCount) {
        this.name = name;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.outputs = Collections.unmodifiableList(new ArrayList<>(outputs));
        this.stored = Collections.unmodifiableList(new ArrayList<>(stored));
        if (inputs.size() < minInputs || inputs.size() > maxInputs || inputs.contains("")) {
            throw new IllegalArgumentException(name + ": " + kind() + " takes " + (minInputs == maxInputs ? "" : "from " + minInputs + " to ")
                    + maxInputs + " inputs, all present; got " + inputs);
        }
        if (outputs.size() != outputCount || outputs.get(outputCount - 1).isEmpty()) {
            throw new IllegalArgumentException(name + ": " + kind() + " has " + (outputCount == 1 ? "one output" : outputCount
                    + " outputs, the last one present") + "; got " + outputs);
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
    public List<StoredTensor> weights() {
        return stored;
    }

    /** The input tensor at {@code k}, present and float32. */
    Tensor floatInput(Tensor[] in, int k, String what) {
        Tensor x = k < in.length ? in[k] : null;
        if (x == null) {
            throw new IllegalArgumentException(name + ": input " + what + " is missing");
        }
        if (x.type() != ElementType.FLOAT32) {
            throw new IllegalArgumentException(name + ": input " + what + " must be float32, not " + x.type().displayName());
        }
        return x;
    }
}
