package io.sequin.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * ONNX Runtime on the f32 LSTM and GRU that Sequin's benchmarks convert ({@link BenchModels#onnx}),
 * with 1 intra-op thread and with its default.
 */
public class OrtBenchmark extends OrtSessionBenchmark {
    @Param({"LSTM", "GRU"})
    public String cell;

    @Override
    byte[] model() {
        int[] s = BenchModels.size(size);
        return BenchModels.onnx(cell, s[0], s[1]);
    }

    @Override
    String cell() {
        return cell;
    }
}
