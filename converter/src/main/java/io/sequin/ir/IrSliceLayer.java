package io.sequin.ir;

/**
 * A part of the input, its axes regrouped ({@code SliceLayer} in sequin.fbs): per input axis a
 * start and a count (-1: to the end), and per output axis the input axes it merges.
 */
public final class IrSliceLayer extends IrLayer {
    public int[] starts;
    public int[] counts;
    public int[][] groups;

    @Override
    public int formatVersion() {
        return 4;
    }
}
