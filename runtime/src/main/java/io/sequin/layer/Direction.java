package io.sequin.layer;

/** Which way a recurrent layer reads its sequence. */
public enum Direction {
    FORWARD(1),
    /** Reads each sequence from its last valid step back to step 0; outputs stay in input order. */
    REVERSE(1),
    /** Forward, then reverse, as output directions 0 and 1. */
    BIDIRECTIONAL(2);

    private final int count;

    Direction(int count) {
        this.count = count;
    }

    /** Number of directions D in the output shapes. */
    public int count() {
        return count;
    }

    /** Whether output direction {@code d} reads the sequence backwards. */
    public boolean isBackward(int d) {
        return this == REVERSE || (this == BIDIRECTIONAL && d == 1);
    }
}
