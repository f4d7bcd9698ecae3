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
// - tf2onnx_gru_loop (opset 13): a Keras 3 GRU(reset_after=True) left as a Loop whose body is one
//   step of the cell, as tf2onnx writes it (the weights carried through the loop, a time counter,
//   a condition of Less and And), its last step by Slice and Squeeze, a BatchNormalization folded
//   into Mul + Add, and a Dense.
// - realtime_lstm_states (opset 13): a two-layer LSTM exported for a real-time loop: one frame
//   in, the layers' states in as one stacked tensor per kind (h_in, c_in [2, B, H], sliced per
//   layer) and out again (h_out, c_out, joined by Concat). Its data sets are consecutive frames:
//   data_0 starts from zero states and each next one feeds back the states ONNX Runtime returned,
//   so the fixture is a frame-by-frame run of the exporter's runtime.
// - realtime_lstm_packed_state (opset 13): the same, every layer's h and c packed in one tensor
//   [B, layers, H, 2] (as DTLN's real-time Keras model), cut with two-axis Slices and Squeeze,
//   rebuilt with Unsqueeze and Concat.
// - realtime_lstm_stacked_pair (opset 13): the same, h and c stacked as [2, layers, B, H] the way
//   torch.onnx.export writes a module that takes and returns torch.stack([h, c]): Gather of one
//   index, Slice of a layer's rows, Concat, and Unsqueeze + Concat for the stack.
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
        write(env, "tf2onnx_gru_loop", gruLoop(new Random(4)), "input", 2, "output");
        int[] stack = {2, RT_BATCH, RT_HIDDEN};
        writeFrames(env, "realtime_lstm_states", realtime(new Random(5)), 5,
                List.of(new State("h_in", "h_out", stack), new State("c_in", "c_out", stack)), "y");
        writeFrames(env, "realtime_lstm_packed_state", packedState(new Random(6)), 5,
                List.of(new State("state_in", "state_out", new int[] {RT_BATCH, 2, RT_HIDDEN, 2})), "y");
        writeFrames(env, "realtime_lstm_stacked_pair", stackedPair(new Random(7)), 5,
                List.of(new State("state", "new_state", new int[] {2, 2, RT_BATCH, RT_HIDDEN})), "y");
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

    static final int RT_INPUT = 3;
    static final int RT_HIDDEN = 4;
    static final int RT_BATCH = 2;

    /** A two-layer LSTM stepping one frame, its states in and out as stacked tensors. */
    static ModelProto realtime(Random random) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("realtime_lstm_states");
        g.addInput(valueInfo("frame", new Object[] {"batch", 1, RT_INPUT}));
        g.addInput(valueInfo("h_in", new Object[] {2, "batch", RT_HIDDEN}));
        g.addInput(valueInfo("c_in", new Object[] {2, "batch", RT_HIDDEN}));
        g.addOutput(valueInfo("y", new Object[] {1, "batch", RT_HIDDEN}));
        g.addOutput(valueInfo("h_out", new Object[] {2, "batch", RT_HIDDEN}));
        g.addOutput(valueInfo("c_out", new Object[] {2, "batch", RT_HIDDEN}));
        g.addNode(node("Transpose", "to_time_major", List.of("frame"), List.of("x"), intsAttr("perm", 1, 0, 2)));
        init(g, "axes0", ints(0));
        String x = "x";
        int input = RT_INPUT;
        for (int l = 0; l < 2; l++) {
            init(g, "row" + l, ints(l));
            init(g, "row_end" + l, ints(l + 1));
            for (String kind : List.of("h", "c")) {
                g.addNode(node("Slice", kind + "_in_" + l, List.of(kind + "_in", "row" + l, "row_end" + l, "axes0"),
                        List.of(kind + "0_" + l)));
            }
            realtimeLstm(g, random, "lstm" + l, l, x, input);
            init(g, "axis1", ints(1));
            // Y [1, 1, B, H] without its direction axis: [1, B, H], the next layer's input, or the model's y.
            x = l == 1 ? "y" : "y" + l + "_s";
            g.addNode(node("Squeeze", "y" + l + "_squeezed", List.of("y" + l, "axis1"), List.of(x)));
            input = RT_HIDDEN;
        }
        g.addNode(node("Concat", "h_out", List.of("h_n0", "h_n1"), List.of("h_out"), intAttr("axis", 0)));
        g.addNode(node("Concat", "c_out", List.of("c_n0", "c_n1"), List.of("c_out"), intAttr("axis", 0)));
        return model(g, 13);
    }

    /** The real-time graphs' state inputs, in feed order, with the outputs that return them and their shapes. */
    record State(String input, String output, int[] shape) {
    }

    /** Layer l of a real-time graph: an LSTM of RT_HIDDEN units from x, its states h0_l and c0_l in, Y yl, Y_h h_nl and Y_c c_nl out. */
    static void realtimeLstm(GraphProto.Builder g, Random random, String name, int l, String x, int input) {
        float scale = (float) (1 / Math.sqrt(RT_HIDDEN));
        init(g, "lstm" + l + "_W", uniform(random, new int[] {1, 4 * RT_HIDDEN, input}, scale));
        init(g, "lstm" + l + "_R", uniform(random, new int[] {1, 4 * RT_HIDDEN, RT_HIDDEN}, scale));
        init(g, "lstm" + l + "_B", uniform(random, new int[] {1, 8 * RT_HIDDEN}, scale));
        g.addNode(node("LSTM", name, List.of(x, "lstm" + l + "_W", "lstm" + l + "_R", "lstm" + l + "_B", "", "h0_" + l, "c0_" + l),
                List.of("y" + l, "h_n" + l, "c_n" + l), intAttr("hidden_size", RT_HIDDEN)));
    }

    /**
     * A two-layer LSTM stepping one frame, every layer's h and c packed in one state tensor
     * [B, layers, H, 2] as a Keras model for a real-time loop does it (DTLN's in_states[:, l, :, 0]
     * and tf.stack(..., axis=-1)) and tf2onnx exports it: a Slice of two axes and a Squeeze per
     * state in; Unsqueeze and Concat, per kind across the layers and then of the kinds, out.
     */
    static ModelProto packedState(Random random) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("realtime_lstm_packed_state");
        g.addInput(valueInfo("frame", new Object[] {"batch", 1, RT_INPUT}));
        g.addInput(valueInfo("state_in", new Object[] {"batch", 2, RT_HIDDEN, 2}));
        g.addOutput(valueInfo("y", new Object[] {"batch", 1, RT_HIDDEN}));
        g.addOutput(valueInfo("state_out", new Object[] {"batch", 2, RT_HIDDEN, 2}));
        g.addNode(node("Transpose", "to_time_major", List.of("frame"), List.of("x"), intsAttr("perm", 1, 0, 2)));
        init(g, "axes0", ints(0));
        init(g, "axis1", ints(1));
        init(g, "axis3", ints(3));
        init(g, "axes13", ints(1, 3));
        String x = "x";
        int input = RT_INPUT;
        for (int l = 0; l < 2; l++) {
            for (int kind = 0; kind < 2; kind++) {
                String k = kind == 0 ? "h" : "c";
                init(g, k + l + "_starts", ints(l, kind));
                init(g, k + l + "_ends", ints(l + 1, kind + 1));
                g.addNode(node("Slice", "lstm" + l + "/" + k + "_slice", List.of("state_in", k + l + "_starts", k + l + "_ends", "axes13"),
                        List.of(k + l + "_cut")));
                g.addNode(node("Squeeze", "lstm" + l + "/" + k + "_squeeze", List.of(k + l + "_cut", "axes13"), List.of(k + l + "_bh")));
                g.addNode(node("Unsqueeze", "lstm" + l + "/" + k + "_unsqueeze", List.of(k + l + "_bh", "axes0"), List.of(k + "0_" + l)));
            }
            realtimeLstm(g, random, "lstm" + l, l, x, input);
            x = "y" + l + "_s";
            g.addNode(node("Squeeze", "y" + l + "_squeezed", List.of("y" + l, "axis1"), List.of(x)));
            for (String k : List.of("h", "c")) {
                // Keras' state [B, H], stacked on axis 1.
                g.addNode(node("Squeeze", k + "_n" + l + "_squeeze", List.of(k + "_n" + l, "axes0"), List.of(k + "_n" + l + "_bh")));
                g.addNode(node("Unsqueeze", k + "_n" + l + "_unsqueeze", List.of(k + "_n" + l + "_bh", "axis1"), List.of(k + "_n" + l + "_b1h")));
            }
            input = RT_HIDDEN;
        }
        g.addNode(node("Transpose", "to_batch_major", List.of(x), List.of("y"), intsAttr("perm", 1, 0, 2)));
        for (String k : List.of("h", "c")) {
            g.addNode(node("Concat", k + "_stack", List.of(k + "_n0_b1h", k + "_n1_b1h"), List.of(k + "_blh"), intAttr("axis", 1)));
            g.addNode(node("Unsqueeze", k + "_last_axis", List.of(k + "_blh", "axis3"), List.of(k + "_blh1")));
        }
        g.addNode(node("Concat", "state_stack", List.of("h_blh1", "c_blh1"), List.of("state_out"), intAttr("axis", -1)));
        return model(g, 13);
    }

    /**
     * The same network as torch.onnx.export writes a module that takes and returns its states
     * stacked, state [2, layers, B, H] (h, then c): Gather of index 0 and 1, a Slice of each
     * layer's rows; out, Concat of the layers' final states and torch.stack's Unsqueeze and Concat.
     */
    static ModelProto stackedPair(Random random) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("realtime_lstm_stacked_pair");
        g.addInput(valueInfo("frame", new Object[] {"batch", 1, RT_INPUT}));
        g.addInput(valueInfo("state", new Object[] {2, 2, "batch", RT_HIDDEN}));
        g.addOutput(valueInfo("y", new Object[] {"batch", 1, RT_HIDDEN}));
        g.addOutput(valueInfo("new_state", new Object[] {2, 2, "batch", RT_HIDDEN}));
        g.addNode(node("Transpose", "/Transpose", List.of("frame"), List.of("x"), intsAttr("perm", 1, 0, 2)));
        init(g, "axes0", ints(0));
        init(g, "axis1", ints(1));
        for (int kind = 0; kind < 2; kind++) {
            init(g, "index" + kind, Tensor.ofLongs(new int[0], new long[] {kind}));
            g.addNode(node("Gather", "/Gather_" + kind, List.of("state", "index" + kind), List.of((kind == 0 ? "h0" : "c0"))));
        }
        String x = "x";
        int input = RT_INPUT;
        for (int l = 0; l < 2; l++) {
            init(g, "row" + l, ints(l));
            init(g, "row_end" + l, ints(l + 1));
            for (String k : List.of("h", "c")) {
                g.addNode(node("Slice", "/lstm/Slice_" + k + l, List.of(k + "0", "row" + l, "row_end" + l, "axes0"), List.of(k + "0_" + l)));
            }
            realtimeLstm(g, random, "/lstm/LSTM_" + l, l, x, input);
            x = "y" + l + "_s";
            g.addNode(node("Squeeze", "/lstm/Squeeze_" + l, List.of("y" + l, "axis1"), List.of(x)));
            input = RT_HIDDEN;
        }
        g.addNode(node("Transpose", "/Transpose_1", List.of(x), List.of("y"), intsAttr("perm", 1, 0, 2)));
        for (String k : List.of("h", "c")) {
            g.addNode(node("Concat", "/lstm/Concat_" + k, List.of(k + "_n0", k + "_n1"), List.of(k + "_n"), intAttr("axis", 0)));
            g.addNode(node("Unsqueeze", "/Unsqueeze_" + k, List.of(k + "_n", "axes0"), List.of(k + "_stacked")));
        }
        g.addNode(node("Concat", "/Concat", List.of("h_stacked", "c_stacked"), List.of("new_state"), intAttr("axis", 0)));
        return model(g, 13);
    }

    /**
     * Consecutive frames of a real-time graph: each data set after the first feeds back the
     * states ONNX Runtime returned for the one before (zeros for data_0).
     */
    static void writeFrames(OrtEnvironment env, String name, ModelProto model, int frames, List<State> states, String output)
            throws Exception {
        Path dir = Files.createDirectories(OUT.resolve(name));
        Files.write(dir.resolve("model.onnx"), model.toByteArray());
        List<String> ins = states.stream().map(State::input).toList();
        List<String> outs = states.stream().map(State::output).toList();
        Files.writeString(dir.resolve("reference.txt"), "Expected outputs: ONNX Runtime " + env.getVersion()
                + " (Java binding, CPU, 1 intra-op thread) on model.onnx, frame by frame: data_k feeds back the "
                + String.join(" and ", outs) + "\nONNX Runtime returned for data_(k-1) as " + String.join(" and ", ins)
                + " (zeros for data_0).\nGenerated by tools/MakeExporterOnnxFixtures.java.\n");
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        Random random = new Random(name.hashCode());
        Map<String, Tensor> fed = new LinkedHashMap<>();
        for (State s : states) {
            fed.put(s.input(), Tensor.zeros(s.shape()));
        }
        try (OrtSession session = env.createSession(model.toByteArray(), options)) {
            for (int k = 0; k < frames; k++) {
                Path data = Files.createDirectories(dir.resolve("data_" + k));
                Map<String, Tensor> feeds = new LinkedHashMap<>();
                feeds.put("frame", gaussian(random, new int[] {RT_BATCH, 1, RT_INPUT}));
                feeds.putAll(fed);
                Map<String, OnnxTensor> ort = new LinkedHashMap<>();
                for (var e : feeds.entrySet()) {
                    Npy.write(data.resolve(e.getKey() + ".npy"), e.getValue());
                    ort.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().floats()),
                            Arrays.stream(e.getValue().shape()).asLongStream().toArray()));
                }
                try (OrtSession.Result result = session.run(ort)) {
                    List<String> names = new ArrayList<>(List.of(output));
                    names.addAll(outs);
                    for (String o : names) {
                        OnnxTensor t = (OnnxTensor) result.get(o).orElseThrow();
                        int[] shape = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
                        float[] values = new float[t.getFloatBuffer().remaining()];
                        t.getFloatBuffer().get(values);
                        Tensor value = Tensor.ofFloats(shape, values);
                        Npy.write(data.resolve("expected_" + o + ".npy"), value);
                        for (State s : states) {
                            if (s.output().equals(o)) {
                                fed.put(s.input(), value);
                            }
                        }
                    }
                }
                for (OnnxTensor t : ort.values()) {
                    t.close();
                }
            }
        }
        System.out.println("wrote " + dir);
    }

    /** tf2onnx's form of a Keras 3 Functional: Input(STEPS, 2) -> GRU(4) -> BatchNormalization -> Dense(1). */
    static ModelProto gruLoop(Random random) {
        int hidden = 4;
        int input = 2;
        int gates = 3 * hidden;
        GraphProto.Builder g = GraphProto.newBuilder().setName("tf2onnx_gru_loop");
        g.addInput(valueInfo("input", new Object[] {"unk__1", STEPS, input}));
        g.addOutput(valueInfo("output", new Object[] {"unk__1", 1}));
        init(g, "kernel", uniform(random, new int[] {input, gates}, 0.5f));
        init(g, "recurrent_kernel", uniform(random, new int[] {hidden, gates}, 0.5f));
        init(g, "bias", uniform(random, new int[] {2, gates}, 0.2f));
        init(g, "zero", Tensor.ofFloats(new int[0], new float[] {0}));
        init(g, "steps", Tensor.ofLongs(new int[0], new long[] {STEPS}));
        init(g, "steps_f", Tensor.ofFloats(new int[0], new float[] {STEPS}));
        init(g, "time0", Tensor.ofInts(new int[0], new int[] {0}));
        init(g, "starts0", ints(0));
        init(g, "ends1", ints(1));
        init(g, "axes0", ints(0));
        init(g, "units", ints(hidden));
        g.addNode(node("Transpose", "gru/transpose", List.of("input"), List.of("x_tm"), intsAttr("perm", 1, 0, 2)));
        g.addNode(node("Shape", "gru/Shape", List.of("input"), List.of("shape")));
        g.addNode(node("Slice", "gru/strided_slice", List.of("shape", "starts0", "ends1", "axes0"), List.of("batch")));
        g.addNode(node("Concat", "gru/zeros/packed", List.of("batch", "units"), List.of("zeros_shape"), intAttr("axis", 0)));
        g.addNode(node("Expand", "gru/zeros", List.of("zero", "zeros_shape"), List.of("h0")));
        g.addNode(node("Less", "gru/while/Less", List.of("zero", "steps_f"), List.of("less")));
        g.addNode(node("And", "gru/while/LogicalAnd", List.of("less", "less"), List.of("cond")));
        g.addNode(node("Loop", "gru/while_loop", List.of("steps", "cond", "time0", "h0", "bias", "kernel", "recurrent_kernel"),
                List.of("time_f", "h_f", "bias_f", "kernel_f", "rec_f", "scan"),
                AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(gruStep(hidden)).build()));
        init(g, "last", ints(-1));
        init(g, "end", ints(Integer.MAX_VALUE));
        g.addNode(node("Slice", "gru/strided_slice_3", List.of("scan", "last", "end", "axes0"), List.of("scan_last")));
        g.addNode(node("Squeeze", "gru/strided_slice_3__squeeze", List.of("scan_last", "axes0"), List.of("h_last")));
        init(g, "bn_scale", uniform(random, new int[] {hidden}, 2f));
        init(g, "bn_shift", uniform(random, new int[] {hidden}, 0.5f));
        g.addNode(node("Mul", "batch_normalization/mul_1", List.of("h_last", "bn_scale"), List.of("bn_mul")));
        g.addNode(node("Add", "batch_normalization/add_1", List.of("bn_mul", "bn_shift"), List.of("bn")));
        dense(g, random, "output", "bn", hidden, 1, "output");
        return model(g, 13);
    }

    /** One step of a Keras GRU(reset_after=True) as tf2onnx writes the while loop's body. */
    static GraphProto gruStep(int hidden) {
        GraphProto.Builder b = GraphProto.newBuilder().setName("gru_while_body");
        int gates = 3 * hidden;
        b.addInput(typed("iter", TensorProto.DataType.INT64_VALUE));
        b.addInput(typed("cond_in", TensorProto.DataType.BOOL_VALUE));
        b.addInput(typed("time", TensorProto.DataType.INT32_VALUE));
        b.addInput(typed("h", TensorProto.DataType.FLOAT_VALUE, "unk__1", hidden));
        b.addInput(typed("b", TensorProto.DataType.FLOAT_VALUE, 2, gates));
        b.addInput(typed("k", TensorProto.DataType.FLOAT_VALUE, 2, gates));
        b.addInput(typed("r", TensorProto.DataType.FLOAT_VALUE, hidden, gates));
        b.addOutput(typed("cond_out", TensorProto.DataType.BOOL_VALUE));
        b.addOutput(typed("time_next", TensorProto.DataType.INT32_VALUE));
        b.addOutput(typed("h_out", TensorProto.DataType.FLOAT_VALUE, "unk__1", hidden));
        b.addOutput(typed("b", TensorProto.DataType.FLOAT_VALUE, 2, gates));
        b.addOutput(typed("k", TensorProto.DataType.FLOAT_VALUE, 2, gates));
        b.addOutput(typed("r", TensorProto.DataType.FLOAT_VALUE, hidden, gates));
        b.addOutput(typed("h_next", TensorProto.DataType.FLOAT_VALUE, "unk__1", hidden));
        init(b, "one_i", Tensor.ofInts(new int[0], new int[] {1}));
        init(b, "one_f", Tensor.ofFloats(new int[0], new float[] {1}));
        init(b, "steps_f", Tensor.ofFloats(new int[0], new float[] {STEPS}));
        init(b, "axes0", ints(0));
        int big = Integer.MAX_VALUE;
        init(b, "z_starts", ints(0, 0));
        init(b, "z_ends", ints(big, hidden));
        init(b, "r_starts", ints(0, hidden));
        init(b, "r_ends", ints(big, 2 * hidden));
        init(b, "h_starts", ints(0, 2 * hidden));
        init(b, "h_ends", ints(big, big));
        init(b, "slice_axes", ints(0, 1));
        b.addNode(node("Add", "while/add", List.of("time", "one_i"), List.of("time_next")));
        b.addNode(node("Gather", "while/TensorListGetItem", List.of("x_tm", "time"), List.of("x_t")));
        b.addNode(node("Split", "gru_cell/split", List.of("b"), List.of("b_in", "b_rec"), intAttr("axis", 0)));
        b.addNode(node("MatMul", "gru_cell/MatMul", List.of("x_t", "k"), List.of("xk")));
        b.addNode(node("Squeeze", "gru_cell/Squeeze", List.of("b_in", "axes0"), List.of("b_in_s")));
        b.addNode(node("Add", "gru_cell/add", List.of("xk", "b_in_s"), List.of("xp")));
        b.addNode(node("Split", "gru_cell/split_1", List.of("xp"), List.of("xz", "xr", "xh"), intAttr("axis", -1)));
        b.addNode(node("MatMul", "gru_cell/MatMul_1", List.of("h", "r"), List.of("hr")));
        b.addNode(node("Squeeze", "gru_cell/Squeeze_1", List.of("b_rec", "axes0"), List.of("b_rec_s")));
        b.addNode(node("Add", "gru_cell/add_1", List.of("hr", "b_rec_s"), List.of("rp")));
        b.addNode(node("Slice", "gru_cell/strided_slice", List.of("rp", "z_starts", "z_ends", "slice_axes"), List.of("rz")));
        b.addNode(node("Slice", "gru_cell/strided_slice_1", List.of("rp", "r_starts", "r_ends", "slice_axes"), List.of("rr")));
        b.addNode(node("Slice", "gru_cell/strided_slice_2", List.of("rp", "h_starts", "h_ends", "slice_axes"), List.of("rh")));
        b.addNode(node("Add", "gru_cell/add_2", List.of("xz", "rz"), List.of("z_pre")));
        b.addNode(node("Sigmoid", "gru_cell/Sigmoid", List.of("z_pre"), List.of("z")));
        b.addNode(node("Add", "gru_cell/add_3", List.of("xr", "rr"), List.of("r_pre")));
        b.addNode(node("Sigmoid", "gru_cell/Sigmoid_1", List.of("r_pre"), List.of("r_gate")));
        b.addNode(node("Mul", "gru_cell/mul", List.of("r_gate", "rh"), List.of("r_rh")));
        b.addNode(node("Add", "gru_cell/add_4", List.of("xh", "r_rh"), List.of("hh_pre")));
        b.addNode(node("Tanh", "gru_cell/Tanh", List.of("hh_pre"), List.of("hh")));
        b.addNode(node("Sub", "gru_cell/sub", List.of("one_f", "z"), List.of("one_minus_z")));
        b.addNode(node("Mul", "gru_cell/mul_2", List.of("one_minus_z", "hh"), List.of("new_part")));
        b.addNode(node("Mul", "gru_cell/mul_1", List.of("z", "h"), List.of("old_part")));
        b.addNode(node("Add", "gru_cell/add_5", List.of("old_part", "new_part"), List.of("h_next")));
        b.addNode(node("Identity", "while/Identity_4", List.of("h_next"), List.of("h_out")));
        b.addNode(node("Cast", "cond/Cast", List.of("time_next"), List.of("time_f"), intAttr("to", TensorProto.DataType.FLOAT_VALUE)));
        b.addNode(node("Less", "cond/Less", List.of("time_f", "steps_f"), List.of("less_time")));
        b.addNode(node("Cast", "cond/Cast_1", List.of("iter"), List.of("iter_f"), intAttr("to", TensorProto.DataType.FLOAT_VALUE)));
        b.addNode(node("Less", "cond/Less_1", List.of("iter_f", "steps_f"), List.of("less_iter")));
        b.addNode(node("And", "cond/LogicalAnd", List.of("less_iter", "less_time"), List.of("cond_out")));
        return b.build();
    }

    /** A value of this type and shape (none: a scalar). */
    static ValueInfoProto typed(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
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
        } else if (t.type() == io.sequin.tensor.ElementType.INT32) {
            p.setDataType(TensorProto.DataType.INT32_VALUE);
            for (int v : t.ints()) {
                p.addInt32Data(v);
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
