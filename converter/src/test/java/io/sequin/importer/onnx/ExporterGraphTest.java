package io.sequin.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.sequin.importer.ImportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Where the exporters' glue is folded only under conditions (fixtures/exporter-onnx has the cases
 * that fold, with ONNX Runtime's numbers): a fold that would change what the layer computes is
 * refused, naming the tensor, never guessed.
 */
class ExporterGraphTest {
    private static ModelProto fixture(String name) throws Exception {
        Path dir = Path.of(ExporterGraphTest.class.getResource("/fixtures/exporter-onnx/" + name).toURI());
        return ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
    }

    /** With initial states given as [D, B, H], the layer cannot switch to [B, D*H] states for a flattened Y_h. */
    @Test
    void aFlattenedYhWithInitialStatesIsRefused() throws Exception {
        ModelProto m = fixture("keras2onnx_bilstm_flatten");
        var graph = m.getGraph().toBuilder();
        int lstm = 1;
        var node = graph.getNode(lstm).toBuilder();
        while (node.getInputCount() < 6) {
            node.addInput("");
        }
        node.setInput(5, "h0");
        graph.setNode(lstm, node);
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(3));
        graph.addInput(ValueInfoProto.newBuilder().setName("h0").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
        byte[] bytes = m.toBuilder().setGraph(graph).build().toByteArray();
        ImportException e = assertThrows(ImportException.class, () -> OnnxImporter.importModel(bytes, Map.of()));
        assertTrue(e.getMessage().contains("bidirectional_1_Y_h") && e.getMessage().contains("cannot fold"), e.getMessage());
    }

    /** The last step of a reverse layer's Y is not its Y_h (that is step 0): refused. */
    @Test
    void theLastStepOfAReverseLayerIsRefused() throws Exception {
        ModelProto m = fixture("tf2onnx_lstm_relu_stack");
        var graph = m.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getName().equals("lstm2")) {
                graph.setNode(i, graph.getNode(i).toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("direction").setType(AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8("reverse"))));
            }
        }
        byte[] bytes = m.toBuilder().setGraph(graph).build().toByteArray();
        ImportException e = assertThrows(ImportException.class, () -> OnnxImporter.importModel(bytes, Map.of()));
        assertTrue(e.getMessage().contains("cannot fold"), e.getMessage());
    }

    /** A Loop's body is compared with a GRU step as a whole: one operator changed, and it is refused, never run. */
    @Test
    void aLoopWhoseBodyIsNotAGruStepIsRefused() throws Exception {
        ModelProto m = fixture("tf2onnx_gru_loop");
        ImportException e = assertThrows(ImportException.class, () -> OnnxImporter.importModel(withBody(m, body -> {
            for (int i = 0; i < body.getNodeCount(); i++) {
                if (body.getNode(i).getOpType().equals("Tanh")) {
                    body.setNode(i, body.getNode(i).toBuilder().setOpType("Relu"));
                }
            }
        }), Map.of()));
        assertTrue(e.getMessage().contains("is not a step of a Keras GRU") && e.getMessage().contains("relu("), e.getMessage());
    }

    /** A condition that could end the loop before the sequence does is refused. */
    @Test
    void aLoopThatMayStopEarlyIsRefused() throws Exception {
        ModelProto m = fixture("tf2onnx_gru_loop");
        ImportException e = assertThrows(ImportException.class, () -> OnnxImporter.importModel(withBody(m, body -> {
            for (int i = 0; i < body.getInitializerCount(); i++) {
                if (body.getInitializer(i).getName().equals("steps_f")) {
                    body.setInitializer(i, body.getInitializer(i).toBuilder().clearRawData().clearFloatData().addFloatData(3f));
                }
            }
        }), Map.of()));
        assertTrue(e.getMessage().contains("may end it before its 6 steps"), e.getMessage());
    }

    private static byte[] withBody(ModelProto m, Consumer<GraphProto.Builder> edit) {
        var graph = m.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOpType().equals("Loop")) {
                var node = graph.getNode(i).toBuilder();
                var body = node.getAttribute(0).getG().toBuilder();
                edit.accept(body);
                node.setAttribute(0, node.getAttribute(0).toBuilder().setG(body));
                graph.setNode(i, node);
            }
        }
        return m.toBuilder().setGraph(graph).build().toByteArray();
    }
}
