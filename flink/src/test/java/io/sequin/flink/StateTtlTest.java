package io.sequin.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * State TTL: one key's two events 400 ms apart, with a state TTL of 100 ms: the second event
 * starts from zeros, as a new session's first step does, not from the first event's state.
 */
class StateTtlTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void anIdleKeysStateExpiresAndItsNextEventStartsFromZeros() throws Exception {
        byte[] sqn = StepFunctionTest.model();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataGeneratorSource<Tuple2<Integer, Integer>> events = new DataGeneratorSource<>(i -> Tuple2.of(0, (int) (long) i), 2,
                RateLimiterStrategy.perSecond(2.5), Types.TUPLE(Types.INT, Types.INT));
        List<float[]> got = new ArrayList<>();
        try (CloseableIterator<Tuple3<Integer, Integer, float[]>> it = env.fromSource(events, WatermarkStrategy.noWatermarks(), "events")
                .keyBy(e -> e.f0)
                .process(new StepFunction<Integer, Tuple2<Integer, Integer>, Tuple3<Integer, Integer, float[]>>(ModelRef.of(sqn),
                        StepFunctionTest::features, (key, event, y) -> Tuple3.of(key, event.f1, y.clone()))
                        .withStateTtl(Duration.ofMillis(100)))
                .returns(Types.TUPLE(Types.INT, Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT)))
                .executeAndCollect()) {
            while (it.hasNext()) {
                got.add(it.next().f2);
            }
        }
        assertEquals(2, got.size());
        Model model = Model.load(sqn);
        float[] x = new float[StepFunctionTest.INPUT];
        float[] fresh = new float[StepFunctionTest.HIDDEN];
        StepFunctionTest.features(Tuple2.of(0, 1), x);
        model.newSession(KernelSelection.defaultKernels()).step(x, fresh);
        assertArrayEquals(fresh, got.get(1), "the second event after the TTL");
        // And what it would have been with the state kept: a different number.
        Session carried = model.newSession(KernelSelection.defaultKernels());
        float[] y = new float[StepFunctionTest.HIDDEN];
        StepFunctionTest.features(Tuple2.of(0, 0), x);
        carried.step(x, y);
        StepFunctionTest.features(Tuple2.of(0, 1), x);
        carried.step(x, y);
        assertFalse(Arrays.equals(y, got.get(1)), "the state was not dropped");
    }
}
