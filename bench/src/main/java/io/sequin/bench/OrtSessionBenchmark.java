package io.sequin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * ONNX Runtime's Java binding, CPU, running one recurrent node: what a JVM user would pick today.
 * Subclasses give the model: {@link OrtBenchmark} the f32 LSTM and GRU Sequin
 * converts, {@link OrtInt8Benchmark} ONNX Runtime's own int8 LSTM.
 *
 * <p>{@code stream}: seq_len 1 per call, batch 1. Every tensor is created once on direct
 * buffers; per step only X's buffer is rewritten. Y_h (and Y_c) are written into preallocated
 * "pinned" output tensors, ping-ponged so each step's output is the next step's initial state:
 * all the reuse the API allows. {@code sequence}: one call on 100 steps, all outputs, per step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public abstract class OrtSessionBenchmark {
    static final int STEPS = 100;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    /** Intra-op threads: 1, or 0 for ONNX Runtime's default (one per physical core), what a user gets without settings. */
    @Param({"1", "0"})
    public int threads;

    private OrtEnvironment env;
    private OrtSession session;
    private boolean lstm;
    private FloatBuffer x;
    private OnnxTensor xStep;
    private final OnnxTensor[][] states = new OnnxTensor[2][2];   // [ping/pong][h, c]
    private int ping;
    private Set<String> stateOutputs;
    private final Map<String, OnnxTensor> stepInputs = new HashMap<>();
    private final Map<String, OnnxValue> stepPinned = new HashMap<>();
    private Map<String, OnnxTensor> sequenceInputs;
    private float[] xValues;

    /** The ONNX model: one LSTM or GRU node with inputs X, initial_h (and initial_c), outputs Y, Y_h (and Y_c). */
    abstract byte[] model() throws Exception;

    /** "LSTM" or "GRU". */
    abstract String cell();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        int[] s = BenchModels.size(size);
        lstm = cell().equals("LSTM");
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        if (threads > 0) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
        }
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(model(), options);
        x = direct(s[0]);
        xValues = BenchModels.randomInput(s[0], 7);
        x.put(xValues).rewind();
        xStep = OnnxTensor.createTensor(env, x, new long[] {1, 1, s[0]});
        for (int p = 0; p < 2; p++) {
            states[p][0] = OnnxTensor.createTensor(env, direct(s[1]), new long[] {1, 1, s[1]});
            states[p][1] = OnnxTensor.createTensor(env, direct(s[1]), new long[] {1, 1, s[1]});
        }
        stateOutputs = Set.of();   // the states come back through the pinned tensors
        FloatBuffer seq = direct(STEPS * s[0]);
        seq.put(BenchModels.randomInput(STEPS * s[0], 11)).rewind();
        sequenceInputs = new HashMap<>();
        sequenceInputs.put("X", OnnxTensor.createTensor(env, seq, new long[] {STEPS, 1, s[0]}));
        sequenceInputs.put("initial_h", OnnxTensor.createTensor(env, direct(s[1]), new long[] {1, 1, s[1]}));
        if (lstm) {
            sequenceInputs.put("initial_c", OnnxTensor.createTensor(env, direct(s[1]), new long[] {1, 1, s[1]}));
        }
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Benchmark
    public OnnxTensor stream() throws OrtException {
        x.put(0, xValues[ping]);                // a new x_t each step
        OnnxTensor[] in = states[ping];
        OnnxTensor[] out = states[1 - ping];
        stepInputs.put("X", xStep);
        stepInputs.put("initial_h", in[0]);
        stepPinned.put("Y_h", out[0]);
        if (lstm) {
            stepInputs.put("initial_c", in[1]);
            stepPinned.put("Y_c", out[1]);
        }
        session.run(stepInputs, stateOutputs, stepPinned).close();
        ping = 1 - ping;
        return out[0];
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public int sequence() throws OrtException {
        try (OrtSession.Result r = session.run(sequenceInputs)) {
            return r.size();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        session.close();
    }
}
