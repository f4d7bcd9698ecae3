package io.sequin.ir;

/** The inputs joined along an axis ({@code ConcatLayer} in sequin.fbs). */
public final class IrConcatLayer extends IrLayer {
    public int axis;

    @Override
    public int formatVersion() {
        return 2;
    }
}
