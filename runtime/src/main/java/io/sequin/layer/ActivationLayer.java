package io.sequin.layer;

import io.sequin.kernel.Kernels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An activation applied to every element of a float tensor of any shape. Input: x. Output: y. */
public final class ActivationLayer extends RowLayer {
    private final Activation activation;

    public ActivationLayer(String name, List<String> inputs, List<String> outputs, Activation activation) {
        super(name, inputs, outputs);
        this.activation = activation;
    }

    @Override
    public String kind() {
        return "Activation";
    }

    public Activation activation() {
        return activation;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("activation", activation.toString());
        return a;
    }

    @Override
    void compute(Kernels kernels, float[] x, int xOff, float[] y, int yOff, int rows, int width) {
        int n = rows * width;
        System.arraycopy(x, xOff, y, yOff, n);
        activation.apply(kernels, y, yOff, n);
    }
}
