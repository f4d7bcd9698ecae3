package io.sequin.bench;

import io.sequin.kernel.KernelSelection;
import io.sequin.session.Session;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does one streaming step take? {@code Session.step} for batch 1 and for 8 streams
 * stepped together, the state carried inside the session. The Scalar and Panama forks run the
 * same code and differ only in the JVM flag {@code -Dsequin.kernels}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class StepBenchmark {
    @Param({"LSTM", "GRU"})
    public String cell;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    @Param({"1", "8"})
    public int batch;

    /** Storage type of the weight matrices; bench/run-suite.sh runs f32, bench/run-weights.sh all four. */
    @Param({"f32", "f16", "bf16", "int8"})
    public String weights;

    /** Threads a session splits a large layer's products across (Session option); outputs are the same for any. */
    @Param({"1", "2"})
    public int threads;

    private Session session;
    private float[] x;
    private float[] y;

    @Setup
    public void setUp() throws Exception {
        int[] s = BenchModels.size(size);
        session = BenchModels.sequin(BenchModels.onnx(cell, s[0], s[1]), weights).newSession(KernelSelection.defaultKernels(), batch, threads);
        x = BenchModels.randomInput(batch * s[0], 7);
        y = new float[batch * s[1]];
    }

    @TearDown
    public void tearDown() {
        session.close();
    }

    @Benchmark
    public float[] step() {
        session.step(x, y);
        return y;
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dsequin.kernels=scalar"})
    public static class Scalar extends StepBenchmark {
    }

    // The vector code from the first call: the default kernels' plain-Java warm-up (WarmingKernels)
    // would overlap JMH's warm-up iterations at the larger sizes.
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dsequin.kernels=panama", "-Dsequin.warmup=false"})
    public static class Panama extends StepBenchmark {
    }
}
