package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A model exported for a real-time loop takes its layers' states as inputs and returns them
 * (fixtures/exporter-onnx/realtime_lstm_states: ONNX Runtime run frame by frame, each frame fed
 * the states of the one before). OnnxFixtureTest runs it with the states fed by hand; here the
 * model says which inputs are state, and a session's step carries that state itself, fed only the
 * frames, and reproduces ONNX Runtime's outputs and states frame by frame.
 */
class RealtimeStateTest {
    private static final int FRAMES = 5;
    private static final int BATCH = 2;
    private static final int HIDDEN = 4;

    @Test
    void stepCarriesTheStatesTheExporterMadeInputs() throws Exception {
        Path dir = Path.of(getClass().getResource("/fixtures/exporter-onnx/realtime_lstm_states").toURI());
        Model model = Converter.convert(dir.resolve("model.onnx"), ConvertOptions.defaults()).model();
        assertEquals(Map.of("h_in", "h_out", "c_in", "c_out"), model.recurrentStates());
        for (String kernels : new String[] {"scalar", "panama"}) {
            Session session = model.newSession(KernelSelection.select(kernels), BATCH);
            float[] y = new float[BATCH * session.stepOutputSize()];
            float[] state = new float[session.stateSize()];
            for (int k = 0; k < FRAMES; k++) {
                Path data = dir.resolve("data_" + k);
                session.step(Npy.read(data.resolve("frame.npy")).floats(), y);
                float[] want = Npy.read(data.resolve("expected_y.npy")).floats();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], y[i], 1e-5, kernels + " frame " + k + " y[" + i + "]");
                }
                Tensor h = Npy.read(data.resolve("expected_h_out.npy"));
                Tensor c = Npy.read(data.resolve("expected_c_out.npy"));
                for (int b = 0; b < BATCH; b++) {
                    session.saveState(b, state, 0);
                    // Per stream: each layer's h, then its c.
                    for (int layer = 0; layer < 2; layer++) {
                        for (int j = 0; j < HIDDEN; j++) {
                            int at = (layer * BATCH + b) * HIDDEN + j;
                            assertEquals(h.floats()[at], state[layer * 2 * HIDDEN + j], 1e-5, kernels + " frame " + k + " h");
                            assertEquals(c.floats()[at], state[layer * 2 * HIDDEN + HIDDEN + j], 1e-5, kernels + " frame " + k + " c");
                        }
                    }
                }
            }
        }
    }
}
