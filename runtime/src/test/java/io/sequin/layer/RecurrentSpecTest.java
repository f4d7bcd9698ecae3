package io.sequin.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.tensor.WeightMatrix;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RecurrentSpec}: what a recurrent layer is, checked once, where it is built. */
class RecurrentSpecTest {
    @Test
    void defaultsAreOnnxs() {
        RecurrentSpec lstm = RecurrentSpec.builder(CellType.LSTM, 3, 2).direction(Direction.BIDIRECTIONAL).build();
        assertEquals(6, lstm.activations().size());
        assertEquals("[Sigmoid, Tanh, Tanh]", List.of(lstm.activations(1)).toString());
        assertFalse(lstm.hasClip());
        assertEquals(3, lstm.outputSize());
        assertEquals(12, lstm.gateRows());
        assertTrue(lstm.layout().isOnnx());
        assertEquals("[Tanh]", List.of(RecurrentSpec.builder(CellType.RNN, 3, 2).build().activations(0)).toString());
    }

    @Test
    void eachRuleIsCheckedWhereTheSpecIsBuilt() {
        assertRefused("hidden_size 0", RecurrentSpec.builder(CellType.GRU, 0, 2));
        assertRefused("input_size -1", RecurrentSpec.builder(CellType.GRU, 4, -1));
        assertRefused("clip -1.0", RecurrentSpec.builder(CellType.GRU, 4, 2).clip(-1));
        assertRefused("clip NaN", RecurrentSpec.builder(CellType.GRU, 4, 2).clip(Float.NaN));
        assertRefused("input_forget is set on a GRU", RecurrentSpec.builder(CellType.GRU, 4, 2).inputForget(true));
        assertRefused("linear_before_reset is set on a LSTM", RecurrentSpec.builder(CellType.LSTM, 4, 2).linearBeforeReset(true));
        assertRefused("for LSTM layers only", RecurrentSpec.builder(CellType.RNN, 4, 2).projSize(2));
        assertRefused("1 activations, expected 2", RecurrentSpec.builder(CellType.GRU, 4, 2)
                .activations(Collections.singletonList(new Activation(ActivationFunction.RELU, 0, 0))));
        assertRefused("states at rows 3..4 of 4", RecurrentSpec.builder(CellType.GRU, 4, 2).direction(Direction.BIDIRECTIONAL)
                .layout(RecurrentLayout.onnx(0).withStateRows(3, 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecurrentLayout.onnx(0).withMergedStates(true));
        assertTrue(e.getMessage().contains("need layout 1"), e.getMessage());
    }

    @Test
    void aLayerChecksItsWeightsAgainstItsSpec() {
        RecurrentSpec spec = RecurrentSpec.builder(CellType.GRU, 2, 3).build();
        WeightMatrix w = WeightMatrix.ofFloats(6, 3, new float[18]);
        WeightMatrix r = WeightMatrix.ofFloats(6, 2, new float[12]);
        List<String> in = List.of("x");
        List<String> out = List.of("y");
        new RecurrentLayer("ok", in, out, spec, RecurrentWeights.of(w, r), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RecurrentLayer("gru", in, out, spec, RecurrentWeights.of(r, r), List.of()));
        assertEquals("gru: W is 6x2, expected 6x3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new RecurrentLayer("gru", in, out, spec, RecurrentWeights.of(w, r).withPeepholes(new float[6]), List.of()));
        assertEquals("gru: peepholes are for LSTM layers only", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new RecurrentLayer("gru", in, out, spec, RecurrentWeights.of(w, r).withBias(new float[6]), List.of()));
        assertEquals("gru: B has 6 elements, expected 12", e.getMessage());
    }

    private static void assertRefused(String says, RecurrentSpec.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }
}
