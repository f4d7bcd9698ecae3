package io.sequin.importer.onnx;

import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.IrActivationLayer;
import io.sequin.ir.IrConcatLayer;
import io.sequin.ir.IrDenseLayer;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrSoftmaxLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Nodes that become layers other than recurrent ones: Gather on a constant table (an
 * embedding), MatMul or Gemm by a constant matrix (a linear layer, taking a following Add of a
 * constant bias and a following activation into itself), elementwise activations,
 * Softmax/LogSoftmax over the last axis, and Concat of run-time tensors.
 */
final class LayerNodes {
    private final ImportContext cx;

    LayerNodes(ImportContext cx) {
        this.cx = cx;
    }

    void embedding(OnnxNode node, Tensor table, Value indices) throws ImportException {
        if (table.type() != ElementType.FLOAT32 || table.rank() != 2 || table.dim(0) < 1 || table.dim(1) < 1) {
            throw node.error("an embedding table must be a float matrix [vocabulary, size], not " + table);
        }
        if (indices.source.type == ElementType.FLOAT32) {
            throw node.error("embedding indices must be int32 or int64");
        }
        IrEmbeddingLayer layer = new IrEmbeddingLayer();
        layer.name = cx.layerName(node, "embedding");
        layer.vocabulary = table.dim(0);
        layer.size = table.dim(1);
        layer.table = table.floats();
        layer.inputs.add(cx.materialize(indices, node, "indices"));
        List<Sym> dims = new ArrayList<>(indices.dims());
        dims.add(Sym.of(layer.size));
        cx.addLayer(node, layer, 0, dims.toArray(new Sym[0]), ElementType.FLOAT32);
    }

    void matMul(OnnxNode node) throws ImportException {
        Value a = cx.value(node, 0, "A");
        Value b = cx.value(node, 1, "B");
        if (a.kind != Value.Kind.RUNTIME || b.kind != Value.Kind.CONSTANT || b.constant.rank() != 2
                || b.constant.type() != ElementType.FLOAT32) {
            throw node.error("MatMul of " + a + " by " + b + " is not supported; Sequin imports a run-time tensor times a "
                    + "constant float matrix as a linear layer");
        }
        int k = b.constant.dim(0);
        int n = b.constant.dim(1);
        dense(node, a, k, n, transpose(b.constant.floats(), k, n), null, 1f);
    }

    void gemm(OnnxNode node) throws ImportException {
        Value a = cx.value(node, 0, "A");
        Tensor b = cx.constant(node, 1, "B");
        Value c = cx.optional(node, 2, "C");
        float alpha = node.floatAttr("alpha", 1f);
        float beta = node.floatAttr("beta", 1f);
        if (a.kind != Value.Kind.RUNTIME || a.rank() != 2 || node.intAttr("transA", 0) != 0 || b.rank() != 2
                || b.type() != ElementType.FLOAT32) {
            throw node.error("Gemm is imported as a linear layer when A is a run-time matrix (not transposed) and B a "
                    + "constant float matrix");
        }
        boolean transB = node.intAttr("transB", 0) != 0;
        int k = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        float[] w = transB ? b.floats().clone() : transpose(b.floats(), k, n);
        float[] bias = null;
        if (c != null) {
            if (c.kind != Value.Kind.CONSTANT) {
                throw node.error("C must be a constant");
            }
            bias = biasOf(c.constant, n, node);
            for (int i = 0; i < n; i++) {
                bias[i] *= beta;
            }
        }
        dense(node, a, k, n, w, bias, alpha);
    }

    void dense(OnnxNode node, Value x, int k, int n, float[] w, float[] bias, float alpha) throws ImportException {
        List<Sym> dims = x.dims();
        if (dims.isEmpty() || !dims.get(dims.size() - 1).equals(Sym.of(k))) {
            throw node.error("input " + x + " does not end in " + k + " features");
        }
        if (k > Limits.MAX_LAYER_WIDTH || n > Limits.MAX_LAYER_WIDTH) {
            throw node.error("a " + k + "x" + n + " linear layer exceeds the width limit " + Limits.MAX_LAYER_WIDTH);
        }
        if (alpha != 1f) {
            for (int i = 0; i < w.length; i++) {
                w[i] *= alpha;
            }
        }
        IrDenseLayer layer = new IrDenseLayer();
        layer.name = cx.layerName(node, "dense");
        layer.units = n;
        layer.inputSize = k;
        layer.w = w;
        layer.b = bias;
        layer.inputs.add(cx.materialize(x, node, "input"));
        dims.set(dims.size() - 1, Sym.of(n));
        cx.addLayer(node, layer, 0, dims.toArray(new Sym[0]), ElementType.FLOAT32);
    }

    /**
     * Mul of a run-time tensor by a constant vector over its last axis (a BatchNormalization
     * folded by the exporter into Mul + Add): a linear layer with that diagonal, whose bias the
     * Add then sets. Multiplying by the zeros off the diagonal adds exact zeros, so the values are
     * x·s as Mul computes them.
     */
    void mul(OnnxNode node) throws ImportException {
        Value a = cx.value(node, 0, "A");
        Value b = cx.value(node, 1, "B");
        Value x = a.kind == Value.Kind.RUNTIME ? a : b;
        Value c = x == a ? b : a;
        List<Sym> dims = x.kind == Value.Kind.RUNTIME ? x.dims() : List.of();
        if (x.kind != Value.Kind.RUNTIME || c.kind != Value.Kind.CONSTANT || c.constant.type() != ElementType.FLOAT32
                || dims.isEmpty() || !dims.get(dims.size() - 1).known()) {
            throw node.error("Mul of " + a + " and " + b + " is not supported; Sequin folds a run-time tensor times a "
                    + "constant vector over its last axis");
        }
        int n = (int) dims.get(dims.size() - 1).value;
        float[] scale = biasOf(c.constant, n, node);
        float[] w = new float[Math.multiplyExact(n, n)];
        for (int i = 0; i < n; i++) {
            w[i * n + i] = scale[i];
        }
        dense(node, x, n, n, w, null, 1f);
    }

    /** Add: a constant bias after a linear layer, folded into it. */
    void add(OnnxNode node) throws ImportException {
        Value a = cx.value(node, 0, "A");
        Value b = cx.value(node, 1, "B");
        Value x = a.kind == Value.Kind.RUNTIME ? a : b;
        Value c = x == a ? b : a;
        if (x.kind == Value.Kind.RUNTIME && c.kind == Value.Kind.CONSTANT && x.isWholeSource()
                && x.source.producer instanceof IrDenseLayer && cx.uses.getOrDefault(x.source.name, 0) == 1) {
            IrDenseLayer dense = (IrDenseLayer) x.source.producer;
            if (dense.activation == null && c.constant.type() == ElementType.FLOAT32) {
                float[] bias = biasOf(c.constant, dense.units, node);
                if (dense.b == null) {
                    dense.b = bias;
                } else {
                    for (int i = 0; i < bias.length; i++) {
                        dense.b[i] += bias[i];
                    }
                }
                cx.rename(x.source, node.output(0));
                cx.put(node, 0, x);
                return;
            }
        }
        throw node.error("Add of " + a + " and " + b + " is not supported; Sequin folds a constant bias added to a linear "
                + "layer's output");
    }

    /** A bias of n floats from a constant that broadcasts along the last axis ([n], [1, n], ...). */
    private static float[] biasOf(Tensor c, int n, OnnxNode node) throws ImportException {
        int[] shape = c.shape();
        boolean fits = c.type() == ElementType.FLOAT32 && c.size() == n && (shape.length == 0 ? n == 1 : shape[shape.length - 1] == n);
        if (!fits) {
            throw node.error("bias " + c + " does not broadcast as " + n + " values along the last axis");
        }
        return c.floats().clone();
    }

    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    void activation(OnnxNode node) throws ImportException {
        Value x = cx.runtime(node, 0, "input");
        ActivationFunction f = ActivationFunction.fromOnnxName(node.op);
        float alpha;
        float beta = 0;
        switch (f) {
            case LEAKY_RELU:
                alpha = node.floatAttr("alpha", 0.01f);
                break;
            case ELU:
                alpha = node.floatAttr("alpha", 1f);
                break;
            case THRESHOLDED_RELU:
                alpha = node.floatAttr("alpha", 1f);
                break;
            case HARD_SIGMOID:
                alpha = node.floatAttr("alpha", 0.2f);
                beta = node.floatAttr("beta", 0.5f);
                break;
            default:
                alpha = 0;
        }
        Activation act = new Activation(f, alpha, beta);
        if (x.isWholeSource() && x.source.producer instanceof IrDenseLayer && cx.uses.getOrDefault(x.source.name, 0) == 1
                && ((IrDenseLayer) x.source.producer).activation == null) {
            ((IrDenseLayer) x.source.producer).activation = act;
            cx.rename(x.source, node.output(0));
            cx.put(node, 0, x);
            return;
        }
        IrActivationLayer layer = new IrActivationLayer();
        layer.name = cx.layerName(node, node.op.toLowerCase(Locale.ROOT));
        layer.activation = act;
        layer.inputs.add(cx.materialize(x, node, "input"));
        cx.addLayer(node, layer, 0, x.dims().toArray(new Sym[0]), ElementType.FLOAT32);
    }

    void softmax(OnnxNode node) throws ImportException {
        Value x = cx.runtime(node, 0, "input");
        int rank = x.rank();
        long axis = node.intAttr("axis", cx.opset >= 13 ? -1 : 1);
        int a = Views.axis(axis, rank, node);
        // Before opset 13 the input is flattened to 2-D at the axis; that equals the last axis only there.
        if (a != rank - 1) {
            throw node.error("softmax over axis " + axis + " of a rank-" + rank + " tensor is not supported; Sequin computes it "
                    + "over the last axis");
        }
        IrSoftmaxLayer layer = new IrSoftmaxLayer();
        layer.name = cx.layerName(node, node.op.toLowerCase(Locale.ROOT));
        layer.log = node.op.equals("LogSoftmax");
        layer.inputs.add(cx.materialize(x, node, "input"));
        cx.addLayer(node, layer, 0, x.dims().toArray(new Sym[0]), ElementType.FLOAT32);
    }

    /** Concat of run-time float tensors: a layer that joins them. */
    void concat(OnnxNode node, List<Value> parts) throws ImportException {
        long axis = node.intAttr("axis", 0);
        IrConcatLayer layer = new IrConcatLayer();
        layer.name = cx.layerName(node, "concat");
        layer.axis = (int) axis;
        Sym[] dims = null;
        int rank = parts.get(0).rank();
        int a = Views.axis(axis, rank, node);
        for (int k = 0; k < parts.size(); k++) {
            Value v = parts.get(k);
            if (v.kind != Value.Kind.RUNTIME || v.source.type != ElementType.FLOAT32) {
                throw node.error("input " + k + " is " + v + "; Sequin joins float tensors computed at run time");
            }
            List<Sym> d = v.dims();
            if (d.size() != rank) {
                throw node.error("input " + k + " has rank " + d.size() + ", not " + rank);
            }
            if (dims == null) {
                dims = d.toArray(new Sym[0]);
            } else {
                if (!dims[a].known() || !d.get(a).known()) {
                    throw node.error("the joined axis " + axis + " must have known sizes");
                }
                dims[a] = Sym.of(dims[a].value + d.get(a).value);
            }
            layer.inputs.add(cx.materialize(v, node, "input " + k));
        }
        cx.addLayer(node, layer, 0, dims, ElementType.FLOAT32);
    }
}
