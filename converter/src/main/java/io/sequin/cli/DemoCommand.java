package io.sequin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.convert.Conversion;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.io.AtomicFiles;
import io.sequin.ir.IrModel;
import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sequin demo}: the bundled character-level LSTM language model (trained by PyTorch on
 * the King James Bible, tools/train-charlm.py) converted from its state_dict to f32 and int8,
 * checked against PyTorch's probabilities, used to write text, and timed with each kernel set;
 * then the bundled ONNX LSTM checked against ONNX Runtime's outputs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Converts the bundled character-level LSTM language model (a PyTorch state_dict, trained on the "
                + "King James Bible) to f32 and int8, checks it against PyTorch's probabilities, writes text from a prompt "
                + "by temperature sampling, times a step with the scalar and Panama kernels, and measures how often int8 "
                + "predicts the same next character as f32. Then checks a bundled ONNX LSTM against ONNX Runtime.",
            "Exit code 0 when both checks hold (within 1e-5), 1 otherwise."})
final class DemoCommand implements Callable<Integer> {
    private static final String BASE = "/io/sequin/demo/";
    private static final String LM = "charlm/";
    private static final List<String> ONNX_INPUTS = List.of("X", "sequence_lens", "initial_h", "initial_c");
    private static final List<String> ONNX_OUTPUTS = List.of("Y", "Y_h", "Y_c");
    /** The accuracy the project promises against the source framework in f32. */
    private static final double TOLERANCE = 1e-5;
    /** Steps timed per kernel set, after as many to warm up. */
    private static final int TIMED_STEPS = 2000;

    @Spec
    CommandSpec spec;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "And God said",
            description = "Text the model reads before it writes (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.5",
            description = "Sampling temperature: 0 always takes the likeliest character, 1 samples the model's own "
                    + "probabilities, higher is wilder (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--length", paramLabel = "N", defaultValue = "400", description = "Characters to write (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1611", description = "Seed of the sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (!(temperature >= 0 && temperature <= 100)) {
            throw new ParameterException(spec.commandLine(), "--temperature " + temperature + " is outside [0, 100]");
        }
        if (length < 0 || length > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--length " + length + " is outside [0, 1000000]");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("sequin-demo");
        try {
            out.printf("Sequin %s demo, on %s, Java %s%n%n", SequinCommand.VERSION, KernelSelection.describe(KernelSelection.select("auto")),
                    System.getProperty("java.version"));
            boolean lmOk = languageModel(out, dir);
            out.println();
            boolean onnxOk = onnxCheck(out, dir);
            out.printf("%n%s%n", lmOk && onnxOk ? "OK: Sequin reproduces PyTorch and ONNX Runtime within " + TOLERANCE + "."
                    : "MISMATCH: see the lines above.");
            out.flush();
            return lmOk && onnxOk ? 0 : 1;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The language model's part; returns whether Sequin matched PyTorch. */
    private boolean languageModel(PrintWriter out, Path dir) throws Exception {
        List<String> vocabulary = new ArrayList<>();
        new ObjectMapper().readTree(resource(LM + "vocab.json")).forEach(c -> vocabulary.add(c.asText()));
        Map<Character, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            index.put(vocabulary.get(i).charAt(0), i);
        }
        for (char c : prompt.toCharArray()) {
            if (!index.containsKey(c)) {
                throw new ParameterException(spec.commandLine(), "--prompt: the model has never seen '" + c + "'; it knows "
                        + String.join("", vocabulary).replace("\n", "\\n"));
            }
        }
        out.printf("Language model: %s%n", firstLine(resource(LM + "TRAINING.txt")));
        Path source = dir.resolve("model.pt");
        Files.write(source, resource(LM + "model.pt"));
        Path arch = dir.resolve("arch.json");
        Files.write(arch, resource(LM + "arch.json"));
        ConvertOptions options = ConvertOptions.defaults().withArch(arch);
        IrModel ir = Converter.importModel(source, options);
        Model f32 = write(Converter.convert(ir, options), dir.resolve("charlm-f32.sqn"));
        Model int8 = write(Converter.convert(ir, options.withWeights(WeightType.INT8)), dir.resolve("charlm-int8.sqn"));
        out.printf("1. convert  bundled model.pt (%,d bytes, PyTorch state_dict) with arch.json -> charlm-f32.sqn (%,d bytes), "
                        + "charlm-int8.sqn (%,d bytes)%n", Files.size(source), Files.size(dir.resolve("charlm-f32.sqn")),
                Files.size(dir.resolve("charlm-int8.sqn")));

        // PyTorch's probabilities over the sample text, next character by next character.
        String sample = new String(resource(LM + "sample.txt"), StandardCharsets.UTF_8);
        long[] ids = new long[sample.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = index.get(sample.charAt(i));
        }
        Tensor x = Tensor.ofLongs(new int[] {1, ids.length}, ids);
        float[] reference = Npy.read(resource(LM + "reference_probs.npy")).floats();
        float[] mine = f32.newSession().run(Map.of("x", x)).get("y").floats();
        double worst = maxDifference(reference, mine);
        boolean ok = worst <= TOLERANCE;
        out.printf("2. check    next-character probabilities over %,d characters of the text against PyTorch's: max abs error "
                + "%.2g (%s)%n", ids.length, worst, ok ? "within " + TOLERANCE : "MORE than " + TOLERANCE);

        out.printf("3. write    prompt \"%s\", temperature %s, %d characters (f32):%n%n", prompt, temperature, length);
        for (String line : generate(f32, index, vocabulary).split("\n", -1)) {
            out.printf("   %s%n", line);
        }
        out.println();

        List<String> timings = new ArrayList<>();
        double scalar = timePerStep(f32, KernelSelection.select("scalar"));
        timings.add(String.format("scalar %.1f µs", scalar));
        if (KernelSelection.select("auto").vectorLanes() > 1) {
            Kernels panama = KernelSelection.select("panama");
            double vector = timePerStep(f32, panama);
            double quantized = timePerStep(int8, panama);
            timings.add(String.format("panama %.1f µs (%.1fx scalar)", vector, scalar / vector));
            timings.add(String.format("panama int8 %.1f µs (%.1fx scalar)", quantized, scalar / quantized));
        } else {
            timings.add("panama unavailable: " + KernelSelection.panamaUnavailableReason());
        }
        out.printf("4. speed    one character (a step of the whole model), mean of %,d steps after %,d to warm up: %s%n",
                TIMED_STEPS, TIMED_STEPS, String.join("; ", timings));
        out.printf("            (a quick timer for a first look; the benchmarks in bench/ measure with JMH)%n");

        float[] quantized = int8.newSession().run(Map.of("x", x)).get("y").floats();
        int positions = ids.length;
        int agree = 0;
        int width = vocabulary.size();
        for (int p = 0; p < positions; p++) {
            agree += argmax(mine, p * width, width) == argmax(quantized, p * width, width) ? 1 : 0;
        }
        out.printf("5. int8     same likeliest next character as f32 at %,d of %,d positions (%.2f%%); probabilities differ by at "
                + "most %.3f%n", agree, positions, 100.0 * agree / positions, maxDifference(mine, quantized));
        return ok;
    }

    /** Writes the converted model to {@code file} and loads it from there, as a user would. */
    private static Model write(Conversion conversion, Path file) throws Exception {
        AtomicFiles.write(file, conversion.sqn());
        return Model.load(file);
    }

    /** Reads the prompt, then samples {@link #length} characters, one step at a time. */
    private String generate(Model model, Map<Character, Integer> index, List<String> vocabulary) {
        Session session = model.newSession();
        float[] x = new float[1];
        float[] probabilities = new float[session.stepOutputSize()];
        StringBuilder text = new StringBuilder(prompt);
        for (char c : prompt.toCharArray()) {
            x[0] = index.get(c);
            session.step(x, probabilities);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] weights = new double[probabilities.length];
        for (int n = 0; n < length; n++) {
            int next = sample(probabilities, weights, random);
            text.append(vocabulary.get(next));
            x[0] = next;
            session.step(x, probabilities);
        }
        return text.toString();
    }

    /** A character drawn from the probabilities sharpened by the temperature (the likeliest at 0). */
    private int sample(float[] probabilities, double[] weights, SplittableRandom random) {
        if (temperature == 0) {
            return argmax(probabilities, 0, probabilities.length);
        }
        double total = 0;
        for (int i = 0; i < probabilities.length; i++) {
            weights[i] = Math.exp(Math.log(Math.max(probabilities[i], 1e-30)) / temperature);
            total += weights[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** Mean microseconds per step of the whole model with these kernels. */
    private static double timePerStep(Model model, Kernels kernels) {
        Session session = model.newSession(kernels);
        float[] x = new float[1];
        float[] y = new float[session.stepOutputSize()];
        for (int i = 0; i < TIMED_STEPS; i++) {
            x[0] = i % y.length;
            session.step(x, y);
        }
        long start = System.nanoTime();
        for (int i = 0; i < TIMED_STEPS; i++) {
            x[0] = i % y.length;
            session.step(x, y);
        }
        return (System.nanoTime() - start) / 1e3 / TIMED_STEPS;
    }

    /** The bundled ONNX LSTM against ONNX Runtime's outputs (recorded by tools/MakeOnnxFixtures.java). */
    private boolean onnxCheck(PrintWriter out, Path dir) throws Exception {
        Path onnx = dir.resolve("model.onnx");
        Files.write(onnx, resource("model.onnx"));
        Model model = write(Converter.convert(onnx, ConvertOptions.defaults()), dir.resolve("lstm.sqn"));
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (String name : ONNX_INPUTS) {
            feeds.put(name, Npy.read(resource("data_0/" + name + ".npy")));
        }
        Map<String, Tensor> outputs = model.newSession().run(feeds);
        double worst = 0;
        for (String name : ONNX_OUTPUTS) {
            worst = Math.max(worst, maxDifference(Npy.read(resource("data_0/expected_" + name + ".npy")).floats(), outputs.get(name).floats()));
        }
        boolean ok = worst <= TOLERANCE;
        out.printf("ONNX: bundled model.onnx (bidirectional LSTM with sequence lengths, %,d bytes) -> lstm.sqn (%,d bytes); Y, Y_h, "
                + "Y_c against ONNX Runtime's outputs: max abs error %.2g (%s)%n", Files.size(onnx), Files.size(dir.resolve("lstm.sqn")), worst,
                ok ? "within " + TOLERANCE : "MORE than " + TOLERANCE);
        return ok;
    }

    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }

    private static double maxDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            max = d > max || Double.isNaN(d) ? d : max;
        }
        return max;
    }

    private static String firstLine(byte[] text) {
        String s = new String(text, StandardCharsets.UTF_8);
        int end = s.indexOf('\n');
        return end < 0 ? s : s.substring(0, end);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IOException("demo resource " + name + " is missing from the build");
            }
            return in.readAllBytes();
        }
    }
}
