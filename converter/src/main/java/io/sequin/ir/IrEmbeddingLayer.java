package io.sequin.ir;

import java.util.List;

/** Rows of a table picked by index ({@code EmbeddingLayer} in sequin.fbs). */
public final class IrEmbeddingLayer extends IrLayer {
    public int vocabulary;
    public int size;
    /** [vocabulary, size], row-major. */
    public float[] table;

    @Override
    public List<IrMatrix> matrices() {
        return List.of(new IrMatrix(name + ".table", new int[] {vocabulary, size}, table));
    }

    @Override
    public int formatVersion() {
        return 2;
    }
}
