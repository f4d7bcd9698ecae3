package io.sequin.layer;

/** The activation functions of ONNX's recurrent operators, in the order {@code sequin.fbs} numbers them. */
public enum ActivationFunction {
    RELU("Relu"),
    TANH("Tanh"),
    SIGMOID("Sigmoid"),
    AFFINE("Affine"),
    LEAKY_RELU("LeakyRelu"),
    THRESHOLDED_RELU("ThresholdedRelu"),
    SCALED_TANH("ScaledTanh"),
    HARD_SIGMOID("HardSigmoid"),
    ELU("Elu"),
    SOFTSIGN("Softsign"),
    SOFTPLUS("Softplus");

    private final String onnxName;

    ActivationFunction(String onnxName) {
        this.onnxName = onnxName;
    }

    /** The name ONNX gives it in the {@code activations} attribute. */
    public String onnxName() {
        return onnxName;
    }

    /** The function ONNX calls {@code name} (case-insensitive), or null if there is none. */
    public static ActivationFunction fromOnnxName(String name) {
        for (ActivationFunction f : values()) {
            if (f.onnxName.equalsIgnoreCase(name)) {
                return f;
            }
        }
        return null;
    }
}
