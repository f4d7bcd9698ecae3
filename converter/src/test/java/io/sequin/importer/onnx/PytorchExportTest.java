package io.sequin.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.sequin.importer.ImportException;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import io.sequin.writer.ModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the fixture comparison (OnnxFixtureTest) does not show about PyTorch exports: streaming
 * through the layers around the recurrent ones, the format version written, and the errors for
 * graphs that cannot be folded.
 */
class PytorchExportTest {
    static Path fixture(String name) throws Exception {
        return Path.of(PytorchExportTest.class.getResource("/fixtures/pytorch-onnx/" + name).toURI());
    }

    static ModelProto onnx(String name) throws Exception {
        return ModelProto.parseFrom(Files.readAllBytes(fixture(name).resolve("model.onnx")));
    }

    static Model convert(ModelProto onnx) throws Exception {
        return Model.load(new ModelWriter("test").write(OnnxImporter.importModel(onnx.toByteArray(), Map.of())));
    }

    @Test
    void languageModelStepsTokenByTokenAsItRunsTheSequence() throws Exception {
        Model model = convert(onnx("embedding_lstm_linear_logsoftmax_opset15"));
        // data_1 has batch 1: its 4 tokens stepped one at a time must give PyTorch's 4 rows.
        Tensor tokens = Npy.read(fixture("embedding_lstm_linear_logsoftmax_opset15").resolve("data_1/tokens.npy"));
        Tensor expected = Npy.read(fixture("embedding_lstm_linear_logsoftmax_opset15").resolve("data_1/expected_log_probs.npy"));
        for (String kernels : new String[] {"scalar", "panama"}) {
            Session session = model.newSession(KernelSelection.select(kernels), 1);
            assertEquals(1, session.stepInputSize());
            assertEquals(20, session.stepOutputSize());
            float[] y = new float[20];
            for (int t = 0; t < tokens.size(); t++) {
                session.step(new float[] {tokens.longs()[t]}, y);
                for (int v = 0; v < 20; v++) {
                    assertEquals(expected.floats()[t * 20 + v], y[v], 1e-5, kernels + " step " + t + " token " + v);
                }
            }
        }
    }

    @Test
    void formatVersionIsTheLowestThatHoldsTheModel() throws Exception {
        Path plain = Path.of(PytorchExportTest.class.getResource("/fixtures/onnx/lstm_forward_random/model.onnx").toURI());
        Model v1 = Model.load(new ModelWriter("test").write(OnnxImporter.importModel(Files.readAllBytes(plain), Map.of())));
        assertEquals(1, v1.formatVersion(), "a model of ONNX-form recurrent layers stays readable by format-1 runtimes");
        assertEquals(2, convert(onnx("lstm_default_states_opset9")).formatVersion(), "a folded Squeeze needs y_layout");
        assertEquals(2, convert(onnx("gru_linear_activations_softmax_opset16")).formatVersion());
    }

    @Test
    void anUnsupportedOperatorIsNamedWithItsNode() throws Exception {
        ModelProto m = onnx("embedding_lstm_linear_logsoftmax_opset15");
        var graph = m.getGraph().toBuilder();
        int last = graph.getNodeCount() - 1;
        assertEquals("LogSoftmax", graph.getNode(last).getOpType());
        graph.setNode(last, graph.getNode(last).toBuilder().setOpType("Hardmax").setName("head_max"));
        ImportException e = assertThrows(ImportException.class, () -> convert(m.toBuilder().setGraph(graph).build()));
        assertTrue(e.getMessage().contains("head_max") && e.getMessage().contains("Hardmax") && e.getMessage().contains("not supported"),
                e.getMessage());
    }

    @Test
    void aReshapeThatSplitsAnAxisIsRefused() throws Exception {
        // Reshape the bidirectional LSTM's transposed output [S, B, 2, 7] to [S, B, 7, 2], not [S, B, 14].
        ModelProto m = onnx("lstm_2layers_bidirectional_states_opset11");
        var graph = m.getGraph().toBuilder();
        int reshape = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOpType().equals("Reshape")) {
                reshape = i;
                break;
            }
        }
        NodeProto node = graph.getNode(reshape);
        String shapeName = node.getInput(1);
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto c = graph.getNode(i);
            if (c.getOutput(0).equals(shapeName)) {
                var t = c.getAttribute(0).getT().toBuilder().clearInt64Data().clearRawData().clearDims().addDims(4)
                        .addInt64Data(0).addInt64Data(0).addInt64Data(7).addInt64Data(2);
                graph.setNode(i, c.toBuilder().setAttribute(0, c.getAttribute(0).toBuilder().setT(t)).build());
            }
        }
        ImportException e = assertThrows(ImportException.class, () -> convert(m.toBuilder().setGraph(graph).build()));
        assertTrue(e.getMessage().contains("Reshape") && e.getMessage().contains("split"), e.getMessage());
    }

    @Test
    void anEmbeddingIndexOutsideTheTableIsNamed() throws Exception {
        Model model = convert(onnx("embedding_lstm_linear_logsoftmax_opset15"));
        Session session = model.newSession();
        Tensor tokens = Tensor.ofLongs(new int[] {3, 1}, new long[] {1, 20, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session.run(Map.of("tokens", tokens)));
        assertTrue(e.getMessage().contains("index 20") && e.getMessage().contains("[-20, 20)"), e.getMessage());
        float[] y = new float[20];
        Session stepping = model.newSession();
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> stepping.step(new float[] {2.5f}, y));
        assertTrue(s.getMessage().contains("2.5") && s.getMessage().contains("whole number"), s.getMessage());
    }
}
