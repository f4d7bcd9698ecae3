package io.sequin.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once state: a job with checkpoints fails on purpose after a checkpoint and after half
 * its events, restarts from its last checkpoint, and every (key, step) output it emits is bit for
 * bit a session of that key's own (replayed events may come twice, never different, none missing).
 * A lost or stale state would restart keys from zeros or from the wrong step, and differ.
 */
class RecoveryTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicInteger CHECKPOINTS = new AtomicInteger();

    /** Passes outputs through slowly (so checkpoints fall between them), and fails once, after a checkpoint, half-way. */
    static final class FailOnce extends RichMapFunction<Tuple3<Integer, Integer, float[]>, Tuple3<Integer, Integer, float[]>>
            implements CheckpointListener {
        private int seen;

        @Override
        public Tuple3<Integer, Integer, float[]> map(Tuple3<Integer, Integer, float[]> r) throws Exception {
            Thread.sleep(2);
            seen++;
            if (seen >= StepFunctionTest.KEYS * StepFunctionTest.STEPS / 4 && CHECKPOINTS.get() > 0 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("failing on purpose after " + seen + " outputs");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    @Test
    void aJobThatFailsRestartsFromItsCheckpointWithEveryKeysState() throws Exception {
        FAILED.set(false);
        CHECKPOINTS.set(0);
        byte[] sqn = StepFunctionTest.model();
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        env.enableCheckpointing(20);
        // Barriers overtake the events queued before the slow map, so checkpoints complete while it works.
        env.getCheckpointConfig().enableUnalignedCheckpoints(true);
        Map<String, float[]> got = new HashMap<>();
        int emitted = 0;
        try (CloseableIterator<Tuple3<Integer, Integer, float[]>> it = StepFunctionTest.job(env, ModelRef.of(sqn))
                .map(new FailOnce()).returns(Types.TUPLE(Types.INT, Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT)))
                .executeAndCollect()) {
            while (it.hasNext()) {
                StepFunctionTest.put(got, it.next());
                emitted++;
            }
        }
        assertTrue(FAILED.get(), "the job did not fail (checkpoints completed: " + CHECKPOINTS.get() + ")");
        StepFunctionTest.compareWithSessions(sqn, got, true);
        System.out.printf("recovery: failed once after a checkpoint (%d checkpoints completed), %d outputs emitted for %d (key, step) pairs%n",
                CHECKPOINTS.get(), emitted, got.size());
    }
}
