// Converts every case in ../shared/field-models (recurrent models as other exporters write them:
// tf2onnx, keras2onnx, .keras files of renamed layers, weights-only Keras) with the command its
// models.json gives, runs it on the case's inputs with `sequin run`, and compares every expected
// output by name within the case's tolerance (atol 1e-4, rtol 1e-3). The models are test data
// only (several have no license), so they stay outside the project and are read in place.
//
//   java -cp converter/target/sequin.jar tools/FieldModels.java ../shared/field-models [KERNELS]
//
// Cases in SUPPORTED must match. Any other case may be refused by convert with a message (a
// known gap, printed as NOT YET), but never convert and then give wrong numbers.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

public class FieldModels {
    private static final Set<String> SUPPORTED = Set.of("keras3-quant-lstm3", "keras3-sentilyze-bilstm",
            "keras215-ner-bilstm-masked", "weights-only-spam-lstm", "weights-only-power-lstm", "weights-only-emotion-gru",
            "tf2onnx-exercise-lstm", "tf2onnx-gesture-lstm-relu", "keras2onnx-stress-bilstm", "tf2onnx-eurusd-gru-loop");

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String kernels = args.length > 1 ? args[1] : "auto";
        Path sequin = Path.of("sequin").toAbsolutePath();
        Path work = Files.createTempDirectory("sequin-field-models");
        int passed = 0;
        int bad = 0;
        for (JsonNode m : new ObjectMapper().readTree(dir.resolve("models.json").toFile()).get("cases")) {
            String name = m.get("name").asText();
            Path folder = dir.resolve(m.get("folder").asText());
            Path caseWork = Files.createDirectories(work.resolve(name));
            Path sqn = caseWork.resolve("model.sqn");
            String problem = exec(convertCommand(m.get("convert_command").asText(), sequin, folder, sqn), caseWork.resolve("convert.log"));
            boolean refused = problem != null;
            double maxError = 0;
            if (problem == null) {
                List<String> run = new ArrayList<>(List.of(sequin.toString(), "run", sqn.toString(), "--kernels", kernels,
                        "--out", caseWork.resolve("out").toString()));
                for (Iterator<Map.Entry<String, JsonNode>> it = m.get("inputs").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> input = it.next();
                    run.add("--input");
                    run.add(input.getKey() + "=" + folder.resolve(input.getValue().asText()));
                }
                problem = exec(run, caseWork.resolve("run.log"));
            }
            double atol = m.path("tolerance").path("atol").asDouble(1e-4);
            double rtol = m.path("tolerance").path("rtol").asDouble(1e-3);
            for (Iterator<Map.Entry<String, JsonNode>> it = m.get("expected_outputs").fields(); problem == null && it.hasNext(); ) {
                Map.Entry<String, JsonNode> output = it.next();
                Tensor expected = Npy.read(folder.resolve(output.getValue().asText()));
                Path file = caseWork.resolve("out").resolve(output.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".npy");
                if (!Files.exists(file)) {
                    problem = "no output '" + output.getKey() + "'";
                    break;
                }
                Tensor actual = Npy.read(file);
                if (!Arrays.equals(actual.shape(), expected.shape())) {
                    problem = "output " + output.getKey() + " has shape " + Arrays.toString(actual.shape()) + ", expected "
                            + Arrays.toString(expected.shape());
                    break;
                }
                for (int i = 0; i < actual.size(); i++) {
                    double e = expected.floats()[i];
                    double err = Math.abs(actual.floats()[i] - e);
                    maxError = Math.max(maxError, err);
                    if (!(err <= atol + rtol * Math.abs(e)) && problem == null) {
                        problem = output.getKey() + " element " + i + " = " + actual.floats()[i] + ", expected " + e;
                    }
                }
            }
            if (problem == null) {
                passed++;
                System.out.printf("PASS %-28s max abs error %.3g%n", name, maxError);
            } else if (refused && !SUPPORTED.contains(name)) {
                System.out.printf("NOT YET %-28s %s%n", name, problem);
            } else {
                bad++;
                System.out.printf("FAIL %-28s %s%n", name, problem);
            }
        }
        System.out.println("field models (" + kernels + " kernels): " + passed + " passed, " + bad + " failed");
        System.exit(bad == 0 && passed >= SUPPORTED.size() ? 0 : 1);
    }

    /** models.json's "./sequin convert A [--flag B] -o OUT": files resolved in the case folder, the output ours. */
    private static List<String> convertCommand(String command, Path sequin, Path folder, Path sqn) {
        List<String> words = new ArrayList<>(Arrays.asList(command.trim().split("\\s+")));
        if (words.size() < 3 || !words.get(0).equals("./sequin") || !words.get(1).equals("convert")) {
            throw new IllegalArgumentException("not a sequin convert command: " + command);
        }
        List<String> out = new ArrayList<>(List.of(sequin.toString(), "convert"));
        for (int i = 2; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("-o") || w.equals("--output")) {
                out.add("-o");
                out.add(sqn.toString());
                i++;
            } else if (w.startsWith("-")) {
                out.add(w);
            } else {
                out.add(folder.resolve(w).toString());
            }
        }
        return out;
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
