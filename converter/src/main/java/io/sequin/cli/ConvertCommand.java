package io.sequin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sequin.format.InvalidModelException;
import io.sequin.importer.keras.H5Reader;
import io.sequin.importer.keras.KerasImporter;
import io.sequin.importer.keras.KerasZipReader;
import io.sequin.importer.keras.TfjsReader;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.importer.pytorch.StateDictReader;
import io.sequin.importer.pytorch.TorchComposite;
import io.sequin.importer.pytorch.TorchRnnImporter;
import io.sequin.io.AtomicFiles;
import io.sequin.ir.IrModel;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.quantize.AccuracyReport;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import io.sequin.writer.ModelWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sequin convert SRC -o OUT.sqn}: imports a trained model and writes a verified .sqn file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts a trained model into a Sequin .sqn file: an ONNX model (LSTM, GRU and RNN nodes, as ONNX "
                + "writes them or as torch.onnx.export does, with embeddings, linear layers, activations and softmax), "
                + "the state_dict of an nn.LSTM, nn.GRU or nn.RNN saved by torch.save (modules in a row with --arch), or a "
                + "Keras model: a legacy .h5 file (Keras 1 to 3), a Keras 3 .keras file or a TF.js layers model (model.json); "
                + "Sequential and functional models with LSTM, GRU, SimpleRNN, Bidirectional, Dense, Embedding, Masking.",
            "The output is written to a temporary file and renamed into place, so a failed conversion leaves nothing behind."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "The source model: .onnx, a torch.save state_dict (.pt), a "
            + "Keras .h5 or .keras file, or a TF.js model.json; the format is read from the file, not its name.")
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

    @Override
    public Integer call() throws Exception {
        WeightType type = WeightType.byName(weights);
        if (type == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--weights '" + weights + "' is not one of f32, f16, bf16, int8");
        }
        if (type == WeightType.F32 && !calibration.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--calibration is for the accuracy report of quantized weights; add --weights f16, bf16 or int8");
        }
        Map<String, Path> calibrationFiles = NamedFiles.paths(calibration, "--calibration", null,
                "a calibration input needs the name of the model input it feeds");
        Map<String, Tensor> calibrationInputs = NamedFiles.read(calibrationFiles);
        Map<String, String> calibrationSources = new LinkedHashMap<>();
        calibrationFiles.forEach((name, file) -> calibrationSources.put(name, file.toString()));
        byte[] bytes = Files.readAllBytes(source);
        Map<String, Tensor> frozen = NamedFiles.read(constants, "--const", null, "a constant needs the name of the graph input it replaces");
        boolean torch = StateDictReader.isTorchZip(source);
        boolean tfjs = !torch && TfjsReader.isTfjs(source);
        boolean h5 = H5Reader.isHdf5(source);
        boolean keras = !torch && KerasZipReader.isKerasZip(source);
        if (!torch && (batchFirst || nonlinearity != null || arch != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--batch-first, --nonlinearity and --arch describe a PyTorch state_dict; " + source + " is not one");
        }
        if (torch && !frozen.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--const freezes ONNX graph inputs; "
                    + source + " is a PyTorch state_dict");
        }
        if ((tfjs || h5 || keras) && !frozen.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--const freezes ONNX graph inputs; "
                    + source + " is " + (tfjs ? "a TF.js model" : h5 ? "a Keras .h5 file" : "a Keras .keras file"));
        }
        if (!torch && !tfjs && !h5 && !keras && !looksLikeOnnx(source, bytes)) {
            throw new Failures.UserError(source + ": cannot tell the model format; Sequin converts ONNX files (.onnx), "
                    + "PyTorch state_dicts saved by torch.save, Keras .h5/.keras files and TF.js layers models (model.json)");
        }
        IrModel ir;
        try {
            if (tfjs) {
                ir = KerasImporter.importModel(TfjsReader.read(source));
            } else if (h5) {
                ir = KerasImporter.importModel(H5Reader.read(source));
            } else if (keras) {
                ir = KerasImporter.importModel(KerasZipReader.read(source));
            } else if (torch) {
                TorchRnnImporter.Options options = new TorchRnnImporter.Options();
                options.batchFirst = batchFirst;
                options.nonlinearity = nonlinearity == null ? "tanh" : nonlinearity;
                ir = arch == null ? TorchRnnImporter.importModel(StateDictReader.read(source), options, "state_dict")
                        : TorchComposite.importModel(StateDictReader.read(source), TorchComposite.readDescription(arch), options);
            } else {
                ir = OnnxImporter.importModel(bytes, frozen);
            }
        } catch (io.sequin.importer.ImportException e) {
            throw new io.sequin.importer.ImportException(source + ": " + e.getMessage(), e);
        }
        ir.sourceSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        byte[] sqn = new ModelWriter(SequinCommand.VERSION, type).write(ir);
        Model model;
        try {
            model = Model.load(sqn);
        } catch (InvalidModelException e) {
            throw new IllegalStateException("the converter produced a model the runtime rejects: " + e.getMessage(), e);
        }
        AccuracyReport report = null;
        long f32Bytes = sqn.length;
        if (type != WeightType.F32) {
            f32Bytes = new ModelWriter(SequinCommand.VERSION).write(ir).length;
            report = AccuracyReport.measure(ir, type, calibrationInputs, calibrationSources);
        }
        AtomicFiles.write(output, sqn);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("output", output.toString());
            d.put("bytes", sqn.length);
            d.put("weights", type.displayName());
            d.put("f32_bytes", f32Bytes);
            d.put("size_vs_f32", (double) sqn.length / f32Bytes);
            d.put("layers", model.layers().size());
            d.put("inputs", names(model.inputs()));
            d.put("outputs", names(model.outputs()));
            if (report != null) {
                d.put("accuracy", report.toMap());
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(d));
        } else {
            out.printf("wrote %s (%d bytes, %s weights): %d layer%s; inputs %s; outputs %s%n", output, sqn.length,
                    type.displayName(), model.layers().size(), model.layers().size() == 1 ? "" : "s",
                    String.join(", ", names(model.inputs())), String.join(", ", names(model.outputs())));
            if (report != null) {
                out.printf("size: %.3f of the f32 file (%d bytes)%n", (double) sqn.length / f32Bytes, f32Bytes);
                for (String line : report.toLines()) {
                    out.println(line);
                }
            }
        }
        out.flush();
        return 0;
    }

    private static boolean looksLikeOnnx(Path source, byte[] bytes) {
        String name = source.getFileName().toString().toLowerCase(Locale.ROOT);
        // ModelProto's first field is ir_version (field 1, varint): tag byte 0x08.
        return name.endsWith(".onnx") || (bytes.length > 0 && bytes[0] == 0x08);
    }

    private static List<String> names(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.toString());
        }
        return names;
    }
}
