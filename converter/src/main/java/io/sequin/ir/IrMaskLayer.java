package io.sequin.ir;

/**
 * Keras masking ({@code MaskLayer} in sequin.fbs): outputs the masked values (or "") and the
 * mask that recurrent layers read as their fifth input.
 */
public final class IrMaskLayer extends IrLayer {
    public float value;
    /** A step is a row of the last axis (Masking) rather than one element (token ids). */
    public boolean featureAxis;

    @Override
    public int formatVersion() {
        return 3;
    }
}
