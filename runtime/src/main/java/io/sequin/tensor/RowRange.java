package io.sequin.tensor;

/** Some consecutive rows of another source, read through it: a view, never a copy. */
final class RowRange implements MatrixSource {
    private final MatrixSource base;
    private final int first;
    private final int rows;

    private RowRange(MatrixSource base, int first, int rows) {
        this.base = base;
        this.first = first;
        this.rows = rows;
    }

    static MatrixSource of(MatrixSource base, int from, int count) {
        check(base, from, count);
        return from == 0 && count == base.rows() ? base : new RowRange(base, from, count);
    }

    /** Throws unless rows {@code [from, from + count)} lie within {@code m}. */
    static void check(MatrixSource m, int from, int count) {
        if (from < 0 || count < 0 || from > m.rows() - count) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + ((long) from + count) + ") of " + m.rows());
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return base.cols();
    }

    @Override
    public WeightType type() {
        return base.type();
    }

    @Override
    public WeightMatrix read(int from, int count) {
        check(this, from, count);
        return base.read(first + from, count);
    }

    @Override
    public long heapBytes() {
        long all = base.heapBytes();
        return base.rows() == 0 ? 0 : all / base.rows() * rows;
    }

    @Override
    public MatrixSource view(int from, int count) {
        check(this, from, count);
        return base.view(first + from, count);
    }
}
