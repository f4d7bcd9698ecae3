package io.sequin.layer;

import io.sequin.kernel.Kernels;

/**
 * An activation function with its parameters, always explicit (frameworks disagree on
 * defaults, so importers resolve them). The formulas are ONNX's (onnx/defs/rnn/defs.cc).
 */
public final class Activation {
    private final ActivationFunction function;
    private final float alpha;
    private final float beta;

    public Activation(ActivationFunction function, float alpha, float beta) {
        this.function = function;
        this.alpha = alpha;
        this.beta = beta;
    }

    public ActivationFunction function() {
        return function;
    }

    public float alpha() {
        return alpha;
    }

    public float beta() {
        return beta;
    }

    /**
     * Applies the function to {@code v[off .. off+len)} in place, with the kernels' vectorized
     * sigmoid and tanh where the function is one of those.
     */
    public void apply(Kernels kernels, float[] v, int off, int len) {
        if (function == ActivationFunction.SIGMOID) {
            kernels.sigmoid(v, off, len);
        } else if (function == ActivationFunction.TANH) {
            kernels.tanh(v, off, len);
        } else {
            apply(v, off, len);
        }
    }

    /** Applies the function to {@code v[off .. off+len)} in place. */
    public void apply(float[] v, int off, int len) {
        for (int i = off; i < off + len; i++) {
            v[i] = apply(v[i]);
        }
    }

    /** The function at one point. */
    public float apply(float x) {
        switch (function) {
            case RELU:
                return Math.max(0f, x);                                // max(0, x)
            case TANH:
                return (float) Math.tanh(x);
            case SIGMOID:
                return (float) (1.0 / (1.0 + Math.exp(-x)));            // 1 / (1 + e^-x)
            case AFFINE:
                return alpha * x + beta;
            case LEAKY_RELU:
                return x >= 0 ? x : alpha * x;
            case THRESHOLDED_RELU:
                return x >= alpha ? x : 0f;
            case SCALED_TANH:
                return alpha * (float) Math.tanh(beta * x);
            case HARD_SIGMOID:
                return Math.min(Math.max(alpha * x + beta, 0f), 1f);
            case ELU:
                return x >= 0 ? x : alpha * (float) Math.expm1(x);     // alpha * (e^x - 1)
            case SOFTSIGN:
                return x / (1 + Math.abs(x));
            case SOFTPLUS:
                return (float) Math.log1p(Math.exp(x));                // log(1 + e^x)
            default:
                throw new AssertionError(function);
        }
    }

    @Override
    public String toString() {
        switch (function) {
            case AFFINE:
            case SCALED_TANH:
            case HARD_SIGMOID:
                return function.onnxName() + "(alpha=" + alpha + ", beta=" + beta + ")";
            case LEAKY_RELU:
            case THRESHOLDED_RELU:
            case ELU:
                return function.onnxName() + "(alpha=" + alpha + ")";
            default:
                return function.onnxName();
        }
    }
}
