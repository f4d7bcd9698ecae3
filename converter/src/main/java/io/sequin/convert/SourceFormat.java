package io.sequin.convert;

import io.sequin.importer.keras.H5Reader;
import io.sequin.importer.keras.KerasZipReader;
import io.sequin.importer.keras.TfjsReader;
import io.sequin.importer.pytorch.StateDictReader;
import java.nio.file.Path;
import java.util.Locale;

/** The kinds of file the converter reads, told apart by their content rather than their names. */
public enum SourceFormat {
    ONNX("an ONNX model"),
    PYTORCH("a PyTorch state_dict"),
    KERAS_H5("a Keras .h5 file"),
    KERAS_ZIP("a Keras .keras file"),
    TFJS("a TF.js model"),
    /** A model's architecture from model.to_json(), whose weights come from --keras-weights. */
    KERAS_ARCHITECTURE("a Keras architecture (model.to_json())");

    private final String description;

    SourceFormat(String description) {
        this.description = description;
    }

    /** What the format is, as a message says it: "a Keras .h5 file". */
    public String description() {
        return description;
    }

    /** Whether the importer is the Keras one (an .h5 or .keras file, or TF.js). */
    public boolean isKeras() {
        return this == KERAS_H5 || this == KERAS_ZIP || this == TFJS || this == KERAS_ARCHITECTURE;
    }

    /**
     * The format of {@code source}, whose content is {@code bytes}, or null when it is none the
     * converter reads. A PyTorch zip is asked first: a .keras file is a zip too.
     */
    public static SourceFormat detect(Path source, byte[] bytes) {
        if (StateDictReader.isTorchZip(source)) {
            return PYTORCH;
        }
        if (TfjsReader.isTfjs(source)) {
            return TFJS;
        }
        if (H5Reader.isArchitecture(source)) {
            return KERAS_ARCHITECTURE;
        }
        if (H5Reader.isHdf5(source)) {
            return KERAS_H5;
        }
        if (KerasZipReader.isKerasZip(source)) {
            return KERAS_ZIP;
        }
        String name = source.getFileName().toString().toLowerCase(Locale.ROOT);
        // ModelProto's first field is ir_version (field 1, varint): tag byte 0x08.
        if (name.endsWith(".onnx") || (bytes.length > 0 && bytes[0] == 0x08)) {
            return ONNX;
        }
        return null;
    }
}
