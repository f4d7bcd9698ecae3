package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.kernel.SharedMatrix;
import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fully connected layer over the last axis: y = x·Wᵀ + b, then an optional activation
 * (PyTorch's {@code nn.Linear}, Keras' {@code Dense}, ONNX's Gemm or MatMul + Add on a
 * constant). x may have any rank of at least 1; y has x's shape with the last dimension
 * {@code units}. Input: x. Output: y.
 */
public final class DenseLayer extends BaseLayer {
    private final int units;
    private final int inputSize;
    private final SharedMatrix w;
    private final float[] bias;
    private final Activation activation;

    /**
     * @param w [units, inputSize] in its stored type
     * @param bias [units], or null for none
     * @param activation applied after the bias, or null for none
     */
    public DenseLayer(String name, List<String> inputs, List<String> outputs, MatrixSource w, float[] bias,
                      Activation activation, List<StoredTensor> stored) {
        super(name, inputs, outputs, stored, 1, 1);
        this.units = w.rows();
        this.inputSize = w.cols();
        if (units < 1 || inputSize < 1) {
            throw new IllegalArgumentException(name + ": weight is " + units + "x" + inputSize + ", expected at least 1x1");
        }
        if (bias != null && bias.length != units) {
            throw new IllegalArgumentException(name + ": bias has " + bias.length + " elements, expected " + units);
        }
        this.w = new SharedMatrix(w);
        this.bias = bias == null ? new float[units] : bias.clone();
        this.activation = activation;
    }

    @Override
    public String kind() {
        return "Dense";
    }

    public int units() {
        return units;
    }

    public int inputSize() {
        return inputSize;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("units", units);
        a.put("input_size", inputSize);
        if (activation != null) {
            a.put("activation", activation.toString());
        }
        return a;
    }

    @Override
    public int stepOutputWidth(int inputWidth) {
        if (inputWidth != inputSize) {
            throw new IllegalArgumentException(name + ": steps of " + inputWidth + " floats per stream, expected " + inputSize);
        }
        return units;
    }

    @Override
    public int stepInputWidth() {
        return inputSize;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        PackedMatrix m = w.layoutFor(kernels);
        return new Runner() {
            private final OutputBuffer out = new OutputBuffer(name, shape -> OutputBuffer.withLast(shape, units));
            private final Tensor[] results = new Tensor[1];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor x = checkX(in);
                Tensor y = out.fresh(x);
                compute(x.floats(), 0, x.size() / inputSize, y.floats(), 0);
                return new Tensor[] {y};
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                Tensor x = checkX(in);
                Tensor y = out.take(x, given.length > 0 ? given[0] : null);
                compute(x.floats(), 0, x.size() / inputSize, y.floats(), 0);
                results[0] = y;
                return results;
            }

            @Override
            public void step(float[] x, int xOff, int width, float[] y, int yOff) {
                stepOutputWidth(width);
                compute(x, xOff, streams, y, yOff);
            }

            @Override
            public void reset() {
            }

            private void compute(float[] x, int xOff, int rows, float[] y, int yOff) {
                if (rows == 0) {
                    return;
                }
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(bias, 0, y, yOff + i * units, units);
                }
                kernels.gemm(m, x, xOff, inputSize, rows, y, yOff, units);
                if (activation != null) {
                    activation.apply(kernels, y, yOff, rows * units);
                }
            }
        };
    }

    private Tensor checkX(Tensor[] in) {
        Tensor x = floatInput(in, 0, "x");
        if (x.rank() < 1 || x.dim(x.rank() - 1) != inputSize) {
            throw new IllegalArgumentException(name + ": x has shape " + Tensor.format(x.shape()) + ", expected [..., " + inputSize + "]");
        }
        return x;
    }

    /** Bytes of weights held: the bias, and every kernel layout made so far (the stored matrix until there is one). */
    public long weightHeapBytes() {
        return w.heapBytes() + 4L * bias.length;
    }
}
