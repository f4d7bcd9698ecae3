package io.sequin.bench;

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
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
 * The two products of a whole sequence, apart, on the Panama kernels with one thread: {@link #project}
 * is the input projection, W (gates·H × I) times every step's input at once (T vectors), the part
 * a sequence can batch; {@link #recur} is R (gates·H × H) times one state, the part each step must
 * wait for. Multiply-adds per second are gates·H·I·T ÷ time and gates·H·H ÷ time; set beside
 * {@link FmaPeakBenchmark} they show how near the core's fma peak each storage type's tiles run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ProjectionBenchmark {
    @Param({"LSTM"})
    public String cell;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    @Param({"f32", "bf16", "int8"})
    public String weights;

    /** Steps of the sequence: SequenceBenchmark's. */
    @Param({"100"})
    public int steps;

    private Kernels kernels;
    private PackedMatrix w;
    private PackedMatrix r;
    private float[] xs;
    private float[] h;
    private float[] projection;
    private float[] gates;

    @Setup
    public void setUp() {
        int[] s = BenchModels.size(size);
        int rows = BenchModels.gates(cell) * s[1];
        kernels = KernelSelection.select("panama");
        w = kernels.pack(matrix(rows, s[0], 5), 0, rows);
        r = kernels.pack(matrix(rows, s[1], 6), 0, rows);
        xs = BenchModels.randomInput(steps * s[0], 7);
        h = BenchModels.randomInput(s[1], 8);
        projection = new float[steps * rows];
        gates = new float[rows];
    }

    /** Random weights in ±1, stored as the converter stores them. */
    private WeightMatrix matrix(int rows, int cols, long seed) {
        WeightType type = WeightType.byName(weights);
        if (type == null) {
            throw new IllegalArgumentException("weights: f32, f16, bf16 or int8, got " + weights);
        }
        return WeightQuantizer.quantize("bench", BenchModels.randomInput(rows * cols, seed), rows, cols, type);
    }

    /** W times the T inputs, into T rows of gates: a sequence's one batched product. */
    @Benchmark
    public float[] project() {
        kernels.gemm(w, xs, 0, w.cols, steps, projection, 0, w.rows);
        return projection;
    }

    /** R times one state: what every step of a sequence waits for. */
    @Benchmark
    public float[] recur() {
        kernels.gemv(r, h, 0, gates, 0);
        return gates;
    }
}
