package io.sequin.bench;

import io.sequin.kernel.ScalarKernels;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.Layer;
import io.sequin.layer.RecurrentLayer;
import io.sequin.tensor.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.SplittableRandom;
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
 * One streaming LSTM step, batch 1, with the scalar kernels: the state is fed back as the next
 * step's initial state, the way a streaming caller uses the layer. Weights are random with a
 * fixed seed, uniform in ±1/sqrt(hidden).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class LstmStepBenchmark {

    @Param({"64:128", "128:256", "256:512", "512:1024"})
    public String inputAndHidden;

    private Layer.Runner runner;
    private Tensor[] inputs;

    @Setup
    public void setUp() {
        String[] parts = inputAndHidden.split(":");
        int input = Integer.parseInt(parts[0]);
        int hidden = Integer.parseInt(parts[1]);
        SplittableRandom random = new SplittableRandom(42);
        float scale = (float) (1 / Math.sqrt(hidden));
        Activation sigmoid = new Activation(ActivationFunction.SIGMOID, 0, 0);
        Activation tanh = new Activation(ActivationFunction.TANH, 0, 0);
        RecurrentLayer layer = new RecurrentLayer("lstm",
                Arrays.asList("X", "", "initial_h", "initial_c"), Arrays.asList("", "Y_h", "Y_c"),
                CellType.LSTM, Direction.FORWARD, hidden, input, 0,
                new Activation[] {sigmoid, tanh, tanh}, false, 0, false, false,
                uniform(random, 4 * hidden * input, scale), uniform(random, 4 * hidden * hidden, scale),
                uniform(random, 8 * hidden, scale), null, Collections.emptyList());
        runner = layer.newRunner(new ScalarKernels());
        inputs = new Tensor[] {
            Tensor.ofFloats(new int[] {1, 1, input}, uniform(random, input, 1f)),
            null,
            Tensor.zeros(1, 1, hidden),
            Tensor.zeros(1, 1, hidden),
        };
    }

    private static float[] uniform(SplittableRandom random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    @Benchmark
    public Tensor scalarStep() {
        Tensor[] out = runner.run(inputs);
        inputs[2] = out[1];
        inputs[3] = out[2];
        return out[1];
    }
}
