package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One {@link Model} shared by 16 threads, each with its own session, 10,000 streaming steps each:
 * every thread's outputs are bit-identical to a single-threaded run of the same inputs. A model
 * is immutable after loading (its layers hold weights only; kernel layouts are made once, safely
 * published), and all mutable state lives in sessions.
 */
class ConcurrencyTest {
    private static final int THREADS = 16;
    private static final int STEPS = 10_000;

    /** The inputs of thread t's step s: different per thread, the same in both runs. */
    private static void input(int thread, int step, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = x.length == 1 ? (thread * 7 + step) % 20 : (float) Math.sin(0.01 * step + 0.3 * thread + i);
        }
    }

    /** A digest of every output of every step: the outputs' bits, folded in order. */
    private static long[] run(Model model, Kernels kernels, int thread) {
        Session s = model.newSession(kernels);
        float[] x = new float[s.stepInputSize()];
        float[] y = new float[s.stepOutputSize()];
        long digest = 17;
        for (int step = 0; step < STEPS; step++) {
            input(thread, step, x);
            s.step(x, y);
            for (float v : y) {
                digest = digest * 31 + Float.floatToRawIntBits(v);
            }
        }
        long[] last = new long[y.length + 1];
        last[0] = digest;
        for (int i = 0; i < y.length; i++) {
            last[i + 1] = Float.floatToRawIntBits(y[i]);
        }
        return last;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"LSTM 64x128, panama", "GRU 64x128 int8, panama", "LSTM 64x128, scalar",
        "pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax, panama"})
    void sixteenThreadsShareOneModelBitForBit(String fixture, String kernelChoice) throws Exception {
        Model model = ZeroAllocationTest.model(fixture);
        Kernels kernels = KernelSelection.select(kernelChoice);
        long[][] alone = new long[THREADS][];
        for (int t = 0; t < THREADS; t++) {
            alone[t] = run(model, kernels, t);
        }
        // A fresh model, so that the threads race to make the kernels' weight layouts too.
        Model shared = ZeroAllocationTest.model(fixture);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    return run(shared, kernels, thread);
                }));
            }
            start.countDown();
            for (int t = 0; t < THREADS; t++) {
                assertArrayEquals(alone[t], results.get(t).get(10, TimeUnit.MINUTES), fixture + ": thread " + t);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(alone[0][0] != alone[1][0], "threads had different inputs");
        assertEquals(THREADS, alone.length);
    }

    /** Two threads stepping one session: the misuse is refused with a message, not left to corrupt state. */
    @org.junit.jupiter.api.Test
    void twoThreadsInOneSessionAreRefused() throws Exception {
        Session session = ZeroAllocationTest.model("LSTM 64x128").newSession(KernelSelection.select("scalar"));
        AtomicReference<IllegalStateException> caught = new AtomicReference<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        Runnable stepper = () -> {
            float[] x = new float[session.stepInputSize()];
            float[] y = new float[session.stepOutputSize()];
            while (caught.get() == null && System.nanoTime() < deadline) {
                try {
                    session.step(x, y);
                } catch (IllegalStateException e) {
                    caught.compareAndSet(null, e);
                }
            }
        };
        Thread a = new Thread(stepper);
        Thread b = new Thread(stepper);
        a.start();
        b.start();
        a.join();
        b.join();
        assertTrue(caught.get() != null, "no overlap seen in 20 s of two threads stepping (a scalar 64x128 step takes ~100 µs)");
        assertTrue(caught.get().getMessage().contains("one session per thread"), caught.get().getMessage());
    }
}
