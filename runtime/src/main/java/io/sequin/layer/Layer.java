package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
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
     * A runner with its own scratch memory, for one session.
     *
     * @param streams how many independent streams {@link Runner#step} advances together
     */
    Runner newRunner(Kernels kernels, int streams);

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
         * (zero after {@link #reset}). {@code x} holds [streams][input] floats from {@code xOff};
         * the new hidden states, [streams][hidden], go to {@code y} from {@code yOff}.
         *
         * @throws IllegalStateException if the layer reads its sequence backwards
         */
        void step(float[] x, int xOff, float[] y, int yOff);

        /** Zeroes the streaming state. */
        void reset();
    }
}
