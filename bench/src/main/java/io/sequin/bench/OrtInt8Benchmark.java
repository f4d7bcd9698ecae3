package io.sequin.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Param;

/**
 * ONNX Runtime's own int8 LSTM, {@code com.microsoft.DynamicQuantizeLSTM} (int8 weights with a
 * scale per output row, the input and state quantized to uint8 at run time, integer GEMMs), on
 * the benchmarks' LSTMs quantized as {@code onnxruntime.quantization.quantize_dynamic} does: the
 * graphs {@code tools/make-ort-int8-lstm.py} writes, with Debian's python3-onnx, from the f32 ones
 * {@link BenchModels#main} writes. bench/run-suite.sh makes them. ONNX Runtime has no int8 GRU.
 */
public class OrtInt8Benchmark extends OrtSessionBenchmark {
    /** Where the int8 graphs are, lstm-IxH-int8.onnx. */
    @Param({"bench/target/ort-models"})
    public String models;

    @Override
    byte[] model() throws Exception {
        Path file = Path.of(models, "lstm-" + size + "-int8.onnx");
        if (!Files.exists(file)) {
            throw new IllegalStateException(file + " is missing: bench/run-suite.sh makes it (java -cp bench/target/benchmarks.jar "
                    + "io.sequin.bench.BenchModels " + models + ", then /usr/bin/python3 tools/make-ort-int8-lstm.py " + models + ")");
        }
        return Files.readAllBytes(file);
    }

    @Override
    String cell() {
        return "LSTM";
    }
}
