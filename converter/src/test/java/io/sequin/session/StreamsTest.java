package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Streams stepped together in one session compute what separate sessions compute, and a stream's
 * state can be saved and restored (into itself or another stream) to continue exactly where it was.
 */
class StreamsTest {
    private static final int STREAMS = 5;
    private static final int STEPS = 40;

    /** Step inputs for each stream: token ids for a model that starts with an embedding, else features. */
    private static float[][] inputs(Session s, int streams, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] x = new float[STEPS][streams * s.stepInputSize()];
        for (float[] step : x) {
            for (int i = 0; i < step.length; i++) {
                step[i] = s.stepInputSize() == 1 ? random.nextInt(20) : (float) (2 * random.nextDouble() - 1);
            }
        }
        return x;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"LSTM 64x128, panama", "LSTM 64x128, scalar", "GRU 64x128, panama", "RNN 64x128, panama", "LSTM 64x128 int8, panama",
        "GRU 64x128 bf16, panama", "pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax, panama",
        "pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax, scalar"})
    void streamsSteppedTogetherMatchSeparateSessions(String fixture, String kernels) throws Exception {
        Model model = ZeroAllocationTest.model(fixture);
        Kernels k = KernelSelection.select(kernels);
        Session together = model.newSession(k, STREAMS);
        int in = together.stepInputSize();
        int out = together.stepOutputSize();
        float[][] x = inputs(together, STREAMS, 7);
        float[][] alone = new float[STREAMS][];
        Session[] single = new Session[STREAMS];
        for (int s = 0; s < STREAMS; s++) {
            single[s] = model.newSession(k);
            alone[s] = new float[out];
        }
        float[] y = new float[STREAMS * out];
        double worst = 0;
        for (float[] step : x) {
            together.step(step, y);
            for (int s = 0; s < STREAMS; s++) {
                single[s].step(Arrays.copyOfRange(step, s * in, (s + 1) * in), alone[s]);
                for (int j = 0; j < out; j++) {
                    worst = Math.max(worst, Math.abs(y[s * out + j] - alone[s][j]));
                }
            }
        }
        // One stream reads the weights by a matrix-vector product, several by a matrix product: the
        // sums run in another order, so the last bits may differ.
        assertTrue(worst <= 1e-5, fixture + " " + kernels + ": streams together differ from separate sessions by " + worst);
        System.out.printf("%s %s: %d streams together vs separate sessions, max abs difference %.3g over %d steps%n", fixture,
                kernels, STREAMS, worst, STEPS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LSTM 64x128", "GRU 64x128", "pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax"})
    void aSavedStateContinuesExactlyInItsOwnStreamOrAnother(String fixture) throws Exception {
        Model model = ZeroAllocationTest.model(fixture);
        Session session = model.newSession(KernelSelection.select("panama"), 3);
        int out = session.stepOutputSize();
        float[][] x = inputs(session, 3, 11);
        float[] y = new float[3 * out];
        for (int t = 0; t < 10; t++) {
            session.step(x[t], y);
        }
        float[] saved = new float[session.stateSize() + 2];
        session.saveState(1, saved, 2);
        // Stream 1 goes on for ten steps: what it writes is the reference.
        float[][] reference = new float[10][];
        for (int t = 10; t < 20; t++) {
            session.step(x[t], y);
            reference[t - 10] = Arrays.copyOfRange(y, out, 2 * out);
        }
        // Restored into stream 1 and, in a new session, into stream 2: the same ten steps again.
        session.restoreState(1, saved, 2);
        Session other = model.newSession(KernelSelection.select("panama"), 3);
        other.restoreState(2, saved, 2);
        float[] y2 = new float[3 * out];
        int in = session.stepInputSize();
        for (int t = 10; t < 20; t++) {
            session.step(x[t], y);
            float[] moved = new float[3 * in];
            System.arraycopy(x[t], in, moved, 2 * in, in);
            other.step(moved, y2);
            assertArrayEquals(reference[t - 10], Arrays.copyOfRange(y, out, 2 * out), fixture + ": restored in place, step " + t);
            assertArrayEquals(reference[t - 10], Arrays.copyOfRange(y2, 2 * out, 3 * out), fixture + ": restored elsewhere, step " + t);
        }
        // reset(stream) zeroes that stream only.
        float[] before0 = new float[session.stateSize()];
        session.saveState(0, before0, 0);
        session.reset(1);
        float[] state = new float[session.stateSize()];
        session.saveState(1, state, 0);
        assertTrue(allZero(state), "stream 1 reset");
        float[] after0 = new float[session.stateSize()];
        session.saveState(0, after0, 0);
        assertArrayEquals(before0, after0, "stream 0 untouched");
        assertTrue(!allZero(after0));
        // Saving and restoring allocate nothing (measured once warm, as ZeroAllocationTest measures).
        Runnable rounds = () -> {
            for (int i = 0; i < 10_000; i++) {
                session.saveState(i % 3, saved, 2);
                session.restoreState((i + 1) % 3, saved, 2);
            }
        };
        long bytes = ZeroAllocationTest.steadyState(rounds, rounds);
        assertEquals(0, bytes, "bytes allocated by 10,000 saves and restores");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session.saveState(3, saved, 0));
        assertTrue(e.getMessage().contains("stream 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> session.restoreState(0, saved, 3));
        assertTrue(e.getMessage().contains("offset 3"), e.getMessage());
    }

    private static boolean allZero(float[] v) {
        for (float f : v) {
            if (f != 0) {
                return false;
            }
        }
        return true;
    }
}
