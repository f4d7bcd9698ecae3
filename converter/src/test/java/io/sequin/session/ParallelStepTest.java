package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.model.Model;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A session of several threads splits a large layer's streaming step across them by gate rows:
 * every output is bit for bit what one thread computes, for 2 and 3 threads (slices of 3 start
 * where no split of 2 does), any cell, stored type, kernel set and number of streams; the workers
 * really do part of the work; a warm step allocates nothing in the caller or the workers; and
 * {@code close()} ends the workers, which are named daemons.
 */
class ParallelStepTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int STEPS = 25;

    /** The session's worker threads: those named sequin-step-* that were not there before. */
    private static List<Thread> workersSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("sequin-step-") && !before.contains(t)).collect(Collectors.toList());
    }

    /** Each worker of the session found rows of its own to multiply in at least {@code jobs} jobs. */
    private static void assertEachDidItsShare(Session session, long jobs) {
        for (int k = 1; k < session.threads(); k++) {
            long busy = session.team().busyJobs(k);
            assertTrue(busy >= jobs, "worker " + k + " of " + session.threads() + " threads had work in " + busy + " jobs, expected at least " + jobs);
        }
    }

    /**
     * A layer under {@code ParallelStep.MIN_WEIGHTS} shared weights (LSTM 48x96: 55,296) is
     * stepped by the caller alone: its worker is never handed a job.
     */
    @Test
    void aSmallLayerIsNotSplit() throws Exception {
        Model model = ZeroAllocationTest.model("LSTM 48x96");
        Kernels k = KernelSelection.select("panama");
        float[][] one = steps(model.newSession(k, 1), 1);
        try (Session session = model.newSession(k, 1, 2)) {
            float[][] two = steps(session, 1);
            for (int s = 0; s < STEPS; s++) {
                assertArrayEquals(one[s], two[s]);
            }
            assertEquals(0, session.team().busyJobs(1), "jobs of a layer too small to split");
        }
    }

    /**
     * For one stream a bf16 or int8 weight counts half of an f32 one towards
     * {@code ParallelStep.MIN_WEIGHTS}: LSTM 64x128 (98,304 shared weights) is split for f32 and
     * f16, kept on the caller for int8 and bf16 with one stream, and split for them with two.
     */
    @ParameterizedTest(name = "{0} streams={1} split={2}")
    @CsvSource({"LSTM 64x128, 1, true", "LSTM 64x128 int8, 1, false", "LSTM 64x128 bf16, 1, false", "LSTM 64x128 int8, 2, true",
        "LSTM 64x128 f16, 1, true"})
    void aNarrowTypeNeedsTwiceTheWeightsToSplit(String layer, int streams, boolean split) throws Exception {
        Model model = ZeroAllocationTest.model(layer);
        Kernels k = KernelSelection.select("panama");
        float[][] one = steps(model.newSession(k, streams), streams);
        try (Session session = model.newSession(k, streams, 2)) {
            float[][] two = steps(session, streams);
            for (int s = 0; s < STEPS; s++) {
                assertArrayEquals(one[s], two[s]);
            }
            assertEquals(split ? STEPS : 0, session.team().busyJobs(1), "jobs the worker had rows in");
        }
    }

    /** y after each of STEPS steps of {@code session}, from a fixed input sequence. */
    private static float[][] steps(Session session, int streams) {
        float[] x = new float[streams * session.stepInputSize()];
        float[] y = new float[streams * session.stepOutputSize()];
        float[][] out = new float[STEPS][];
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(0.37 * i + 1.3 * s);
            }
            session.step(x, y);
            out[s] = y.clone();
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1} streams={2}")
    @CsvSource({"LSTM 256x512, panama, 1", "LSTM 256x512, scalar, 1", "LSTM 256x512 int8, panama, 2", "LSTM 256x512 bf16, panama, 1",
        "LSTM 256x512 f16, scalar, 2", "GRU 256x512, panama, 1", "GRU 256x512 int8, panama, 3", "GRU 256x512, scalar, 1",
        "RNN 512x1024 bf16, panama, 2", "LSTM 200x333, panama, 1", "GRU 200x333 int8, panama, 1"})
    void everyThreadCountComputesWhatOneThreadDoes(String layer, String kernels, int streams) throws Exception {
        Model model = ZeroAllocationTest.model(layer);
        Kernels k = KernelSelection.select(kernels);
        float[][] one = steps(model.newSession(k, streams), streams);
        for (int threads = 2; threads <= 3; threads++) {
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            try (Session session = model.newSession(k, streams, threads)) {
                float[][] split = steps(session, streams);
                for (int s = 0; s < STEPS; s++) {
                    assertArrayEquals(one[s], split[s], threads + " threads, step " + s);
                }
                List<Thread> workers = workersSince(before);
                assertEquals(threads - 1, workers.size(), "workers of a " + threads + "-thread session");
                assertEachDidItsShare(session, STEPS);
            }
        }
    }

    /** Whole sequences split the input projection and each step's R·h: every output is bit for bit one thread's. */
    @ParameterizedTest(name = "{0} {1} {2} {3} linear_before_reset={4}")
    @CsvSource({"LSTM, BIDIRECTIONAL, f32, panama, false", "LSTM, FORWARD, int8, panama, false", "GRU, REVERSE, bf16, panama, true",
        "GRU, BIDIRECTIONAL, f32, scalar, true", "GRU, FORWARD, f32, panama, false", "GRU, BIDIRECTIONAL, int8, panama, false",
        "RNN, FORWARD, f16, panama, false"})
    void wholeSequencesComputeWhatOneThreadDoes(CellType cell, Direction direction, String type, String kernels, boolean linearBeforeReset)
            throws Exception {
        int input = cell == CellType.RNN ? 512 : 256;
        int hidden = cell == CellType.RNN ? 1024 : 512;
        Model model = Model.load(new ModelWriter("test").write(WeightQuantizer.quantize(
                RandomModels.layer(cell, input, hidden, direction, linearBeforeReset), WeightType.byName(type))));
        Kernels k = KernelSelection.select(kernels);
        Map<String, Tensor> x = Map.of("X", Tensor.ofFloats(new int[] {7, 3, input}, RandomModels.uniform(new SplittableRandom(5), 21 * input, 1)));
        Map<String, Tensor> one = model.newSession(k).run(x);
        for (int threads = 2; threads <= 3; threads++) {
            try (Session session = model.newSession(k, 1, threads)) {
                Map<String, Tensor> split = session.run(x);
                for (String output : one.keySet()) {
                    assertArrayEquals(one.get(output).floats(), split.get(output).floats(), threads + " threads, " + output);
                }
                assertEachDidItsShare(session, 7);
            }
        }
    }

    @Test
    void closeEndsTheWorkersWhichAreNamedDaemons() throws Exception {
        Model model = ZeroAllocationTest.model("LSTM 256x512");
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Session session = model.newSession(KernelSelection.select("panama"), 1, 3);
        assertEquals(3, session.threads());
        steps(session, 1);
        List<Thread> workers = workersSince(before);
        assertEquals(2, workers.size());
        for (Thread w : workers) {
            assertTrue(w.isDaemon(), w.getName());
            assertTrue(w.getName().matches("sequin-step-\\d+-[12]"), w.getName());
        }
        session.close();
        for (Thread w : workers) {
            assertFalse(w.isAlive(), w.getName() + " still runs after close()");
        }
        session.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> steps(session, 1));
        assertTrue(e.getMessage().contains("this session is closed"), e.getMessage());
        Map<String, Tensor> x = Map.of("X", Tensor.zeros(2, 1, 256));
        e = assertThrows(IllegalStateException.class, () -> session.run(x));
        assertTrue(e.getMessage().contains("this session is closed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.newSession(KernelSelection.select("panama"), 1, 0));
    }

    @ParameterizedTest(name = "{0} {1} streams={2} threads={3}")
    @CsvSource({"LSTM 256x512, panama, 1, 2", "LSTM 256x512 int8, panama, 3, 2", "GRU 256x512 bf16, panama, 1, 3"})
    void aWarmSplitStepAllocatesNothing(String layer, String kernels, int streams, int threads) throws Exception {
        Model model = ZeroAllocationTest.model(layer);
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (Session session = model.newSession(KernelSelection.select(kernels), streams, threads)) {
            float[] x = new float[streams * session.stepInputSize()];
            float[] y = new float[streams * session.stepOutputSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            session.step(x, y);
            List<Thread> workers = workersSince(before);
            assertEquals(threads - 1, workers.size());
            Runnable round = () -> {
                for (int i = 0; i < 200; i++) {
                    session.step(x, y);
                }
            };
            long[] ids = workers.stream().mapToLong(Thread::getId).toArray();
            long[] start = new long[ids.length];
            long[] workerBytes = new long[1];
            long caller = ZeroAllocationTest.steadyState(round, () -> {
                for (int k = 0; k < ids.length; k++) {
                    start[k] = THREADS.getThreadAllocatedBytes(ids[k]);
                }
                for (int i = 0; i < 2_000; i++) {
                    session.step(x, y);
                }
                workerBytes[0] = 0;
                for (int k = 0; k < ids.length; k++) {
                    workerBytes[0] += THREADS.getThreadAllocatedBytes(ids[k]) - start[k];
                }
            });
            assertEquals(0, caller, "bytes the caller allocated in 2,000 steps");
            assertEquals(0, workerBytes[0], "bytes the workers allocated in 2,000 steps");
        }
    }
}
