package io.sequin.kernel.panama;

import java.util.Locale;
import jdk.incubator.vector.VectorShape;

/**
 * The vector width of the Panama kernels, chosen once per JVM: the widest the CPU and the JVM
 * offer ({@code VectorShape.preferredShape()}, the shape of {@code FloatVector.SPECIES_PREFERRED},
 * which {@code -XX:UseAVX} and {@code -XX:MaxVectorSize} narrow), or a narrower one asked for with
 * {@code -Dsequin.vectorBits=128|256|512}. A width above what is offered is clamped to it, unless
 * {@code -Dsequin.vectorBitsBeyondCpu=true} also asks for it: then the Vector API computes those
 * vectors in its plain-Java fallback, correct but slow and allocating, which lets the tests check a
 * wider CPU's arithmetic (512-bit tiles, the int8 columns) on a narrower one. Any other value is
 * ignored. {@link #note()} says which happened, for the one log line that names the kernels.
 *
 * <p>Every width the CPU offers computes within the kernels' documented error of the scalar
 * kernels and allocates nothing once compiled (the CPU matrix in {@code .ci/run}); the default
 * is the widest because it measured fastest ({@code bench/run-widths.sh}: 512 bits beat 256 and
 * 128 in 11 of 12 rows on an AVX-512 machine, and tied in the twelfth).
 */
public final class VectorWidth {
    static final String PROPERTY = "sequin.vectorBits";
    static final String BEYOND_CPU = "sequin.vectorBitsBeyondCpu";

    /**
     * The widest vectors the CPU and this JVM's flags allow, in bits: the preferred shape, which
     * {@code FloatVector.SPECIES_PREFERRED} has. Asked of the shape because initializing
     * {@code FloatVector} first took a fresh JVM 11-16 ms (JDK 17) and 23-28 ms (JDK 25) on an AVX2
     * Zen 3, against 1 ms for the shape, on the path from {@code Model.load} to the first step.
     */
    static final int OFFERED = VectorShape.preferredShape().vectorBitSize();
    /** The width in use, in bits. */
    static final int BITS;
    private static final String NOTE;

    static {
        String asked = System.getProperty(PROPERTY);
        int bits = OFFERED;
        String note = "";
        if (asked != null) {
            int value = parse(asked);
            if (value == 0) {
                note = "ignoring -D" + PROPERTY + "=" + asked + ": expected 128, 256 or 512";
            } else if (value > OFFERED && !Boolean.getBoolean(BEYOND_CPU)) {
                note = "-D" + PROPERTY + "=" + value + " clamped to the " + OFFERED + " bits this CPU and JVM offer";
            } else {
                bits = value;
                note = value == OFFERED ? "" : "-D" + PROPERTY + "=" + value + "; this CPU and JVM offer " + OFFERED
                        + (value > OFFERED ? " (-D" + BEYOND_CPU + ": the Vector API's slow plain-Java fallback, for tests)" : "");
            }
        }
        BITS = bits;
        NOTE = note;
    }

    private VectorWidth() {
    }

    /** Why the width differs from the offered one, or was not what was asked; empty otherwise. */
    public static String note() {
        return NOTE;
    }

    /**
     * Floats per vector the Panama kernels will use: what {@code KernelSelection} asks (by name)
     * before loading them, which takes longer (docs/PERFORMANCE.md, Start-up).
     */
    public static int lanes() {
        return BITS / 32;
    }

    /** 128, 256 or 512 from the property's text; 0 for anything else. */
    static int parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "128":
                return 128;
            case "256":
                return 256;
            case "512":
                return 512;
            default:
                return 0;
        }
    }
}
