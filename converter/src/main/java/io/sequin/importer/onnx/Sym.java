package io.sequin.importer.onnx;

import java.util.Objects;

/**
 * One dimension size while a graph is folded: a known number, or a symbol for a size only known
 * at run time (a dynamic axis of a model input, such as its batch or sequence length). Shape
 * arithmetic the exporters emit (Shape, Gather, Concat, ...) is carried out on these, so the
 * converted model keeps every dynamic axis dynamic.
 */
final class Sym {
    /** The size, or -1 when symbolic. */
    final long value;
    /** The symbol's name; null when known. */
    final String symbol;

    private Sym(long value, String symbol) {
        this.value = value;
        this.symbol = symbol;
    }

    static Sym of(long value) {
        return new Sym(value, null);
    }

    static Sym symbol(String name) {
        return new Sym(-1, name);
    }

    boolean known() {
        return symbol == null;
    }

    /** The product of two sizes: known if both are, else a symbol for the product. */
    Sym times(Sym other) {
        if (known() && other.known()) {
            return of(value * other.value);
        }
        if (known() && value == 1) {
            return other;
        }
        if (other.known() && other.value == 1) {
            return this;
        }
        return symbol(this + "*" + other);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Sym)) {
            return false;
        }
        Sym s = (Sym) o;
        return value == s.value && Objects.equals(symbol, s.symbol);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, symbol);
    }

    @Override
    public String toString() {
        return known() ? Long.toString(value) : symbol;
    }
}
