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

    /** A runner with its own scratch memory, for one session. */
    Runner newRunner(Kernels kernels);

    /** Runs a layer for one session; not thread-safe. */
    interface Runner {
        /**
         * Computes the outputs from the inputs, both by position (null where absent or not
         * produced).
         *
         * @throws IllegalArgumentException if an input's type or shape does not fit the layer
         */
        Tensor[] run(Tensor[] inputs);
    }
}
