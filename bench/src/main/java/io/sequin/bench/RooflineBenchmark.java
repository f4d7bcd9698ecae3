package io.sequin.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * The floor for a streaming step: reading as many floats as the layer has weights
 * (gates·H·(I+H)) once, with a Vector API fma per element and four accumulators. A step that
 * reads every weight once cannot beat this by much; the target is a step within 1.3× of it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class RooflineBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Param({"LSTM", "GRU"})
    public String cell;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    private float[] weights;

    @Setup
    public void setUp() {
        int[] s = BenchModels.size(size);
        weights = BenchModels.randomInput(BenchModels.gates(cell) * s[1] * (s[0] + s[1]), 9);
    }

    @Benchmark
    public float dot() {
        float[] w = weights;
        int l = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int k = 0;
        for (; k + 4 * l <= w.length; k += 4 * l) {
            FloatVector v0 = FloatVector.fromArray(F, w, k);
            FloatVector v1 = FloatVector.fromArray(F, w, k + l);
            FloatVector v2 = FloatVector.fromArray(F, w, k + 2 * l);
            FloatVector v3 = FloatVector.fromArray(F, w, k + 3 * l);
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
            a2 = v2.fma(v2, a2);
            a3 = v3.fma(v3, a3);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; k < w.length; k++) {
            s += w[k] * w[k];
        }
        return s;
    }
}
