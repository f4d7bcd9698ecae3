package io.sequin.ir;

/** Softmax or log-softmax over the last axis ({@code SoftmaxLayer} in sequin.fbs). */
public final class IrSoftmaxLayer extends IrLayer {
    public boolean log;

    @Override
    public int formatVersion() {
        return 2;
    }
}
