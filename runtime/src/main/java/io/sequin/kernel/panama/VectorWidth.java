package io.sequin.kernel.panama;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/**
 * The vector width of the Panama kernels, chosen once per JVM: the widest the CPU and the JVM
 * offer ({@code FloatVector.SPECIES_PREFERRED}, which {@code -XX:UseAVX} and
 * {@code -XX:MaxVectorSize} narrow), or a narrower one asked for with
 * {@code -Dsequin.vectorBits=128|256|512}. A width above what is offered is clamped to it; any
 * other value is ignored. {@link #note()} says which happened, for the one log line that names
 * the kernels.
 *
 * <p>Every width the CPU offers computes within the kernels' documented error of the scalar
 * kernels and allocates nothing once compiled (the CPU matrix in {@code .ci/run}); the default
 * is the widest because it measured fastest ({@code bench/run-widths.sh}: 512 bits beat 256 and
 * 128 in 11 of 12 rows on an AVX-512 machine, and tied in the twelfth).
 */
public final class VectorWidth {
    static final String PROPERTY = "sequin.vectorBits";

    /** The widest vectors the CPU and this JVM's flags allow, in bits. */
    static final int OFFERED = FloatVector.SPECIES_PREFERRED.vectorBitSize();
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
            } else if (value > OFFERED) {
                note = "-D" + PROPERTY + "=" + value + " clamped to the " + OFFERED + " bits this CPU and JVM offer";
            } else {
                bits = value;
                note = value == OFFERED ? "" : "-D" + PROPERTY + "=" + value + "; this CPU and JVM offer " + OFFERED;
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
