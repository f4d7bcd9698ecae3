package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lookup table: y[..., :] = table[x[...], :] (PyTorch's {@code nn.Embedding}, Keras'
 * {@code Embedding}, ONNX's Gather on a constant along axis 0). x holds int32 or int64 indices,
 * or float32 ones holding whole numbers (Keras models take token ids as floats), of any shape; y has x's shape plus the embedding size. As in ONNX's Gather, an index i in
 * [-V, 0) means V + i; any other index outside [0, V) is an error naming it. Input: x. Output: y.
 *
 * <p>In a streaming step each stream reads one index, given as a float holding a whole number.
 */
public final class EmbeddingLayer extends BaseLayer {
    private final WeightMatrix table;
    private final int size;
    private final int vocabulary;

    /** @param table [V, E] in its stored type */
    public EmbeddingLayer(String name, List<String> inputs, List<String> outputs, WeightMatrix table, List<StoredTensor> stored) {
        super(name, inputs, outputs, stored, 1, 1);
        if (table.rows() < 1 || table.cols() < 1) {
            throw new IllegalArgumentException(name + ": table is " + table.rows() + "x" + table.cols() + ", expected at least 1x1");
        }
        this.table = table;
        this.vocabulary = table.rows();
        this.size = table.cols();
    }

    @Override
    public String kind() {
        return "Embedding";
    }

    public int vocabulary() {
        return vocabulary;
    }

    public int embeddingSize() {
        return size;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("vocabulary", vocabulary);
        a.put("size", size);
        return a;
    }

    @Override
    public int stepOutputWidth(int inputWidth) {
        if (inputWidth != 1) {
            throw new IllegalArgumentException(name + ": steps of " + inputWidth + " floats per stream, expected one index");
        }
        return size;
    }

    @Override
    public int stepInputWidth() {
        return 1;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new Runner() {
            private final OutputBuffer out = new OutputBuffer(name, shape -> {
                int[] s = Arrays.copyOf(shape, shape.length + 1);
                s[shape.length] = size;
                return s;
            });
            private final Tensor[] results = new Tensor[1];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor x = checkX(in);
                Tensor y = out.fresh(x);
                lookUp(x, y.floats());
                return new Tensor[] {y};
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                Tensor x = checkX(in);
                Tensor y = out.take(x, given.length > 0 ? given[0] : null);
                lookUp(x, y.floats());
                results[0] = y;
                return results;
            }

            @Override
            public void step(float[] x, int xOff, int width, float[] y, int yOff) {
                stepOutputWidth(width);
                for (int s = 0; s < streams; s++) {
                    float v = x[xOff + s];
                    if (!Float.isFinite(v) || v != Math.rint(v)) {
                        throw new IllegalArgumentException(name + ": stream " + s + " index " + v + " is not a whole number");
                    }
                    row((long) v, s, y, yOff + s * size);
                }
            }

            @Override
            public void reset() {
            }
        };
    }

    private void lookUp(Tensor x, float[] y) {
        int n = x.size();
        if (x.type() == ElementType.INT32) {
            int[] v = x.ints();
            for (int i = 0; i < n; i++) {
                row(v[i], i, y, i * size);
            }
        } else if (x.type() == ElementType.FLOAT32) {
            float[] v = x.floats();
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(v[i]) || v[i] != Math.rint(v[i])) {
                    throw new IllegalArgumentException(name + ": index " + v[i] + " at element " + i + " is not a whole number");
                }
                row((long) v[i], i, y, i * size);
            }
        } else {
            long[] v = x.longs();
            for (int i = 0; i < n; i++) {
                row(v[i], i, y, i * size);
            }
        }
    }

    private void row(long index, int where, float[] y, int yOff) {
        if (index < -vocabulary || index >= vocabulary) {
            throw new IllegalArgumentException(name + ": index " + index + " at element " + where + " is outside [" + -vocabulary + ", "
                    + vocabulary + ")");
        }
        int r = (int) (index < 0 ? index + vocabulary : index);
        for (int k = 0; k < size; k++) {
            y[yOff + k] = table.get(r, k);
        }
    }

    private Tensor checkX(Tensor[] in) {
        Tensor x = in.length > 0 ? in[0] : null;
        if (x == null) {
            throw new IllegalArgumentException(name + ": input x is missing");
        }
        if (x.type() != ElementType.INT32 && x.type() != ElementType.INT64 && x.type() != ElementType.FLOAT32) {
            throw new IllegalArgumentException(name + ": x must hold indices (int32, int64, or whole float32), not " + x.type().displayName());
        }
        return x;
    }

    /** Bytes of the table as held in memory. */
    public long weightHeapBytes() {
        return table.heapBytes();
    }
}
