package io.sequin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sequin.convert.Conversion;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.convert.OptionMismatchException;
import io.sequin.io.AtomicFiles;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.quantize.AccuracyReport;
import io.sequin.tensor.WeightType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sequin convert SRC -o OUT.sqn}: imports a trained model and writes a verified .sqn file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts a trained model into a Sequin .sqn file: an ONNX model (LSTM, GRU and RNN nodes, as ONNX "
                + "writes them or as torch.onnx.export, tf2onnx and keras2onnx do, with embeddings, linear layers, activations "
                + "and softmax), "
                + "the state_dict of an nn.LSTM, nn.GRU or nn.RNN saved by torch.save (modules in a row with --arch) or such a "
                + "module or an nn.Sequential saved whole (torch.save(model)), or a "
                + "Keras model: a legacy .h5 file (Keras 1 to 3), a .keras file (Keras 3, tf.keras 2.13 on), a TF.js layers model "
                + "(model.json), or an architecture (model.to_json()) with its weights (model.save_weights, --keras-weights); "
                + "Sequential and functional models with LSTM, GRU, SimpleRNN, Bidirectional, Dense, Embedding, Masking.",
            "The output is written to a temporary file and renamed into place, so a failed conversion leaves nothing behind."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "The source model: .onnx, a torch.save state_dict or model (.pt), a "
            + "Keras .h5 or .keras file, a TF.js model.json, or a Keras architecture .json (with --keras-weights); the format is "
            + "read from the file, not its name.")
    Path source;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.sqn", description = "Where to write the model.")
    Path output;

    @Option(names = "--weights", paramLabel = "TYPE", defaultValue = "f32",
            description = {"Storage type of the weight matrices (W and R of every layer): f32 (default), f16, bf16, "
                + "or int8 (symmetric, one scale per row). Biases and peepholes stay f32.",
                "With any type but f32, an accuracy report against the f32 model is printed."})
    String weights;

    @Option(names = "--calibration", paramLabel = "NAME=FILE.npy",
            description = "Input for the accuracy report (repeatable); inputs not given are random N(0,1), seed 42, "
                + AccuracyReport.RANDOM_STEPS + " steps.")
    List<String> calibration = new ArrayList<>();

    @Option(names = "--json", description = "Print the result (and the accuracy report) as one JSON object.")
    boolean json;

    @Option(names = "--const", paramLabel = "NAME=FILE.npy",
            description = "Freeze graph input NAME into a constant with the array in FILE.npy (repeatable).")
    List<String> constants = new ArrayList<>();

    @Option(names = "--batch-first", description = "PyTorch state_dict only: the module was built with batch_first=True "
            + "(x and y are [batch, seq, ...]; h0 and h_n are not).")
    boolean batchFirst;

    @Option(names = "--nonlinearity", paramLabel = "tanh|relu", description = "PyTorch nn.RNN state_dict only: the "
            + "module's nonlinearity (default: tanh, PyTorch's default).")
    String nonlinearity;

    @Option(names = "--arch", paramLabel = "ARCH.json", description = "PyTorch state_dict only: the modules of a composite "
            + "model in order (embedding, rnn, linear, activations), as docs/ARCHITECTURE.md describes; without it the state_dict must "
            + "be a bare nn.LSTM, nn.GRU or nn.RNN.")
    Path arch;

    @Option(names = "--keras-weights", paramLabel = "WEIGHTS.h5", description = "With SRC a Keras architecture from "
            + "model.to_json(): the weights from model.save_weights (a Keras 1/2 .h5, or a Keras 3 / tf.keras .weights.h5).")
    Path kerasWeights;

    @Override
    public Integer call() throws Exception {
        WeightType type = WeightType.byName(weights);
        if (type == null) {
            throw new ParameterException(spec.commandLine(), "--weights '" + weights + "' is not one of f32, f16, bf16, int8");
        }
        if (type == WeightType.F32 && !calibration.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "--calibration is for the accuracy report of quantized weights; add --weights f16, bf16 or int8");
        }
        Map<String, Path> calibrationFiles = NamedFiles.paths(calibration, "--calibration", null,
                "a calibration input needs the name of the model input it feeds");
        Map<String, String> calibrationSources = new LinkedHashMap<>();
        calibrationFiles.forEach((name, file) -> calibrationSources.put(name, file.toString()));
        ConvertOptions options = ConvertOptions.defaults().withWeights(type)
                .withCalibration(NamedFiles.read(calibrationFiles), calibrationSources)
                .withConstants(NamedFiles.read(constants, "--const", null, "a constant needs the name of the graph input it replaces"))
                .withBatchFirst(batchFirst).withNonlinearity(nonlinearity).withArch(arch).withKerasWeights(kerasWeights);
        Conversion c;
        try {
            c = Converter.convert(source, options);
        } catch (OptionMismatchException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        AtomicFiles.write(output, c.sqn());
        print(c, type);
        return 0;
    }

    private void print(Conversion c, WeightType type) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Model model = c.model();
        int bytes = c.sqn().length;
        if (json) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("output", output.toString());
            d.put("bytes", bytes);
            d.put("weights", type.displayName());
            d.put("f32_bytes", c.f32Bytes());
            d.put("size_vs_f32", (double) bytes / c.f32Bytes());
            d.put("layers", model.layers().size());
            d.put("inputs", names(model.inputs()));
            d.put("outputs", names(model.outputs()));
            if (c.report() != null) {
                d.put("accuracy", c.report().toMap());
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(d));
        } else {
            out.printf("wrote %s (%d bytes, %s weights): %d layer%s; inputs %s; outputs %s%n", output, bytes,
                    type.displayName(), model.layers().size(), model.layers().size() == 1 ? "" : "s",
                    String.join(", ", names(model.inputs())), String.join(", ", names(model.outputs())));
            if (c.report() != null) {
                out.printf("size: %.3f of the f32 file (%d bytes)%n", (double) bytes / c.f32Bytes(), c.f32Bytes());
                for (String line : c.report().toLines()) {
                    out.println(line);
                }
            }
        }
        out.flush();
    }

    private static List<String> names(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.toString());
        }
        return names;
    }
}
