package io.sequin.convert;

import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a conversion is asked to do beyond reading its source: the weights' storage type, the
 * accuracy report's inputs, and what some formats do not record (ONNX graph inputs to freeze, a
 * PyTorch module's batch_first, nonlinearity and architecture). Immutable; each {@code with}
 * method returns a changed copy. {@link Converter} checks that the options fit the source.
 */
public final class ConvertOptions {
    private WeightType weights = WeightType.F32;
    private Map<String, Tensor> constants = Map.of();
    private Map<String, Tensor> calibration = Map.of();
    private Map<String, String> calibrationSources = Map.of();
    private boolean batchFirst;
    private String nonlinearity;
    private Path arch;
    private Path kerasWeights;

    /** f32 weights, nothing frozen, no calibration, PyTorch's defaults. */
    public static ConvertOptions defaults() {
        return new ConvertOptions();
    }

    private ConvertOptions copy() {
        ConvertOptions o = new ConvertOptions();
        o.weights = weights;
        o.constants = constants;
        o.calibration = calibration;
        o.calibrationSources = calibrationSources;
        o.batchFirst = batchFirst;
        o.nonlinearity = nonlinearity;
        o.arch = arch;
        o.kerasWeights = kerasWeights;
        return o;
    }

    /** Storage type of the weight matrices; with any but f32 the conversion measures an accuracy report. */
    public ConvertOptions withWeights(WeightType weights) {
        ConvertOptions o = copy();
        o.weights = weights;
        return o;
    }

    /** ONNX graph inputs frozen into constants, by name. */
    public ConvertOptions withConstants(Map<String, Tensor> constants) {
        ConvertOptions o = copy();
        o.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        return o;
    }

    /**
     * Inputs for the accuracy report by name, and where each came from (a file name), for the
     * report to say; inputs not given are random.
     */
    public ConvertOptions withCalibration(Map<String, Tensor> inputs, Map<String, String> sources) {
        ConvertOptions o = copy();
        o.calibration = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        o.calibrationSources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        return o;
    }

    /** A PyTorch module built with batch_first=True. */
    public ConvertOptions withBatchFirst(boolean batchFirst) {
        ConvertOptions o = copy();
        o.batchFirst = batchFirst;
        return o;
    }

    /** A PyTorch nn.RNN's nonlinearity, tanh or relu; null for PyTorch's default. */
    public ConvertOptions withNonlinearity(String nonlinearity) {
        ConvertOptions o = copy();
        o.nonlinearity = nonlinearity;
        return o;
    }

    /** The description of a composite PyTorch model's modules (docs/ARCHITECTURE.md), or null for a bare module. */
    public ConvertOptions withArch(Path arch) {
        ConvertOptions o = copy();
        o.arch = arch;
        return o;
    }

    /** The weights (model.save_weights) of a Keras architecture given as the source, or null. */
    public ConvertOptions withKerasWeights(Path kerasWeights) {
        ConvertOptions o = copy();
        o.kerasWeights = kerasWeights;
        return o;
    }

    public WeightType weights() {
        return weights;
    }

    public Map<String, Tensor> constants() {
        return constants;
    }

    public Map<String, Tensor> calibration() {
        return calibration;
    }

    public Map<String, String> calibrationSources() {
        return calibrationSources;
    }

    public boolean batchFirst() {
        return batchFirst;
    }

    public String nonlinearity() {
        return nonlinearity;
    }

    public Path arch() {
        return arch;
    }

    public Path kerasWeights() {
        return kerasWeights;
    }

    /** Whether any option that only a PyTorch state_dict takes is set. */
    boolean hasTorchOptions() {
        return batchFirst || nonlinearity != null || arch != null;
    }
}
