package io.sequin.layer;

import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.Arrays;

/**
 * The output tensor of a one-output layer in one runner: derived from the shape of the input, and
 * reused while that shape stays the same, so repeated runs allocate nothing.
 */
final class OutputBuffer {
    /** How the output's shape follows from the input's. */
    interface ShapeRule {
        int[] outputShape(int[] inputShape);
    }

    private final String layer;
    private final ShapeRule rule;
    private int[] lastInput = null;
    private int[] shape;
    private Tensor owned;

    OutputBuffer(String layer, ShapeRule rule) {
        this.layer = layer;
        this.rule = rule;
    }

    /** The output shape for input {@code x}; a new array only when x's shape changed. */
    int[] shapeFor(Tensor x) {
        if (lastInput == null || !x.hasShape(lastInput)) {
            int[] input = x.shape();
            // The rule may refuse the shape: remember it only once it is taken.
            shape = rule.outputShape(input);
            lastInput = input;
        }
        return shape;
    }

    /** A new zero tensor of the output shape for x. */
    Tensor fresh(Tensor x) {
        return Tensor.zeros(shapeFor(x));
    }

    /**
     * The tensor to write the output for x into: {@code given} when not null (it must be float32
     * of the exact shape), else one this buffer owns.
     */
    Tensor take(Tensor x, Tensor given) {
        int[] want = shapeFor(x);
        if (given != null) {
            if (given.type() != ElementType.FLOAT32 || !given.hasShape(want)) {
                throw new IllegalArgumentException(layer + ": output buffer is " + given + ", expected float32" + Tensor.format(want));
            }
            return given;
        }
        if (owned == null || !owned.hasShape(want)) {
            owned = Tensor.zeros(want);
        }
        return owned;
    }

    /** x's shape with the last dimension replaced by {@code last}. */
    static int[] withLast(int[] shape, int last) {
        int[] out = Arrays.copyOf(shape, shape.length);
        out[out.length - 1] = last;
        return out;
    }
}
