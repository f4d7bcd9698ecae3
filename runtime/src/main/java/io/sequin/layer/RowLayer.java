package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.Tensor;
import java.util.Collections;
import java.util.List;

/**
 * A layer without weights or state computed row by row along the last axis, each input row of
 * {@code width} floats giving an output row of {@link #stepOutputWidth} floats (elementwise
 * functions and softmax keep the width; combining halves halves it): the runner and its
 * buffers are shared here.
 */
abstract class RowLayer extends BaseLayer {
    RowLayer(String name, List<String> inputs, List<String> outputs) {
        super(name, inputs, outputs, Collections.emptyList(), 1, 1);
    }

    /** y[yOff..] = f(x[xOff..]) for {@code rows} rows of {@code width} floats in, stepOutputWidth(width) out. */
    abstract void compute(Kernels kernels, float[] x, int xOff, float[] y, int yOff, int rows, int width);

    /** Output floats per row for input rows of {@code inputWidth}; the same by default. */
    @Override
    public int stepOutputWidth(int inputWidth) {
        return inputWidth;
    }

    @Override
    public int stepInputWidth() {
        return -1;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new Runner() {
            private final OutputBuffer out = new OutputBuffer(name,
                    shape -> shape.length == 0 ? shape : OutputBuffer.withLast(shape, stepOutputWidth(shape[shape.length - 1])));
            private final Tensor[] results = new Tensor[1];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor x = floatInput(in, 0, "x");
                Tensor y = out.fresh(x);
                whole(x, y);
                return new Tensor[] {y};
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                Tensor x = floatInput(in, 0, "x");
                Tensor y = out.take(x, given.length > 0 ? given[0] : null);
                whole(x, y);
                results[0] = y;
                return results;
            }

            @Override
            public void step(float[] x, int xOff, int width, float[] y, int yOff) {
                compute(kernels, x, xOff, y, yOff, streams, width);
            }

            @Override
            public void reset() {
            }

            private void whole(Tensor x, Tensor y) {
                int width = x.rank() == 0 ? 1 : x.dim(x.rank() - 1);
                if (width > 0) {
                    compute(kernels, x.floats(), 0, y.floats(), 0, x.size() / width, width);
                }
            }
        };
    }
}
