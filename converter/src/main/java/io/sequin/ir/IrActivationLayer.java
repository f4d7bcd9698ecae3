package io.sequin.ir;

import io.sequin.layer.Activation;

/** An activation on every element ({@code ActivationLayer} in sequin.fbs). */
public final class IrActivationLayer extends IrLayer {
    public Activation activation;

    @Override
    public int formatVersion() {
        return 2;
    }
}
