package io.sequin.ir;

import java.util.ArrayList;
import java.util.List;

/** A layer as importers produce it: a name, and the tensors it reads and writes by position. */
public abstract class IrLayer {
    public String name;
    /** Input tensor names by position; "" where an optional input is absent. */
    public List<String> inputs = new ArrayList<>();
    /** Output tensor names by position; "" where an output is not produced. */
    public List<String> outputs = new ArrayList<>();

    /** The weight matrices the layer stores, which the quantize step may store in another type; none by default. */
    public List<IrMatrix> matrices() {
        return List.of();
    }

    /** The lowest .sqn format version that can hold this layer. */
    public abstract int formatVersion();
}
