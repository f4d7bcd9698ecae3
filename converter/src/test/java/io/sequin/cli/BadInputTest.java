package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the command line: exit code 1 (2 for usage), exactly one line on stderr that
 * names the problem, no stack trace, and no output file left behind.
 */
class BadInputTest {
    @TempDir
    Path tmp;
    Path fixture;
    Path sqn;

    @BeforeEach
    void convertGoodModel() throws Exception {
        fixture = OnnxFixtureTest.root().resolve("lstm_forward_random");
        sqn = tmp.resolve("good.sqn");
        CliRunner.run("convert", fixture.resolve("model.onnx").toString(), "-o", sqn.toString()).requireSuccess();
    }

    private static void assertOneLineFailure(CliRunner r, int exitCode, String... mentions) {
        assertEquals(exitCode, r.exitCode, "exit code; stderr: " + r.err);
        String[] lines = r.err.strip().split("\n");
        assertEquals(1, lines.length, "one line on stderr, got: " + r.err);
        assertTrue(lines[0].startsWith("sequin: "), lines[0]);
        assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
        for (String m : mentions) {
            assertTrue(lines[0].contains(m), "stderr should mention '" + m + "': " + lines[0]);
        }
    }

    private void assertNothingWritten(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals("[]", Arrays.toString(s.filter(p -> !p.equals(sqn)).toArray()), "files left behind");
        }
    }

    @Test
    void truncatedOnnx() throws Exception {
        byte[] model = Files.readAllBytes(fixture.resolve("model.onnx"));
        Path bad = Files.write(tmp.resolve("truncated.onnx"), Arrays.copyOf(model, model.length / 2));
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", bad.toString(), "-o", out.resolve("m.sqn").toString()), 1,
                "truncated.onnx", "ONNX");
        assertNothingWritten(out);
    }

    @Test
    void garbageOnnx() throws Exception {
        Path bad = Files.writeString(tmp.resolve("garbage.onnx"), "this is not a model at all, just text\n".repeat(20));
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", bad.toString(), "-o", out.resolve("m.sqn").toString()), 1, "garbage.onnx");
        assertNothingWritten(out);
    }

    @Test
    void unsupportedOperator() throws Exception {
        // The fixture's model with its LSTM node renamed to an op Sequin does not import.
        var model = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(fixture.resolve("model.onnx")));
        var graph = model.getGraph().toBuilder();
        graph.setNode(0, graph.getNode(0).toBuilder().setOpType("Conv").setName("conv1"));
        Path bad = Files.write(tmp.resolve("conv.onnx"), model.toBuilder().setGraph(graph).build().toByteArray());
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", bad.toString(), "-o", out.resolve("m.sqn").toString()), 1,
                "conv1", "Conv", "not supported");
        assertNothingWritten(out);
    }

    /** Every unsupported operator at once, with its count and first node, not only the first met. */
    @Test
    void everyUnsupportedOperatorIsListedAtOnce() throws Exception {
        var model = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(fixture.resolve("model.onnx")));
        var graph = model.getGraph().toBuilder();
        graph.setNode(0, graph.getNode(0).toBuilder().setOpType("Conv").setName("conv1"));
        graph.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Conv").setName("conv2").addInput("X").addOutput("c2"));
        graph.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Scan").setName("scan").addOutput("s"));
        Path bad = Files.write(tmp.resolve("ops.onnx"), model.toBuilder().setGraph(graph).build().toByteArray());
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", bad.toString(), "-o", out.resolve("m.sqn").toString()), 1,
                "2 operators that are not supported: Conv (2 nodes, first 'conv1'), Scan (1 node, first 'scan')");
        assertNothingWritten(out);
    }


    @Test
    void pytorchOptionsOnAnOnnxFileAreAUsageError() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", fixture.resolve("model.onnx").toString(), "-o", out.resolve("m.sqn").toString(),
                "--nonlinearity", "relu"), 2, "--nonlinearity", "state_dict");
        assertNothingWritten(out);
    }

    /** torch.save(module) of a bare GRU: read as the module's class name and attributes, never run, and converted. */
    @Test
    void aPickledBareModuleConverts() throws Exception {
        Path module = Path.of(BadInputTest.class.getResource("/fixtures/pytorch-state-dict-unsupported/whole_module.pt").toURI());
        Path out = Files.createDirectories(tmp.resolve("out"));
        CliRunner.run("convert", module.toString(), "-o", out.resolve("m.sqn").toString()).requireSuccess();
    }

    /** --const is for ONNX graph inputs; a Keras file is named as what it is. */
    @Test
    void constOnAKerasFileNamesItsKind() throws Exception {
        Path h5 = OnnxFixtureTest.root().resolveSibling("keras-h5").resolve("bidirectional_gru_merge_ave/model.h5");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path w = tmp.resolve("w.npy");
        Npy.write(w, Tensor.ofFloats(new int[] {1}, new float[] {0}));
        assertOneLineFailure(CliRunner.run("convert", h5.toString(), "-o", out.resolve("m.sqn").toString(), "--const", "W=" + w), 2,
                "--const freezes ONNX graph inputs", "is a Keras .h5 file");
        assertNothingWritten(out);
    }

    /** A whole PyTorch model of a user-defined class: refused with the modules it holds and a pointer to --arch; never run. */
    @Test
    void aUserDefinedTorchModelIsRefusedWithItsModules() throws Exception {
        Path pt = OnnxFixtureTest.root().resolveSibling("pytorch-module-unsupported").resolve("user_class/model.pt");
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", pt.toString(), "-o", out.resolve("m.sqn").toString()), 1,
                "a Tagger (__main__.Tagger) holding embed (Embedding), rnn (GRU), head (Linear)", "its forward is code", "--arch");
        Path whole = OnnxFixtureTest.root().resolveSibling("pytorch-module").resolve("rnn_relu/model.pt");
        assertOneLineFailure(CliRunner.run("convert", whole.toString(), "--batch-first", "-o", out.resolve("m.sqn").toString()), 2,
                "holds a whole model (torch.save(model)), which records them itself");
        assertNothingWritten(out);
    }

    /** A Keras model given as to_json and save_weights: either file alone says what is missing. */
    @Test
    void eitherHalfOfAWeightsOnlyKerasModelSaysWhatIsMissing() throws Exception {
        Path dir = OnnxFixtureTest.root().resolveSibling("keras-weights-only").resolve("lstm_sequences_dense_softmax_keras2");
        Path out = Files.createDirectories(tmp.resolve("out"));
        String sqn = out.resolve("m.sqn").toString();
        assertOneLineFailure(CliRunner.run("convert", dir.resolve("model.json").toString(), "-o", sqn), 2,
                "is a Keras architecture (model.to_json()), which holds no weights", "--keras-weights");
        assertOneLineFailure(CliRunner.run("convert", dir.resolve("weights.h5").toString(), "-o", sqn), 1,
                "holds weights only (model.save_weights)", "--keras-weights weights.h5");
        Path h5 = OnnxFixtureTest.root().resolveSibling("keras-h5").resolve("bidirectional_gru_merge_ave/model.h5");
        assertOneLineFailure(CliRunner.run("convert", h5.toString(), "--keras-weights", dir.resolve("weights.h5").toString(),
                "-o", sqn), 2, "--keras-weights goes with a Keras architecture", "is a Keras .h5 file");
        assertOneLineFailure(CliRunner.run("convert", dir.resolve("model.json").toString(), "--keras-weights",
                dir.resolve("model.json").toString(), "-o", sqn), 1, "model.json: not a readable HDF5 file");
        assertNothingWritten(out);
    }

    @Test
    void weightLeftAsGraphInputAsksForConst() throws Exception {
        var m = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(fixture.resolve("model.onnx")));
        var graph = m.getGraph().toBuilder();
        var w = graph.getInitializer(0);
        graph.removeInitializer(0);
        graph.addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(w.getName()).setType(
                ai.onnx.proto.OnnxMl.TypeProto.newBuilder().setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(1).setShape(ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(w.getDims(0)))
                                .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(w.getDims(1)))
                                .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(w.getDims(2)))))));
        Path bad = Files.write(tmp.resolve("w_input.onnx"), m.toBuilder().setGraph(graph).build().toByteArray());
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertOneLineFailure(CliRunner.run("convert", bad.toString(), "-o", out.resolve("m.sqn").toString()), 1,
                "--const " + w.getName() + "=");
        assertNothingWritten(out);
        // Frozen with a wrong-dtype .npy, the constant is refused by name.
        Path ints = tmp.resolve("w.npy");
        Npy.write(ints, Tensor.ofInts(new int[] {(int) w.getDims(0), (int) w.getDims(1), (int) w.getDims(2)},
                new int[(int) (w.getDims(0) * w.getDims(1) * w.getDims(2))]));
        assertOneLineFailure(CliRunner.run("convert", bad.toString(), "-o", out.resolve("m.sqn").toString(),
                "--const", w.getName() + "=" + ints), 1, "W", "int32", "float32");
        assertNothingWritten(out);
    }

    @Test
    void inputOfWrongDtype() throws Exception {
        Path x = Files.createDirectories(tmp.resolve("x")).resolve("X.npy");
        Npy.write(x, Tensor.ofInts(new int[] {5, 4, 4}, new int[80]));
        Path out = tmp.resolve("out");
        CliRunner r = CliRunner.run("run", sqn.toString(), "--input", "X=" + x, "--input", "initial_h=" + x,
                "--input", "initial_c=" + x, "--out", out.toString());
        assertOneLineFailure(r, 1, "X", "int32", "float32");
        assertFalse(Files.exists(out));
    }

    @Test
    void inputOfWrongShape() throws Exception {
        Path data = fixture.resolve("data_0");
        Path x = tmp.resolve("X.npy");
        Npy.write(x, Tensor.zeros(5, 4, 3));   // the model's input size is 4
        Path out = tmp.resolve("out");
        CliRunner r = CliRunner.run("run", sqn.toString(), "--input", "X=" + x, "--input", "initial_h=" + data.resolve("initial_h.npy"),
                "--input", "initial_c=" + data.resolve("initial_c.npy"), "--out", out.toString());
        assertOneLineFailure(r, 1, "X", "[5, 4, 3]", "[seq, batch, 4]");
        assertFalse(Files.exists(out));
    }

    @Test
    void missingInput() throws Exception {
        Path data = fixture.resolve("data_0");
        Path out = tmp.resolve("out");
        CliRunner r = CliRunner.run("run", sqn.toString(), "--input", "initial_h=" + data.resolve("initial_h.npy"), "--out", out.toString());
        assertOneLineFailure(r, 1, "'X'", "missing");
        assertFalse(Files.exists(out));
    }

    /** Initial states are optional inputs: left out, they are zero, as ONNX's absent initial_h. */
    @Test
    void leftOutInitialStatesAreZero() throws Exception {
        Path data = fixture.resolve("data_0");
        Path zeros = tmp.resolve("zeros.npy");
        Tensor h = Npy.read(data.resolve("initial_h.npy"));
        Npy.write(zeros, Tensor.zeros(h.shape()));
        CliRunner.run("run", sqn.toString(), "--input", data.resolve("X.npy").toString(), "--out", tmp.resolve("without").toString())
                .requireSuccess();
        CliRunner.run("run", sqn.toString(), "--input", "X=" + data.resolve("X.npy"), "--input", "initial_h=" + zeros,
                "--input", "initial_c=" + zeros, "--out", tmp.resolve("with").toString()).requireSuccess();
        assertArrayEquals(Npy.read(tmp.resolve("with/Y.npy")).floats(), Npy.read(tmp.resolve("without/Y.npy")).floats());
        String inspect = CliRunner.run("inspect", sqn.toString()).requireSuccess().out;
        assertTrue(inspect.contains("initial_h") && inspect.contains("(optional"), inspect);
    }

    @Test
    void unknownInput() throws Exception {
        Path data = fixture.resolve("data_0");
        Path out = tmp.resolve("out");
        CliRunner r = CliRunner.run("run", sqn.toString(), "--input", "X=" + data.resolve("X.npy"),
                "--input", "initial_h=" + data.resolve("initial_h.npy"), "--input", "initial_c=" + data.resolve("initial_c.npy"),
                "--input", "bogus=" + data.resolve("X.npy"), "--out", out.toString());
        assertOneLineFailure(r, 1, "bogus", "X", "initial_h");
        assertFalse(Files.exists(out));
    }

    @Test
    void unnamedInputWithSeveralModelInputs() throws Exception {
        Path two = Path.of(BadInputTest.class.getResource("/fixtures/tfjs/functional_two_inputs_concatenate").toURI());
        Path model = tmp.resolve("two.sqn");
        CliRunner.run("convert", two.resolve("model.json").toString(), "-o", model.toString()).requireSuccess();
        Path out = tmp.resolve("out");
        CliRunner r = CliRunner.run("run", model.toString(), "--input", two.resolve("data_0/left.npy").toString(), "--out", out.toString());
        assertOneLineFailure(r, 1, "NAME=FILE.npy", "left", "right");
    }

    @Test
    void corruptModel() throws Exception {
        byte[] bytes = Files.readAllBytes(sqn);
        Path bad = Files.write(tmp.resolve("corrupt.sqn"), Arrays.copyOf(bytes, bytes.length - 100));
        Path out = tmp.resolve("out");
        assertOneLineFailure(CliRunner.run("run", bad.toString(), "--input", "X=" + fixture.resolve("data_0/X.npy"), "--out", out.toString()),
                1, "corrupt.sqn", "invalid model");
        assertOneLineFailure(CliRunner.run("inspect", bad.toString()), 1, "corrupt.sqn");
        assertFalse(Files.exists(out));
        Path notModel = Files.writeString(tmp.resolve("text.sqn"), "hello");
        assertOneLineFailure(CliRunner.run("inspect", notModel.toString()), 1, "text.sqn");
    }

    @Test
    void badNpy() throws Exception {
        byte[] good = Npy.toBytes(Tensor.zeros(5, 4, 4));
        Path truncated = Files.write(tmp.resolve("truncated.npy"), Arrays.copyOf(good, good.length - 7));
        Path out = tmp.resolve("out");
        assertOneLineFailure(CliRunner.run("run", sqn.toString(), "--input", "X=" + truncated, "--out", out.toString()),
                1, "truncated.npy", "bad .npy");
        assertFalse(Files.exists(out));
    }

    @Test
    void missingFile() {
        assertOneLineFailure(CliRunner.run("inspect", tmp.resolve("nope.sqn").toString()), 1, "nope.sqn");
        assertOneLineFailure(CliRunner.run("convert", tmp.resolve("nope.onnx").toString(), "-o", tmp.resolve("m.sqn").toString()), 1, "nope.onnx");
    }

    @Test
    void usageErrors() {
        assertOneLineFailure(CliRunner.run("convert"), 2, "SRC");
        assertOneLineFailure(CliRunner.run("run", sqn.toString()), 2, "--input");
        assertOneLineFailure(CliRunner.run("frobnicate"), 2, "frobnicate");
        assertOneLineFailure(CliRunner.run("run", sqn.toString(), "--input", "X=a.npy", "--out", "o", "--kernels", "gpu"), 2, "gpu");
        assertOneLineFailure(CliRunner.run("convert", "a.onnx", "-o", "b.sqn", "--weights", "int4"), 2, "int4");
        assertOneLineFailure(CliRunner.run(), 2, "command");
    }
}
