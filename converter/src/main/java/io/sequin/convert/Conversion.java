package io.sequin.convert;

import io.sequin.model.Model;
import io.sequin.quantize.AccuracyReport;

/** What a conversion made: the .sqn bytes, the model the runtime loaded from them, and the accuracy report of quantized weights. */
public final class Conversion {
    private final byte[] sqn;
    private final Model model;
    private final long f32Bytes;
    private final AccuracyReport report;

    Conversion(byte[] sqn, Model model, long f32Bytes, AccuracyReport report) {
        this.sqn = sqn;
        this.model = model;
        this.f32Bytes = f32Bytes;
        this.report = report;
    }

    /** The .sqn file's bytes (not a copy). */
    public byte[] sqn() {
        return sqn;
    }

    /** The model as the runtime loaded it from {@link #sqn}: the verify step's proof that it reads. */
    public Model model() {
        return model;
    }

    /** The size the file has with f32 weights (its own size when they are f32). */
    public long f32Bytes() {
        return f32Bytes;
    }

    /** The quantized weights' accuracy against f32, or null for f32 weights. */
    public AccuracyReport report() {
        return report;
    }
}
