package io.sequin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sequin.npy.Npy;
import io.sequin.npy.NpyFormatException;
import io.sequin.tensor.Tensor;

/**
 * Fuzzes the {@code .npy} reader: any bytes are either refused with {@link NpyFormatException} or
 * read into a tensor whose data matches its shape, and which writes back to the same tensor.
 */
class NpyFuzzTest {
    @FuzzTest
    void read(byte[] data) throws NpyFormatException {
        Tensor t;
        try {
            t = Npy.read(data);
        } catch (NpyFormatException e) {
            return;
        }
        if (Tensor.elementCount(t.shape()) != t.size()) {
            throw new AssertionError("shape " + Tensor.format(t.shape()) + " with " + t.size() + " elements");
        }
        Tensor again = Npy.read(Npy.toBytes(t));
        if (again.type() != t.type() || !again.hasShape(t.shape())) {
            throw new AssertionError("read " + t + " but wrote and read back " + again);
        }
    }
}
