package io.sequin.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference point: a streaming step as a first attempt would write it, one accumulator per
 * row over fused [W|R] rows and {@code Math.exp}/{@code Math.tanh}, batch 1. Not Sequin's code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class NaiveStepBenchmark {
    @Param({"LSTM", "GRU"})
    public String cell;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    private int in;
    private int hidden;
    private float[] wr;     // [gates*H][I+H]
    private float[] bias;
    private float[] xh;     // [x; h]
    private float[] c;
    private float[] gates;

    @Setup
    public void setUp() {
        int[] s = BenchModels.size(size);
        in = s[0];
        hidden = s[1];
        int rows = BenchModels.gates(cell) * hidden;
        wr = BenchModels.randomInput(rows * (in + hidden), 3);
        for (int i = 0; i < wr.length; i++) {
            wr[i] *= (float) (1 / Math.sqrt(hidden));
        }
        bias = BenchModels.randomInput(rows, 4);
        xh = BenchModels.randomInput(in + hidden, 5);
        c = new float[hidden];
        gates = new float[rows];
    }

    private static float sigmoid(float v) {
        return (float) (1 / (1 + Math.exp(-v)));
    }

    @Benchmark
    public float[] step() {
        int k = in + hidden;
        int n = hidden;
        boolean lstm = cell.equals("LSTM");
        int fusedRows = lstm ? 4 * n : 2 * n;
        for (int r = 0; r < fusedRows; r++) {
            float s = bias[r];
            for (int j = 0; j < k; j++) {
                s += wr[r * k + j] * xh[j];
            }
            gates[r] = s;
        }
        if (lstm) {
            for (int j = 0; j < n; j++) {
                float i = sigmoid(gates[j]);
                float o = sigmoid(gates[n + j]);
                float f = sigmoid(gates[2 * n + j]);
                float g = (float) Math.tanh(gates[3 * n + j]);
                c[j] = f * c[j] + i * g;
                xh[in + j] = o * (float) Math.tanh(c[j]);
            }
        } else {
            // GRU, linear_before_reset: ht = tanh(Wh·x + bh + r ⊙ (Rh·h))
            for (int r = 2 * n; r < 3 * n; r++) {
                float sx = bias[r];
                for (int j = 0; j < in; j++) {
                    sx += wr[r * k + j] * xh[j];
                }
                float sh = 0;
                for (int j = in; j < k; j++) {
                    sh += wr[r * k + j] * xh[j];
                }
                gates[r] = sx + sigmoid(gates[r - n]) * sh;
            }
            for (int j = 0; j < n; j++) {
                float z = sigmoid(gates[j]);
                float h = (float) Math.tanh(gates[2 * n + j]);
                xh[in + j] = (1 - z) * h + z * xh[in + j];
            }
        }
        return xh;
    }
}
