package io.sequin.importer.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static io.sequin.testing.TorchArchives.le;
import static io.sequin.testing.TorchArchives.pickle;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.importer.ImportException;
import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import io.sequin.testing.TorchArchives;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state_dict reader on files PyTorch wrote (fixtures/pytorch-state-dict*, by
 * tools/make-pytorch-state-dict-fixtures.py) and on hostile ones: it refuses any pickle that
 * would call something, any archive that lies about its tensors, and any state_dict that is
 * not a bare recurrent module, each by name. Numbers against PyTorch: OnnxFixtureTest.
 */
class PytorchStateDictTest {
    @TempDir
    Path tmp;

    static Path resource(String name) throws Exception {
        return Path.of(PytorchStateDictTest.class.getResource("/fixtures/" + name).toURI());
    }

    @Test
    void readsTheTensorsOfAStateDict() throws Exception {
        Map<String, Tensor> sd = StateDictReader.read(resource("pytorch-state-dict/lstm/model.pt"));
        assertEquals("[weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0]", sd.keySet().toString());
        assertEquals("[32, 5]", Arrays.toString(sd.get("weight_ih_l0").shape()));
        assertEquals("[32, 8]", Arrays.toString(sd.get("weight_hh_l0").shape()));
        Map<String, Tensor> wrapped = StateDictReader.read(resource("pytorch-state-dict/gru_in_a_wrapper/model.pt"));
        assertTrue(wrapped.keySet().stream().allMatch(k -> k.startsWith("encoder.")), wrapped.keySet().toString());
    }

    @Test
    void refusesWhatIsNotABareRecurrentModule() throws Exception {
        ImportException composite = assertThrows(ImportException.class, () -> convert("composite.pt"));
        assertTrue(composite.getMessage().contains("'1.weight'") && composite.getMessage().contains("--arch"), composite.getMessage());
        // torch.save(module) pickles the module, not a state_dict: the state_dict reader says so (TorchModuleImporter reads it).
        ImportException module = assertThrows(ImportException.class, () -> convert("whole_module.pt"));
        assertTrue(module.getMessage().contains("holds a whole model (torch.save(model)), not a state_dict"), module.getMessage());
    }

    /** A description that does not fit the file is refused naming the layer and what is wrong. */
    @Test
    void refusesADescriptionThatDoesNotFitTheStateDict() throws Exception {
        Map<String, Tensor> sd = StateDictReader.read(resource("pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax/model.pt"));
        String[][] cases = {
            {"{\"layers\": [{\"type\": \"embedding\", \"module\": \"embed\"}, {\"type\": \"rnn\", \"module\": \"rnn\"}]}",
                "parameters of no module", "head.weight"},
            {"{\"layers\": [{\"type\": \"embedding\", \"module\": \"embed\"}, {\"type\": \"rnn\", \"module\": \"rnn\"},"
                + " {\"type\": \"conv1d\", \"module\": \"head\"}]}", "layers[2]", "conv1d"},
            {"{\"layers\": [{\"type\": \"embedding\", \"module\": \"embed\"}, {\"type\": \"linear\", \"module\": \"head\"},"
                + " {\"type\": \"rnn\", \"module\": \"rnn\"}]}", "layers[1]", "[20, 16]"},
            {"{\"layers\": [{\"type\": \"embedding\", \"module\": \"embed\"}, {\"type\": \"rnn\", \"module\": \"encoder\"}]}",
                "layers[1]", "no parameters under 'encoder.'"},
            {"{\"layers\": [{\"type\": \"embedding\", \"module\": \"embed\"}, {\"type\": \"linear\", \"module\": \"head\"}]}",
                "layers[1]", "[20, 16]"},
            {"{\"layers\": 3}", "\"layers\"", "list"},
        };
        for (String[] c : cases) {
            com.fasterxml.jackson.databind.JsonNode arch = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c[0]);
            ImportException e = assertThrows(ImportException.class,
                    () -> TorchComposite.importModel(sd, arch, new TorchRnnImporter.Options()), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
        }
    }

    /**
     * A composite language model (embedding, 2-layer LSTM, linear, log-softmax) streams token by
     * token to the numbers of its whole-sequence run from zero states; the concatenations of the
     * stack's final states are off the stepped chain.
     */
    @Test
    void aCompositeLanguageModelStreamsToItsWholeSequenceNumbers() throws Exception {
        Path dir = resource("pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax");
        Model model = Converter.convert(dir.resolve("model.pt"),
                ConvertOptions.defaults().withArch(dir.resolve("arch.json"))).model();
        Tensor x = Npy.read(dir.resolve("data_0/x.npy"));
        int batch = x.dim(0);
        int seq = x.dim(1);
        for (String kernels : new String[] {"scalar", "panama"}) {
            Kernels k = KernelSelection.select(kernels);
            float[] whole = model.newSession(k).run(Map.of("x", x)).get("y").floats();
            Session streams = model.newSession(k, batch);
            int vocabulary = streams.stepOutputSize();
            float[] ids = new float[batch];
            float[] y = new float[batch * vocabulary];
            double worst = 0;
            for (int t = 0; t < seq; t++) {
                for (int b = 0; b < batch; b++) {
                    ids[b] = x.longs()[b * seq + t];
                }
                streams.step(ids, y);
                for (int b = 0; b < batch; b++) {
                    for (int v = 0; v < vocabulary; v++) {
                        worst = Math.max(worst, Math.abs(whole[(b * seq + t) * vocabulary + v] - y[b * vocabulary + v]));
                    }
                }
            }
            assertTrue(worst <= 1e-5, kernels + ": stepped and whole-sequence outputs differ by " + worst);
        }
    }

    private static void convert(String file) throws Exception {
        TorchRnnImporter.importModel(StateDictReader.read(resource("pytorch-state-dict-unsupported/" + file)),
                new TorchRnnImporter.Options(), "state_dict");
    }

    @Test
    void refusesAPickleThatWouldCallAFunction() throws Exception {
        // The classic: os.system('ls') rebuilt by REDUCE.
        byte[] pickle = pickle(0x80, 2, 'c', "os\nsystem\n", 'X', le(2), "ls", 0x85, 'R', '.');
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(zip("data.pkl", pickle)));
        assertTrue(e.getMessage().contains("os.system") && e.getMessage().contains("refuses"), e.getMessage());
        // An opcode no state_dict uses (INST) is refused before it runs.
        byte[] inst = pickle(0x80, 2, 'i', "os\nsystem\n", '.');
        ImportException op = assertThrows(ImportException.class, () -> StateDictReader.read(zip("data.pkl", inst)));
        assertTrue(op.getMessage().contains("opcode 0x69"), op.getMessage());
    }

    @Test
    void refusesATensorReachingPastItsStorage() throws Exception {
        byte[] pickle = TorchArchives.oneTensor(new long[] {3, 2}, new long[] {2, 1});
        Path file = zip("data.pkl", pickle, "data/0", new byte[16]);
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(file));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("element 5") && e.getMessage().contains("4"), e.getMessage());
    }

    @Test
    void aPickleHoldingItselfIsNamedWithoutEndlessRecursion() throws Exception {
        // {'w': _rebuild_parameter((L,))} where L = [(L,)]: a list inside a tuple inside itself.
        byte[] pickle = pickle(0x80, 2, '}', 'X', le(1), "w", 'c', "torch._utils\n_rebuild_parameter\n",
                ']', 'q', 0, 'h', 0, 0x85, 'a', 0x85, 'R', 's', '.');
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(zip("data.pkl", pickle)));
        assertTrue(e.getMessage().contains("_rebuild_parameter of (list)"), e.getMessage());
    }

    @Test
    void aStrideThatOverflowsIsRefused() throws Exception {
        // (3 - 1) * 2^62 overflows a long.
        byte[] pickle = TorchArchives.oneTensor(new long[] {3}, new long[] {1L << 62});
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(zip("data.pkl", pickle, "data/0", new byte[16])));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("reaches past any storage"), e.getMessage());
    }

    @Test
    void aTruncatedPickleOrArchiveIsNamed() throws Exception {
        byte[] cut = pickle(0x80, 2, '}', 'X', le(100), "w");
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(zip("data.pkl", cut)));
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
        byte[] model = Files.readAllBytes(resource("pytorch-state-dict/lstm/model.pt"));
        Path half = Files.write(tmp.resolve("half.pt"), Arrays.copyOf(model, model.length / 2));
        assertThrows(ImportException.class, () -> StateDictReader.read(half));
    }

    private Path zip(Object... entries) throws Exception {
        return TorchArchives.zip(tmp, entries);
    }
}
