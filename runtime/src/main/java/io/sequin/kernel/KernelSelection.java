package io.sequin.kernel;

import java.util.Locale;
import java.util.logging.Logger;

/**
 * Chooses the kernels once per JVM. The system property {@code sequin.kernels} may be
 * {@code auto} (the default), {@code scalar} or {@code panama}.
 *
 * <p>The Panama implementation is looked up by class name only, so a JVM without the
 * {@code jdk.incubator.vector} module never links it; until it exists, {@code auto} means
 * scalar.
 */
public final class KernelSelection {
    /** Class name of the Vector API kernels; loaded reflectively so core classes never link them. */
    static final String PANAMA_CLASS = "io.sequin.kernel.panama.PanamaKernels";
    private static final Logger LOG = Logger.getLogger(KernelSelection.class.getName());

    private KernelSelection() {
    }

    private static final class Holder {
        static final Kernels DEFAULT = select(System.getProperty("sequin.kernels", "auto"));
    }

    /** The kernels chosen for this JVM by {@code -Dsequin.kernels}, decided on first use. */
    public static Kernels defaultKernels() {
        return Holder.DEFAULT;
    }

    /**
     * The kernels for a choice of {@code auto}, {@code scalar} or {@code panama}.
     *
     * @throws IllegalArgumentException for another choice, or for {@code panama} when the
     *     Vector API kernels cannot be loaded (the message says why)
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
                if (panama != null) {
                    return panama;
                }
                LOG.fine(() -> "using scalar kernels: " + panamaUnavailableReason());
                return new ScalarKernels();
            }
            default:
                throw new IllegalArgumentException("unknown kernels '" + choice + "': expected auto, scalar or panama");
        }
    }

    private static Kernels loadPanama() {
        try {
            Class<?> type = Class.forName(PANAMA_CLASS);
            return (Kernels) type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    private static String panamaUnavailableReason() {
        try {
            Class.forName(PANAMA_CLASS);
        } catch (ClassNotFoundException e) {
            return "this build has no Vector API kernels";
        } catch (LinkageError e) {
            return "the Vector API module is absent; start the JVM with --add-modules jdk.incubator.vector";
        }
        return "the Vector API kernels failed to start";
    }
}
