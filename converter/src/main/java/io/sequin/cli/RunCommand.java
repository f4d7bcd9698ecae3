package io.sequin.cli;

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sequin run MODEL.sqn --input NAME=FILE.npy ... --out DIR}. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a model on .npy inputs and writes every output as DIR/<output name>.npy.",
            "Characters other than letters, digits, '.', '_' and '-' in an output name become '_' in its file name."})
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.sqn", description = "The model to run.")
    Path modelFile;

    @Option(names = "--input", required = true, paramLabel = "NAME=FILE.npy",
            description = "Input NAME from FILE.npy (float32, int32 or int64, C order); repeat for each input. "
                    + "A model with one input also takes just FILE.npy.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the outputs (created if missing).")
    Path outDir;

    @Option(names = "--kernels", paramLabel = "KIND", defaultValue = "auto",
            description = "auto (default), scalar or panama.")
    String kernels;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Threads a large enough layer's products are split across (default 1; outputs are the same for any N).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || threads > Session.MAX_THREADS) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and " + Session.MAX_THREADS);
        }
        Kernels chosen = kernels(spec, kernels);
        Model model = Model.load(modelFile);
        // An unnamed --input feeds the one input a run needs (initial states may be left out).
        List<String> names = new ArrayList<>();
        List<String> required = new ArrayList<>();
        for (TensorSpec s : model.inputs()) {
            names.add(s.name());
            if (!model.isOptional(s.name())) {
                required.add(s.name());
            }
        }
        String only = required.size() == 1 ? required.get(0) : null;
        Map<String, Tensor> feeds = NamedFiles.read(inputs, "--input", only,
                "the model has " + names.size() + " inputs: " + names);
        Map<String, Tensor> outputs;
        try (Session session = model.newSession(chosen, 1, threads)) {
            outputs = session.run(feeds);
        }

        Files.createDirectories(outDir);
        Map<String, String> files = new HashMap<>();
        for (String name : outputs.keySet()) {
            String file = fileName(name);
            String clash = files.put(file, name);
            if (clash != null) {
                throw new Failures.UserError("outputs '" + clash + "' and '" + name + "' would both be written to " + file);
            }
        }
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            Path target = outDir.resolve(fileName(e.getKey()));
            Npy.write(target, e.getValue());
            spec.commandLine().getOut().printf("%s %s -> %s%n", e.getKey(), e.getValue(), target);
        }
        return 0;
    }

    /**
     * The kernels for {@code --kernels}: "auto" is the JVM's default choice (which also honours
     * -Dsequin.kernels and logs what it chose); scalar and panama are taken as asked.
     */
    static Kernels kernels(CommandSpec spec, String choice) {
        try {
            return choice.trim().equalsIgnoreCase("auto") ? KernelSelection.defaultKernels() : KernelSelection.select(choice);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kernels: " + e.getMessage());
        }
    }

    /** A file name for an output that cannot leave DIR, whatever the model calls the output. */
    static String fileName(String outputName) {
        String safe = outputName.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.isEmpty() || safe.chars().allMatch(c -> c == '.')) {
            safe = "_" + safe;
        }
        return safe + ".npy";
    }
}
