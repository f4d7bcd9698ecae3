package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
import io.sequin.parallel.ThreadTeam;
import io.sequin.tensor.WeightType;

/**
 * A recurrent layer's matrix products split across a {@link ThreadTeam} by gate rows (a streaming
 * step's {@code W·x + R·h}; a whole sequence's input projection and each of its steps' {@code R·h}):
 * each part multiplies the same rows of W and R at every step, so a core's share of the weights
 * stays in its own cache from step to step (the private-cache partitioning of DeepCPU, USENIX
 * ATC 2018), and adds its products into its rows of the gate buffer; GRU's h rows of R, which the
 * cell multiplies once the reset gate is known, are split the same way. A part's rows are a
 * {@link PackedMatrix#slice slice} of the layout every session shares: the weights are held once. Slices start at multiples of the kernels'
 * {@link Kernels#rowGrain}, so every row is summed exactly as one thread sums it: outputs are bit
 * for bit the same for any thread count. The cell's elementwise work stays on the caller.
 */
final class ParallelStep implements ThreadTeam.Job {
    /**
     * The fewest shared weights (W's rows and R's fused rows, of one direction; a bf16 or int8
     * weight of one stream counts half, see {@link #pays}) a split is tried for. The hand-off to a
     * spinning worker costs about 0.3 µs, but a step shared by two cores of a busy machine also
     * waits for the slower of them: measured with JMH on 2 cores (StepBenchmark, threads 1 and 2,
     * docs/PERFORMANCE.md), an f32 LSTM 64x128 (98,304 shared weights) steps in 0.63x to 0.68x the
     * time; GRU 64x128 (57,344: its h rows of R stay with the caller) gained in one run and lost in
     * another, so below 65,536 a layer is not split. {@code -Dsequin.parallelMinWeights=N} sets
     * another, for measuring it on other machines.
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
    /** Part p's slice of W, and of R's fused rows (null where it has none). */
    private final PackedMatrix[] w;
    private final PackedMatrix[] r;
    /** Part p's rows of GRU's h rows of R, [fromRh[p], fromRh[p] + countRh[p]) counted from the first of them. */
    private final int[] fromRh;
    private final int[] countRh;
    private final PackedMatrix[] rh;
    /**
     * What the parts compute: a streaming step, a sequence's input projection, one step's R·h of
     * a sequence, or GRU's h rows of R times the (reset) state.
     */
    private enum Work { STEP, PROJECT, RECUR, RH }

    // The work at hand, set before the team starts.
    private Work work;
    private float[] x;
    private int xOff;
    private int vectors;
    private float[] h;
    private float[] gates;
    private int yOff;
    private int yStride;

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
        from = new int[parts];
        count = new int[parts];
        share(gateRows, kernels.rowGrain(), from, count);
        fromRh = new int[parts];
        countRh = new int[parts];
        share(gateRows - weights.fusedRows, kernels.rowGrain(), fromRh, countRh);
        w = new PackedMatrix[parts];
        r = new PackedMatrix[parts];
        rh = new PackedMatrix[parts];
        CellWeights.Packed packed = weights.packedFor(kernels);
        for (int p = 0; p < parts; p++) {
            if (count[p] > 0) {
                w[p] = packed.w.slice(from[p], count[p]);
                int fused = Math.min(count[p], weights.fusedRows - from[p]);
                r[p] = fused > 0 ? packed.rFused.slice(from[p], fused) : null;
            }
            if (countRh[p] > 0) {
                rh[p] = packed.rh.slice(fromRh[p], countRh[p]);
            }
        }
    }

    /** Splits {@code rows} into from.length slices that start at multiples of {@code grain}, as evenly as grains go. */
    private static void share(int rows, int grain, int[] from, int[] count) {
        int parts = from.length;
        int g = Math.max(1, grain);
        int grains = (rows + g - 1) / g;
        for (int p = 0; p < parts; p++) {
            // The last part also takes the ragged end.
            int first = Math.min(rows, (int) ((long) grains * p / parts) * g);
            int end = p == parts - 1 ? rows : Math.min(rows, (int) ((long) grains * (p + 1) / parts) * g);
            from[p] = first;
            count[p] = end - first;
        }
    }

    /**
     * Whether a layer of these weights, stepping {@code streams} streams, is large enough for a
     * split to pay ({@link #MIN_WEIGHTS}), with gate rows for at least two parts (slices go by
     * {@link Kernels#rowGrain}). For one stream a bf16 or int8 weight counts half: one vector's
     * products run 1.6 to 2.3 times as fast per weight as f32's (ProjectionBenchmark, AVX2 Zen 3),
     * and on that CPU an LSTM 64x128 step with those types (about 5 µs on one thread) gained little
     * from a second thread and often lost: in four JMH runs int8 was slower with 2 threads in all
     * four (5 forks: 5.21 ± 0.04 µs with 1, 5.93 ± 0.87 with 2) and bf16 in one, where f32's 9 µs
     * step gained a third. With more streams every type's tiles run at the fma bound alike
     * (ProjectionBenchmark's project), so there a weight counts whole, as before.
     */
    static boolean pays(CellWeights weights, Kernels kernels, int threads, int streams) {
        if (threads < 2 || weights.gateRows <= Math.max(1, kernels.rowGrain())) {
            return false;
        }
        long shared = (long) weights.gateRows * weights.w.cols() + (long) weights.fusedRows * weights.stateSize;
        WeightType type = weights.w.type();
        boolean narrow = type == WeightType.BF16 || type == WeightType.INT8;
        return (streams == 1 && narrow ? shared / 2 : shared) >= MIN_WEIGHTS;
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

    /**
     * Whether GRU's h rows of R fill at least two slices: fewer rows than that (one grain) would
     * only be handed to one worker while the caller waits, so the caller multiplies them itself.
     */
    boolean splitsRh() {
        int parts = 0;
        for (int n : countRh) {
            parts += n > 0 ? 1 : 0;
        }
        return parts > 1;
    }

    /** GRU's h rows of R times each of {@code vectors} vectors of x, added into y at {@code yOff + b * yStride}. */
    void rh(float[] x, int vectors, float[] y, int yOff, int yStride) {
        this.yOff = yOff;
        this.yStride = yStride;
        start(Work.RH, x, 0, vectors, null, y);
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
    public boolean run(int part) {
        if (work == Work.RH) {
            return rhPart(part);
        }
        if (count[part] == 0) {
            return false;
        }
        // if rather than a switch on the enum, which would cost the runtime jar a class (its size is budgeted).
        if (work == Work.STEP) {
            if (together) {
                kernels.gemv2(w[part], x, xOff, r[part], h, 0, gates, from[part]);
                return true;
            }
            kernels.gemm(w[part], x, xOff, inputSize, streams, gates, from[part], gateRows);
            recur(part);
            return true;
        }
        if (work == Work.PROJECT) {
            kernels.gemm(w[part], x, xOff, inputSize, vectors, gates, from[part], gateRows);
            return true;
        }
        return recur(part);
    }

    private boolean rhPart(int part) {
        if (countRh[part] == 0) {
            return false;
        }
        kernels.gemm(rh[part], x, 0, weights.stateSize, vectors, gates, yOff + fromRh[part], yStride);
        return true;
    }

    private boolean recur(int part) {
        if (r[part] == null) {
            return false;
        }
        kernels.gemm(r[part], h, 0, out, vectors, gates, from[part], gateRows);
        return true;
    }
}
