package io.sequin.model;

import io.sequin.format.InvalidModelException;
import io.sequin.format.Limits;
import io.sequin.format.ModelVerifier;
import io.sequin.format.TensorChecksum;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.Layer;
import io.sequin.layer.ActivationLayer;
import io.sequin.layer.ConcatLayer;
import io.sequin.layer.DenseLayer;
import io.sequin.layer.EmbeddingLayer;
import io.sequin.layer.HalvesLayer;
import io.sequin.layer.MaskLayer;
import io.sequin.layer.RecurrentLayer;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentSpec;
import io.sequin.layer.RecurrentWeights;
import io.sequin.layer.SliceLayer;
import io.sequin.layer.SoftmaxLayer;
import io.sequin.schema.DType;
import io.sequin.schema.LayerKind;
import io.sequin.schema.SqnActivation;
import io.sequin.schema.SqnActivationLayer;
import io.sequin.schema.SqnConcatLayer;
import io.sequin.schema.SqnDenseLayer;
import io.sequin.schema.SqnEmbeddingLayer;
import io.sequin.schema.SqnHalvesLayer;
import io.sequin.schema.SqnLayer;
import io.sequin.schema.SqnMaskLayer;
import io.sequin.schema.SqnModel;
import io.sequin.schema.SqnProducer;
import io.sequin.schema.SqnRecurrentLayer;
import io.sequin.schema.SqnSliceLayer;
import io.sequin.schema.SqnSoftmaxLayer;
import io.sequin.schema.SqnTensor;
import io.sequin.schema.SqnTensorInfo;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.TensorBytes;
import io.sequin.tensor.BufferMatrix;
import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * Turns a verified {@code .sqn} buffer into a {@link Model}: checks every value against the
 * format's rules (enums in range, shapes that match their data, names that resolve). Weights are
 * copied into heap arrays, and the buffer is no longer referenced after loading; or, for a file
 * the runtime mapped itself, left in the mapping until a kernel set lays each matrix out
 * ({@code SharedMatrix}), so that they are never on the heap twice.
 */
final class ModelLoader {
    /** The newest format version this runtime reads. */
    static final int FORMAT_VERSION = 4;

    private final Set<String> tensorNames = new HashSet<>();
    /** Whether weight matrices are read from the buffer when laid out, rather than copied at load. */
    private final boolean weightsStayInBuffer;

    private ModelLoader(boolean weightsStayInBuffer) {
        this.weightsStayInBuffer = weightsStayInBuffer;
    }

    /**
     * Loads a model from the buffer's position to its limit. With {@code weightsStayInBuffer}
     * the layers keep reading weight matrices from the buffer until they are laid out, so it must
     * never change: for a read-only mapping the runtime made itself.
     */
    static Model load(ByteBuffer buffer, boolean weightsStayInBuffer) throws InvalidModelException {
        ByteBuffer bb = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        ModelVerifier.verify(bb);
        return new ModelLoader(weightsStayInBuffer).read(SqnModel.getRootAsSqnModel(bb));
    }

    private Model read(SqnModel m) throws InvalidModelException {
        long version = m.formatVersion();
        if (version == 0) {
            throw new InvalidModelException("model.format_version is missing or 0");
        }
        if (version > FORMAT_VERSION) {
            throw new InvalidModelException("model has format version " + version + ", newer than version "
                    + FORMAT_VERSION + " that this runtime reads; use a newer Sequin");
        }
        SqnProducer p = m.producer();
        Producer producer = p == null ? new Producer("", "", "", "")
                : new Producer(orEmpty(p.name()), orEmpty(p.version()), orEmpty(p.sourceFormat()), orEmpty(p.sourceSha256()));

        List<TensorSpec> inputs = new ArrayList<>();
        for (int i = 0; i < m.inputsLength(); i++) {
            TensorSpec spec = tensorSpec(m.inputs(i), "model.inputs[" + i + "]");
            declare(spec.name(), "model.inputs[" + i + "]");
            inputs.add(spec);
        }
        Map<String, Tensor> constants = new LinkedHashMap<>();
        List<StoredTensor> storedConstants = new ArrayList<>();
        for (int i = 0; i < m.constantsLength(); i++) {
            String what = "model.constants[" + i + "]";
            SqnTensor t = m.constants(i);
            String name = requireName(t.name(), what);
            declare(name, what);
            constants.put(name, constantValue(t, what + " '" + name + "'"));
            storedConstants.add(stored(t, name));
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < m.layersLength(); i++) {
            layers.add(layer(m.layers(i), "model.layers[" + i + "]"));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        Set<String> outputNames = new HashSet<>();
        for (int i = 0; i < m.outputsLength(); i++) {
            String what = "model.outputs[" + i + "]";
            TensorSpec spec = tensorSpec(m.outputs(i), what);
            if (!tensorNames.contains(spec.name())) {
                throw new InvalidModelException(what + ": output '" + spec.name() + "' is not produced by any layer");
            }
            if (!outputNames.add(spec.name())) {
                throw new InvalidModelException(what + ": output '" + spec.name() + "' is listed twice");
            }
            outputs.add(spec);
        }
        if (outputs.isEmpty()) {
            throw new InvalidModelException("model has no outputs");
        }
        return new Model((int) version, producer, inputs, outputs, constants, storedConstants, layers);
    }

    private void declare(String name, String what) throws InvalidModelException {
        if (!tensorNames.add(name)) {
            throw new InvalidModelException(what + ": tensor name '" + name + "' is defined twice");
        }
    }

    private TensorSpec tensorSpec(SqnTensorInfo info, String what) throws InvalidModelException {
        String name = requireName(info.name(), what);
        ElementType type = elementType(info.dtype(), what + " '" + name + "'");
        int rank = info.shapeLength();
        if (rank > Limits.MAX_RANK) {
            throw new InvalidModelException(what + " '" + name + "': rank " + rank + " exceeds the limit of " + Limits.MAX_RANK);
        }
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = info.shape(i);
            if (shape[i] < TensorSpec.DYNAMIC) {
                throw new InvalidModelException(what + " '" + name + "': dimension " + i + " is " + shape[i] + ", expected -1 (dynamic) or >= 0");
            }
        }
        String[] dimNames = new String[rank];
        Arrays.fill(dimNames, "");
        if (info.dimNamesLength() != 0) {
            if (info.dimNamesLength() != rank) {
                throw new InvalidModelException(what + " '" + name + "': " + info.dimNamesLength() + " dim_names for rank " + rank);
            }
            for (int i = 0; i < rank; i++) {
                dimNames[i] = orEmpty(info.dimNames(i));
            }
        }
        return new TensorSpec(name, type, shape, dimNames);
    }

    private static ElementType elementType(byte dtype, String what) throws InvalidModelException {
        switch (dtype) {
            case DType.F32:
                return ElementType.FLOAT32;
            case DType.I32:
                return ElementType.INT32;
            case DType.I64:
                return ElementType.INT64;
            case DType.F16:
            case DType.BF16:
            case DType.I8:
                throw new InvalidModelException(what + ": element type " + DType.name(dtype)
                        + " is allowed only for the weight matrices W and R of a layer");
            default:
                throw new InvalidModelException(what + ": dtype " + dtype + " is not a known element type");
        }
    }

    private static int[] shapeOf(SqnTensor t, String what) throws InvalidModelException {
        int rank = t.shapeLength();
        if (rank > Limits.MAX_RANK) {
            throw new InvalidModelException(what + ": rank " + rank + " exceeds the limit of " + Limits.MAX_RANK);
        }
        int[] shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = t.shape(i);
            if (shape[i] < 0) {
                throw new InvalidModelException(what + ": dimension " + i + " is " + shape[i] + ", expected >= 0");
            }
            count *= shape[i];
            if (count > Limits.MAX_TENSOR_ELEMENTS) {
                throw new InvalidModelException(what + ": shape " + Arrays.toString(Arrays.copyOf(shape, i + 1))
                        + "... holds more than " + Limits.MAX_TENSOR_ELEMENTS + " elements");
            }
        }
        return shape;
    }

    /** Checks that the data length matches shape and type, then copies the elements out. */
    private static Tensor constantValue(SqnTensor t, String what) throws InvalidModelException {
        ElementType type = elementType(t.dtype(), what);
        int[] shape = shapeOf(t, what);
        long expected = Tensor.elementCount(shape) * type.bytes();
        if (t.dataLength() != expected) {
            throw new InvalidModelException(what + ": data has " + t.dataLength() + " bytes, shape "
                    + Arrays.toString(shape) + " of " + type.displayName() + " needs " + expected);
        }
        if (t.scalesLength() != 0) {
            throw new InvalidModelException(what + ": scales are only allowed on int8 tensors");
        }
        checkCrc(t, what);
        ByteBuffer data = t.dataAsByteBuffer();
        return TensorBytes.decode(type, shape, data == null ? ByteBuffer.allocate(0) : data);
    }

    /**
     * Checks a tensor's recorded CRC-32 (of its data, then its scales as little-endian floats),
     * when the file records one: a flipped weight byte is caught here rather than used.
     */
    private static void checkCrc(SqnTensor t, String what) throws InvalidModelException {
        long recorded = t.dataCrc32();
        if (recorded == -1) {
            return;
        }
        float[] scales = new float[t.scalesLength()];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = t.scales(i);
        }
        long actual = TensorChecksum.of(t.dataAsByteBuffer(), scales);
        if (actual != recorded) {
            throw new InvalidModelException(what + ": the data's CRC-32 is " + Long.toHexString(actual) + ", the file records "
                    + Long.toHexString(recorded) + ": the weights were changed or damaged after writing");
        }
    }

    private static StoredTensor stored(SqnTensor t, String name) {
        int[] shape = new int[t.shapeLength()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape(i);
        }
        String type = t.dtype() == DType.I8 ? WeightType.INT8.displayName() : DType.name(t.dtype()).toLowerCase(Locale.ROOT);
        return new StoredTensor(name, type, shape, t.dataLength() + 4L * t.scalesLength());
    }

    /**
     * One layer; the layer's own checks, which throw IllegalArgumentException as for any caller,
     * reported as an invalid model naming the layer. (Caught here, once, rather than around each
     * constructor: a lambda per layer kind, as this once was, costs a fresh JVM about a millisecond
     * apiece to link on JDK 25, and the load is on the clock.)
     */
    private Layer layer(SqnLayer l, String where) throws InvalidModelException {
        String name = requireName(l.name(), where);
        String what = where + " '" + name + "'";
        try {
            return layerOfKind(l, name, what);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(what + ": " + e.getMessage(), e);
        }
    }

    private Layer layerOfKind(SqnLayer l, String name, String what) throws InvalidModelException {
        switch (l.kindType()) {
            case LayerKind.SqnRecurrentLayer:
                return recurrent(name, l, (SqnRecurrentLayer) l.kind(new SqnRecurrentLayer()), what);
            case LayerKind.SqnDenseLayer:
                return dense(name, l, (SqnDenseLayer) l.kind(new SqnDenseLayer()), what);
            case LayerKind.SqnEmbeddingLayer:
                return embedding(name, l, (SqnEmbeddingLayer) l.kind(new SqnEmbeddingLayer()), what);
            case LayerKind.SqnActivationLayer: {
                SqnActivationLayer a = (SqnActivationLayer) l.kind(new SqnActivationLayer());
                if (a.activation() == null) {
                    throw new InvalidModelException(what + ".activation is missing");
                }
                Activation f = activation(a.activation(), what + ".activation");
                return new ActivationLayer(name, inputs(l, 1, what), outputs(l, what), f);
            }
            case LayerKind.SqnSoftmaxLayer: {
                SqnSoftmaxLayer sl = (SqnSoftmaxLayer) l.kind(new SqnSoftmaxLayer());
                return new SoftmaxLayer(name, inputs(l, 1, what), outputs(l, what), sl.log());
            }
            case LayerKind.SqnConcatLayer: {
                SqnConcatLayer c = (SqnConcatLayer) l.kind(new SqnConcatLayer());
                if (Math.abs(c.axis()) > Limits.MAX_RANK) {
                    throw new InvalidModelException(what + ": axis " + c.axis() + " is outside [-" + Limits.MAX_RANK + ", " + Limits.MAX_RANK + "]");
                }
                return new ConcatLayer(name, inputs(l, Limits.MAX_COUNT, what), outputs(l, what), c.axis());
            }
            case LayerKind.SqnMaskLayer: {
                SqnMaskLayer k = (SqnMaskLayer) l.kind(new SqnMaskLayer());
                if (Float.isNaN(k.value())) {
                    throw new InvalidModelException(what + ".value is NaN, which no value equals");
                }
                List<String> inputs = inputs(l, 1, what);
                List<String> outputs = names(l, true, 2, what + ".outputs");
                if (outputs.size() != 2 || outputs.get(1).isEmpty()) {
                    throw new InvalidModelException(what + ": a mask layer has two outputs, y (or \"\") and mask; got " + outputs);
                }
                for (String output : outputs) {
                    if (!output.isEmpty()) {
                        declare(output, what + ".outputs");
                    }
                }
                return new MaskLayer(name, inputs, outputs, k.value(), k.featureAxis());
            }
            case LayerKind.SqnHalvesLayer: {
                SqnHalvesLayer h = (SqnHalvesLayer) l.kind(new SqnHalvesLayer());
                HalvesLayer.Op op = enumValue(HalvesLayer.Op.values(), h.op(), what + ".op");
                return new HalvesLayer(name, inputs(l, 1, what), outputs(l, what), op);
            }
            case LayerKind.SqnSliceLayer:
                return slice(name, l, (SqnSliceLayer) l.kind(new SqnSliceLayer()), what);
            default:
                throw new InvalidModelException(what + ": unknown layer kind " + l.kindType());
        }
    }

    private Layer slice(String name, SqnLayer l, SqnSliceLayer s, String what) throws InvalidModelException {
        int[] starts = rankVector(s.startsLength(), s::starts, what + ".starts");
        int[] counts = rankVector(s.countsLength(), s::counts, what + ".counts");
        int[] sizes = rankVector(s.groupSizesLength(), s::groupSizes, what + ".group_sizes");
        int[] axes = rankVector(s.groupAxesLength(), s::groupAxes, what + ".group_axes");
        int[][] groups = new int[sizes.length][];
        int at = 0;
        for (int k = 0; k < sizes.length; k++) {
            if (sizes[k] < 0 || sizes[k] > axes.length - at) {
                throw new InvalidModelException(what + ".group_sizes " + Arrays.toString(sizes) + " do not split the "
                        + axes.length + " group_axes");
            }
            groups[k] = Arrays.copyOfRange(axes, at, at + sizes[k]);
            at += sizes[k];
        }
        if (at != axes.length) {
            throw new InvalidModelException(what + ".group_sizes " + Arrays.toString(sizes) + " do not split the " + axes.length
                    + " group_axes");
        }
        return new SliceLayer(name, inputs(l, 1, what), outputs(l, what), starts, counts, groups);
    }

    /** An int vector of at most {@link Limits#MAX_RANK} entries (one per axis). */
    private static int[] rankVector(int length, IntUnaryOperator element, String what) throws InvalidModelException {
        if (length > Limits.MAX_RANK) {
            throw new InvalidModelException(what + " has " + length + " entries, more than " + Limits.MAX_RANK + " axes");
        }
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = element.applyAsInt(i);
        }
        return out;
    }

    /** A one-output layer's inputs: at least one, at most {@code max}, each defined before. */
    private List<String> inputs(SqnLayer l, int max, String what) throws InvalidModelException {
        List<String> inputs = names(l, false, max, what + ".inputs");
        if (inputs.isEmpty()) {
            throw new InvalidModelException(what + ": the layer has no input");
        }
        for (String in : inputs) {
            if (in.isEmpty() || !tensorNames.contains(in)) {
                throw new InvalidModelException(what + ": input '" + in + "' is neither a model input, a constant nor an earlier layer's output");
            }
        }
        return inputs;
    }

    /** A one-output layer's output, declared. */
    private List<String> outputs(SqnLayer l, String what) throws InvalidModelException {
        List<String> outputs = names(l, true, 1, what + ".outputs");
        if (outputs.size() != 1 || outputs.get(0).isEmpty()) {
            throw new InvalidModelException(what + ": the layer needs one output");
        }
        declare(outputs.get(0), what + ".outputs");
        return outputs;
    }

    private Layer dense(String name, SqnLayer l, SqnDenseLayer d, String what) throws InvalidModelException {
        int units = d.units();
        int inputSize = d.inputSize();
        if (units < 1 || units > Limits.MAX_LAYER_WIDTH || inputSize < 1 || inputSize > Limits.MAX_LAYER_WIDTH) {
            throw new InvalidModelException(what + ": units " + units + " or input_size " + inputSize + " is outside [1, "
                    + Limits.MAX_LAYER_WIDTH + "]");
        }
        List<StoredTensor> stored = new ArrayList<>();
        MatrixSource w = matrix(d.w(), what + ".w", new int[] {units, inputSize}, stored);
        float[] b = weight(d.b(), what + ".b", new int[] {units}, false, stored);
        Activation activation = d.activation() == null ? null : activation(d.activation(), what + ".activation");
        List<String> inputs = inputs(l, 1, what);
        List<String> outputs = outputs(l, what);
        return new DenseLayer(name, inputs, outputs, w, b, activation, stored);
    }

    private Layer embedding(String name, SqnLayer l, SqnEmbeddingLayer e, String what)
            throws InvalidModelException {
        if (e.table() == null) {
            throw new InvalidModelException(what + ".table is missing");
        }
        int[] shape = shapeOf(e.table(), what + ".table");
        if (shape.length != 2 || shape[0] < 1 || shape[1] < 1 || shape[1] > Limits.MAX_LAYER_WIDTH) {
            throw new InvalidModelException(what + ".table: shape " + Arrays.toString(shape) + ", expected [vocabulary, size] with size in [1, "
                    + Limits.MAX_LAYER_WIDTH + "]");
        }
        List<StoredTensor> stored = new ArrayList<>();
        // Looked up by row, not multiplied: read onto the heap as it is stored.
        WeightMatrix table = matrix(e.table(), what + ".table", shape, stored).read(0, shape[0]);
        List<String> inputs = inputs(l, 1, what);
        List<String> outputs = outputs(l, what);
        return new EmbeddingLayer(name, inputs, outputs, table, stored);
    }

    private static Activation activation(SqnActivation a, String what) throws InvalidModelException {
        ActivationFunction f = enumValue(ActivationFunction.values(), a.kind(), what + ".kind");
        if (!Float.isFinite(a.alpha()) || !Float.isFinite(a.beta())) {
            throw new InvalidModelException(what + ": alpha and beta must be finite");
        }
        return new Activation(f, a.alpha(), a.beta());
    }

    private Layer recurrent(String name, SqnLayer l, SqnRecurrentLayer r, String what)
            throws InvalidModelException {
        RecurrentSpec spec = recurrentSpec(r, what);
        int dirs = spec.directions();
        int rows = spec.gateRows();
        int hidden = spec.hiddenSize();
        List<StoredTensor> stored = new ArrayList<>();
        MatrixSource w = matrix(r.w(), what + ".w", new int[] {dirs, rows, spec.inputSize()}, stored);
        MatrixSource proj = r.proj() == null ? null : matrix(r.proj(), what + ".proj", new int[] {dirs, spec.outputSize(), hidden}, stored);
        MatrixSource rr = matrix(r.r(), what + ".r", new int[] {dirs, rows, spec.outputSize()}, stored);
        float[] b = weight(r.b(), what + ".b", new int[] {dirs, 2 * rows}, false, stored);
        float[] p = weight(r.p(), what + ".p", new int[] {dirs, 3 * hidden}, false, stored);
        RecurrentWeights weights = RecurrentWeights.of(w, rr).withBias(b).withPeepholes(p).withProjection(proj);

        List<String> inputs = names(l, false, 5, what + ".inputs");
        if (inputs.isEmpty() || inputs.get(0).isEmpty()) {
            throw new InvalidModelException(what + ": input X is missing");
        }
        for (String in : inputs) {
            if (!in.isEmpty() && !tensorNames.contains(in)) {
                throw new InvalidModelException(what + ": input '" + in + "' is neither a model input, a constant nor an earlier layer's output");
            }
        }
        List<String> outputs = names(l, true, 3, what + ".outputs");
        if (String.join("", outputs).isEmpty()) { // every output name empty
            throw new InvalidModelException(what + ": the layer has no outputs; it needs Y, Y_h or Y_c");
        }
        if (outputs.size() == 3 && !outputs.get(2).isEmpty() && spec.cell() != CellType.LSTM) {
            throw new InvalidModelException(what + ": output Y_c is for LSTM layers only");
        }
        for (String output : outputs) {
            if (!output.isEmpty()) {
                declare(output, what + ".outputs");
            }
        }
        return new RecurrentLayer(name, inputs, outputs, spec, weights, stored);
    }

    /**
     * The table's description of the layer, which {@link RecurrentSpec} checks. The file's
     * proj_size is the projection's shape, [D, P, H], so it is read from there.
     */
    private static RecurrentSpec recurrentSpec(SqnRecurrentLayer r, String what) throws InvalidModelException {
        CellType cell = enumValue(CellType.values(), r.cell(), what + ".cell");
        Direction direction = enumValue(Direction.values(), r.direction(), what + ".direction");
        int dirs = direction.count();
        int expected = direction.count() * cell.activations();
        if (r.activationsLength() != expected) {
            // Counted before any is read: a file may list far more than a layer has.
            throw new InvalidModelException(what + ": " + r.activationsLength() + " activations, expected " + expected + " ("
                    + cell.activations() + " per direction)");
        }
        List<Activation> activations = new ArrayList<>();
        for (int i = 0; i < expected; i++) {
            activations.add(activation(r.activations(i), what + ".activations[" + i + "]"));
        }
        int projSize = 0;
        if (r.proj() != null) {
            int[] projShape = shapeOf(r.proj(), what + ".proj");
            if (projShape.length != 3 || projShape[0] != dirs || projShape[1] < 1 || projShape[2] != r.hiddenSize()) {
                throw new InvalidModelException(what + ".proj: shape " + Arrays.toString(projShape) + ", expected ["
                        + dirs + ", P, " + r.hiddenSize() + "]");
            }
            projSize = projShape[1];
        }
        if (r.hasClip() && !Float.isFinite(r.clip())) {
            throw new InvalidModelException(what + ": clip " + r.clip() + " must be finite and positive");
        }
        if (r.xLayout() < -1 || r.xLayout() > 1) {
            throw new InvalidModelException(what + ": x_layout " + r.xLayout() + ", expected -1, 0 or 1");
        }
        RecurrentLayout.YLayout y = enumValue(RecurrentLayout.YLayout.values(), r.yLayout(), what + ".y_layout");
        if (r.stateRows() > Limits.MAX_COUNT || r.stateOffset() > Limits.MAX_COUNT) {
            throw new InvalidModelException(what + ": state_offset " + r.stateOffset() + " or state_rows " + r.stateRows()
                    + " is outside [0, " + Limits.MAX_COUNT + "]");
        }
        try {
            RecurrentLayout layout = RecurrentLayout.onnx(r.layout());
            layout = layout.withXBatchFirst(r.xLayout() == -1 ? layout.layout == 1 : r.xLayout() == 1).withY(y)
                    .withStateRows(r.stateOffset(), r.stateRows()).withMergedStates(r.mergedStates()).withYReversed(r.yReversed())
                    .withStateful(r.stateful()).withZeroMaskedOutputs(r.zeroMaskedOutputs());
            return RecurrentSpec.builder(cell, r.hiddenSize(), r.inputSize()).direction(direction).projSize(projSize)
                    .activations(activations).clip(r.hasClip() ? r.clip() : RecurrentSpec.NO_CLIP).inputForget(r.inputForget())
                    .linearBeforeReset(r.linearBeforeReset()).layout(layout).build();
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * A weight matrix in its stored type, [.., rows, cols] read as one matrix of all the leading
     * rows: left in a mapped file until a kernel set lays it out, or else copied to the heap. f16 must not hold infinities or NaN (the vector kernels do not
     * decode them, and no trained weight is one); int8 needs one finite, non-negative scale per
     * row and no -128 (the format's int8 is symmetric, and the int8 layout of the vector kernels
     * relies on it).
     */
    private MatrixSource matrix(SqnTensor t, String what, int[] expectedShape,
                                       List<StoredTensor> stored) throws InvalidModelException {
        if (t == null) {
            throw new InvalidModelException(what + " is missing");
        }
        int[] shape = shapeOf(t, what);
        if (!Arrays.equals(shape, expectedShape)) {
            throw new InvalidModelException(what + ": shape " + Arrays.toString(shape) + ", expected " + Arrays.toString(expectedShape));
        }
        // The layer's sizes are checked >= 1 before its weights are read, so cols > 0.
        int count = (int) Tensor.elementCount(shape);
        int cols = shape[shape.length - 1];
        int rows = count / cols;
        byte dtype = t.dtype();
        WeightType type;
        switch (dtype) {
            case DType.F32:
                type = WeightType.F32;
                break;
            case DType.F16:
                type = WeightType.F16;
                break;
            case DType.BF16:
                type = WeightType.BF16;
                break;
            case DType.I8:
                type = WeightType.INT8;
                break;
            default:
                throw new InvalidModelException(what + ": weights must be f32, f16, bf16 or i8, not "
                        + (dtype >= 0 && dtype < DType.names.length ? DType.name(dtype) : "dtype " + dtype));
        }
        long expected = (long) count * type.bytes();
        if (t.dataLength() != expected) {
            throw new InvalidModelException(what + ": data has " + t.dataLength() + " bytes, shape "
                    + Arrays.toString(shape) + " of " + type.displayName() + " needs " + expected);
        }
        if (type != WeightType.INT8 && t.scalesLength() != 0) {
            throw new InvalidModelException(what + ": scales are only allowed on int8 tensors");
        }
        checkCrc(t, what);
        ByteBuffer data = t.dataAsByteBuffer();
        ByteBuffer le = (data == null ? ByteBuffer.allocate(0) : data.slice()).order(ByteOrder.LITTLE_ENDIAN);
        float[] scales = null;
        if (type == WeightType.F16) {
            ShortBuffer halves = le.asShortBuffer();
            for (int i = 0; i < count; i++) {
                short h = halves.get(i);
                if ((h & 0x7C00) == 0x7C00) {
                    throw new InvalidModelException(what + ": f16 element " + i + " is " + HalfFloats.f16ToFloat(h)
                            + "; weights must be finite");
                }
            }
        } else if (type == WeightType.INT8) {
            if (t.scalesLength() != rows) {
                throw new InvalidModelException(what + ": int8 weights need one scale per row, " + rows
                        + ", found " + t.scalesLength());
            }
            scales = new float[rows];
            for (int i = 0; i < rows; i++) {
                scales[i] = t.scales(i);
                if (!(Float.isFinite(scales[i]) && scales[i] >= 0)) {
                    throw new InvalidModelException(what + ": scale " + i + " is " + scales[i] + "; scales must be finite and >= 0");
                }
            }
            for (int i = 0; i < count; i++) {
                if (le.get(i) == Byte.MIN_VALUE) {
                    throw new InvalidModelException(what + ": int8 element " + i + " is -128; int8 weights are symmetric, in [-127, 127]");
                }
            }
        }
        MatrixSource m = new BufferMatrix(le, type, rows, cols, scales);
        if (!weightsStayInBuffer) {
            m = m.read(0, rows);
        }
        String name = t.name() == null || t.name().isEmpty() ? what : t.name();
        stored.add(stored(t, name));
        return m;
    }

    private float[] weight(SqnTensor t, String what, int[] expectedShape, boolean required,
                           List<StoredTensor> stored) throws InvalidModelException {
        if (t == null) {
            if (required) {
                throw new InvalidModelException(what + " is missing");
            }
            return null;
        }
        int[] shape = shapeOf(t, what);
        if (!Arrays.equals(shape, expectedShape)) {
            throw new InvalidModelException(what + ": shape " + Arrays.toString(shape) + ", expected " + Arrays.toString(expectedShape));
        }
        Tensor value = constantValue(t, what);
        if (value.type() != ElementType.FLOAT32) {
            throw new InvalidModelException(what + ": must be f32, not " + value.type().displayName());
        }
        String name = t.name() == null || t.name().isEmpty() ? what : t.name();
        stored.add(stored(t, name));
        return value.floats();
    }

    /** The layer's output names (or its input names), "" for an absent one; at most {@code max}. */
    private static List<String> names(SqnLayer l, boolean outputs, int max, String what) throws InvalidModelException {
        int count = outputs ? l.outputsLength() : l.inputsLength();
        if (count > max) {
            throw new InvalidModelException(what + ": " + count + " names, at most " + max + " allowed");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(orEmpty(outputs ? l.outputs(i) : l.inputs(i)));
        }
        return names;
    }

    private static <E extends Enum<E>> E enumValue(E[] values, byte value, String what) throws InvalidModelException {
        if (value < 0 || value >= values.length) {
            throw new InvalidModelException(what + ": value " + value + " is out of range [0, " + (values.length - 1) + "]");
        }
        return values[value];
    }

    private static String requireName(String name, String what) throws InvalidModelException {
        if (name == null || name.isEmpty()) {
            throw new InvalidModelException(what + ": name is missing");
        }
        return name;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
