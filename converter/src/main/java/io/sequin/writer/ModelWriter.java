package io.sequin.writer;

import com.google.flatbuffers.FlatBufferBuilder;
import io.sequin.format.TensorChecksum;
import io.sequin.ir.GateOrder;
import io.sequin.ir.IrActivationLayer;
import io.sequin.ir.IrConcatLayer;
import io.sequin.ir.IrDenseLayer;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrHalvesLayer;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrMaskLayer;
import io.sequin.ir.IrMatrix;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.ir.IrSoftmaxLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentSpec;
import io.sequin.model.TensorSpec;
import io.sequin.quantize.StoredModel;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.schema.DType;
import io.sequin.schema.LayerKind;
import io.sequin.tensor.Bf16Matrix;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.F16Matrix;
import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.TensorBytes;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Serializes a model as a {@code .sqn} FlatBuffer of the lowest format version that holds it (1
 * for recurrent layers in ONNX's forms, so older runtimes still read those), with the weight
 * matrices as the quantize step stored them ({@link StoredModel}). Recurrent layers must be in
 * ONNX's gate order (the converter's normalization puts them there).
 */
public final class ModelWriter {
    /** The newest format version this writer produces. */
    public static final int FORMAT_VERSION = 3;
    /** Weight data starts on this boundary, so a reader may map it for wide vector loads. */
    private static final int DATA_ALIGNMENT = 64;

    private final String producerVersion;

    /** A writer that names {@code producerVersion} as the converter's version in the files it writes. */
    public ModelWriter(String producerVersion) {
        this.producerVersion = producerVersion;
    }

    /** The model as .sqn bytes, its weights f32. */
    public byte[] write(IrModel model) {
        return write(WeightQuantizer.quantize(model, WeightType.F32));
    }

    /** The model as .sqn bytes, its weight matrices as stored. */
    public byte[] write(StoredModel stored) {
        IrModel model = stored.ir();
        FlatBufferBuilder fb = new FlatBufferBuilder(1024);
        int producer = io.sequin.schema.Producer.createProducer(fb,
                fb.createString("sequin-converter"), fb.createString(producerVersion),
                fb.createString(model.sourceFormat), fb.createString(model.sourceSha256));
        int inputs = io.sequin.schema.Model.createInputsVector(fb, specs(fb, model.inputs));
        int outputs = io.sequin.schema.Model.createOutputsVector(fb, specs(fb, model.outputs));
        int[] constants = new int[model.constants.size()];
        int i = 0;
        for (var e : model.constants.entrySet()) {
            constants[i++] = tensor(fb, e.getKey(), e.getValue());
        }
        int constantsVector = io.sequin.schema.Model.createConstantsVector(fb, constants);
        int[] layers = new int[model.layers.size()];
        for (int k = 0; k < layers.length; k++) {
            layers[k] = layer(fb, stored, model.layers.get(k));
        }
        int layersVector = io.sequin.schema.Model.createLayersVector(fb, layers);
        io.sequin.schema.Model.startModel(fb);
        io.sequin.schema.Model.addFormatVersion(fb, model.formatVersion());
        io.sequin.schema.Model.addProducer(fb, producer);
        io.sequin.schema.Model.addInputs(fb, inputs);
        io.sequin.schema.Model.addOutputs(fb, outputs);
        io.sequin.schema.Model.addConstants(fb, constantsVector);
        io.sequin.schema.Model.addLayers(fb, layersVector);
        int root = io.sequin.schema.Model.endModel(fb);
        io.sequin.schema.Model.finishModelBuffer(fb, root);
        return fb.sizedByteArray();
    }

    private static int[] specs(FlatBufferBuilder fb, List<TensorSpec> specs) {
        int[] offsets = new int[specs.size()];
        for (int i = 0; i < offsets.length; i++) {
            TensorSpec s = specs.get(i);
            int name = fb.createString(s.name());
            int shape = io.sequin.schema.TensorInfo.createShapeVector(fb, s.shape());
            String[] dimNames = s.dimNames();
            int[] names = new int[dimNames.length];
            for (int k = 0; k < names.length; k++) {
                names[k] = fb.createString(dimNames[k]);
            }
            int dimNamesVector = io.sequin.schema.TensorInfo.createDimNamesVector(fb, names);
            offsets[i] = io.sequin.schema.TensorInfo.createTensorInfo(fb, name, dtype(s.type()), shape, dimNamesVector);
        }
        return offsets;
    }

    private static byte dtype(ElementType type) {
        switch (type) {
            case FLOAT32:
                return DType.F32;
            case INT32:
                return DType.I32;
            default:
                return DType.I64;
        }
    }

    private static int tensor(FlatBufferBuilder fb, String name, Tensor t) {
        return tensor(fb, name, dtype(t.type()), t.shape(), TensorBytes.encode(t));
    }

    private static int tensor(FlatBufferBuilder fb, String name, byte dtype, int[] shape, byte[] data) {
        return tensor(fb, name, dtype, shape, data, null);
    }

    private static int tensor(FlatBufferBuilder fb, String name, byte dtype, int[] shape, byte[] data, float[] scales) {
        int nameOffset = fb.createString(name);
        int shapeOffset = io.sequin.schema.Tensor.createShapeVector(fb, shape);
        int scalesOffset = scales == null ? 0 : io.sequin.schema.Tensor.createScalesVector(fb, scales);
        fb.createUnintializedVector(1, data.length, DATA_ALIGNMENT).put(data);
        int dataOffset = fb.endVector();
        io.sequin.schema.Tensor.startTensor(fb);
        io.sequin.schema.Tensor.addName(fb, nameOffset);
        io.sequin.schema.Tensor.addDtype(fb, dtype);
        io.sequin.schema.Tensor.addShape(fb, shapeOffset);
        if (scalesOffset != 0) {
            io.sequin.schema.Tensor.addScales(fb, scalesOffset);
        }
        io.sequin.schema.Tensor.addData(fb, dataOffset);
        io.sequin.schema.Tensor.addDataCrc32(fb, TensorChecksum.of(ByteBuffer.wrap(data), scales));
        return io.sequin.schema.Tensor.endTensor(fb);
    }

    /** A weight matrix [.., rows, cols] as the quantize step stored it. */
    private static int matrix(FlatBufferBuilder fb, StoredModel stored, IrMatrix matrix) {
        WeightMatrix m = stored.matrix(matrix);
        String name = matrix.name;
        int[] shape = matrix.shape;
        ByteBuffer data = ByteBuffer.allocate(matrix.values.length * m.type().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (m.type()) {
            case F32:
                return tensor(fb, name, Tensor.ofFloats(shape, ((F32Matrix) m).values()));
            case F16:
                data.asShortBuffer().put(((F16Matrix) m).bits());
                return tensor(fb, name, DType.F16, shape, data.array());
            case BF16:
                data.asShortBuffer().put(((Bf16Matrix) m).bits());
                return tensor(fb, name, DType.BF16, shape, data.array());
            default: {
                Int8Matrix q = (Int8Matrix) m;
                data.put(q.values());
                return tensor(fb, name, DType.I8, shape, data.array(), q.scales());
            }
        }
    }

    private static int f32(FlatBufferBuilder fb, String name, int[] shape, float[] values) {
        return values == null ? 0 : tensor(fb, name, Tensor.ofFloats(shape, values));
    }

    private static int layer(FlatBufferBuilder fb, StoredModel stored, IrLayer layer) {
        byte kind;
        int body;
        if (layer instanceof IrRecurrentLayer) {
            kind = LayerKind.RecurrentLayer;
            body = recurrent(fb, stored, (IrRecurrentLayer) layer);
        } else if (layer instanceof IrDenseLayer) {
            IrDenseLayer l = (IrDenseLayer) layer;
            kind = LayerKind.DenseLayer;
            int w = matrix(fb, stored, l.matrices().get(0));
            int b = f32(fb, l.name + ".B", new int[] {l.units}, l.b);
            int act = l.activation == null ? 0 : activation(fb, l.activation);
            io.sequin.schema.DenseLayer.startDenseLayer(fb);
            io.sequin.schema.DenseLayer.addUnits(fb, l.units);
            io.sequin.schema.DenseLayer.addInputSize(fb, l.inputSize);
            io.sequin.schema.DenseLayer.addW(fb, w);
            if (b != 0) {
                io.sequin.schema.DenseLayer.addB(fb, b);
            }
            if (act != 0) {
                io.sequin.schema.DenseLayer.addActivation(fb, act);
            }
            body = io.sequin.schema.DenseLayer.endDenseLayer(fb);
        } else if (layer instanceof IrEmbeddingLayer) {
            IrEmbeddingLayer l = (IrEmbeddingLayer) layer;
            kind = LayerKind.EmbeddingLayer;
            body = io.sequin.schema.EmbeddingLayer.createEmbeddingLayer(fb,
                    matrix(fb, stored, l.matrices().get(0)));
        } else if (layer instanceof IrActivationLayer) {
            kind = LayerKind.ActivationLayer;
            body = io.sequin.schema.ActivationLayer.createActivationLayer(fb, activation(fb, ((IrActivationLayer) layer).activation));
        } else if (layer instanceof IrSoftmaxLayer) {
            kind = LayerKind.SoftmaxLayer;
            body = io.sequin.schema.SoftmaxLayer.createSoftmaxLayer(fb, ((IrSoftmaxLayer) layer).log);
        } else if (layer instanceof IrConcatLayer) {
            kind = LayerKind.ConcatLayer;
            body = io.sequin.schema.ConcatLayer.createConcatLayer(fb, ((IrConcatLayer) layer).axis);
        } else if (layer instanceof IrHalvesLayer) {
            kind = LayerKind.HalvesLayer;
            body = io.sequin.schema.HalvesLayer.createHalvesLayer(fb, (byte) ((IrHalvesLayer) layer).op.ordinal());
        } else if (layer instanceof IrMaskLayer) {
            kind = LayerKind.MaskLayer;
            IrMaskLayer l = (IrMaskLayer) layer;
            body = io.sequin.schema.MaskLayer.createMaskLayer(fb, l.value, l.featureAxis);
        } else {
            throw new IllegalArgumentException("layer '" + layer.name + "': no .sqn form for " + layer.getClass().getSimpleName());
        }
        int name = fb.createString(layer.name);
        int inputs = io.sequin.schema.Layer.createInputsVector(fb, strings(fb, layer.inputs));
        int outputs = io.sequin.schema.Layer.createOutputsVector(fb, strings(fb, layer.outputs));
        return io.sequin.schema.Layer.createLayer(fb, name, inputs, outputs, kind, body);
    }

    private static int activation(FlatBufferBuilder fb, Activation a) {
        return io.sequin.schema.Activation.createActivation(fb, (byte) a.function().ordinal(), a.alpha(), a.beta());
    }

    private static int recurrent(FlatBufferBuilder fb, StoredModel stored, IrRecurrentLayer l) {
        if (l.gateOrder != GateOrder.ONNX) {
            throw new IllegalStateException(l.name + ": weights in " + l.gateOrder + " gate order; normalize the model first");
        }
        RecurrentSpec spec = l.spec;
        int dirs = spec.directions();
        int rows = spec.gateRows();
        int hidden = spec.hiddenSize();
        List<IrMatrix> matrices = l.matrices();
        int w = matrix(fb, stored, matrices.get(0));
        int r = matrix(fb, stored, matrices.get(1));
        int proj = l.proj == null ? 0 : matrix(fb, stored, matrices.get(2));
        int b = f32(fb, l.name + ".B", new int[] {dirs, 2 * rows}, l.b);
        int p = f32(fb, l.name + ".P", new int[] {dirs, 3 * hidden}, l.p);
        int[] acts = new int[spec.activations().size()];
        for (int i = 0; i < acts.length; i++) {
            acts[i] = activation(fb, spec.activations().get(i));
        }
        int actsVector = io.sequin.schema.RecurrentLayer.createActivationsVector(fb, acts);
        io.sequin.schema.RecurrentLayer.startRecurrentLayer(fb);
        RecurrentLayout forms = spec.layout();
        io.sequin.schema.RecurrentLayer.addCell(fb, (byte) spec.cell().ordinal());
        io.sequin.schema.RecurrentLayer.addDirection(fb, (byte) spec.direction().ordinal());
        io.sequin.schema.RecurrentLayer.addHiddenSize(fb, hidden);
        io.sequin.schema.RecurrentLayer.addInputSize(fb, spec.inputSize());
        io.sequin.schema.RecurrentLayer.addLayout(fb, forms.layout);
        io.sequin.schema.RecurrentLayer.addActivations(fb, actsVector);
        io.sequin.schema.RecurrentLayer.addHasClip(fb, spec.hasClip());
        io.sequin.schema.RecurrentLayer.addClip(fb, spec.hasClip() ? spec.clip() : 0f);
        io.sequin.schema.RecurrentLayer.addInputForget(fb, spec.inputForget());
        io.sequin.schema.RecurrentLayer.addLinearBeforeReset(fb, spec.linearBeforeReset());
        io.sequin.schema.RecurrentLayer.addW(fb, w);
        io.sequin.schema.RecurrentLayer.addR(fb, r);
        if (b != 0) {
            io.sequin.schema.RecurrentLayer.addB(fb, b);
        }
        if (p != 0) {
            io.sequin.schema.RecurrentLayer.addP(fb, p);
        }
        if (l.formatVersion() > 1) {
            io.sequin.schema.RecurrentLayer.addXLayout(fb, forms.xBatchFirst ? 1 : 0);
            io.sequin.schema.RecurrentLayer.addYLayout(fb, (byte) forms.y.ordinal());
            io.sequin.schema.RecurrentLayer.addStateOffset(fb, forms.stateOffset);
            io.sequin.schema.RecurrentLayer.addStateRows(fb, forms.stateRows);
            if (proj != 0) {
                io.sequin.schema.RecurrentLayer.addProj(fb, proj);
            }
            io.sequin.schema.RecurrentLayer.addMergedStates(fb, forms.mergedStates);
            io.sequin.schema.RecurrentLayer.addYReversed(fb, forms.yReversed);
            io.sequin.schema.RecurrentLayer.addStateful(fb, forms.stateful);
            io.sequin.schema.RecurrentLayer.addZeroMaskedOutputs(fb, forms.zeroMaskedOutputs);
        }
        return io.sequin.schema.RecurrentLayer.endRecurrentLayer(fb);
    }

    private static int[] strings(FlatBufferBuilder fb, List<String> values) {
        int[] offsets = new int[values.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = fb.createString(values.get(i));
        }
        return offsets;
    }
}
