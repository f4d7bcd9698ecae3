package io.sequin.model;

/** Who wrote a model file, and from what. Fields the file leaves out are "". */
public final class Producer {
    private final String name;
    private final String version;
    private final String sourceFormat;
    private final String sourceSha256;

    public Producer(String name, String version, String sourceFormat, String sourceSha256) {
        this.name = name;
        this.version = version;
        this.sourceFormat = sourceFormat;
        this.sourceSha256 = sourceSha256;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    /** The format the model was converted from, such as {@code onnx}. */
    public String sourceFormat() {
        return sourceFormat;
    }

    /** SHA-256 of the source file, hex. */
    public String sourceSha256() {
        return sourceSha256;
    }
}
