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
import io.sequin.ir.IrSliceLayer;
import io.sequin.ir.IrSoftmaxLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentSpec;
import io.sequin.model.TensorSpec;
import io.sequin.quantize.StoredModel;
import io.sequin.quantize.WeightQuantizer;
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
import java.util.Arrays;
import java.util.List;

/**
 * Serializes a model as a {@code .sqn} FlatBuffer of the lowest format version that holds it (1
 * for recurrent layers in ONNX's forms, so older runtimes still read those), with the weight
 * matrices as the quantize step stored them ({@link StoredModel}). Recurrent layers must be in
 * ONNX's gate order (the converter's normalization puts them there).
 */
public final class ModelWriter {
    /** The newest format version this writer produces. */
    public static final int FORMAT_VERSION = 4;
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
        int producer = SqnProducer.createSqnProducer(fb,
                fb.createString("sequin-converter"), fb.createString(producerVersion),
                fb.createString(model.sourceFormat), fb.createString(model.sourceSha256));
        int inputs = SqnModel.createInputsVector(fb, specs(fb, model.inputs));
        int outputs = SqnModel.createOutputsVector(fb, specs(fb, model.outputs));
        int[] constants = new int[model.constants.size()];
        int i = 0;
        for (var e : model.constants.entrySet()) {
            constants[i++] = tensor(fb, e.getKey(), e.getValue());
        }
        int constantsVector = SqnModel.createConstantsVector(fb, constants);
        int[] layers = new int[model.layers.size()];
        for (int k = 0; k < layers.length; k++) {
            layers[k] = layer(fb, stored, model.layers.get(k));
        }
        int layersVector = SqnModel.createLayersVector(fb, layers);
        SqnModel.startSqnModel(fb);
        SqnModel.addFormatVersion(fb, model.formatVersion());
        SqnModel.addProducer(fb, producer);
        SqnModel.addInputs(fb, inputs);
        SqnModel.addOutputs(fb, outputs);
        SqnModel.addConstants(fb, constantsVector);
        SqnModel.addLayers(fb, layersVector);
        int root = SqnModel.endSqnModel(fb);
        SqnModel.finishSqnModelBuffer(fb, root);
        return fb.sizedByteArray();
    }

    private static int[] specs(FlatBufferBuilder fb, List<TensorSpec> specs) {
        int[] offsets = new int[specs.size()];
        for (int i = 0; i < offsets.length; i++) {
            TensorSpec s = specs.get(i);
            int name = fb.createString(s.name());
            int shape = SqnTensorInfo.createShapeVector(fb, s.shape());
            String[] dimNames = s.dimNames();
            int[] names = new int[dimNames.length];
            for (int k = 0; k < names.length; k++) {
                names[k] = fb.createString(dimNames[k]);
            }
            int dimNamesVector = SqnTensorInfo.createDimNamesVector(fb, names);
            offsets[i] = SqnTensorInfo.createSqnTensorInfo(fb, name, dtype(s.type()), shape, dimNamesVector);
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
        int shapeOffset = SqnTensor.createShapeVector(fb, shape);
        int scalesOffset = scales == null ? 0 : SqnTensor.createScalesVector(fb, scales);
        fb.createUnintializedVector(1, data.length, DATA_ALIGNMENT).put(data);
        int dataOffset = fb.endVector();
        SqnTensor.startSqnTensor(fb);
        SqnTensor.addName(fb, nameOffset);
        SqnTensor.addDtype(fb, dtype);
        SqnTensor.addShape(fb, shapeOffset);
        if (scalesOffset != 0) {
            SqnTensor.addScales(fb, scalesOffset);
        }
        SqnTensor.addData(fb, dataOffset);
        SqnTensor.addDataCrc32(fb, TensorChecksum.of(ByteBuffer.wrap(data), scales));
        return SqnTensor.endSqnTensor(fb);
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
            kind = LayerKind.SqnRecurrentLayer;
            body = recurrent(fb, stored, (IrRecurrentLayer) layer);
        } else if (layer instanceof IrDenseLayer) {
            IrDenseLayer l = (IrDenseLayer) layer;
            kind = LayerKind.SqnDenseLayer;
            int w = matrix(fb, stored, l.matrices().get(0));
            int b = f32(fb, l.name + ".B", new int[] {l.units}, l.b);
            int act = l.activation == null ? 0 : activation(fb, l.activation);
            SqnDenseLayer.startSqnDenseLayer(fb);
            SqnDenseLayer.addUnits(fb, l.units);
            SqnDenseLayer.addInputSize(fb, l.inputSize);
            SqnDenseLayer.addW(fb, w);
            if (b != 0) {
                SqnDenseLayer.addB(fb, b);
            }
            if (act != 0) {
                SqnDenseLayer.addActivation(fb, act);
            }
            body = SqnDenseLayer.endSqnDenseLayer(fb);
        } else if (layer instanceof IrEmbeddingLayer) {
            IrEmbeddingLayer l = (IrEmbeddingLayer) layer;
            kind = LayerKind.SqnEmbeddingLayer;
            body = SqnEmbeddingLayer.createSqnEmbeddingLayer(fb,
                    matrix(fb, stored, l.matrices().get(0)));
        } else if (layer instanceof IrActivationLayer) {
            kind = LayerKind.SqnActivationLayer;
            body = SqnActivationLayer.createSqnActivationLayer(fb, activation(fb, ((IrActivationLayer) layer).activation));
        } else if (layer instanceof IrSoftmaxLayer) {
            kind = LayerKind.SqnSoftmaxLayer;
            body = SqnSoftmaxLayer.createSqnSoftmaxLayer(fb, ((IrSoftmaxLayer) layer).log);
        } else if (layer instanceof IrConcatLayer) {
            kind = LayerKind.SqnConcatLayer;
            body = SqnConcatLayer.createSqnConcatLayer(fb, ((IrConcatLayer) layer).axis);
        } else if (layer instanceof IrHalvesLayer) {
            kind = LayerKind.SqnHalvesLayer;
            body = SqnHalvesLayer.createSqnHalvesLayer(fb, (byte) ((IrHalvesLayer) layer).op.ordinal());
        } else if (layer instanceof IrMaskLayer) {
            kind = LayerKind.SqnMaskLayer;
            IrMaskLayer l = (IrMaskLayer) layer;
            body = SqnMaskLayer.createSqnMaskLayer(fb, l.value, l.featureAxis);
        } else if (layer instanceof IrSliceLayer) {
            kind = LayerKind.SqnSliceLayer;
            body = slice(fb, (IrSliceLayer) layer);
        } else {
            throw new IllegalArgumentException("layer '" + layer.name + "': no .sqn form for " + layer.getClass().getSimpleName());
        }
        int name = fb.createString(layer.name);
        int inputs = SqnLayer.createInputsVector(fb, strings(fb, layer.inputs));
        int outputs = SqnLayer.createOutputsVector(fb, strings(fb, layer.outputs));
        return SqnLayer.createSqnLayer(fb, name, inputs, outputs, kind, body);
    }

    private static int slice(FlatBufferBuilder fb, IrSliceLayer l) {
        int[] sizes = new int[l.groups.length];
        int[] axes = new int[Arrays.stream(l.groups).mapToInt(g -> g.length).sum()];
        int at = 0;
        for (int k = 0; k < sizes.length; k++) {
            sizes[k] = l.groups[k].length;
            System.arraycopy(l.groups[k], 0, axes, at, sizes[k]);
            at += sizes[k];
        }
        return SqnSliceLayer.createSqnSliceLayer(fb, SqnSliceLayer.createStartsVector(fb, l.starts),
                SqnSliceLayer.createCountsVector(fb, l.counts), SqnSliceLayer.createGroupSizesVector(fb, sizes),
                SqnSliceLayer.createGroupAxesVector(fb, axes));
    }

    private static int activation(FlatBufferBuilder fb, Activation a) {
        return SqnActivation.createSqnActivation(fb, (byte) a.function().ordinal(), a.alpha(), a.beta());
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
        int actsVector = SqnRecurrentLayer.createActivationsVector(fb, acts);
        SqnRecurrentLayer.startSqnRecurrentLayer(fb);
        RecurrentLayout forms = spec.layout();
        SqnRecurrentLayer.addCell(fb, (byte) spec.cell().ordinal());
        SqnRecurrentLayer.addDirection(fb, (byte) spec.direction().ordinal());
        SqnRecurrentLayer.addHiddenSize(fb, hidden);
        SqnRecurrentLayer.addInputSize(fb, spec.inputSize());
        SqnRecurrentLayer.addLayout(fb, forms.layout);
        SqnRecurrentLayer.addActivations(fb, actsVector);
        SqnRecurrentLayer.addHasClip(fb, spec.hasClip());
        SqnRecurrentLayer.addClip(fb, spec.hasClip() ? spec.clip() : 0f);
        SqnRecurrentLayer.addInputForget(fb, spec.inputForget());
        SqnRecurrentLayer.addLinearBeforeReset(fb, spec.linearBeforeReset());
        SqnRecurrentLayer.addW(fb, w);
        SqnRecurrentLayer.addR(fb, r);
        if (b != 0) {
            SqnRecurrentLayer.addB(fb, b);
        }
        if (p != 0) {
            SqnRecurrentLayer.addP(fb, p);
        }
        if (l.formatVersion() > 1) {
            SqnRecurrentLayer.addXLayout(fb, forms.xBatchFirst ? 1 : 0);
            SqnRecurrentLayer.addYLayout(fb, (byte) forms.y.ordinal());
            SqnRecurrentLayer.addStateOffset(fb, forms.stateOffset);
            SqnRecurrentLayer.addStateRows(fb, forms.stateRows);
            if (proj != 0) {
                SqnRecurrentLayer.addProj(fb, proj);
            }
            SqnRecurrentLayer.addMergedStates(fb, forms.mergedStates);
            SqnRecurrentLayer.addYReversed(fb, forms.yReversed);
            SqnRecurrentLayer.addStateful(fb, forms.stateful);
            SqnRecurrentLayer.addZeroMaskedOutputs(fb, forms.zeroMaskedOutputs);
        }
        return SqnRecurrentLayer.endSqnRecurrentLayer(fb);
    }

    private static int[] strings(FlatBufferBuilder fb, List<String> values) {
        int[] offsets = new int[values.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = fb.createString(values.get(i));
        }
        return offsets;
    }
}
