package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.parallel.ThreadTeam;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A step of a model's computation: reads named tensors, writes named tensors. A layer is
 * immutable and shared by all sessions; each session asks it for a {@link Runner} that owns the
 * session's scratch memory.
 */
public interface Layer {

    String name();

    /** Input tensor names by position; "" marks an absent optional input. */
    List<String> inputs();

    /** Output tensor names by position; "" marks an output that is not produced. */
    List<String> outputs();

    /** What kind of layer this is, such as {@code LSTM}. */
    String kind();

    /** The layer's attributes by name, in a stable order, for inspection. */
    Map<String, Object> attributes();

    /** The constant tensors the layer holds. */
    List<StoredTensor> weights();

    /**
     * Floats per stream that one streaming step of this layer writes when it reads
     * {@code inputWidth} floats per stream.
     *
     * @throws IllegalStateException if the layer cannot be stepped (the message says why)
     * @throws IllegalArgumentException if it cannot read {@code inputWidth} floats per stream
     */
    int stepOutputWidth(int inputWidth);

    /**
     * Floats per stream the layer reads in a streaming step when it is the first layer, or -1
     * when that is set by what it is given (an elementwise layer).
     */
    int stepInputWidth();

    /**
     * Whether input {@code k} may be absent, meaning what it means absent (a recurrent layer's
     * sequence_lens, initial states and mask): a model input read only there may be left out of
     * a run.
     */
    default boolean isOptionalInput(int k) {
        return false;
    }

    /**
     * For an input that is an initial state (a recurrent layer's initial_h or initial_c), the
     * output that returns the final state (Y_h or Y_c); -1 for any other input.
     */
    default int finalStateOf(int input) {
        return -1;
    }

    /**
     * For an initial-state input (see {@link #finalStateOf}): the final state the layer would
     * return had it taken no step from {@code initial}, the input as a run is given it, laid out
     * as the layer writes that output; null for any other input. Tracing values through this (see
     * {@link io.sequin.model.Model#recurrentStates}) finds which outputs return which inputs.
     */
    default Tensor untouchedState(int input, Tensor initial) {
        return null;
    }

    /**
     * Whether the outputs are the inputs' elements moved, nothing computed (a concatenation, a
     * slice): values trace through such a layer unchanged, and a run that leaves all its inputs
     * out leaves its outputs out too.
     */
    default boolean movesOnly() {
        return false;
    }

    /**
     * False for a layer that works on whole tensors of any shape only (Concat, Slice): a streaming
     * step leaves it off the chain of layers it runs, as it does the joining and cutting of
     * returned states. A layer that a step cannot run for another reason (a bidirectional one)
     * says so from {@link #stepOutputWidth}.
     */
    default boolean canStep() {
        return true;
    }

    /** The tensor this layer reads as a mask (a recurrent layer's fifth input), or "" for none. */
    default String maskInput() {
        return "";
    }

    /** The mask this layer writes for later layers to read (a mask layer's second output), or "" for none. */
    default String maskOutput() {
        return "";
    }

    /**
     * The tensors that hold what one streaming step of this layer writes (a recurrent layer's Y,
     * and its Y_h: a step's output is both), for a session to follow the chain of layers a step
     * runs; empty when a step passes the input on unchanged (a mask layer that makes only a mask).
     */
    default List<String> stepOutputs() {
        return Collections.singletonList(outputs().get(0));
    }

    /**
     * A runner with its own scratch memory, for one session.
     *
     * @param streams how many independent streams {@link Runner#step} advances together
     */
    Runner newRunner(Kernels kernels, int streams);

    /**
     * A runner that may split its streaming step across {@code team}'s threads (a recurrent layer
     * large enough for it to pay), computing bit for bit what one thread computes; {@code team}
     * null means one thread. By default the team is not used.
     */
    default Runner newRunner(Kernels kernels, int streams, ThreadTeam team) {
        return newRunner(kernels, streams);
    }

    /** Runs a layer for one session; not thread-safe. */
    interface Runner {
        /**
         * Computes the outputs from the inputs, both by position (null where absent or not
         * produced), into new tensors.
         *
         * @throws IllegalArgumentException if an input's type or shape does not fit the layer
         */
        Tensor[] run(Tensor[] inputs);

        /**
         * Computes the outputs into {@code given} tensors where they are non-null (they must have
         * the exact output shapes), and into tensors the runner owns elsewhere. Returns the
         * outputs by position (null where the layer produces none); the array and the runner's
         * tensors are reused by the next call. Allocates nothing once its buffers have grown to
         * the largest sequence and batch seen.
         */
        Tensor[] run(Tensor[] inputs, Tensor[] given);

        /**
         * Streaming: one time step for every stream, with the state kept from the previous step
         * (zero after {@link #reset}). {@code x} holds [streams][width] floats from {@code xOff};
         * the results, [streams][{@link Layer#stepOutputWidth stepOutputWidth(width)}], go to
         * {@code y} from {@code yOff}. A recurrent layer writes its new hidden states.
         *
         * @throws IllegalStateException if the layer cannot be stepped
         */
        void step(float[] x, int xOff, int width, float[] y, int yOff);

        /**
         * Streaming with a mask, for a layer that reads one (a recurrent layer's fifth input): as
         * {@link #step}, but a stream whose {@code kept} flag is false skips the step, its state
         * unchanged and its output the carried one (or 0, as the layer says).
         *
         * @throws UnsupportedOperationException if the layer reads no mask
         */
        default void step(float[] x, int xOff, int width, float[] y, int yOff, boolean[] kept) {
            throw new UnsupportedOperationException("this layer reads no mask");
        }

        /**
         * For a mask layer: whether each stream's last {@link #step} was kept (true) or masked;
         * read before the next step. Null for other layers.
         */
        default boolean[] stepKept() {
            return null;
        }

        /** Zeroes the streaming state (layers without state do nothing). */
        void reset();

        /**
         * Floats of one stream's streaming state: a recurrent layer's h (P or H values), then an
         * LSTM's c (H values); 0 for a layer without state.
         */
        default int stateWidth() {
            return 0;
        }

        /** Copies stream {@code stream}'s streaming state to {@code to[off..off + stateWidth())}. */
        default void saveState(int stream, float[] to, int off) {
        }

        /** Sets stream {@code stream}'s streaming state from {@code from[off..off + stateWidth())}. */
        default void loadState(int stream, float[] from, int off) {
        }
    }
}
