package io.sequin.ir;

/** Rows of a table picked by index ({@code EmbeddingLayer} in sequin.fbs). */
public final class IrEmbeddingLayer extends IrLayer {
    public int vocabulary;
    public int size;
    /** [vocabulary, size], row-major. */
    public float[] table;

    @Override
    public int formatVersion() {
        return 2;
    }
}
