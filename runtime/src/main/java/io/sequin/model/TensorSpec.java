package io.sequin.model;

import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;

/** A named input or output of a model: element type and shape, where -1 marks a dynamic dimension. */
public final class TensorSpec {
    /** The value of a dynamic dimension in {@link #shape()}. */
    public static final int DYNAMIC = -1;

    private final String name;
    private final ElementType type;
    private final int[] shape;
    private final String[] dimNames;

    public TensorSpec(String name, ElementType type, int[] shape, String[] dimNames) {
        this.name = name;
        this.type = type;
        this.shape = shape.clone();
        this.dimNames = dimNames.clone();
    }

    public String name() {
        return name;
    }

    public ElementType type() {
        return type;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The name of each dimension ("" where it has none), as the source model called it. */
    public String[] dimNames() {
        return dimNames.clone();
    }

    /** Whether the tensor's shape fits the spec: same rank, and every fixed dimension equal. */
    public boolean accepts(Tensor t) {
        if (t.rank() != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != DYNAMIC && shape[i] != t.dim(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a tensor of this shape fits the spec: same rank, and every fixed dimension equal. */
    public boolean accepts(int[] actual) {
        if (actual.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != DYNAMIC && shape[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    /** Shape as {@code [seq, 1, 4]}, with dynamic dimensions by name (or {@code ?}). */
    public String shapeString() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            if (shape[i] == DYNAMIC) {
                s.append(dimNames.length > i && !dimNames[i].isEmpty() ? dimNames[i] : "?");
            } else {
                s.append(shape[i]);
            }
        }
        return s.append(']').toString();
    }

    @Override
    public String toString() {
        return name + ": " + type.displayName() + shapeString();
    }
}
