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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The core's fma peak through the Vector API: twelve independent chains in registers, no memory
 * traffic, enough to cover the fma latency (4 cycles) on two fma pipes. {@link #FMAS} × lanes ÷
 * the time is the most multiply-adds per second a tile could do; {@link ProjectionBenchmark}'s
 * products are read against it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Vector fmas per call: 12 chains of 1,000. */
    public static final int FMAS = 12_000;

    /** Below 1, so the chains converge and never overflow; a field, so C2 cannot fold it. */
    private float factor = 0.999f;

    @Benchmark
    public float fmaPeak() {
        FloatVector v = FloatVector.broadcast(F, 0.5f);
        FloatVector f = FloatVector.broadcast(F, factor);
        FloatVector a0 = v, a1 = v.add(1f), a2 = v.add(2f), a3 = v.add(3f), a4 = v.add(4f), a5 = v.add(5f);
        FloatVector a6 = v.add(6f), a7 = v.add(7f), a8 = v.add(8f), a9 = v.add(9f), a10 = v.add(10f), a11 = v.add(11f);
        for (int i = 0; i < FMAS / 12; i++) {
            a0 = a0.fma(f, v);
            a1 = a1.fma(f, v);
            a2 = a2.fma(f, v);
            a3 = a3.fma(f, v);
            a4 = a4.fma(f, v);
            a5 = a5.fma(f, v);
            a6 = a6.fma(f, v);
            a7 = a7.fma(f, v);
            a8 = a8.fma(f, v);
            a9 = a9.fma(f, v);
            a10 = a10.fma(f, v);
            a11 = a11.fma(f, v);
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11))).reduceLanes(VectorOperators.ADD);
    }
}
