package io.sequin.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.importer.ImportException;
import io.sequin.model.Model;
import io.sequin.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the exporters' glue is folded only under conditions (fixtures/exporter-onnx has the cases
 * that fold, with ONNX Runtime's numbers): a fold that would change what the layer computes is not
 * made; the view is copied out by a Slice layer (checked against ONNX Runtime here), or the graph
 * is refused naming what did not match, never guessed.
 */
class ExporterGraphTest {
    private static ModelProto fixture(String name) throws Exception {
        Path dir = Path.of(ExporterGraphTest.class.getResource("/fixtures/exporter-onnx/" + name).toURI());
        return ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
    }

    /**
     * With initial states given as [D, B, H], the layer cannot switch to writing [B, D*H] states
     * for a flattened Y_h: a Slice layer copies that view out of the [D, B, H] it writes, and the
     * model computes what ONNX Runtime does.
     */
    @Test
    void aFlattenedYhWithInitialStatesIsCopiedOut(@TempDir Path tmp) throws Exception {
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
        Random random = new Random(1);
        Model model = assertMatchesOnnxRuntime(bytes, Map.of("bidirectional_1_input", gaussian(random, 2, 6, 4), "h0",
                gaussian(random, 2, 2, 3)), "activation_1", tmp);
        assertTrue(model.layers().stream().anyMatch(l -> l.kind().equals("Slice")), "a Slice layer copies the view");
    }

    /** The last step of a reverse layer's Y is not its Y_h (that is step 0): a Slice layer copies it out of Y. */
    @Test
    void theLastStepOfAReverseLayerIsCopiedOut(@TempDir Path tmp) throws Exception {
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
        Model model = assertMatchesOnnxRuntime(bytes, Map.of("input", gaussian(new Random(2), 3, 6, 3)), "result", tmp);
        assertTrue(model.layers().stream().anyMatch(l -> l.kind().equals("Slice")), "a Slice layer copies the last step");
    }

    /** Converts the graph and runs it beside ONNX Runtime (1 thread) on the same inputs; returns the converted model. */
    private static Model assertMatchesOnnxRuntime(byte[] onnx, Map<String, Tensor> inputs, String output, Path tmp) throws Exception {
        Path file = Files.write(tmp.resolve("model.onnx"), onnx);
        Model model = Converter.convert(file, ConvertOptions.defaults()).model();
        float[] got = model.newSession().run(inputs).get(output).floats();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            Map<String, OnnxTensor> feeds = new HashMap<>();
            try (OrtSession session = env.createSession(onnx, options)) {
                for (var e : inputs.entrySet()) {
                    feeds.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().floats()),
                            Arrays.stream(e.getValue().shape()).asLongStream().toArray()));
                }
                try (OrtSession.Result result = session.run(feeds)) {
                    FloatBuffer want = ((OnnxTensor) result.get(output).orElseThrow()).getFloatBuffer();
                    assertEquals(want.remaining(), got.length, output + " size");
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want.get(i), got[i], 1e-5, output + "[" + i + "]");
                    }
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
        return model;
    }

    private static Tensor gaussian(Random random, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] v = t.floats();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return t;
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
