package io.sequin.importer.onnx;

import io.sequin.ir.IrLayer;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.tensor.ElementType;

/**
 * A tensor that exists at run time: a model input or a layer output. A recurrent layer's Y is
 * kept in canonical axes (S, D, B, H) until a reader fixes the layout the layer writes it in.
 */
final class Source {
    /** The tensor's name in the converted model; renamed to a graph output's name when it is one. */
    String name;
    /** Sizes of its axes (for a recurrent Y: S, D, B, H). */
    final Sym[] dims;
    final ElementType type;
    /** The layer that writes it, or null for a model input. */
    final IrLayer producer;
    /** Non-null when this is the Y of that recurrent layer, whose layout is still open. */
    final IrRecurrentLayer recurrentY;
    /** Whether a reader has fixed the recurrent Y's layout. */
    boolean fixed;
    /** Non-null when this is Y_h or Y_c of that recurrent layer, which may still be read as [B, D*H]. */
    IrRecurrentLayer recurrentState;
    /** For a state: its batch axis in {@link #dims}, 1 for [D, B, H] (ONNX layout 0) or 0 for [B, D, H]. */
    int stateBatchAxis = 1;

    Source(String name, Sym[] dims, ElementType type, IrLayer producer, IrRecurrentLayer recurrentY) {
        this.name = name;
        this.dims = dims;
        this.type = type;
        this.producer = producer;
        this.recurrentY = recurrentY;
    }
}
