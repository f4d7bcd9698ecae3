package io.sequin.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rescaling: a job stopped with a savepoint part-way through its events and started again from
 * it at another parallelism (2 to 1, 1 to 2) continues every key's state: each (key, step) output
 * of the two jobs together is bit for bit a session of that key's own, none missing.
 */
class RescaleTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final ConcurrentLinkedQueue<Tuple3<Integer, Integer, float[]>> OUT = new ConcurrentLinkedQueue<>();

    /** Collects every output into {@link #OUT}, as an at-least-once sink would see them. */
    static final class Collect implements Sink<Tuple3<Integer, Integer, float[]>> {
        @Override
        public SinkWriter<Tuple3<Integer, Integer, float[]>> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Tuple3<Integer, Integer, float[]> r, Context c) {
                    OUT.add(r);
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** The events of {@link StepFunctionTest#events()} in order, 600 a second, from one reader (so each key's order holds). */
    private static void job(StreamExecutionEnvironment env, byte[] sqn, int parallelism) {
        int keys = StepFunctionTest.KEYS;
        DataGeneratorSource<Tuple2<Integer, Integer>> events = new DataGeneratorSource<>(
                i -> Tuple2.of((int) (i % keys), (int) (i / keys)), (long) keys * StepFunctionTest.STEPS,
                RateLimiterStrategy.perSecond(600), Types.TUPLE(Types.INT, Types.INT));
        env.fromSource(events, WatermarkStrategy.noWatermarks(), "events").setParallelism(1).uid("events")
                .keyBy(e -> e.f0)
                .process(new StepFunction<Integer, Tuple2<Integer, Integer>, Tuple3<Integer, Integer, float[]>>(ModelRef.of(sqn),
                        StepFunctionTest::features, (key, event, y) -> Tuple3.of(key, event.f1, y.clone())))
                .returns(Types.TUPLE(Types.INT, Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT)))
                .setParallelism(parallelism).uid("sequin-step")
                .sinkTo(new Collect()).setParallelism(parallelism).uid("collect");
    }

    @ParameterizedTest(name = "parallelism {0} to {1}")
    @CsvSource({"2, 1", "1, 2"})
    void aSavepointRestoredAtAnotherParallelismContinuesEveryKey(int before, int after, @TempDir Path dir) throws Exception {
        OUT.clear();
        byte[] sqn = StepFunctionTest.model();
        StreamExecutionEnvironment first = StreamExecutionEnvironment.getExecutionEnvironment();
        job(first, sqn, before);
        JobClient client = first.executeAsync();
        int total = StepFunctionTest.KEYS * StepFunctionTest.STEPS;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (OUT.size() < total / 3) {
            assertTrue(System.nanoTime() < deadline, "the first job emitted only " + OUT.size());
            Thread.sleep(10);
        }
        String savepoint = client.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        int stoppedAt = OUT.size();
        assertTrue(stoppedAt < total, "the first job ran to the end before its savepoint");

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        StreamExecutionEnvironment second = StreamExecutionEnvironment.getExecutionEnvironment(restore);
        job(second, sqn, after);
        second.execute();

        Map<String, float[]> got = new HashMap<>();
        for (Tuple3<Integer, Integer, float[]> r : OUT) {
            StepFunctionTest.put(got, r);
        }
        StepFunctionTest.compareWithSessions(sqn, got, true);
        System.out.printf("rescale %d -> %d: the first job emitted %d of %d outputs before its savepoint, the second the rest%n",
                before, after, stoppedAt, total);
    }
}
