package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.parallel.ThreadTeam;

/**
 * A recurrent layer's matrix products split across a {@link ThreadTeam} by gate rows (a streaming
 * step's {@code W·x + R·h}; a whole sequence's input projection and each of its steps' {@code R·h}):
 * each part holds its own slice of W and R, laid out by that part's thread (so a core's slice
 * stays in its own cache from step to step, the partitioning of DeepCPU, USENIX ATC 2018), and adds
 * its products into its rows of the gate buffer. Slices start at multiples of the kernels'
 * {@link Kernels#rowGrain}, so every row is summed exactly as one thread sums it: outputs are bit
 * for bit the same for any thread count. The cell's elementwise finish stays on the caller.
 */
final class ParallelStep implements ThreadTeam.Job {
    /**
     * The fewest shared weights (W's rows and R's fused rows, of one direction) a split is tried
     * for. The hand-off to a spinning worker costs well under a microsecond: measured with JMH on
     * 2 cores (StepBenchmark, threads 1 and 2, docs/PERFORMANCE.md), LSTM 64x128 (98,304 shared
     * weights) steps in 0.63x to 0.68x the time; GRU 64x128 (57,344: its h rows of R stay with the
     * caller) gained in one run and lost in another, so below 65,536 a layer is not split.
     * {@code -Dsequin.parallelMinWeights=N} sets another, for measuring it on other machines.
     */
    static final long MIN_WEIGHTS = Math.max(0, Long.getLong("sequin.parallelMinWeights", 1L << 16));

    private final ThreadTeam team;
    private final Kernels kernels;
    private final CellWeights weights;
    private final int streams;
    private final int inputSize;
    private final int out;
    private final int gateRows;
    /** W·x and R·h in one pass per row (one stream, every gate row fused), as the single-threaded step does. */
    private final boolean together;
    /** Part p's gate rows [from[p], from[p] + count[p]). */
    private final int[] from;
    private final int[] count;
    /** Part p's slice of W, and of R's fused rows (null where it has none); laid out on first use by p's thread. */
    private final PackedMatrix[] w;
    private final PackedMatrix[] r;
    /** What the parts compute: a streaming step, a sequence's input projection, or one step's R·h of a sequence. */
    private enum Work { STEP, PROJECT, RECUR }

    // The work at hand, set before the team starts.
    private Work work;
    private float[] x;
    private int xOff;
    private int vectors;
    private float[] h;
    private float[] gates;

    /** For one direction's weights; a streaming step advances {@code streams} streams. */
    ParallelStep(ThreadTeam team, Kernels kernels, CellWeights weights, int streams, int inputSize, int out) {
        this.team = team;
        this.kernels = kernels;
        this.weights = weights;
        this.streams = streams;
        this.inputSize = inputSize;
        this.out = out;
        this.gateRows = weights.gateRows;
        this.together = streams == 1 && weights.gateRows == weights.fusedRows;
        int parts = team.size();
        int grain = Math.max(1, kernels.rowGrain());
        int grains = (gateRows + grain - 1) / grain;
        from = new int[parts];
        count = new int[parts];
        for (int p = 0; p < parts; p++) {
            // Grains shared out as evenly as they go; the last part also takes the ragged end.
            int first = Math.min(gateRows, (int) ((long) grains * p / parts) * grain);
            int end = p == parts - 1 ? gateRows : Math.min(gateRows, (int) ((long) grains * (p + 1) / parts) * grain);
            from[p] = first;
            count[p] = end - first;
        }
        w = new PackedMatrix[parts];
        r = new PackedMatrix[parts];
    }

    /**
     * Whether a layer of these weights is large enough for a split to pay: enough weights, and
     * gate rows for at least two parts (slices go by {@link Kernels#rowGrain}).
     */
    static boolean pays(CellWeights weights, Kernels kernels, int threads) {
        return threads > 1 && weights.gateRows > Math.max(1, kernels.rowGrain())
                && (long) weights.gateRows * weights.w.cols() + (long) weights.fusedRows * weights.r.cols() >= MIN_WEIGHTS;
    }

    /** A streaming step: adds {@code W·x + R·h} into {@code gates} ([streams][gateRows], the bias already there). */
    void step(float[] x, int xOff, float[] h, float[] gates) {
        start(Work.STEP, x, xOff, streams, h, gates);
    }

    /** A whole sequence's input projection: adds W times each of {@code rows} vectors of x into {@code projection} ([rows][gateRows]). */
    void project(float[] x, int rows, float[] projection) {
        start(Work.PROJECT, x, 0, rows, null, projection);
    }

    /** One step of a whole sequence: adds R's fused rows times each of {@code batch} states h into {@code gates} ([batch][gateRows]). */
    void recur(float[] h, int batch, float[] gates) {
        start(Work.RECUR, null, 0, batch, h, gates);
    }

    private void start(Work work, float[] x, int xOff, int vectors, float[] h, float[] gates) {
        this.work = work;
        this.x = x;
        this.xOff = xOff;
        this.vectors = vectors;
        this.h = h;
        this.gates = gates;
        team.run(this);
        this.x = null;
        this.h = null;
        this.gates = null;
    }

    @Override
    public void run(int part) {
        int n = count[part];
        if (n == 0) {
            return;
        }
        if (w[part] == null) {
            w[part] = kernels.pack(weights.w, from[part], n);
            int fused = Math.min(n, weights.fusedRows - from[part]);
            r[part] = fused > 0 ? kernels.pack(weights.r, from[part], fused) : null;
        }
        switch (work) {
            case STEP:
                if (together) {
                    kernels.gemv2(w[part], x, xOff, r[part], h, 0, gates, from[part]);
                    return;
                }
                kernels.gemm(w[part], x, xOff, inputSize, streams, gates, from[part], gateRows);
                recur(part);
                return;
            case PROJECT:
                kernels.gemm(w[part], x, xOff, inputSize, vectors, gates, from[part], gateRows);
                return;
            default:
                recur(part);
        }
    }

    private void recur(int part) {
        if (r[part] != null) {
            kernels.gemm(r[part], h, 0, out, vectors, gates, from[part], gateRows);
        }
    }
}
