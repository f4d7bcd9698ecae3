package io.sequin.bench;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long is a step inside a whole sequence? One run of 100 steps, batch 1, into preallocated
 * outputs (Y, Y_h, Y_c), reported per step. Scalar and Panama forks differ only in JVM flags.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class SequenceBenchmark {
    static final int STEPS = 100;

    @Param({"LSTM", "GRU"})
    public String cell;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    /** Storage type of the weight matrices; bench/run-suite.sh runs f32, bench/run-weights.sh all four. */
    @Param({"f32", "f16", "bf16", "int8"})
    public String weights;

    /** Threads a session splits a large layer's products across (Session option); outputs are the same for any. */
    @Param({"1", "2"})
    public int threads;

    private Session session;
    private final Map<String, Tensor> inputs = new HashMap<>();
    private final Map<String, Tensor> outputs = new HashMap<>();

    @Setup
    public void setUp() throws Exception {
        int[] s = BenchModels.size(size);
        Model model = BenchModels.sequin(BenchModels.onnx(cell, s[0], s[1]), weights);
        session = model.newSession(KernelSelection.defaultKernels(), 1, threads);
        inputs.put("X", Tensor.ofFloats(new int[] {STEPS, 1, s[0]}, BenchModels.randomInput(STEPS * s[0], 11)));
        inputs.put("initial_h", Tensor.zeros(1, 1, s[1]));
        if (cell.equals("LSTM")) {
            inputs.put("initial_c", Tensor.zeros(1, 1, s[1]));
        }
        for (TensorSpec o : model.outputs()) {
            outputs.put(o.name(), Tensor.zeros(o.name().equals("Y") ? new int[] {STEPS, 1, 1, s[1]} : new int[] {1, 1, s[1]}));
        }
    }

    @TearDown
    public void tearDown() {
        session.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public Map<String, Tensor> sequence() {
        session.run(inputs, outputs);
        return outputs;
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dsequin.kernels=scalar"})
    public static class Scalar extends SequenceBenchmark {
    }

    // The vector code from the first call: the default kernels' plain-Java warm-up (WarmingKernels)
    // would overlap JMH's warm-up iterations at the larger sizes.
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dsequin.kernels=panama", "-Dsequin.warmup=false"})
    public static class Panama extends SequenceBenchmark {
    }
}
