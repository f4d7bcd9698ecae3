package io.sequin.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.convert.Conversion;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.ir.IrModel;
import io.sequin.layer.CellType;
import io.sequin.testing.RandomModels;
import io.sequin.tensor.WeightType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The quantized types' accuracy and size targets, measured the way {@code convert} reports them: an LSTM
 * with input 256 and hidden 512, weights uniform in ±1/sqrt(512), the report's N(0,1) input of
 * 20 steps, each storage type against f32.
 */
class QuantizationAccuracyTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // type, max abs error bound, cosine bound, file size bound (of f32's)
        "int8, 2e-2, 0.999, 0.27",
        "f16,  1e-3, 0.999, 0.52",
        "bf16, 1e-2, 0.999, 0.52",
    })
    void lstm256x512MeetsItsTargets(String typeName, double maxAbs, double minCosine, double maxSize) {
        WeightType type = WeightType.byName(typeName);
        IrModel ir = RandomModels.layer(CellType.LSTM, 256, 512);
        Conversion conversion = Converter.convert(ir, ConvertOptions.defaults().withWeights(type));
        AccuracyReport report = conversion.report();
        assertEquals(3, report.entries.size(), "Y, Y_c (layer outputs) and Y_h (the model output)");
        for (AccuracyReport.Entry e : report.entries) {
            System.out.printf("%s %s: max abs error %.3e, cosine %.7f%n", typeName, e.name, e.maxAbsError, e.cosine);
            assertTrue(e.maxAbsError <= maxAbs, typeName + " " + e.name + " max abs error " + e.maxAbsError);
            assertTrue(e.cosine >= minCosine, typeName + " " + e.name + " cosine " + e.cosine);
            // A quantized model that equals f32 exactly would mean the weights were not quantized.
            assertTrue(e.maxAbsError > 0, typeName + " " + e.name + " is identical to f32");
        }
        double size = (double) conversion.sqn().length / conversion.f32Bytes();
        System.out.printf("%s file size: %.4f of f32%n", typeName, size);
        assertTrue(size <= maxSize, typeName + " file is " + size + " of f32's");
    }

    /**
     * Random token ids for a batch-first model take their steps on the axis the LSTM reads as its
     * sequence, and the initial states share their batch (the report once gave the ids 20 rows of
     * one step and the states a batch of 1, and failed; the .sqn fuzz seeds found it).
     */
    @Test
    void randomTokenIdsFitABatchFirstModelAndItsStates() throws Exception {
        Path dir = Path.of(getClass().getResource("/fixtures/pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax").toURI());
        ConvertOptions options = ConvertOptions.defaults().withArch(dir.resolve("arch.json")).withWeights(WeightType.INT8);
        AccuracyReport report = Converter.convert(dir.resolve("model.pt"), options).report();
        assertEquals("random token ids in [0, 20), seed 42, shape [1, 20]", report.inputSources.get("x"));
        assertTrue(report.inputSources.get("h0").endsWith("shape [2, 1, 16]"), report.inputSources.toString());
        assertTrue(report.entries.stream().anyMatch(e -> e.name.equals("y") && e.cosine > 0.99), report.toLines().toString());
    }

    /** Keras embeddings take their token ids as floats: the report's random ids are whole floats then. */
    @Test
    void randomTokenIdsForAKerasEmbeddingAreFloats() throws Exception {
        Path json = Path.of(getClass().getResource("/fixtures/tfjs/embedding_mask_zero_gru_last/model.json").toURI());
        AccuracyReport report = Converter.convert(json, ConvertOptions.defaults().withWeights(WeightType.F16)).report();
        assertTrue(report.inputSources.get("embed_input").startsWith("random token ids in [0, "), report.inputSources.toString());
        assertTrue(report.entries.stream().allMatch(e -> e.cosine > 0.99), report.toLines().toString());
    }
}
