package io.sequin.layer;

import io.sequin.kernel.Kernels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Softmax over the last axis, or its logarithm: y = exp(x - max) / Σ exp(x - max), and
 * log-softmax y = x - max - log Σ exp(x - max), the maximum taken over each last-axis row so no
 * exponential overflows. Input: x. Output: y.
 */
public final class SoftmaxLayer extends RowLayer {
    private final boolean log;

    public SoftmaxLayer(String name, List<String> inputs, List<String> outputs, boolean log) {
        super(name, inputs, outputs);
        this.log = log;
    }

    @Override
    public String kind() {
        return log ? "LogSoftmax" : "Softmax";
    }

    public boolean isLog() {
        return log;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("axis", -1);
        return a;
    }

    @Override
    void compute(Kernels kernels, float[] x, int xOff, float[] y, int yOff, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            row(x, xOff + r * width, y, yOff + r * width, width);
        }
    }

    private void row(float[] x, int xOff, float[] y, int yOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[xOff + i] - max);
        }
        if (log) {
            float logSum = (float) Math.log(sum);
            for (int i = 0; i < n; i++) {
                y[yOff + i] = x[xOff + i] - max - logSum;
            }
        } else {
            for (int i = 0; i < n; i++) {
                y[yOff + i] = (float) (Math.exp(x[xOff + i] - max) / sum);
            }
        }
    }
}
