package io.sequin.kernel;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A JVM's default Panama kernels: {@link PanelKernels} (the vector code's arithmetic in plain
 * Java) until a background thread has loaded the vector code and run it long enough for C2 to
 * compile it, then the vector code. The numbers are the same bit for bit either way ({@code PanelKernelsTest}), so
 * the switch, at whatever step it comes, changes only the speed. Why: a fresh JVM interprets the
 * vector code, allocating an object per vector operation; the demo model's first step took
 * 50-60 ms that way and the next ones 13-19 ms, against 3 ms in plain Java; and loading the
 * vector code takes some 20 ms, which the first step no longer waits for.
 *
 * <p>The first session's small f32 matrices are not laid out on its thread: they are handed out
 * row-major ({@link StagedMatrix}: a bulk copy, where the panels are a transposition that a
 * fresh JVM interprets element by element), summed by {@link PanelKernels#f32RowMajor} in the
 * panels' chains, and laid out by the warm-up thread before it warms up the vector code.
 *
 * <p>The thread, {@code sequin-warmup}, starts when the first session lays out its weights,
 * waits {@link #DELAY_MILLIS} ms, and is a daemon that ends when the vector code is fast:
 * when no part of its rounds of small products (each matrix's, the activations') has got
 * faster for a while and each runs near its best time (or after {@link #MAX_NANOS}).
 * {@code -Dsequin.warmup=false} makes the default kernels the vector code from the first call.
 */
@DesktopOnly
final class WarmingKernels implements Kernels, Runnable {
    /** The warm-up gives up waiting after this long and switches anyway. */
    static final long MAX_NANOS = 30_000_000_000L;
    /**
     * Rounds at least, and how long no part of a round may have been 5% faster than its best,
     * before the switch (and in the last round, each part within twice its best).
     */
    private static final int MIN_ROUNDS = 600;
    private static final long CALM_NANOS = 300_000_000L;
    /**
     * The warm-up waits this long before it starts, so as not to take a core from a fresh JVM's
     * first steps, which plain Java runs in a few milliseconds.
     */
    private static final long DELAY_MILLIS = Math.max(0, Long.getLong("sequin.warmupDelayMillis", 100));

    /**
     * The warm-up's matrices, as {whole panels, rows past them, columns}, and the vectors each
     * multiplies. Together they take every path of the products, so that C2 leaves none to an
     * uncommon trap that a session's shapes would take after the switch (its vector code then
     * back in the interpreter, boxing megabytes until recompiled; WarmingKernelsTest): past the
     * tiles of eight, four and two panels lie 3, 2 and 1 panels, the last of five int8 stacks
     * holds 3, 2 or 1 of its four panels, the rows past make a panel in part, the columns are odd
     * and even, and 5 and 17 vectors leave vectors past the tiles of four and two. The first
     * shape is the largest.
     */
    private static final int[][] WARM_UP_SHAPES = {{19, 3, 33}, {18, 2, 32}, {17, 1, 31}};
    private static final int[] WARM_UP_VECTORS = {1, 5, 17};

    private final PanelKernels lanes;
    /** The vector code, once warm; null until then. */
    private volatile Kernels vector;

    /**
     * The largest f32 matrix (elements) handed out row-major first: above it a matrix is laid out
     * at once, so that the copy and the panels never both hold a large matrix (the peak heap while
     * loading, LoadHeapTest). 4 MB of floats; the demo model's largest is 1 MB.
     */
    static final long STAGED_MAX_ELEMENTS = 1 << 20;

    private final AtomicBoolean started = new AtomicBoolean();
    private final Object stagedLock = new Object();
    /** Matrices handed out row-major, for the warm-up thread to lay out; null once it has taken them. Guarded by stagedLock. */
    private List<StagedMatrix> staged = new ArrayList<>();
    /** The warm-up thread, once started. */
    private volatile Thread warmUpThread;
    /** Counted down when the warm-up ends, warm or not. */
    private final CountDownLatch ended = new CountDownLatch(1);

    /** For Panama kernels of {@code lanes} floats a vector; the warm-up starts with the first matrix laid out. */
    WarmingKernels(int lanes, String widthNote) {
        this.lanes = new PanelKernels(lanes, widthNote);
    }

    /** Whether the vector code runs now. */
    boolean isWarm() {
        return vector != null;
    }

    /** Waits up to {@code millis} for the warm-up to end; returns whether the vector code runs now. */
    boolean awaitWarm(long millis) throws InterruptedException {
        if (started.get()) {
            ended.await(millis, TimeUnit.MILLISECONDS);
        }
        return isWarm();
    }

    private Kernels current() {
        Kernels v = vector;
        return v != null ? v : lanes;
    }

    @Override
    public String name() {
        return lanes.name();
    }

    @Override
    public int vectorLanes() {
        return lanes.vectorLanes();
    }

    @Override
    public String widthNote() {
        return lanes.widthNote();
    }

    @Override
    public int rowGrain() {
        return lanes.rowGrain();
    }

    /**
     * Lays out a matrix as the vector code reads it; the first call starts the warm-up, as a
     * session is being made. Until the warm-up thread starts its work, an f32 matrix of at most
     * {@link #STAGED_MAX_ELEMENTS} is handed out row-major ({@link StagedMatrix}, one bulk copy)
     * and laid out by that thread.
     */
    @Override
    public PackedMatrix pack(MatrixSource m, int from, int rows) {
        if (started.compareAndSet(false, true)) {
            Thread t = new Thread(this, "sequin-warmup");
            t.setDaemon(true);
            warmUpThread = t;
            t.start();
        }
        if (m.type() == WeightType.F32 && (long) rows * m.cols() <= STAGED_MAX_ELEMENTS) {
            synchronized (stagedLock) {
                if (staged != null) {
                    StagedMatrix s = new StagedMatrix((F32Matrix) m.view(from, rows).read(0, rows), lanes);
                    staged.add(s);
                    return s;
                }
            }
        }
        return lanes.pack(m, from, rows);
    }

    /** w, or a staged matrix's panels; null while w is staged and row-major only. */
    private static PackedMatrix laidOut(PackedMatrix w) {
        return w instanceof StagedMatrix ? ((StagedMatrix) w).panels() : w;
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        gemm(w, x, xOff, 0, 1, y, yOff, 0);
    }

    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        PackedMatrix pw = laidOut(w);
        PackedMatrix pr = laidOut(r);
        if (pw != null && pr != null) {
            current().gemv2(pw, x, xOff, pr, h, hOff, y, yOff);
            return;
        }
        // The same sums as gemv2: W·x into y, then R·h (PanelKernels.gemv2, which the vector code matches bit for bit).
        ScalarKernels.requireSameRows(w, r);
        gemm(w, x, xOff, 0, 1, y, yOff, 0);
        gemm(r, h, hOff, 0, 1, y, yOff, 0);
    }

    @Override
    public void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        PackedMatrix p = laidOut(w);
        if (p == null) {
            StagedMatrix s = (StagedMatrix) w;
            float[] v = s.rowMajor();
            if (v != null) {
                lanes.f32RowMajor(v, s.firstElement(), s.rows, s.cols, x, xOff, xStride, n, y, yOff, yStride);
                return;
            }
            // Laid out between the two reads: the panels are there now.
            p = s.panels();
        }
        current().gemm(p, x, xOff, xStride, n, y, yOff, yStride);
    }

    @Override
    public void sigmoid(float[] v, int off, int len) {
        current().sigmoid(v, off, len);
    }

    @Override
    public void tanh(float[] v, int off, int len) {
        current().tanh(v, off, len);
    }

    /**
     * The warm-up thread's work: rounds of the products every session makes (each stored type;
     * one vector, five and seventeen, so every tile and what they leave) and the activations, on
     * small made-up matrices, until no part of the rounds gets faster. (This class is the
     * thread's Runnable rather than a lambda, which a fresh JVM would link on the first
     * session's path.)
     */
    @Override
    public void run() {
        // Once, on the thread pack started; a call from anywhere else (the kernels are handed out
        // as Kernels, but a caller could cast) returns at once.
        if (Thread.currentThread() != warmUpThread) {
            return;
        }
        try {
            warmUpAndSwitch();
        } finally {
            ended.countDown();
        }
    }

    private void warmUpAndSwitch() {
        boolean interrupted = false;
        try {
            Thread.sleep(DELAY_MILLIS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        layOutStaged();
        if (interrupted) {
            return;
        }
        long start = System.nanoTime();
        int rounds = 0;
        Kernels vector = KernelSelection.loadPanama();
        if (vector == null || vector.vectorLanes() != lanes.vectorLanes() || vector.rowGrain() != lanes.rowGrain()) {
            log().warning("the Vector API kernels did not load as expected (" + (vector == null ? KernelSelection.panamaUnavailableReason()
                    : vector.vectorLanes() + " lanes") + "); the Panama kernels' numbers come from plain Java");
            return;
        }
        try {
            int most = WARM_UP_SHAPES[0][0] * vector.vectorLanes() + WARM_UP_SHAPES[0][1];
            PackedMatrix[] matrices = new PackedMatrix[WARM_UP_SHAPES.length * WeightType.values().length];
            int i = 0;
            for (int[] shape : WARM_UP_SHAPES) {
                int rows = shape[0] * vector.vectorLanes() + shape[1];
                for (WeightType type : WeightType.values()) {
                    matrices[i++] = vector.pack(sample(type, rows, shape[2]), 0, rows);
                }
            }
            float[] x = new float[17 * WARM_UP_SHAPES[0][2]];
            Arrays.fill(x, 0.01f);
            float[] y = new float[17 * most];
            float[] v = new float[16 * vector.vectorLanes() + 3];
            // The best time of each matrix's products and of the activations: the switch waits
            // until none has got faster for a while, and each ran within twice its best in the
            // last round. Per part, as a part still in the interpreter or C1 (the activations are
            // a small part of a round) would hardly show in the round's time; and within twice
            // its best, as a part that C2 compiled and then deoptimized (an uncommon trap sends it
            // back to the interpreter) gets no faster until compiled again, only slower.
            long[] best = new long[matrices.length + 1];
            Arrays.fill(best, Long.MAX_VALUE);
            long bestAt = start;
            while (true) {
                long t1 = 0;
                boolean slow = false;
                for (int part = 0; part <= matrices.length; part++) {
                    long t0 = System.nanoTime();
                    if (part < matrices.length) {
                        PackedMatrix m = matrices[part];
                        for (int n : WARM_UP_VECTORS) {
                            Arrays.fill(y, 0f);
                            vector.gemm(m, x, 0, m.cols, n, y, 0, m.rows);
                        }
                        vector.gemv2(m, x, 0, m, x, 0, y, 0);
                    } else {
                        // Eight times a round, as each product method runs a dozen times or more:
                        // C2 compiles a method only after some hundreds of calls, and a part
                        // that stays in C1 gets no faster, so the rounds would look calm.
                        for (int k = 0; k < 8; k++) {
                            Arrays.fill(v, 0.5f);
                            vector.sigmoid(v, 0, v.length);
                            vector.tanh(v, 1, v.length - 1);
                        }
                    }
                    t1 = System.nanoTime();
                    if (t1 - t0 < best[part] - best[part] / 20) {
                        bestAt = t1;
                    }
                    slow |= (t1 - t0) / 2 > best[part];
                    best[part] = Math.min(best[part], t1 - t0);
                }
                rounds++;
                if (rounds >= MIN_ROUNDS && t1 - bestAt >= CALM_NANOS && !slow || t1 - start >= MAX_NANOS) {
                    break;
                }
            }
        } catch (RuntimeException | Error e) {
            // The plain-Java lanes compute the same numbers; only slower.
            log().log(Level.WARNING, "the Vector API kernels failed while warming up; staying on plain Java", e);
            return;
        }
        this.vector = vector;
        Logger log = log();
        if (log.isLoggable(Level.FINE)) {
            log.fine(String.format("Sequin kernels: vector code in use after %d ms of warm-up (%d rounds)",
                    (System.nanoTime() - start) / 1_000_000, rounds));
        }
    }

    /**
     * The {@code io.sequin.kernel} logger, got on the warm-up thread only: getting a logger sets
     * up a fresh JVM's logging, which the first session need not wait for.
     */
    private static Logger log() {
        return Logger.getLogger("io.sequin.kernel");
    }

    /**
     * Lays out the matrices handed out row-major, in plain Java's panels (the vector code's), and
     * stops handing any more out so. The steps meanwhile run them row-major with the same numbers.
     */
    private void layOutStaged() {
        List<StagedMatrix> list;
        synchronized (stagedLock) {
            list = staged;
            staged = null;
        }
        for (StagedMatrix s : list) {
            s.layOut();
        }
    }

    /** A small matrix of the type, every element about 0.01: no subnormals, nothing to overflow. */
    private static WeightMatrix sample(WeightType type, int rows, int cols) {
        int n = rows * cols;
        // if rather than a switch on the enum, which would cost the runtime jar a class (its size is budgeted).
        if (type == WeightType.F32) {
            float[] v = new float[n];
            Arrays.fill(v, 0.01f);
            return WeightMatrix.ofFloats(rows, cols, v);
        }
        if (type == WeightType.INT8) {
            byte[] v = new byte[n];
            Arrays.fill(v, (byte) 1);
            float[] scales = new float[rows];
            Arrays.fill(scales, 0.01f);
            return WeightMatrix.ofInt8(rows, cols, v, scales);
        }
        short[] v = new short[n];
        // 0.01 in each 16-bit type.
        Arrays.fill(v, type == WeightType.F16 ? (short) 0x211F : (short) 0x3C24);
        return WeightMatrix.ofHalves(type, rows, cols, v);
    }
}
