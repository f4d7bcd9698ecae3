package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A model exported for a real-time loop takes its layers' states as inputs and returns them
 * (fixtures/exporter-onnx/realtime_*: ONNX Runtime run frame by frame, each frame fed the states
 * of the one before), in three packings: a stack per kind ([layers, B, H] each of h and c), every
 * layer's h and c in one tensor [B, layers, H, 2], and h and c stacked as [2, layers, B, H]; and
 * the last as torch.onnx.export writes it (fixtures/pytorch-onnx/realtime_lstm_stacked_states_opset13,
 * PyTorch run frame by frame).
 * OnnxFixtureTest runs them with the states fed by hand; here the model says which input is state
 * and which output returns it, a session's step carries that state itself, fed only the frames, and
 * reproduces ONNX Runtime's outputs frame by frame, and the states it holds are the ones ONNX
 * Runtime returned (read out of each packing).
 */
class RealtimeStateTest {
    private static final int FRAMES = 5;
    private static final int BATCH = 2;
    private static final int LAYERS = 2;
    private static final int HIDDEN = 4;

    @ParameterizedTest
    @CsvSource({"exporter-onnx/realtime_lstm_states, h_in, h_out, c_in, c_out",
            "exporter-onnx/realtime_lstm_packed_state, state_in, state_out, ,",
            "exporter-onnx/realtime_lstm_stacked_pair, state, new_state, ,",
            "pytorch-onnx/realtime_lstm_stacked_states_opset13, state, new_state, ,"})
    void stepCarriesTheStatesTheExporterMadeInputs(String fixture, String in1, String out1, String in2, String out2) throws Exception {
        Path dir = Path.of(getClass().getResource("/fixtures/" + fixture).toURI());
        Model model = Converter.convert(dir.resolve("model.onnx"), ConvertOptions.defaults()).model();
        assertEquals(in2 == null ? Map.of(in1, out1) : Map.of(in1, out1, in2, out2), model.recurrentStates());
        for (String kernels : new String[] {"scalar", "panama"}) {
            Session session = model.newSession(KernelSelection.select(kernels), BATCH);
            float[] y = new float[BATCH * session.stepOutputSize()];
            float[] state = new float[session.stateSize()];
            assertEquals(LAYERS * 2 * HIDDEN, state.length);
            for (int k = 0; k < FRAMES; k++) {
                Path data = dir.resolve("data_" + k);
                session.step(Npy.read(data.resolve("frame.npy")).floats(), y);
                float[] want = Npy.read(data.resolve("expected_y.npy")).floats();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], y[i], 1e-5, kernels + " frame " + k + " y[" + i + "]");
                }
                Tensor s1 = Npy.read(data.resolve("expected_" + out1 + ".npy"));
                Tensor s2 = out2 == null ? null : Npy.read(data.resolve("expected_" + out2 + ".npy"));
                for (int b = 0; b < BATCH; b++) {
                    session.saveState(b, state, 0);
                    // Per stream: each layer's h, then its c.
                    for (int layer = 0; layer < LAYERS; layer++) {
                        for (int j = 0; j < HIDDEN; j++) {
                            for (int kind = 0; kind < 2; kind++) {
                                float got = state[(layer * 2 + kind) * HIDDEN + j];
                                float expected = returned(fixture, s1, s2, kind, layer, b, j);
                                assertEquals(expected, got, 1e-5, kernels + " frame " + k + " layer " + layer + (kind == 0 ? " h" : " c"));
                            }
                        }
                    }
                }
            }
        }
    }

    /** The state ONNX Runtime returned for (kind: 0 h, 1 c; layer; stream b; unit j), as each fixture packs it. */
    private static float returned(String fixture, Tensor s1, Tensor s2, int kind, int layer, int b, int j) {
        switch (fixture) {
            case "exporter-onnx/realtime_lstm_states":
                return (kind == 0 ? s1 : s2).floats()[(layer * BATCH + b) * HIDDEN + j];
            case "exporter-onnx/realtime_lstm_packed_state":
                return s1.floats()[((b * LAYERS + layer) * HIDDEN + j) * 2 + kind];
            default:
                return s1.floats()[((kind * LAYERS + layer) * BATCH + b) * HIDDEN + j];
        }
    }

    /** Left out of a run, a packed state means zeros: the Slice layers that cut it are skipped, and the output is as for zeros. */
    @ParameterizedTest
    @CsvSource({"exporter-onnx/realtime_lstm_packed_state, state_in", "exporter-onnx/realtime_lstm_stacked_pair, state",
            "pytorch-onnx/realtime_lstm_stacked_states_opset13, state"})
    void aPackedStateLeftOutOfARunMeansZeros(String fixture, String state) throws Exception {
        Path dir = Path.of(getClass().getResource("/fixtures/" + fixture).toURI());
        Model model = Converter.convert(dir.resolve("model.onnx"), ConvertOptions.defaults()).model();
        assertTrue(model.isOptional(state));
        assertFalse(model.isOptional("frame"));
        Path data = dir.resolve("data_0");
        Tensor frame = Npy.read(data.resolve("frame.npy"));
        Tensor zeros = Npy.read(data.resolve(state + ".npy"));
        Session session = model.newSession();
        Map<String, Tensor> fed = session.run(Map.of("frame", frame, state, zeros));
        Map<String, Tensor> left = session.run(Map.of("frame", frame));
        for (String output : fed.keySet()) {
            assertArrayEquals(fed.get(output).floats(), left.get(output).floats(), output);
        }
    }
}
