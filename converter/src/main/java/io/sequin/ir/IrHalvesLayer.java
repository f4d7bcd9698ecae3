package io.sequin.ir;

import io.sequin.layer.HalvesLayer;

/** The last axis's two halves combined ({@code HalvesLayer} in sequin.fbs). */
public final class IrHalvesLayer extends IrLayer {
    public HalvesLayer.Op op;

    @Override
    public int formatVersion() {
        return op == HalvesLayer.Op.FIRST || op == HalvesLayer.Op.SECOND ? 3 : 2;
    }
}
