package io.sequin.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bounded scoring: records holding whole sequences, from a bounded source in Flink's batch
 * execution mode (parallelism 2), scored by {@link SequenceScorer}: each record's final state bit
 * for bit {@code Session.run} on the same sequence.
 */
class SequenceScorerTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    /** Sequence {@code id}'s X [length, 1, INPUT], its length 1 to 12 by id. */
    static Tensor sequence(int id) {
        int length = 1 + id % 12;
        float[] x = new float[length * StepFunctionTest.INPUT];
        float[] one = new float[StepFunctionTest.INPUT];
        for (int t = 0; t < length; t++) {
            StepFunctionTest.features(Tuple2.of(id, t), one);
            System.arraycopy(one, 0, x, t * one.length, one.length);
        }
        return Tensor.ofFloats(new int[] {length, 1, StepFunctionTest.INPUT}, x);
    }

    @Test
    void recordsOfWholeSequencesAreScoredInBatchMode() throws Exception {
        byte[] sqn = StepFunctionTest.model();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(2);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(i);
        }
        Map<Integer, float[]> got = new HashMap<>();
        try (CloseableIterator<Tuple2<Integer, float[]>> it = env.fromData(ids)
                .map(new SequenceScorer<Integer, Tuple2<Integer, float[]>>(ModelRef.of(sqn), id -> Map.of("X", sequence(id)),
                        (id, outputs) -> Tuple2.of(id, outputs.get("Y_h").floats())))
                .returns(Types.TUPLE(Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT)))
                .executeAndCollect()) {
            while (it.hasNext()) {
                Tuple2<Integer, float[]> r = it.next();
                got.put(r.f0, r.f1);
            }
        }
        assertEquals(ids.size(), got.size());
        Session session = Model.load(sqn).newSession(KernelSelection.defaultKernels());
        for (int id : ids) {
            assertArrayEquals(session.run(Map.of("X", sequence(id))).get("Y_h").floats(), got.get(id), "sequence " + id);
        }
    }
}
