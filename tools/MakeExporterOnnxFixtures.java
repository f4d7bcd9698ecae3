// Writes converter/src/test/resources/fixtures/exporter-onnx: small random-weight ONNX graphs in
// the shapes tf2onnx and keras2onnx give Keras recurrent models (the field models in
// ../shared/field-models are real ones; these are the project's own, with ONNX Runtime's outputs):
//
// - tf2onnx_lstm_relu_stack (opset 13): zero initial states built at run time (Shape, Slice,
//   Concat, Expand of a 0.0 scalar, Unsqueeze), Transpose to time-major, two LSTMs with Relu cell
//   and hidden activations, Squeeze of the direction axis, a Transpose pair that cancels between
//   them, the last step taken as Slice(Y, -1) and Squeeze, Dense as MatMul + Add (+ Relu), Softmax.
// - tf2onnx_lstm_opset9 (opset 9): the same glue with ConstantOfShape, attribute-style Slice and
//   Squeeze, and Softmax(axis=1).
// - keras2onnx_bilstm_flatten (opset 9): a bidirectional LSTM with Keras 2's hard_sigmoid
//   (HardSigmoid alpha 0.2, beta 0.5 per direction), no initial states, Y_h transposed and
//   flattened into [N, 2H] (forward, then backward), MatMul + Add, Softmax; batch named N.
//
// Expected outputs: ONNX Runtime's Java binding (CPU, 1 thread) on model.onnx, a reference we did
// not write. Run with tools/make-exporter-onnx-fixtures.sh, from the project root.

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

public class MakeExporterOnnxFixtures {
    static final Path OUT = Path.of("converter/src/test/resources/fixtures/exporter-onnx");
    static final int STEPS = 6;
    static final int[] BATCHES = {2, 3};

    public static void main(String[] args) throws Exception {
        if (Files.exists(OUT)) {
            try (var walk = Files.walk(OUT)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        write(env, "tf2onnx_lstm_relu_stack", tf2onnx(13, new Random(1)), "input", 3, "result");
        write(env, "tf2onnx_lstm_opset9", tf2onnx(9, new Random(2)), "input", 3, "result");
        write(env, "keras2onnx_bilstm_flatten", keras2onnx(new Random(3)), "bidirectional_1_input", 4, "activation_1");
    }

    /** tf2onnx's form of Sequential([LSTM(5, relu, return_sequences), LSTM(4, relu), Dense(6, relu), Dense(3, softmax)]). */
    static ModelProto tf2onnx(int opset, Random random) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("tf2onnx_opset" + opset);
        g.addInput(valueInfo("input", new Object[] {"unk__1", STEPS, 3}));
        g.addOutput(valueInfo("result", new Object[] {"unk__1", 3}));
        // Zero initial states: [1, batch, units] from the input's batch size.
        g.addNode(node("Shape", "shape", List.of("input"), List.of("shape")));
        if (opset >= 10) {
            init(g, "starts0", ints(0));
            init(g, "ends1", ints(1));
            init(g, "axes0", ints(0));
            g.addNode(node("Slice", "batch", List.of("shape", "starts0", "ends1", "axes0"), List.of("batch")));
        } else {
            g.addNode(node("Slice", "batch", List.of("shape"), List.of("batch"), intsAttr("starts", 0), intsAttr("ends", 1),
                    intsAttr("axes", 0)));
        }
        for (int units : new int[] {5, 4}) {
            init(g, "units" + units, ints(units));
            g.addNode(node("Concat", "zeros_shape" + units, List.of("batch", "units" + units), List.of("zeros_shape" + units),
                    intAttr("axis", 0)));
            if (opset >= 13) {
                init(g, "zero", Tensor.ofFloats(new int[0], new float[] {0}));
                g.addNode(node("Expand", "zeros" + units, List.of("zero", "zeros_shape" + units), List.of("zeros" + units)));
                g.addNode(node("Unsqueeze", "state" + units, List.of("zeros" + units, "axes0"), List.of("state" + units)));
            } else {
                g.addNode(node("ConstantOfShape", "zeros" + units, List.of("zeros_shape" + units), List.of("zeros" + units)));
                g.addNode(node("Unsqueeze", "state" + units, List.of("zeros" + units), List.of("state" + units), intsAttr("axes", 0)));
            }
        }
        g.addNode(node("Transpose", "to_time_major", List.of("input"), List.of("x1"), intsAttr("perm", 1, 0, 2)));
        lstm(g, random, "lstm1", "x1", 3, 5, "state5", "y1");
        squeeze(g, opset, "y1_squeezed", "y1", 1);
        g.addNode(node("Transpose", "to_batch_major", List.of("y1_squeezed"), List.of("y1_batch"), intsAttr("perm", 1, 0, 2)));
        g.addNode(node("Transpose", "to_time_major_again", List.of("y1_batch"), List.of("x2"), intsAttr("perm", 1, 0, 2)));
        lstm(g, random, "lstm2", "x2", 5, 4, "state4", "y2");
        squeeze(g, opset, "y2_squeezed", "y2", 1);
        if (opset >= 10) {
            init(g, "last", ints(-1));
            init(g, "end", ints(Integer.MAX_VALUE));
            g.addNode(node("Slice", "last_step", List.of("y2_squeezed", "last", "end", "axes0"), List.of("y2_last")));
        } else {
            g.addNode(node("Slice", "last_step", List.of("y2_squeezed"), List.of("y2_last"), intsAttr("starts", -1),
                    intsAttr("ends", Integer.MAX_VALUE), intsAttr("axes", 0)));
        }
        squeeze(g, opset, "h", "y2_last", 0);
        dense(g, random, "dense", "h", 4, 6, "d1");
        g.addNode(node("Relu", "dense_relu", List.of("d1"), List.of("d1_relu")));
        dense(g, random, "dense_1", "d1_relu", 6, 3, "d2");
        g.addNode(opset >= 13 ? node("Softmax", "softmax", List.of("d2"), List.of("result"))
                : node("Softmax", "softmax", List.of("d2"), List.of("result"), intAttr("axis", 1)));
        return model(g, opset);
    }

    /** keras2onnx's form of Sequential([Bidirectional(LSTM(3, recurrent_activation='hard_sigmoid')), Dense(2, softmax)]). */
    static ModelProto keras2onnx(Random random) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("keras2onnx");
        g.addInput(valueInfo("bidirectional_1_input", new Object[] {"N", STEPS, 4}));
        g.addOutput(valueInfo("activation_1", new Object[] {"N", 2}));
        g.addNode(node("Transpose", "bidirectional_1_transpose", List.of("bidirectional_1_input"), List.of("x"), intsAttr("perm", 1, 0, 2)));
        int hidden = 3;
        float scale = (float) (1 / Math.sqrt(hidden));
        init(g, "W", uniform(random, new int[] {2, 4 * hidden, 4}, scale));
        init(g, "R", uniform(random, new int[] {2, 4 * hidden, hidden}, scale));
        init(g, "B", uniform(random, new int[] {2, 8 * hidden}, scale));
        g.addNode(node("LSTM", "bidirectional_1", List.of("x", "W", "R", "B"), List.of("", "bidirectional_1_Y_h"),
                intAttr("hidden_size", hidden), stringAttr("direction", "bidirectional"),
                stringsAttr("activations", "HardSigmoid", "Tanh", "Tanh", "HardSigmoid", "Tanh", "Tanh"),
                floatsAttr("activation_alpha", 0.2f, 0.2f), floatsAttr("activation_beta", 0.5f, 0.5f)));
        g.addNode(node("Transpose", "bidirectional_1_transpose2", List.of("bidirectional_1_Y_h"), List.of("h_batch"),
                intsAttr("perm", 1, 0, 2)));
        g.addNode(node("Flatten", "bidirectional_1_flatten", List.of("h_batch"), List.of("h"), intAttr("axis", 1)));
        dense(g, random, "dense_1", "h", 2 * hidden, 2, "logits");
        g.addNode(node("Softmax", "activation_1", List.of("logits"), List.of("activation_1"), intAttr("axis", 1)));
        return model(g, 9);
    }

    static void lstm(GraphProto.Builder g, Random random, String name, String x, int input, int hidden, String state, String y) {
        float scale = (float) (1 / Math.sqrt(hidden));
        init(g, name + "_W", uniform(random, new int[] {1, 4 * hidden, input}, scale));
        init(g, name + "_R", uniform(random, new int[] {1, 4 * hidden, hidden}, scale));
        init(g, name + "_B", uniform(random, new int[] {1, 8 * hidden}, scale));
        g.addNode(node("LSTM", name, List.of(x, name + "_W", name + "_R", name + "_B", "", state, state), List.of(y),
                intAttr("hidden_size", hidden), stringsAttr("activations", "Sigmoid", "Relu", "Relu")));
    }

    static void squeeze(GraphProto.Builder g, int opset, String out, String in, int axis) {
        if (opset >= 13) {
            init(g, "axis" + axis + "_" + out, ints(axis));
            g.addNode(node("Squeeze", out, List.of(in, "axis" + axis + "_" + out), List.of(out)));
        } else {
            g.addNode(node("Squeeze", out, List.of(in), List.of(out), intsAttr("axes", axis)));
        }
    }

    static void dense(GraphProto.Builder g, Random random, String name, String x, int in, int units, String y) {
        init(g, name + "_kernel", uniform(random, new int[] {in, units}, 1f / (float) Math.sqrt(in)));
        init(g, name + "_bias", uniform(random, new int[] {units}, 0.1f));
        g.addNode(node("MatMul", name + "_matmul", List.of(x, name + "_kernel"), List.of(name + "_product")));
        g.addNode(node("Add", name + "_add", List.of(name + "_product", name + "_bias"), List.of(y)));
    }

    static void write(OrtEnvironment env, String name, ModelProto model, String input, int features, String output) throws Exception {
        Path dir = Files.createDirectories(OUT.resolve(name));
        Files.write(dir.resolve("model.onnx"), model.toByteArray());
        Files.writeString(dir.resolve("reference.txt"), "Expected outputs: ONNX Runtime " + env.getVersion()
                + " (Java binding, CPU, 1 intra-op thread) on model.onnx.\nGenerated by tools/MakeExporterOnnxFixtures.java.\n");
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        Random random = new Random(name.hashCode());
        try (OrtSession session = env.createSession(model.toByteArray(), options)) {
            for (int k = 0; k < BATCHES.length; k++) {
                Path data = Files.createDirectories(dir.resolve("data_" + k));
                Tensor x = gaussian(random, new int[] {BATCHES[k], STEPS, features});
                Npy.write(data.resolve(input + ".npy"), x);
                try (OnnxTensor feed = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floats()),
                        Arrays.stream(x.shape()).asLongStream().toArray());
                     OrtSession.Result result = session.run(Map.of(input, feed))) {
                    OnnxTensor o = (OnnxTensor) result.get(output).orElseThrow();
                    int[] shape = Arrays.stream(o.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
                    float[] values = new float[o.getFloatBuffer().remaining()];
                    o.getFloatBuffer().get(values);
                    Npy.write(data.resolve("expected_" + output + ".npy"), Tensor.ofFloats(shape, values));
                }
            }
        }
        System.out.println("wrote " + dir);
    }

    static ModelProto model(GraphProto.Builder g, int opset) {
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("sequin tools/MakeExporterOnnxFixtures.java")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
    }

    static NodeProto node(String op, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs)
                .addAllAttribute(Arrays.asList(attributes)).build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto intsAttr(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto floatsAttr(String name, float... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float v : values) {
            a.addFloats(v);
        }
        return a.build();
    }

    static AttributeProto stringAttr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto stringsAttr(String name, String... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String v : values) {
            a.addStrings(ByteString.copyFromUtf8(v));
        }
        return a.build();
    }

    static Tensor ints(long... v) {
        return Tensor.ofLongs(new int[] {v.length}, v);
    }

    static void init(GraphProto.Builder g, String name, Tensor t) {
        if (g.getInitializerList().stream().anyMatch(i -> i.getName().equals(name))) {
            return;
        }
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).addAllDims(Arrays.stream(t.shape()).mapToObj(Long::valueOf).toList());
        if (t.type() == io.sequin.tensor.ElementType.INT64) {
            p.setDataType(TensorProto.DataType.INT64_VALUE);
            for (long v : t.longs()) {
                p.addInt64Data(v);
            }
        } else {
            ByteBuffer raw = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(t.floats());
            p.setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(raw.array()));
        }
        g.addInitializer(p);
    }

    static ValueInfoProto valueInfo(String name, Object[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    static Tensor uniform(Random random, int[] shape, float scale) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return Tensor.ofFloats(shape, v);
    }

    static Tensor gaussian(Random random, int[] shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(shape, v);
    }
}
