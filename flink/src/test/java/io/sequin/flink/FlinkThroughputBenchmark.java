package io.sequin.flink;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.session.Session;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.util.Collector;
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
 * Events per second through the LSTM 64x128 (f32) for 10,000 keys: a Flink job on a mini cluster
 * (one task manager, parallelism 2) stepping one event at a time ({@link StepFunction}) or the
 * buffered keys together ({@link BatchedStepOperator}, 64 streams), against a plain loop of
 * Sequin without Flink (one session, each key's state in a {@code float[][]}). Each operation is
 * one event; a job runs {@link #EVENTS} of them, 20 per key, from a generator source. Run by
 * bench/run-flink.sh.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 1, batchSize = 1)
@Measurement(iterations = 3, batchSize = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dsequin.warmup=false"})
public class FlinkThroughputBenchmark {
    static final int KEYS = 10_000;
    static final int EVENTS = KEYS * 20;
    static final int INPUT = 64;
    static final int HIDDEN = 128;

    /**
     * perEvent, batched, loop (Sequin without Flink), or flinkOnly: the per-event job with a
     * function that keeps and replaces a state array of the same size but runs no model, Flink's
     * own share of the time and the allocation.
     */
    @Param({"perEvent", "batched", "loop", "flinkOnly"})
    public String how;

    /** What the per-event job does around the model: the same state read and write, no step. */
    static final class NoModel extends KeyedProcessFunction<Integer, Tuple2<Integer, Integer>, Float> {
        private transient ValueState<float[]> state;

        @Override
        public void open(OpenContext context) {
            state = getRuntimeContext().getState(KeyState.descriptor(null));
        }

        @Override
        public void processElement(Tuple2<Integer, Integer> e, Context context, Collector<Float> out) throws Exception {
            float[] s = state.value();
            float[] next = new float[2 * HIDDEN];
            next[0] = s == null ? 0 : s[0] + 1;
            state.update(next);
            out.collect(next[0]);
        }
    }

    private MiniCluster cluster;
    private byte[] sqn;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        sqn = StepFunctionTest.lstm(INPUT, HIDDEN, 64128, 1 / Math.sqrt(HIDDEN));
        if (!how.equals("loop")) {
            cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build());
            cluster.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Event i: key i % KEYS, its features from i. */
    static void features(Tuple2<Integer, Integer> event, float[] x) {
        for (int k = 0; k < x.length; k++) {
            x[k] = ((event.f1 * 31 + k) % 17) / 17f - 0.5f;
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public Object events() throws Exception {
        if (how.equals("loop")) {
            return loop();
        }
        StreamExecutionEnvironment env = new TestStreamEnvironment(cluster, 2);
        DataGeneratorSource<Tuple2<Integer, Integer>> source = new DataGeneratorSource<>(
                i -> Tuple2.of((int) (i % KEYS), (int) (long) i), EVENTS, Types.TUPLE(Types.INT, Types.INT));
        KeyedStream<Tuple2<Integer, Integer>, Integer> keyed = env.fromSource(source, WatermarkStrategy.noWatermarks(), "events")
                .keyBy(e -> e.f0);
        TypeInformation<Float> out = Types.FLOAT;
        ModelRef ref = ModelRef.of(sqn);
        if (how.equals("flinkOnly")) {
            keyed.process(new NoModel()).returns(out).sinkTo(new DiscardingSink<>());
        } else if (how.equals("perEvent")) {
            keyed.process(new StepFunction<Integer, Tuple2<Integer, Integer>, Float>(ref, FlinkThroughputBenchmark::features,
                    (key, e, y) -> y[0])).returns(out).sinkTo(new DiscardingSink<>());
        } else {
            keyed.transform("sequin", out, new BatchedStepOperator<Integer, Tuple2<Integer, Integer>, Float>(ref,
                    FlinkThroughputBenchmark::features, (key, e, y) -> y[0], 64, 1024, 10)).sinkTo(new DiscardingSink<>());
        }
        return env.execute("throughput " + how);
    }

    /** The same events without Flink: one session, each key's state saved and restored around its step. */
    private Object loop() throws Exception {
        Session session = Model.load(sqn).newSession(KernelSelection.defaultKernels());
        int size = session.stateSize();
        float[][] states = new float[KEYS][size];
        float[] x = new float[INPUT];
        float[] y = new float[HIDDEN];
        float sum = 0;
        for (int i = 0; i < EVENTS; i++) {
            int key = i % KEYS;
            session.restoreState(0, states[key], 0);
            features(Tuple2.of(key, i), x);
            session.step(x, y);
            session.saveState(0, states[key], 0);
            sum += y[0];
        }
        return sum;
    }
}
