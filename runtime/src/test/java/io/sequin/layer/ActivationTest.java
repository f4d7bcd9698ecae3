package io.sequin.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Each activation at points where its ONNX definition gives an exact value. Their behaviour
 * inside whole cells is checked against ONNX Runtime by the converter's fixture tests.
 */
class ActivationTest {
    private static float at(ActivationFunction f, float alpha, float beta, float x) {
        return new Activation(f, alpha, beta).apply(x);
    }

    @Test
    void valuesFromTheDefinitions() {
        assertEquals(0f, at(ActivationFunction.RELU, 0, 0, -3f));
        assertEquals(2.5f, at(ActivationFunction.RELU, 0, 0, 2.5f));
        assertEquals(0f, at(ActivationFunction.TANH, 0, 0, 0f));
        assertEquals(1f, at(ActivationFunction.TANH, 0, 0, 100f));
        assertEquals(0.5f, at(ActivationFunction.SIGMOID, 0, 0, 0f));
        assertEquals(0f, at(ActivationFunction.SIGMOID, 0, 0, -200f));
        assertEquals(1f, at(ActivationFunction.SIGMOID, 0, 0, 200f));
        assertEquals(2f * 3f + 0.5f, at(ActivationFunction.AFFINE, 2f, 0.5f, 3f));
        assertEquals(0.5f * -4f, at(ActivationFunction.LEAKY_RELU, 0.5f, 0, -4f));
        assertEquals(4f, at(ActivationFunction.LEAKY_RELU, 0.5f, 0, 4f));
        assertEquals(0f, at(ActivationFunction.THRESHOLDED_RELU, 1f, 0, 0.5f));
        assertEquals(1f, at(ActivationFunction.THRESHOLDED_RELU, 1f, 0, 1f));
        assertEquals(3f, at(ActivationFunction.SCALED_TANH, 3f, 2f, 100f));
        assertEquals(0f, at(ActivationFunction.SCALED_TANH, 3f, 2f, 0f));
        assertEquals(0.5f, at(ActivationFunction.HARD_SIGMOID, 0.2f, 0.5f, 0f));
        assertEquals(0f, at(ActivationFunction.HARD_SIGMOID, 0.2f, 0.5f, -2.5f));
        assertEquals(1f, at(ActivationFunction.HARD_SIGMOID, 0.2f, 0.5f, 2.5f));
        assertEquals(0.2f * 1f + 0.5f, at(ActivationFunction.HARD_SIGMOID, 0.2f, 0.5f, 1f));
        assertEquals(-2f, at(ActivationFunction.ELU, 2f, 0, -1000f));
        assertEquals(5f, at(ActivationFunction.ELU, 2f, 0, 5f));
        assertEquals(0.5f, at(ActivationFunction.SOFTSIGN, 0, 0, 1f));
        assertEquals(-0.75f, at(ActivationFunction.SOFTSIGN, 0, 0, -3f));
        assertEquals((float) Math.log(2), at(ActivationFunction.SOFTPLUS, 0, 0, 0f));
        assertEquals(100f, at(ActivationFunction.SOFTPLUS, 0, 0, 100f));
    }

    @Test
    void everyFunctionHasItsOnnxName() {
        for (ActivationFunction f : ActivationFunction.values()) {
            assertEquals(f, ActivationFunction.fromOnnxName(f.onnxName().toUpperCase(Locale.ROOT)));
        }
        assertEquals(null, ActivationFunction.fromOnnxName("Swish"));
    }
}
