package io.sequin.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.function.Executable;

/** Checks on how much the current thread allocates. */
public final class Allocations {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocations() {
    }

    /** Runs {@code refused}, checks that it threw {@code type} having allocated under 64 MB, and returns the exception. */
    public static <T extends Throwable> T refusedCheaply(Class<T> type, Executable refused) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        T e = assertThrows(type, refused);
        long bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(bytes < 64L << 20, "refusing allocated " + bytes + " bytes");
        return e;
    }
}
