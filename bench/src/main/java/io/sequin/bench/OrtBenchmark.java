package io.sequin.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * ONNX Runtime on the f32 LSTM and GRU that Sequin's benchmarks convert ({@link BenchModels#onnx}),
 * with 1 intra-op thread and with its default.
 */
public class OrtBenchmark extends OrtSessionBenchmark {
    @Param({"LSTM", "GRU"})
    public String cell;

    @Param({"64x128", "128x256", "256x512", "512x1024"})
    public String size;

    /** Intra-op threads: 1, or 0 for ONNX Runtime's default (one per physical core). */
    @Param({"1", "0"})
    public int threads;

    @Override
    byte[] model() {
        int[] s = BenchModels.size(size);
        return BenchModels.onnx(cell, s[0], s[1]);
    }

    @Override
    String cell() {
        return cell;
    }

    @Override
    String size() {
        return size;
    }

    @Override
    int threads() {
        return threads;
    }
}
