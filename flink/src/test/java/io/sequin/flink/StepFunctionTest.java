package io.sequin.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.kernel.KernelSelection;
import io.sequin.layer.CellType;
import io.sequin.layer.RecurrentSpec;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.session.Session;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.WeightType;
import io.sequin.writer.ModelWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link StepFunction} on a real Flink mini cluster (one task manager, two slots, parallelism 2):
 * every key's outputs are bit for bit those of a Sequin session of its own stepping that key's
 * events, and a file that is not a model fails the job in {@code open()} with Sequin's message.
 */
class StepFunctionTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final int INPUT = 6;
    static final int HIDDEN = 10;
    static final int KEYS = 40;
    static final int STEPS = 15;

    /** An f32 LSTM 6x10 with random weights, as a .sqn file's bytes. */
    static byte[] model() throws Exception {
        return lstm(INPUT, HIDDEN, 19, 0.4);
    }

    /** An f32 LSTM of the given sizes, weights uniform in ±scale from {@code seed}, as a .sqn file's bytes; output Y_h. */
    static byte[] lstm(int input, int hidden, long seed, double scale) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        IrRecurrentLayer l = new IrRecurrentLayer();
        l.name = "lstm";
        l.spec = RecurrentSpec.builder(CellType.LSTM, hidden, input).build();
        l.w = uniform(random, 4 * hidden * input, scale);
        l.r = uniform(random, 4 * hidden * hidden, scale);
        l.b = uniform(random, 8 * hidden, scale);
        l.inputs = List.of("X");
        l.outputs = List.of("Y", "Y_h", "Y_c");
        IrModel m = new IrModel();
        m.inputs.add(new TensorSpec("X", ElementType.FLOAT32, new int[] {-1, -1, input}, new String[] {"seq", "batch", ""}));
        m.outputs.add(new TensorSpec("Y_h", ElementType.FLOAT32, new int[] {1, -1, hidden}, new String[] {"", "batch", ""}));
        m.layers.add(l);
        return new ModelWriter("test").write(WeightQuantizer.quantize(m, WeightType.F32));
    }

    private static float[] uniform(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** Event (key, t)'s features: made up from the two, the same wherever they are computed. */
    static void features(Tuple2<Integer, Integer> event, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(event.f0 * 0.37 + event.f1 * 0.11 + i);
        }
    }

    /** Every key's events, t = 0, 1, ... for all keys in turn. */
    static List<Tuple2<Integer, Integer>> events() {
        List<Tuple2<Integer, Integer>> events = new ArrayList<>();
        for (int t = 0; t < STEPS; t++) {
            for (int key = 0; key < KEYS; key++) {
                events.add(Tuple2.of(key, t));
            }
        }
        return events;
    }

    static DataStream<Tuple3<Integer, Integer, float[]>> job(StreamExecutionEnvironment env, ModelRef model) {
        return env.fromData(events()).keyBy(e -> e.f0)
                .process(new StepFunction<Integer, Tuple2<Integer, Integer>, Tuple3<Integer, Integer, float[]>>(model,
                        StepFunctionTest::features, (key, event, y) -> Tuple3.of(key, event.f1, y.clone())))
                .returns(Types.TUPLE(Types.INT, Types.INT, Types.PRIMITIVE_ARRAY(Types.FLOAT)));
    }

    /**
     * The largest difference of {@code got} ("key@step" to its output) from a session of each
     * key's own; with {@code bitForBit} it must be bit for bit. Every (key, step) must be there.
     */
    static double compareWithSessions(byte[] sqn, Map<String, float[]> got, boolean bitForBit) throws Exception {
        assertEquals(KEYS * STEPS, got.size(), "outputs missing");
        Model model = Model.load(sqn);
        double worst = 0;
        for (int key = 0; key < KEYS; key++) {
            Session session = model.newSession(KernelSelection.defaultKernels());
            float[] x = new float[session.stepInputSize()];
            float[] y = new float[session.stepOutputSize()];
            for (int t = 0; t < STEPS; t++) {
                features(Tuple2.of(key, t), x);
                session.step(x, y);
                float[] flink = got.get(key + "@" + t);
                for (int i = 0; i < y.length; i++) {
                    if (bitForBit) {
                        assertEquals(Float.floatToRawIntBits(y[i]), Float.floatToRawIntBits(flink[i]),
                                "key " + key + ", step " + t + ", y[" + i + "]: Flink " + Arrays.toString(flink) + ", session " + Arrays.toString(y));
                    }
                    worst = Math.max(worst, Math.abs(y[i] - flink[i]));
                }
            }
        }
        return worst;
    }

    /** Adds an output to {@code got}; one already there must be the same, bit for bit (a replay). */
    static void put(Map<String, float[]> got, Tuple3<Integer, Integer, float[]> r) {
        float[] earlier = got.put(r.f0 + "@" + r.f1, r.f2);
        if (earlier != null) {
            for (int i = 0; i < earlier.length; i++) {
                assertEquals(Float.floatToRawIntBits(earlier[i]), Float.floatToRawIntBits(r.f2[i]), "an output emitted twice differs");
            }
        }
    }

    @Test
    void everyKeysOutputsAreThoseOfASessionOfItsOwn() throws Exception {
        byte[] sqn = model();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Map<String, float[]> got = new HashMap<>();
        try (CloseableIterator<Tuple3<Integer, Integer, float[]>> it = job(env, ModelRef.of(sqn)).executeAndCollect()) {
            while (it.hasNext()) {
                Tuple3<Integer, Integer, float[]> r = it.next();
                got.put(r.f0 + "@" + r.f1, r.f2);
            }
        }
        compareWithSessions(sqn, got, true);
    }

    /** Runs the job with {@code model} and returns the message of the cause that says Sequin cannot load it. */
    private static String failure(ModelRef model) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Exception e = assertThrows(Exception.class, () -> {
            try (CloseableIterator<Tuple3<Integer, Integer, float[]>> it = job(env, model).executeAndCollect()) {
                while (it.hasNext()) {
                    it.next();
                }
            }
        });
        Throwable cause = e;
        while (cause != null && !(cause.getMessage() != null && cause.getMessage().startsWith("Sequin cannot load"))) {
            cause = cause.getCause();
        }
        assertTrue(cause != null, "no cause says Sequin cannot load the model: " + e);
        return cause.getMessage();
    }

    @Test
    void aFileThatIsNotAModelOrIsMissingFailsTheJobWithSequinsMessage() {
        String m = failure(ModelRef.of("this is not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(m.startsWith("Sequin cannot load the model shipped with the job (19 bytes): "), m);
        m = failure(ModelRef.of(java.nio.file.Path.of("/no/such/dir/model.sqn")));
        assertEquals("Sequin cannot load /no/such/dir/model.sqn: no such file on this task manager", m);
    }
}
