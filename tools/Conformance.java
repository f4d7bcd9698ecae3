// Runs ONNX's own node-test vectors for LSTM, GRU and RNN through the sequin command line, the way
// a user would: `sequin convert` (weights frozen with --const), `sequin run`, then compares every
// output with ONNX's expected .npy under ONNX's node-test tolerance (rtol 1e-3, atol 1e-7, as
// numpy.testing.assert_allclose). Prints each case's max abs error and a closing count.
//
//   java -cp converter/target/sequin.jar tools/Conformance.java ../shared/conformance/onnx [KERNELS]
//
// KERNELS (auto, scalar or panama; default auto) is passed to `sequin run --kernels`.
//
// Expects ./sequin beside tools/ and the conformance folder's cases.json.

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

public class Conformance {
    private static final Set<String> WEIGHT_ROLES = Set.of("W", "R", "B", "P");
    private static final double RTOL = 1e-3;
    private static final double ATOL = 1e-7;

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp converter/target/sequin.jar tools/Conformance.java CONFORMANCE_DIR [KERNELS]");
            System.exit(2);
        }
        String kernels = args.length > 1 ? args[1] : "auto";
        Path dir = Path.of(args[0]);
        Path sequin = Path.of("sequin").toAbsolutePath();
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile()).get("cases");
        Path work = Files.createTempDirectory("sequin-conformance");
        int passed = 0;
        int failed = 0;
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            Path caseWork = Files.createDirectories(work.resolve(name));
            Path sqn = caseWork.resolve("model.sqn");
            List<String> convert = new ArrayList<>(List.of(sequin.toString(), "convert",
                    dir.resolve(c.get("dir").asText()).resolve("model.onnx").toString(), "-o", sqn.toString()));
            List<String> run = new ArrayList<>(List.of(sequin.toString(), "run", sqn.toString(), "--kernels", kernels,
                    "--out", caseWork.resolve("out").toString()));
            for (JsonNode in : c.get("inputs")) {
                String arg = in.get("name").asText() + "=" + dir.resolve(in.get("npy").asText());
                if (WEIGHT_ROLES.contains(in.get("role").asText())) {
                    convert.add("--const");
                    convert.add(arg);
                } else {
                    run.add("--input");
                    run.add(arg);
                }
            }
            String problem = exec(convert, caseWork.resolve("convert.log"));
            if (problem == null) {
                problem = exec(run, caseWork.resolve("run.log"));
            }
            double maxError = 0;
            if (problem == null) {
                for (JsonNode out : c.get("outputs")) {
                    Tensor expected = Npy.read(dir.resolve(out.get("npy").asText()));
                    Path actualFile = caseWork.resolve("out").resolve(out.get("name").asText() + ".npy");
                    if (!Files.exists(actualFile)) {
                        problem = "no output " + out.get("name").asText();
                        break;
                    }
                    Tensor actual = Npy.read(actualFile);
                    if (!Arrays.equals(actual.shape(), expected.shape())) {
                        problem = out.get("name").asText() + " has shape " + Arrays.toString(actual.shape())
                                + ", expected " + Arrays.toString(expected.shape());
                        break;
                    }
                    float[] a = actual.floats();
                    float[] e = expected.floats();
                    for (int i = 0; i < a.length; i++) {
                        double err = Math.abs((double) a[i] - e[i]);
                        maxError = Math.max(maxError, err);
                        if (!(err <= ATOL + RTOL * Math.abs(e[i])) && problem == null) {
                            problem = out.get("name").asText() + "[" + i + "] = " + a[i] + ", expected " + e[i];
                        }
                    }
                }
            }
            if (problem == null) {
                passed++;
                System.out.printf("PASS %-36s max abs error %.3g%n", name, maxError);
            } else {
                failed++;
                System.out.printf("FAIL %-36s %s%n", name, problem);
            }
        }
        System.out.println("conformance (" + kernels + " kernels): " + passed + " passed, " + failed + " failed");
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }

    /** Runs a command; returns null on success, or its last stderr line. */
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
