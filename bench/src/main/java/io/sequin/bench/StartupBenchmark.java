package io.sequin.bench;

import io.sequin.model.Model;
import io.sequin.session.Session;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does a new JVM take from {@code Model.load} of the demo's language model (3.5 MB of
 * f32 weights) to its first step's output? One shot per fork, each fork a fresh JVM with the
 * default kernels. The model file is written beforehand by bench/run-startup.sh, so nothing of
 * the conversion has run in the JVM measured.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class StartupBenchmark {
    /** The converted model; bench/run-startup.sh writes it here. */
    @Param({"bench/target/charlm-f32.sqn"})
    public String model;

    @Benchmark
    public float[] loadToFirstStep() throws Exception {
        Model m = Model.load(Path.of(model));
        Session session = m.newSession();
        float[] x = new float[session.stepInputSize()];
        float[] y = new float[session.stepOutputSize()];
        x[0] = 3;
        session.step(x, y);
        return y;
    }
}
