package io.sequin.layer;

/**
 * How a recurrent layer lays out its tensors. ONNX ties X, Y and the states to one
 * {@code layout} attribute; importers of other frameworks fold the transposes, reshapes and
 * state slices around a layer into the few forms here instead, so no glue runs at run time.
 *
 * <ul>
 * <li>X: [S, B, I], or [B, S, I] when {@link #xBatchFirst}.
 * <li>Y: {@link YLayout}.
 * <li>initial_h and initial_c: [N, B, H] (layout 0) or [B, N, H] (layout 1), where N is
 *     {@link #stateRows} (0 means the layer's own direction count D) and the layer's directions
 *     are rows [{@link #stateOffset}, stateOffset + D): a stack of layers may share one state
 *     tensor, as PyTorch's {@code h0} of shape [layers * D, B, H].
 * <li>Y_h and Y_c: the layer's own states, [D, B, H] or [B, D, H] by layout, or [B, D*H] when
 *     {@link #mergedStates}.
 * <li>mask (optional): X's shape without its last axis, [S, B] or [B, S].
 * </ul>
 */
public final class RecurrentLayout {
    /** Where Y's axes go. */
    public enum YLayout {
        /** By layout: [S, D, B, H] (0) or [B, S, D, H] (1), as ONNX. */
        ONNX,
        /** [S, B, D * H]: the directions side by side, forward first, as PyTorch's output. */
        SEQ_BATCH,
        /** [B, S, D * H]: as {@link #SEQ_BATCH} with the batch first. */
        BATCH_SEQ
    }

    /** ONNX's layout attribute, 0 or 1: the states' form, and X's and Y's unless overridden. */
    public final int layout;
    public final boolean xBatchFirst;
    public final YLayout y;
    public final int stateOffset;
    public final int stateRows;
    /** Layout 1 only: Y_h and Y_c are [B, D*H], the directions' states side by side (Keras). */
    public final boolean mergedStates;
    /** Y's step k holds input step S-1-k: outputs in a backward layer's processing order (Keras go_backwards). */
    public final boolean yReversed;
    /**
     * Keras' stateful: a run without initial states starts from the session's previous run's
     * final states (same batch size) until the session is reset.
     */
    public final boolean stateful;
    /** Y holds 0 at a masked step rather than the carried output (Keras' zero_output_for_mask). */
    public final boolean zeroMaskedOutputs;

    private RecurrentLayout(int layout, boolean xBatchFirst, YLayout y, int stateOffset, int stateRows, boolean mergedStates,
                            boolean yReversed, boolean stateful, boolean zeroMaskedOutputs) {
        if (layout != 0 && layout != 1) {
            throw new IllegalArgumentException("layout " + layout + ", expected 0 or 1");
        }
        if (stateOffset < 0 || stateRows < 0) {
            throw new IllegalArgumentException("state offset " + stateOffset + " and rows " + stateRows + " must not be negative");
        }
        if (mergedStates && layout != 1) {
            throw new IllegalArgumentException("merged states [B, D*H] need layout 1");
        }
        if (y == null) {
            throw new IllegalArgumentException("Y's layout is missing");
        }
        this.layout = layout;
        this.xBatchFirst = xBatchFirst;
        this.y = y;
        this.stateOffset = stateOffset;
        this.stateRows = stateRows;
        this.mergedStates = mergedStates;
        this.yReversed = yReversed;
        this.stateful = stateful;
        this.zeroMaskedOutputs = zeroMaskedOutputs;
    }

    /** ONNX's forms for a layout attribute of 0 or 1; the {@code with} methods change one part. */
    public static RecurrentLayout onnx(int layout) {
        return new RecurrentLayout(layout, layout == 1, YLayout.ONNX, 0, 0, false, false, false, false);
    }

    public RecurrentLayout withXBatchFirst(boolean xBatchFirst) {
        return new RecurrentLayout(layout, xBatchFirst, y, stateOffset, stateRows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    public RecurrentLayout withY(YLayout y) {
        return new RecurrentLayout(layout, xBatchFirst, y, stateOffset, stateRows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    /** The layer's states at rows [offset, offset + D) of initial states with {@code rows} rows (0: D). */
    public RecurrentLayout withStateRows(int offset, int rows) {
        return new RecurrentLayout(layout, xBatchFirst, y, offset, rows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    public RecurrentLayout withMergedStates(boolean mergedStates) {
        return new RecurrentLayout(layout, xBatchFirst, y, stateOffset, stateRows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    public RecurrentLayout withYReversed(boolean yReversed) {
        return new RecurrentLayout(layout, xBatchFirst, y, stateOffset, stateRows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    public RecurrentLayout withStateful(boolean stateful) {
        return new RecurrentLayout(layout, xBatchFirst, y, stateOffset, stateRows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    public RecurrentLayout withZeroMaskedOutputs(boolean zeroMaskedOutputs) {
        return new RecurrentLayout(layout, xBatchFirst, y, stateOffset, stateRows, mergedStates, yReversed, stateful, zeroMaskedOutputs);
    }

    /** True when this is exactly what ONNX's layout attribute alone describes. */
    public boolean isOnnx() {
        return xBatchFirst == (layout == 1) && y == YLayout.ONNX && stateOffset == 0 && stateRows == 0 && !mergedStates && !yReversed && !stateful
                && !zeroMaskedOutputs;
    }

    /** Rows along the direction axis of initial_h and initial_c, for a layer of {@code dirs} directions. */
    int stateRows(int dirs) {
        return stateRows == 0 ? dirs : stateRows;
    }
}
