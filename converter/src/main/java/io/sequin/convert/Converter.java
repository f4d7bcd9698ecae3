package io.sequin.convert;

import io.sequin.format.InvalidModelException;
import io.sequin.importer.ImportException;
import io.sequin.importer.keras.H5Reader;
import io.sequin.importer.keras.KerasImporter;
import io.sequin.importer.keras.KerasZipReader;
import io.sequin.importer.keras.TfjsReader;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.importer.pytorch.StateDictReader;
import io.sequin.importer.pytorch.TorchComposite;
import io.sequin.importer.pytorch.TorchModuleImporter;
import io.sequin.importer.pytorch.TorchRnnImporter;
import io.sequin.ir.GateOrder;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.model.Model;
import io.sequin.quantize.AccuracyReport;
import io.sequin.quantize.StoredModel;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.WeightType;
import io.sequin.writer.ModelWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The converter's one path from a trained model to a .sqn file, in steps: detect the source's
 * format, import it into the IR, normalize the IR (gate orders to ONNX's), quantize the weight
 * matrices, write, and verify by loading what was written (and, for quantized weights, report
 * their accuracy against f32). {@code sequin convert} and {@code sequin demo} run it, and tests
 * enter it at {@link #importModel} or {@link #convert(IrModel, ConvertOptions)}.
 */
public final class Converter {
    /** The converter's version, recorded in every file it writes. */
    public static final String VERSION = "0.1.0";

    private Converter() {
    }

    /**
     * Converts the file {@code source}.
     *
     * @throws OptionMismatchException if an option does not apply to the source's format
     * @throws IllegalArgumentException if the source is of no format the converter reads
     * @throws ImportException if the source cannot be read or holds what Sequin cannot run
     * @throws io.sequin.quantize.QuantizationException if a weight cannot be stored in the chosen type
     */
    public static Conversion convert(Path source, ConvertOptions options) throws IOException, ImportException {
        return convert(importModel(source, options), options);
    }

    /**
     * Detects {@code source}'s format, imports it and normalizes the result: the IR the later
     * steps take, with the source's SHA-256 recorded.
     */
    public static IrModel importModel(Path source, ConvertOptions options) throws IOException, ImportException {
        byte[] bytes = Files.readAllBytes(source);
        SourceFormat format = SourceFormat.detect(source, bytes);
        check(format, source, options);
        IrModel ir;
        try {
            ir = read(format, source, bytes, options);
        } catch (ImportException e) {
            throw new ImportException(source + ": " + e.getMessage(), e);
        }
        ir.sourceSha256 = sha256(bytes);
        normalize(ir);
        return ir;
    }

    /** The steps after import: normalize, quantize, write, verify, and the accuracy report of quantized weights. */
    public static Conversion convert(IrModel ir, ConvertOptions options) {
        normalize(ir);
        WeightType type = options.weights();
        ModelWriter writer = new ModelWriter(VERSION);
        StoredModel stored = WeightQuantizer.quantize(ir, type);
        byte[] sqn = writer.write(stored);
        Model model = verify(sqn);
        if (type == WeightType.F32) {
            return new Conversion(sqn, model, sqn.length, null);
        }
        byte[] f32 = writer.write(ir);
        AccuracyReport report = AccuracyReport.measure(ir, verify(f32), model, type, options.calibration(),
                options.calibrationSources());
        return new Conversion(sqn, model, f32.length, report);
    }

    /** Puts every recurrent layer's weights into ONNX's gate order; a layer already there is left as it is. */
    public static void normalize(IrModel ir) {
        for (IrLayer layer : ir.layers) {
            if (layer instanceof IrRecurrentLayer) {
                GateOrder.toOnnx((IrRecurrentLayer) layer);
            }
        }
    }

    /**
     * Refuses a source of no known format (IllegalArgumentException) and the options its format
     * does not take (OptionMismatchException), with the messages the command line prints.
     */
    private static void check(SourceFormat format, Path source, ConvertOptions options) {
        if (format != SourceFormat.PYTORCH && options.hasTorchOptions()) {
            throw new OptionMismatchException("--batch-first, --nonlinearity and --arch describe a PyTorch state_dict; "
                    + source + " is not one");
        }
        if (format == null) {
            throw new IllegalArgumentException(source + ": cannot tell the model format; Sequin converts ONNX files (.onnx), "
                    + "PyTorch state_dicts saved by torch.save, Keras .h5/.keras files and TF.js layers models (model.json)");
        }
        if (format == SourceFormat.KERAS_ARCHITECTURE && options.kerasWeights() == null) {
            throw new OptionMismatchException(source + " is " + format.description() + ", which holds no weights: give the file "
                    + "model.save_weights wrote with --keras-weights WEIGHTS.h5");
        }
        if (format != SourceFormat.KERAS_ARCHITECTURE && options.kerasWeights() != null) {
            throw new OptionMismatchException("--keras-weights goes with a Keras architecture (model.to_json()); " + source + " is "
                    + format.description());
        }
        if (format != SourceFormat.ONNX && !options.constants().isEmpty()) {
            throw new OptionMismatchException("--const freezes ONNX graph inputs; " + source + " is " + format.description());
        }
    }

    private static IrModel read(SourceFormat format, Path source, byte[] bytes, ConvertOptions options)
            throws IOException, ImportException {
        switch (format) {
            case TFJS:
                return KerasImporter.importModel(TfjsReader.read(source));
            case KERAS_H5:
                return KerasImporter.importModel(H5Reader.read(source));
            case KERAS_ZIP:
                return KerasImporter.importModel(KerasZipReader.read(source));
            case KERAS_ARCHITECTURE:
                return KerasImporter.importModel(H5Reader.read(source, options.kerasWeights()));
            case PYTORCH: {
                if (StateDictReader.holdsModel(source)) {
                    if (options.hasTorchOptions()) {
                        throw new OptionMismatchException("--batch-first, --nonlinearity and --arch describe a state_dict; " + source
                                + " holds a whole model (torch.save(model)), which records them itself");
                    }
                    return TorchModuleImporter.importModel(source);
                }
                TorchRnnImporter.Options torch = new TorchRnnImporter.Options();
                torch.batchFirst = options.batchFirst();
                torch.nonlinearity = options.nonlinearity() == null ? "tanh" : options.nonlinearity();
                return options.arch() == null ? TorchRnnImporter.importModel(StateDictReader.read(source), torch, "state_dict")
                        : TorchComposite.importModel(StateDictReader.read(source), TorchComposite.readDescription(options.arch()), torch);
            }
            default:
                return OnnxImporter.importModel(bytes, options.constants());
        }
    }

    /** The verify step: the runtime must load what the writer wrote. */
    private static Model verify(byte[] sqn) {
        try {
            return Model.load(sqn);
        } catch (InvalidModelException e) {
            throw new IllegalStateException("the converter produced a model the runtime rejects: " + e.getMessage(), e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }
}
