package io.sequin.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link BatchedStepOperator} on the mini cluster (parallelism 2): keys stepped together through
 * one multi-stream session, each key's events in order, give every key's outputs within 1e-6 of a
 * session of its own (a stream's last bits depend on how many share a step), with a buffer
 * flushed by size, by time and at checkpoints; and a job that fails on purpose after a checkpoint
 * restarts with every key's state, its outputs the failure-free run's bit for bit.
 */
class BatchedStepOperatorTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static DataStream<Tuple3<Integer, Integer, float[]>> job(StreamExecutionEnvironment env, byte[] sqn) {
        return job(env, sqn, 8);
    }

    static DataStream<Tuple3<Integer, Integer, float[]>> job(StreamExecutionEnvironment env, byte[] sqn, int streams) {
        return env.fromData(StepFunctionTest.events()).keyBy(e -> e.f0)
                .transform("sequin", Types.TUPLE(Types.INT, Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT)),
                        new BatchedStepOperator<Integer, Tuple2<Integer, Integer>, Tuple3<Integer, Integer, float[]>>(ModelRef.of(sqn),
                                StepFunctionTest::features, (key, event, y) -> Tuple3.of(key, event.f1, y.clone()), streams, 50, 5));
    }

    private static Map<String, float[]> collect(DataStream<Tuple3<Integer, Integer, float[]>> stream) throws Exception {
        Map<String, float[]> got = new HashMap<>();
        try (CloseableIterator<Tuple3<Integer, Integer, float[]>> it = stream.executeAndCollect()) {
            while (it.hasNext()) {
                StepFunctionTest.put(got, it.next());
            }
        }
        return got;
    }

    /** Within 1e-6 of a session per key: a stream's last bits depend on how many share the step. */
    private static double check(byte[] sqn, Map<String, float[]> got) throws Exception {
        double worst = StepFunctionTest.compareWithSessions(sqn, got, false);
        assertTrue(worst <= 1e-6, "batched outputs differ from a session per key by " + worst);
        return worst;
    }

    @Test
    void keysSteppedTogetherGiveEachKeysOutputs() throws Exception {
        byte[] sqn = StepFunctionTest.model();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        double worst = check(sqn, collect(job(env, sqn)));
        System.out.printf("batched: largest difference from a session per key %.3g%n", worst);
    }

    /**
     * Where every tile of the vector code sums a row in one chain whatever the number of streams
     * (gate rows in whole groups of eight vector panels, a multiple of four streams: LSTM 64x128,
     * 512 gate rows, with 8 streams), keys stepped together are bit for bit sessions of their own.
     */
    @Test
    void whereTheTilesAlignBatchedKeysAreBitForBit() throws Exception {
        byte[] sqn = StepFunctionTest.lstm(StepFunctionTest.INPUT, 128, 7, 0.1);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StepFunctionTest.compareWithSessions(sqn, collect(job(env, sqn, 8)), true);
    }

    @Test
    void aFailedBatchedJobRestartsFromItsCheckpoint() throws Exception {
        RecoveryTest.FAILED.set(false);
        RecoveryTest.CHECKPOINTS.set(0);
        byte[] sqn = StepFunctionTest.model();
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        env.enableCheckpointing(20);
        env.getCheckpointConfig().enableUnalignedCheckpoints(true);
        Map<String, float[]> got = collect(job(env, sqn).map(new RecoveryTest.FailOnce())
                .returns(Types.TUPLE(Types.INT, Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT))));
        assertTrue(RecoveryTest.FAILED.get(), "the job did not fail");
        check(sqn, got);
    }
}
