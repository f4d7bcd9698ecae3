package io.sequin.flink.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.session.Session;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The example job runs: each reader's guesses are those of the demo model stepped through that
 * reader's text alone (how often they are right is printed, not asserted: the demo's own check
 * against PyTorch covers the model).
 */
class NextCharacterJobTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void eachReadersGuessesAreTheModelsOnItsOwnText() throws Exception {
        int readers = 3;
        int length = 200;
        byte[] sqn = NextCharacterJob.model();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Map<String, Integer> got = new HashMap<>();
        try (CloseableIterator<Tuple3<String, Integer, Integer>> it = NextCharacterJob.job(env, sqn, readers, length).executeAndCollect()) {
            while (it.hasNext()) {
                Tuple3<String, Integer, Integer> g = it.next();
                got.put(g.f0 + "@" + g.f1, g.f2);
            }
        }
        assertEquals(readers * length, got.size());
        List<Character> vocabulary = NextCharacterJob.vocabulary();
        Model model = Model.load(sqn);
        for (int r = 0; r < readers; r++) {
            String text = NextCharacterJob.text(r, length);
            Session session = model.newSession(KernelSelection.defaultKernels());
            float[] x = new float[1];
            float[] p = new float[session.stepOutputSize()];
            int right = 0;
            int seen = 0;
            for (int i = 0; i < length; i++) {
                x[0] = vocabulary.indexOf(text.charAt(i));
                session.step(x, p);
                int guess = NextCharacterJob.argmax(p);
                assertEquals(guess, got.get("reader-" + r + "@" + i), "reader " + r + ", character " + i);
                if (i + 1 < length) {
                    right += vocabulary.get(guess) == text.charAt(i + 1) ? 1 : 0;
                    seen++;
                }
            }
            System.out.printf("reader-%d: %d of %d next characters guessed%n", r, right, seen);
        }
    }
}
