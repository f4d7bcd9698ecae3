// Converts the real trained Keras and TF.js models in ../shared/real-models with `sequin convert
// FILE -o OUT.sqn` (no other flag), runs each on its reference input with `sequin run`, and compares
// with the reference output TensorFlow.js computed, within atol 1e-4 and rtol 1e-3 (TF.js computes
// in float32). The models are test data only (several have no license or a GPL one), so they stay
// outside the project and are read in place.
//
//   java -cp converter/target/sequin.jar tools/RealModels.java ../shared/real-models [KERNELS]
//
// imdb-gru-keras3, which TF.js cannot run, is compared with tools/real-model-references (PyTorch).
// Models in SUPPORTED must match. Any other model may be refused by convert with a message (a
// known gap, printed as NOT YET), but never convert and then give wrong numbers.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

public class RealModels {
    private static final Set<String> SUPPORTED = Set.of("aind-gru-translation", "traffic-lstm-keras2", "traffic-gru-keras2",
            "tfjs-nietzsche-lstm", "imdb-simplernn-keras3", "traffic-bilstm-keras3", "imdb-gru-keras3", "hu-charlm-lstm-pair");
    /** References made here for models TF.js cannot run (tools/make-imdb-gru-reference.py). */
    private static final Path OWN_REFERENCES = Path.of("tools", "real-model-references");
    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-3;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String kernels = args.length > 1 ? args[1] : "auto";
        Path sequin = Path.of("sequin").toAbsolutePath();
        Path work = Files.createTempDirectory("sequin-real-models");
        int passed = 0;
        int bad = 0;
        for (JsonNode m : new ObjectMapper().readTree(dir.resolve("models.json").toFile()).get("models")) {
            String name = m.get("name").asText();
            Path caseWork = Files.createDirectories(work.resolve(name));
            Path sqn = caseWork.resolve("model.sqn");
            String problem = exec(List.of(sequin.toString(), "convert", dir.resolve(m.get("model_file").asText()).toString(),
                    "-o", sqn.toString()), caseWork.resolve("convert.log"));
            boolean refused = problem != null;
            JsonNode ref = m.get("reference");
            Path refDir = dir.resolve(name);
            List<String> inputs = new ArrayList<>();
            if (ref.path("available").asBoolean()) {
                for (JsonNode f : ref.get("files")) {
                    if (f.asText().startsWith("reference_input")) {
                        inputs.add(f.asText());
                    }
                }
            } else if (Files.exists(OWN_REFERENCES.resolve(name).resolve("reference_output.npy"))) {
                refDir = OWN_REFERENCES.resolve(name);
                inputs.add("reference_input.npy");
            } else if (problem == null) {
                System.out.printf("CONVERTED %-24s no reference output to compare with%n", name);
                continue;
            }
            double maxError = 0;
            if (problem == null) {
                List<String> run = new ArrayList<>(List.of(sequin.toString(), "run", sqn.toString(), "--kernels", kernels,
                        "--out", caseWork.resolve("out").toString()));
                for (int k = 0; k < inputs.size(); k++) {
                    // Several inputs: reference_input_<k> feeds the k-th input models.json lists, by name.
                    String prefix = inputs.size() > 1 ? m.get("inputs").get(k).get("name").asText() + "=" : "";
                    run.add("--input");
                    run.add(prefix + refDir.resolve(inputs.get(k)));
                }
                problem = exec(run, caseWork.resolve("run.log"));
            }
            if (problem == null) {
                Tensor expected = Npy.read(refDir.resolve("reference_output.npy"));
                List<Path> outs = new ArrayList<>();
                try (var s = Files.list(caseWork.resolve("out"))) {
                    s.forEach(outs::add);
                }
                Tensor actual = Npy.read(outs.get(0));
                if (outs.size() != 1 || !Arrays.equals(actual.shape(), expected.shape())) {
                    problem = "output " + outs + " has shape " + Arrays.toString(actual.shape()) + ", expected "
                            + Arrays.toString(expected.shape());
                } else {
                    for (int i = 0; i < actual.size(); i++) {
                        double e = expected.floats()[i];
                        double err = Math.abs(actual.floats()[i] - e);
                        maxError = Math.max(maxError, err);
                        if (!(err <= ATOL + RTOL * Math.abs(e)) && problem == null) {
                            problem = "element " + i + " = " + actual.floats()[i] + ", expected " + e;
                        }
                    }
                }
            }
            if (problem == null) {
                passed++;
                System.out.printf("PASS %-24s max abs error %.3g%n", name, maxError);
            } else if (refused && !SUPPORTED.contains(name)) {
                System.out.printf("NOT YET %-24s %s%n", name, problem);
            } else {
                bad++;
                System.out.printf("FAIL %-24s %s%n", name, problem);
            }
        }
        System.out.println("real models (" + kernels + " kernels): " + passed + " passed, " + bad + " failed");
        System.exit(bad == 0 && passed >= SUPPORTED.size() ? 0 : 1);
    }

    /** Runs a command; returns null on success, or its last output line. */
    private static String exec(List<String> command, Path log) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int rc = p.waitFor();
        if (rc == 0) {
            return null;
        }
        List<String> lines = Files.readAllLines(log);
        return "exit " + rc + ": " + (lines.isEmpty() ? "" : lines.get(lines.size() - 1));
    }
}
