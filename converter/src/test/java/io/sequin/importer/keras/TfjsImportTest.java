package io.sequin.importer.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.importer.ImportException;
import io.sequin.ir.IrDenseLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TF.js files that lie or hold what Sequin does not import fail naming the problem; the numbers
 * of the good ones are checked against TF.js in OnnxFixtureTest (fixtures/tfjs).
 */
class TfjsImportTest {
    @TempDir
    Path tmp;

    /** A copy of a fixture's model.json and weights.bin, with model.json edited. */
    private Path copy(String fixture, Consumer<ObjectNode> edit) throws Exception {
        Path from = Path.of(TfjsImportTest.class.getResource("/fixtures/tfjs/" + fixture).toURI());
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(from.resolve("model.json").toFile());
        edit.accept(json);
        Files.copy(from.resolve("weights.bin"), tmp.resolve("weights.bin"), StandardCopyOption.REPLACE_EXISTING);
        Path out = tmp.resolve("model.json");
        new ObjectMapper().writeValue(out.toFile(), json);
        return out;
    }

    @Test
    void namesAndShapesFollowKeras() throws Exception {
        IrModel ir = KerasImporter.importModel(TfjsReader.read(copy("gru_hard_sigmoid_last_dense", j -> { })));
        assertEquals("rnn_input", ir.inputs.get(0).name(), "a Sequential model's input is named after its first layer");
        assertEquals("[-1, -1, 3]", Arrays.toString(ir.inputs.get(0).shape()));
        assertEquals("head", ir.outputs.get(0).name());
        assertEquals("[-1, 2]", Arrays.toString(ir.outputs.get(0).shape()));
    }

    @Test
    void aShardOutsideTheModelFolderIsRefused() throws Exception {
        Path json = copy("lstm_go_backwards_last", j -> ((ObjectNode) j.get("weightsManifest").get(0)).putArray("paths").add("../../etc/passwd"));
        ImportException e = assertThrows(ImportException.class, () -> TfjsReader.read(json));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void shardsShorterThanTheManifestAreNamed() throws Exception {
        Path json = copy("lstm_go_backwards_last", j -> { });
        byte[] bin = Files.readAllBytes(tmp.resolve("weights.bin"));
        Files.write(tmp.resolve("weights.bin"), Arrays.copyOf(bin, bin.length - 8));
        ImportException e = assertThrows(ImportException.class, () -> TfjsReader.read(json));
        assertTrue(e.getMessage().contains("head/bias") && e.getMessage().contains("bytes"), e.getMessage());
    }

    @Test
    void anUnsupportedLayerIsNamed() throws Exception {
        Path json = copy("lstm_go_backwards_last", j -> ((ObjectNode) j.get("modelTopology").get("config").get("layers").get(1))
                .put("class_name", "Conv1D"));
        ImportException e = assertThrows(ImportException.class, () -> KerasImporter.importModel(TfjsReader.read(json)));
        assertTrue(e.getMessage().contains("'head'") && e.getMessage().contains("Conv1D"), e.getMessage());
    }

    /** Sequin's outputs are distinct tensors that layers compute: the same tensor twice, or an input, is refused. */
    @Test
    void anOutputListedTwiceOrAnInputAsOutputIsRefused() throws Exception {
        Path twice = copy("functional_two_inputs_concatenate", j -> ((ArrayNode) j.get("modelTopology").get("config").get("output_layers"))
                .add(new ObjectMapper().createArrayNode().add("head").add(0).add(0)));
        ImportException e = assertThrows(ImportException.class, () -> KerasImporter.importModel(TfjsReader.read(twice)));
        assertTrue(e.getMessage().contains("model output 'head' is listed twice"), e.getMessage());
        Path input = copy("functional_two_inputs_concatenate", j -> ((ArrayNode) j.get("modelTopology").get("config").get("output_layers"))
                .add(new ObjectMapper().createArrayNode().add("left").add(0).add(0)));
        ImportException i = assertThrows(ImportException.class, () -> KerasImporter.importModel(TfjsReader.read(input)));
        assertTrue(i.getMessage().contains("model output 'left' is a model input"), i.getMessage());
    }

    @Test
    void missingActivationsTakeTheProducersDefaults() throws Exception {
        // Without the keys: a GRU's recurrent activation is hard_sigmoid for TF.js and Keras 2.2, sigmoid
        // for Keras 2.3 on; its activation tanh; a Dense's linear (no activation).
        Path json = copy("gru_hard_sigmoid_last_dense", j -> {
            ObjectNode gru = (ObjectNode) j.get("modelTopology").get("config").get("layers").get(0).get("config");
            gru.remove("recurrent_activation");
            gru.remove("activation");
            ((ObjectNode) j.get("modelTopology").get("config").get("layers").get(1).get("config")).remove("activation");
        });
        KerasModel tfjs = TfjsReader.read(json);
        for (String version : new String[] {"tfjs-layers 4.22.0", "2.2.4", "2.3.1", "3.8.0"}) {
            IrModel ir = KerasImporter.importModel(new KerasModel(tfjs.config, tfjs.weights, version, "h5"));
            var gates = ((IrRecurrentLayer) ir.layers.get(0)).spec.activations();
            boolean old = version.startsWith("tfjs") || version.startsWith("2.2");
            assertEquals(old ? "HARD_SIGMOID" : "SIGMOID", gates.get(0).function().name(), version);
            assertEquals("TANH", gates.get(1).function().name(), version);
            assertEquals(null, ((IrDenseLayer) ir.layers.get(1)).activation, version);
        }
    }

    /** Unsupported layer classes are named, all of them, before any weight is looked up (the weights here are not theirs). */
    @Test
    void unsupportedLayersAreNamedBeforeWeights() throws Exception {
        Path json = copy("lstm_sequences_dense_softmax", j -> {
            ArrayNode layers = (ArrayNode) j.get("modelTopology").get("config").get("layers");
            ObjectNode conv = new ObjectMapper().createObjectNode().put("class_name", "Conv1D");
            conv.putObject("config").put("name", "conv");
            ObjectNode norm = new ObjectMapper().createObjectNode().put("class_name", "LayerNormalization");
            norm.putObject("config").put("name", "norm");
            layers.insert(1, conv);
            layers.add(norm);
        });
        ImportException e = assertThrows(ImportException.class, () -> KerasImporter.importModel(TfjsReader.read(json)));
        assertTrue(e.getMessage().startsWith("the model uses Keras layers that are not supported: Conv1D ('conv'), "
                + "LayerNormalization ('norm');"), e.getMessage());
    }

    /**
     * An Activation('linear') computes nothing, but Keras calls the model's output after it: the
     * output keeps that name, and its values are the fixture's, TF.js's, unchanged.
     */
    @Test
    void aLinearActivationKeepsItsNameForTheOutput() throws Exception {
        Path json = copy("lstm_sequences_dense_softmax", j -> {
            ObjectNode layer = new ObjectMapper().createObjectNode().put("class_name", "Activation");
            layer.putObject("config").put("name", "activation_2").put("activation", "linear");
            ((ArrayNode) j.get("modelTopology").get("config").get("layers")).add(layer);
        });
        Model model = Converter.convert(json, ConvertOptions.defaults()).model();
        assertEquals("activation_2", model.outputs().get(0).name());
        Path data = Path.of(TfjsImportTest.class.getResource("/fixtures/tfjs/lstm_sequences_dense_softmax/data_0").toURI());
        Tensor x = Npy.read(data.resolve("rnn_input.npy"));
        float[] want = Npy.read(data.resolve("expected_head.npy")).floats();
        float[] got = model.newSession().run(Map.of("rnn_input", x)).get("activation_2").floats();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, "element " + i);
        }
    }

    @Test
    void aStatefulLayerCarriesItsStateFromRunToRunUntilReset() throws Exception {
        Path dir = Path.of(TfjsImportTest.class.getResource("/fixtures/tfjs-stateful/lstm_stateful_two_calls").toURI());
        Model model = Converter.convert(dir.resolve("model.json"), ConvertOptions.defaults()).model();
        for (String kernels : new String[] {"scalar", "panama"}) {
            Session session = model.newSession(KernelSelection.select(kernels));
            for (int call = 0; call < 2; call++) {
                Tensor x = Npy.read(dir.resolve("call_" + call + "/rnn_input.npy"));
                Tensor want = Npy.read(dir.resolve("call_" + call + "/expected_head.npy"));
                float[] got = session.run(Map.of("rnn_input", x)).get("head").floats();
                assertEquals(0, maxDifference(want.floats(), got), 1e-5, kernels + " call " + call);
            }
            // After reset the second input starts from zero states again: TF.js's second output no longer follows.
            session.reset();
            Tensor x1 = Npy.read(dir.resolve("call_1/rnn_input.npy"));
            Tensor want1 = Npy.read(dir.resolve("call_1/expected_head.npy"));
            float[] fresh = session.run(Map.of("rnn_input", x1)).get("head").floats();
            assertTrue(maxDifference(want1.floats(), fresh) > 1e-3, kernels + ": the state must matter");
        }
    }

    /**
     * A masked model streamed step by step, padding included, gives TF.js's numbers: a step the
     * mask skips leaves the recurrent state as it was, as in a whole-sequence run.
     */
    @Test
    void maskedStepsAreSkippedWhenStreaming() throws Exception {
        for (String fixture : new String[] {"masking_lstm_sequences", "embedding_mask_zero_gru_last"}) {
            Path dir = Path.of(TfjsImportTest.class.getResource("/fixtures/tfjs/" + fixture).toURI());
            Model model = Converter.convert(dir.resolve("model.json"), ConvertOptions.defaults()).model();
            String input = model.inputs().get(0).name();
            Tensor x = Npy.read(dir.resolve("data_0/" + input + ".npy"));
            float[] want = Npy.read(dir.resolve("data_0/expected_head.npy")).floats();
            int batch = x.dim(0);
            int seq = x.dim(1);
            int width = x.rank() == 3 ? x.dim(2) : 1;
            boolean sequences = want.length > batch * 3;
            for (String kernels : new String[] {"scalar", "panama"}) {
                // All rows as streams of one session, stepped together: rows are masked at different steps.
                Session session = model.newSession(KernelSelection.select(kernels), batch);
                int out = session.stepOutputSize();
                float[] step = new float[batch * width];
                float[] y = new float[batch * out];
                double worst = 0;
                for (int t = 0; t < seq; t++) {
                    for (int b = 0; b < batch; b++) {
                        System.arraycopy(x.floats(), (b * seq + t) * width, step, b * width, width);
                    }
                    session.step(step, y);
                    for (int b = 0; b < batch && (sequences || t == seq - 1); b++) {
                        for (int k = 0; k < out; k++) {
                            int at = sequences ? (b * seq + t) * out + k : b * out + k;
                            worst = Math.max(worst, Math.abs(want[at] - y[b * out + k]));
                        }
                    }
                }
                assertTrue(worst <= 1e-5, fixture + " " + kernels + ": stepped outputs differ from TF.js by " + worst);
            }
        }
    }

    @Test
    void zeroOutputForMaskFollowsTheConfigOrTheProducersBidirectional() throws Exception {
        KerasModel tfjs = TfjsReader.read(copy("masking_bidirectional_lstm_sequences", j -> { }));
        // TF.js's rnn() carries the output at a masked step; Keras 2.2 does too; tf.keras and Keras 3's
        // Bidirectional force zero_output_for_mask = return_sequences on both directions.
        for (String version : new String[] {"tfjs-layers 4.22.0", "2.2.4", "2.2.4-tf", "2.3.1", "3.8.0"}) {
            IrModel ir = KerasImporter.importModel(new KerasModel(tfjs.config, tfjs.weights, version, "h5"));
            IrRecurrentLayer rnn = (IrRecurrentLayer) ir.layers.get(1);
            assertEquals("mask.mask", rnn.inputs.get(4), version);
            boolean zero = !(version.startsWith("tfjs") || version.equals("2.2.4"));
            assertEquals(zero, rnn.spec.layout().zeroMaskedOutputs, version);
        }
        // A layer's own zero_output_for_mask (Keras 3 writes it) decides.
        KerasModel told = TfjsReader.read(copy("masking_bidirectional_lstm_sequences", j -> ((ObjectNode) j.get("modelTopology")
                .get("config").get("layers").get(1).get("config").get("layer").get("config")).put("zero_output_for_mask", true)));
        IrModel ir = KerasImporter.importModel(told);
        assertTrue(((IrRecurrentLayer) ir.layers.get(1)).spec.layout().zeroMaskedOutputs);
    }

    @Test
    void zeroOutputForMaskOnALastStepIsRefused() throws Exception {
        // Keras would output 0 for a sequence whose last step is masked; Sequin says it does not do that.
        Path json = copy("embedding_mask_zero_gru_last", j -> ((ObjectNode) j.get("modelTopology").get("config").get("layers").get(1)
                .get("config")).put("zero_output_for_mask", true));
        ImportException e = assertThrows(ImportException.class, () -> KerasImporter.importModel(TfjsReader.read(json)));
        assertTrue(e.getMessage().contains("'rnn'") && e.getMessage().contains("zero_output_for_mask"), e.getMessage());
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    @Test
    void hardSigmoidFollowsTheProducer() throws Exception {
        // TF.js (and Keras 1-2) mean 0.2x + 0.5; Keras 3 means x/6 + 0.5.
        KerasModel tfjs = TfjsReader.read(copy("gru_hard_sigmoid_last_dense", j -> { }));
        IrModel a = KerasImporter.importModel(tfjs);
        IrModel b = KerasImporter.importModel(new KerasModel(tfjs.config, tfjs.weights, "3.8.0", "keras"));
        assertEquals(0.2f, ((IrRecurrentLayer) a.layers.get(0)).spec.activations().get(0).alpha());
        assertEquals(1f / 6, ((IrRecurrentLayer) b.layers.get(0)).spec.activations().get(0).alpha());
    }
}
