package io.sequin.importer.onnx;

import io.sequin.importer.ImportException;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.layer.CellType;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves an ONNX recurrent node's {@code activations}, {@code activation_alpha} and
 * {@code activation_beta} into explicit functions, the way ONNX Runtime reads them
 * (onnxruntime/core/providers/cpu/rnn/rnn_helpers.cc): the alpha and beta lists are consumed in
 * order, each only by the functions that take that parameter; a function whose value is not
 * listed gets ORT's default (LeakyRelu alpha 0.01, HardSigmoid 0.2 and 0.5, Elu 1.0, every other
 * 0). ONNX's text says a missing value defaults to the standalone operator's default, which for
 * ThresholdedRelu (1.0) differs; ORT is what users run and what our fixtures come from.
 */
final class OnnxActivations {
    private OnnxActivations() {
    }

    static List<String> defaults(CellType cell) {
        switch (cell) {
            case LSTM:
                return List.of("Sigmoid", "Tanh", "Tanh");
            case GRU:
                return List.of("Sigmoid", "Tanh");
            default:
                return List.of("Tanh");
        }
    }

    static List<Activation> resolve(CellType cell, int directions, List<String> names, List<Float> alphas,
                                    List<Float> betas, String where) throws ImportException {
        int per = cell.activations();
        List<String> expanded = new ArrayList<>();
        if (names.isEmpty()) {
            for (int d = 0; d < directions; d++) {
                expanded.addAll(defaults(cell));
            }
        } else if (names.size() == per * directions) {
            expanded.addAll(names);
        } else if (directions == 2 && names.size() == per) {
            expanded.addAll(names);
            expanded.addAll(names);
        } else {
            throw new ImportException(where + ": " + names.size() + " activations given, expected " + per * directions
                    + " (" + per + " per direction)");
        }
        List<Activation> result = new ArrayList<>();
        int nextAlpha = 0;
        int nextBeta = 0;
        for (String name : expanded) {
            ActivationFunction f = ActivationFunction.fromOnnxName(name);
            if (f == null) {
                throw new ImportException(where + ": activation '" + name + "' is not one of ONNX's recurrent activations");
            }
            float alpha = defaultAlpha(f);
            float beta = defaultBeta(f);
            if (takesAlpha(f) && nextAlpha < alphas.size()) {
                alpha = alphas.get(nextAlpha++);
            }
            if (takesBeta(f) && nextBeta < betas.size()) {
                beta = betas.get(nextBeta++);
            }
            if (!Float.isFinite(alpha) || !Float.isFinite(beta)) {
                throw new ImportException(where + ": activation " + name + " has a non-finite alpha or beta");
            }
            result.add(new Activation(f, alpha, beta));
        }
        return result;
    }

    private static boolean takesAlpha(ActivationFunction f) {
        switch (f) {
            case AFFINE:
            case SCALED_TANH:
            case HARD_SIGMOID:
            case LEAKY_RELU:
            case THRESHOLDED_RELU:
            case ELU:
                return true;
            default:
                return false;
        }
    }

    private static boolean takesBeta(ActivationFunction f) {
        return f == ActivationFunction.AFFINE || f == ActivationFunction.SCALED_TANH || f == ActivationFunction.HARD_SIGMOID;
    }

    private static float defaultAlpha(ActivationFunction f) {
        switch (f) {
            case LEAKY_RELU:
                return 0.01f;
            case HARD_SIGMOID:
                return 0.2f;
            case ELU:
                return 1.0f;
            default:
                return 0f;
        }
    }

    private static float defaultBeta(ActivationFunction f) {
        return f == ActivationFunction.HARD_SIGMOID ? 0.5f : 0f;
    }
}
