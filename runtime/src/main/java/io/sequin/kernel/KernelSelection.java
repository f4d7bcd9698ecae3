package io.sequin.kernel;

import java.util.Locale;
import java.util.logging.Logger;

/**
 * Chooses the kernels once per JVM. The system property {@code sequin.kernels} may be
 * {@code auto} (the default: Panama when the Vector API is usable, scalar otherwise),
 * {@code scalar} or {@code panama}.
 *
 * <p>The default Panama kernels run the vector code's arithmetic in plain Java until the vector
 * code is loaded and compiled ({@link WarmingKernels}; {@code -Dsequin.warmup=false} turns that
 * off); the kernels {@link #select} returns run the vector code from the first call.
 *
 * <p>The Panama implementation is looked up by class name only, so a JVM without the
 * {@code jdk.incubator.vector} module never links it. Its vector width is the widest the CPU
 * offers unless {@code -Dsequin.vectorBits=128|256|512} narrows it. {@link #describe} names the
 * kernels and their vector width (with the override, or why it was not taken); the
 * {@code io.sequin.kernel} logger says only what went wrong: at INFO, a fall-back to the scalar
 * kernels, why and how to enable the fast path; at WARNING, a property ignored. (A successful
 * choice is not logged: getting a logger sets up a fresh JVM's logging, some 6 ms of the demo's
 * start on JDK 25 in the JMH harness, and a first INFO line costs some 20 ms of formatting.)
 */
public final class KernelSelection {
    /** Class name of the Vector API kernels; loaded reflectively so core classes never link them. */
    static final String PANAMA_CLASS = "io.sequin.kernel.panama.PanamaKernels";
    /** Class name of the Panama kernels' vector width, asked before the kernels are loaded. */
    static final String WIDTH_CLASS = "io.sequin.kernel.panama.VectorWidth";
    private static final String ENABLE = "start the JVM with --add-modules jdk.incubator.vector";

    private KernelSelection() {
    }

    private static final class Holder {
        static final Kernels DEFAULT = chooseDefault();
        static final boolean FELL_BACK = DEFAULT instanceof ScalarKernels
                && !System.getProperty("sequin.kernels", "auto").trim().equalsIgnoreCase("scalar");

        static {
            if (FELL_BACK) {
                Logger.getLogger("io.sequin.kernel").info("Sequin kernels: scalar (" + panamaUnavailableReason() + ")");
            }
        }

        private static Kernels chooseDefault() {
            String choice = System.getProperty("sequin.kernels", "auto");
            String c = choice.trim().toLowerCase(Locale.ROOT);
            if ((c.equals("auto") || c.equals("panama")) && Boolean.parseBoolean(System.getProperty("sequin.warmup", "true"))) {
                Kernels warming = warming();
                if (warming != null) {
                    return warming;
                }
            }
            try {
                return select(choice);
            } catch (IllegalArgumentException e) {
                Logger.getLogger("io.sequin.kernel").warning("ignoring -Dsequin.kernels=" + choice + ": " + e.getMessage());
                return select("auto");
            }
        }
    }

    /** The kernels chosen for this JVM by {@code -Dsequin.kernels}, decided on first use. */
    public static Kernels defaultKernels() {
        return Holder.DEFAULT;
    }

    /**
     * Whether {@link #defaultKernels} are the scalar ones without {@code -Dsequin.kernels=scalar}
     * asking for them: the fall-back it logs at INFO, with the reason.
     */
    public static boolean defaultFellBack() {
        return Holder.FELL_BACK;
    }

    /**
     * The kernels for a choice of {@code auto}, {@code scalar} or {@code panama}.
     *
     * @throws IllegalArgumentException for another choice, or for {@code panama} when the
     *     Vector API kernels cannot be loaded (the message says why and how to enable them)
     */
    public static Kernels select(String choice) {
        String c = choice.trim().toLowerCase(Locale.ROOT);
        switch (c) {
            case "scalar":
                return new ScalarKernels();
            case "panama": {
                Kernels panama = loadPanama();
                if (panama == null) {
                    throw new IllegalArgumentException("Panama kernels are not available: " + panamaUnavailableReason());
                }
                return panama;
            }
            case "auto": {
                Kernels panama = loadPanama();
                return panama != null ? panama : new ScalarKernels();
            }
            default:
                throw new IllegalArgumentException("unknown kernels '" + choice + "': expected auto, scalar or panama");
        }
    }

    /**
     * For measuring steady speed: waits up to {@code millis} until default kernels that are still
     * warming up ({@link WarmingKernels}) run their vector code. Returns at once for any other
     * kernels; returns whether the kernels run their own code now.
     */
    public static boolean awaitWarm(Kernels k, long millis) throws InterruptedException {
        return !(k instanceof WarmingKernels) || ((WarmingKernels) k).awaitWarm(millis);
    }

    /** "panama, 256-bit vectors (8 floats)" or "scalar", and the width note if there is one. */
    public static String describe(Kernels k) {
        if (k.vectorLanes() <= 1) {
            return k.name();
        }
        String note = k.widthNote();
        return k.name() + ", " + 32 * k.vectorLanes() + "-bit vectors (" + k.vectorLanes() + " floats)" + (note.isEmpty() ? "" : "; " + note);
    }

    /**
     * Kernels that run the Panama kernels' arithmetic in plain Java while a thread loads and warms
     * up the vector code; null when the Vector API is not there. Only the vector width is asked
     * of the Vector API here, by name: loading the kernels themselves takes a fresh JVM some 20 ms.
     */
    private static Kernels warming() {
        try {
            Class<?> width = Class.forName(WIDTH_CLASS);
            int lanes = (Integer) width.getMethod("lanes").invoke(null);
            String note = (String) width.getMethod("note").invoke(null);
            return lanes >= 2 ? new WarmingKernels(lanes, note) : null;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    /** The Panama kernels, or null when they cannot be loaded here. */
    static Kernels loadPanama() {
        try {
            Class<?> type = Class.forName(PANAMA_CLASS);
            Kernels k = (Kernels) type.getDeclaredConstructor().newInstance();
            k.vectorLanes();
            return k;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    /** Why the Vector API kernels cannot run here, and how to enable them. */
    public static String panamaUnavailableReason() {
        try {
            Class.forName("jdk.incubator.vector.FloatVector");
        } catch (ClassNotFoundException | LinkageError e) {
            return "the jdk.incubator.vector module is not enabled; " + ENABLE;
        }
        try {
            Class.forName(PANAMA_CLASS);
        } catch (ClassNotFoundException e) {
            return "this build has no Vector API kernels";
        } catch (LinkageError e) {
            return "the Vector API kernels failed to link (" + e + "); " + ENABLE;
        }
        return loadPanama() == null ? "the Vector API kernels failed to start" : "they are available";
    }
}
