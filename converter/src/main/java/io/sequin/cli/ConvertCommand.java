package io.sequin.cli;

import io.sequin.format.InvalidModelException;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.io.AtomicFiles;
import io.sequin.ir.IrModel;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.Tensor;
import io.sequin.writer.ModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sequin convert SRC -o OUT.sqn}: imports a trained model and writes a verified .sqn file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts an ONNX model with LSTM, GRU or RNN nodes into a Sequin .sqn file.",
            "The output is written to a temporary file and renamed into place, so a failed conversion leaves nothing behind."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "The source model (.onnx).")
    Path source;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.sqn", description = "Where to write the model.")
    Path output;

    @Option(names = "--weights", paramLabel = "TYPE", defaultValue = "f32",
            description = "Storage type of the weights: f32 (default). f16, bf16 and int8 are not available in this version.")
    String weights;

    @Option(names = "--const", paramLabel = "NAME=FILE.npy",
            description = "Freeze graph input NAME into a constant with the array in FILE.npy (repeatable).")
    List<String> constants = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        switch (weights) {
            case "f32":
                break;
            case "f16":
            case "bf16":
            case "int8":
                throw new Failures.UserError("--weights " + weights + " is not available in this version; only f32 is");
            default:
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--weights '" + weights + "' is not one of f32, f16, bf16, int8");
        }
        byte[] bytes = Files.readAllBytes(source);
        Map<String, Tensor> frozen = NamedFiles.read(constants, "--const", null, "a constant needs the name of the graph input it replaces");
        if (!looksLikeOnnx(source, bytes)) {
            throw new Failures.UserError(source + ": cannot tell the model format; Sequin converts ONNX files (.onnx)");
        }
        IrModel ir;
        try {
            ir = OnnxImporter.importModel(bytes, frozen);
        } catch (io.sequin.importer.ImportException e) {
            throw new io.sequin.importer.ImportException(source + ": " + e.getMessage(), e);
        }
        ir.sourceSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        byte[] sqn = new ModelWriter(SequinCommand.VERSION).write(ir);
        Model model;
        try {
            model = Model.load(sqn);
        } catch (InvalidModelException e) {
            throw new IllegalStateException("the converter produced a model the runtime rejects: " + e.getMessage(), e);
        }
        AtomicFiles.write(output, sqn);
        spec.commandLine().getOut().printf("wrote %s (%d bytes): %d layer%s; inputs %s; outputs %s%n", output, sqn.length,
                model.layers().size(), model.layers().size() == 1 ? "" : "s", names(model.inputs()), names(model.outputs()));
        return 0;
    }

    private static boolean looksLikeOnnx(Path source, byte[] bytes) {
        String name = source.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        // ModelProto's first field is ir_version (field 1, varint): tag byte 0x08.
        return name.endsWith(".onnx") || (bytes.length > 0 && bytes[0] == 0x08);
    }

    private static String names(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.toString());
        }
        return String.join(", ", names);
    }
}
