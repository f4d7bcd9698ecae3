// Writes the ONNX fixtures of the converter's tests: random-weight LSTM, GRU and RNN models that
// cover what ONNX's own vectors miss (random weights for every op, clip, activations with alpha
// and beta, input_forget, linear_before_reset, sequence_lens shorter than the sequence with
// reverse and bidirectional, layout 1, batch > 1), and their expected outputs computed by
// ONNX Runtime's Java binding (CPU, 1 thread): a reference we did not write.
//
// ORT rejects layout=1 ("Batchwise recurrent operations (layout == 1) are not supported"), so a
// layout-1 case is computed by ORT on its layout-0 twin (same weights and attributes) with the
// inputs transposed to time-major and the outputs transposed back. reference.txt in each case
// says which way its numbers were made.
//
// Each case has two data sets with different sequence lengths and batch sizes: the models have
// dynamic sequence and batch dimensions.
//
// Run with tools/make-onnx-fixtures.sh (it supplies the classpath), from the project root.

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OnnxTensor;
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
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

public class MakeOnnxFixtures {
    static final Path OUT = Path.of("converter/src/test/resources/fixtures/onnx");
    /** The model `sequin demo` converts and checks, bundled in the command line's jar. */
    static final Path DEMO = Path.of("converter/src/main/resources/io/sequin/demo");

    /** One fixture: an op, its attributes, which optional inputs it has, and two (seq, batch) data sets. */
    record Case(String name, String op, String direction, int input, int hidden, int layout,
                boolean bias, boolean peepholes, boolean sequenceLens, boolean initialStates,
                List<String> activations, List<Float> alphas, List<Float> betas,
                Float clip, boolean inputForget, boolean linearBeforeReset, int[][] dataSets) {
        int directions() {
            return direction.equals("bidirectional") ? 2 : 1;
        }

        int gates() {
            return op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1;
        }
    }

    static final int[][] DATA = {{5, 4}, {3, 2}};

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        List<String> none = List.of();
        List<Float> noF = List.of();
        c.add(new Case("lstm_forward_random", "LSTM", "forward", 4, 6, 0, true, false, false, true, none, noF, noF, null, false, false, DATA));
        c.add(new Case("lstm_peepholes_clip", "LSTM", "forward", 3, 5, 0, true, true, false, true, none, noF, noF, 0.4f, false, false, DATA));
        c.add(new Case("lstm_input_forget", "LSTM", "forward", 3, 4, 0, true, true, false, false, none, noF, noF, null, true, false, DATA));
        c.add(new Case("lstm_activations_bidirectional", "LSTM", "bidirectional", 3, 4, 0, true, false, false, true,
                List.of("HardSigmoid", "ScaledTanh", "Affine", "Sigmoid", "Elu", "Softsign"),
                List.of(0.3f, 1.1f, 0.5f, 0.9f), List.of(0.45f, 0.8f, 0.1f), null, false, false, DATA));
        c.add(new Case("lstm_reverse_sequence_lens", "LSTM", "reverse", 3, 5, 0, true, false, true, true, none, noF, noF, null, false, false, DATA));
        c.add(new Case("lstm_bidirectional_sequence_lens", "LSTM", "bidirectional", 4, 3, 0, true, true, true, true, none, noF, noF, 0.9f, false, false, DATA));
        c.add(new Case("lstm_layout1_bidirectional", "LSTM", "bidirectional", 3, 4, 1, true, true, true, true, none, noF, noF, null, false, false, DATA));
        c.add(new Case("gru_forward_random", "GRU", "forward", 4, 6, 0, true, false, false, true, none, noF, noF, null, false, false, DATA));
        c.add(new Case("gru_linear_before_reset_bidirectional", "GRU", "bidirectional", 3, 5, 0, true, false, true, true, none, noF, noF, null, false, true, DATA));
        c.add(new Case("gru_reverse_clip_sequence_lens", "GRU", "reverse", 3, 4, 0, true, false, true, true, none, noF, noF, 0.5f, false, false, DATA));
        c.add(new Case("gru_activations", "GRU", "forward", 3, 4, 0, true, false, false, false,
                List.of("HardSigmoid", "LeakyRelu"), List.of(0.25f, 0.05f), List.of(0.55f), null, false, true, DATA));
        c.add(new Case("gru_layout1_linear_before_reset", "GRU", "bidirectional", 3, 4, 1, true, false, true, true, none, noF, noF, null, false, true, DATA));
        c.add(new Case("rnn_forward_random", "RNN", "forward", 4, 6, 0, true, false, false, true, none, noF, noF, null, false, false, DATA));
        c.add(new Case("rnn_bidirectional_sequence_lens", "RNN", "bidirectional", 3, 4, 0, true, false, true, true, none, noF, noF, null, false, false, DATA));
        c.add(new Case("rnn_relu_thresholded_relu", "RNN", "bidirectional", 3, 4, 0, true, false, false, false,
                List.of("Relu", "ThresholdedRelu"), List.of(0.1f), noF, null, false, false, DATA));
        c.add(new Case("rnn_softplus_clip_reverse", "RNN", "reverse", 3, 4, 0, true, false, true, true,
                List.of("Softplus"), noF, noF, 0.7f, false, false, DATA));
        c.add(new Case("rnn_layout1_reverse", "RNN", "reverse", 3, 5, 1, true, false, true, true, none, noF, noF, null, false, false, DATA));
        return c;
    }

    public static void main(String[] args) throws Exception {
        for (Path dir : List.of(OUT, DEMO)) {
            if (Files.exists(dir)) {
                try (var walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (Case c : cases()) {
            write(env, c, OUT.resolve(c.name()));
            System.out.println("wrote " + OUT.resolve(c.name()));
        }
        Case demo = new Case("demo", "LSTM", "bidirectional", 8, 16, 0, true, false, true, true, List.of(), List.of(), List.of(),
                null, false, false, new int[][] {{12, 3}});
        write(env, demo, DEMO);
        System.out.println("wrote " + DEMO);
    }

    static void write(OrtEnvironment env, Case c, Path dir) throws Exception {
        Random random = new Random(c.name().hashCode());
        int d = c.directions();
        int rows = c.gates() * c.hidden();
        float scale = (float) (1 / Math.sqrt(c.hidden()));
        Map<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("W", uniform(random, new int[] {d, rows, c.input()}, scale));
        weights.put("R", uniform(random, new int[] {d, rows, c.hidden()}, scale));
        if (c.bias()) {
            weights.put("B", uniform(random, new int[] {d, 2 * rows}, scale));
        }
        if (c.peepholes()) {
            weights.put("P", uniform(random, new int[] {d, 3 * c.hidden()}, scale));
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), model(c, weights, c.layout()).toByteArray());
        byte[] reference = model(c, weights, 0).toByteArray();
        String how = c.layout() == 0
                ? "Expected outputs: ONNX Runtime " + env.getVersion() + " (Java binding, CPU, 1 intra-op thread) on model.onnx."
                : "Expected outputs: ONNX Runtime " + env.getVersion() + " (Java binding, CPU, 1 intra-op thread) on the layout-0 twin\n"
                  + "of model.onnx (ORT rejects layout=1), with X and the initial states transposed to time-major\n"
                  + "and Y, Y_h, Y_c transposed back to batch-major.";
        Files.writeString(dir.resolve("reference.txt"), how + "\nGenerated by tools/MakeOnnxFixtures.java.\n");

        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        try (OrtSession session = env.createSession(reference, options)) {
            for (int k = 0; k < c.dataSets().length; k++) {
                int seq = c.dataSets()[k][0];
                int batch = c.dataSets()[k][1];
                Path data = Files.createDirectories(dir.resolve("data_" + k));
                // Inputs in the fixture's own layout.
                Map<String, Tensor> inputs = new LinkedHashMap<>();
                inputs.put("X", gaussian(random, c.layout() == 0 ? new int[] {seq, batch, c.input()} : new int[] {batch, seq, c.input()}));
                if (c.sequenceLens()) {
                    int[] lens = new int[batch];
                    for (int b = 0; b < batch; b++) {
                        lens[b] = b == 0 ? seq : (b * 7 + 3) % (seq + 1);
                    }
                    inputs.put("sequence_lens", Tensor.ofInts(new int[] {batch}, lens));
                }
                if (c.initialStates()) {
                    int[] state = c.layout() == 0 ? new int[] {d, batch, c.hidden()} : new int[] {batch, d, c.hidden()};
                    inputs.put("initial_h", gaussian(random, state));
                    if (c.op().equals("LSTM")) {
                        inputs.put("initial_c", gaussian(random, state));
                    }
                }
                Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
                for (var e : inputs.entrySet()) {
                    Npy.write(data.resolve(e.getKey() + ".npy"), e.getValue());
                    Tensor t = e.getValue();
                    if (c.layout() == 1 && !e.getKey().equals("sequence_lens")) {
                        t = swapFirstTwo(t);
                    }
                    feeds.put(e.getKey(), onnxTensor(env, t));
                }
                try (OrtSession.Result result = session.run(feeds)) {
                    for (String output : outputs(c)) {
                        OnnxTensor o = (OnnxTensor) result.get(output).orElseThrow();
                        int[] shape = Arrays.stream(o.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
                        float[] values = new float[o.getFloatBuffer().remaining()];
                        o.getFloatBuffer().get(values);
                        Tensor t = Tensor.ofFloats(shape, values);
                        if (c.layout() == 1) {
                            // Y [S, D, B, H] -> [B, S, D, H]; states [D, B, H] -> [B, D, H].
                            t = output.equals("Y") ? permute(t, new int[] {2, 0, 1, 3}) : swapFirstTwo(t);
                        }
                        Npy.write(data.resolve("expected_" + output + ".npy"), t);
                    }
                }
                for (OnnxTensor t : feeds.values()) {
                    t.close();
                }
            }
        }
    }

    static List<String> outputs(Case c) {
        return c.op().equals("LSTM") ? List.of("Y", "Y_h", "Y_c") : List.of("Y", "Y_h");
    }

    static ModelProto model(Case c, Map<String, Tensor> weights, int layout) {
        GraphProto.Builder g = GraphProto.newBuilder().setName(c.name());
        List<String> nodeInputs = new ArrayList<>(List.of("X", "W", "R", c.bias() ? "B" : "",
                c.sequenceLens() ? "sequence_lens" : "", c.initialStates() ? "initial_h" : ""));
        if (c.op().equals("LSTM")) {
            nodeInputs.add(c.initialStates() ? "initial_c" : "");
            nodeInputs.add(c.peepholes() ? "P" : "");
        }
        while (nodeInputs.get(nodeInputs.size() - 1).isEmpty()) {
            nodeInputs.remove(nodeInputs.size() - 1);
        }
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(c.op()).setName("rnn")
                .addAllInput(nodeInputs).addAllOutput(outputs(c))
                .addAttribute(intAttr("hidden_size", c.hidden()))
                .addAttribute(AttributeProto.newBuilder().setName("direction").setType(AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8(c.direction())));
        if (layout != 0) {
            node.addAttribute(intAttr("layout", layout));
        }
        if (!c.activations().isEmpty()) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName("activations").setType(AttributeProto.AttributeType.STRINGS);
            c.activations().forEach(s -> a.addStrings(ByteString.copyFromUtf8(s)));
            node.addAttribute(a);
        }
        if (!c.alphas().isEmpty()) {
            node.addAttribute(AttributeProto.newBuilder().setName("activation_alpha").setType(AttributeProto.AttributeType.FLOATS).addAllFloats(c.alphas()));
        }
        if (!c.betas().isEmpty()) {
            node.addAttribute(AttributeProto.newBuilder().setName("activation_beta").setType(AttributeProto.AttributeType.FLOATS).addAllFloats(c.betas()));
        }
        if (c.clip() != null) {
            node.addAttribute(AttributeProto.newBuilder().setName("clip").setType(AttributeProto.AttributeType.FLOAT).setF(c.clip()));
        }
        if (c.inputForget()) {
            node.addAttribute(intAttr("input_forget", 1));
        }
        if (c.linearBeforeReset()) {
            node.addAttribute(intAttr("linear_before_reset", 1));
        }
        g.addNode(node);
        for (var e : weights.entrySet()) {
            Tensor t = e.getValue();
            ByteBuffer raw = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(t.floats());
            g.addInitializer(TensorProto.newBuilder().setName(e.getKey()).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .addAllDims(Arrays.stream(t.shape()).mapToObj(Long::valueOf).toList()).setRawData(ByteString.copyFrom(raw.array())));
        }
        int d = c.directions();
        Object[] x = layout == 0 ? new Object[] {"seq", "batch", c.input()} : new Object[] {"batch", "seq", c.input()};
        g.addInput(valueInfo("X", TensorProto.DataType.FLOAT_VALUE, x));
        if (c.sequenceLens()) {
            g.addInput(valueInfo("sequence_lens", TensorProto.DataType.INT32_VALUE, new Object[] {"batch"}));
        }
        Object[] state = layout == 0 ? new Object[] {d, "batch", c.hidden()} : new Object[] {"batch", d, c.hidden()};
        if (c.initialStates()) {
            g.addInput(valueInfo("initial_h", TensorProto.DataType.FLOAT_VALUE, state));
            if (c.op().equals("LSTM")) {
                g.addInput(valueInfo("initial_c", TensorProto.DataType.FLOAT_VALUE, state));
            }
        }
        for (String o : outputs(c)) {
            g.addOutput(ValueInfoProto.newBuilder().setName(o).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("sequin tools/MakeOnnxFixtures.java")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(14)).setGraph(g).build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static ValueInfoProto valueInfo(String name, int elemType, Object[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static OnnxTensor onnxTensor(OrtEnvironment env, Tensor t) throws Exception {
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        return switch (t.type()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), shape);
            case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(t.ints()), shape);
            default -> throw new IllegalArgumentException(t.toString());
        };
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

    static Tensor swapFirstTwo(Tensor t) {
        int[] perm = new int[t.rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[0] = 1;
        perm[1] = 0;
        return permute(t, perm);
    }

    /** Transposes a float tensor: output axis i is input axis perm[i]. */
    static Tensor permute(Tensor t, int[] perm) {
        int[] in = t.shape();
        int rank = in.length;
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = in[perm[i]];
        }
        int[] inStrides = new int[rank];
        int s = 1;
        for (int i = rank - 1; i >= 0; i--) {
            inStrides[i] = s;
            s *= in[i];
        }
        float[] src = t.floats();
        float[] dst = new float[src.length];
        int[] index = new int[rank];
        for (int k = 0; k < dst.length; k++) {
            int offset = 0;
            for (int i = 0; i < rank; i++) {
                offset += index[i] * inStrides[perm[i]];
            }
            dst[k] = src[offset];
            for (int i = rank - 1; i >= 0; i--) {
                if (++index[i] < out[i]) {
                    break;
                }
                index[i] = 0;
            }
        }
        return Tensor.ofFloats(out, dst);
    }
}
