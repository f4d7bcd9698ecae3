package io.sequin.android;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.session.Session;
import java.nio.file.Path;

/**
 * What an app on an Android-like JVM does, run in a child JVM whose classpath holds the runtime,
 * the schema and flatbuffers-java only (no converter, no Vector API): load a model, step it over
 * token ids 0, 1, 2, ... and print the last step's output, each float's bits in hex, the kernels
 * and the largest heap the JVM allows, and the heap used after a full collection. Arguments: the
 * model file, the steps, and optionally the kernel set's name and the session's threads.
 */
public final class RuntimeOnlyMain {
    private RuntimeOnlyMain() {
    }

    public static void main(String[] args) throws Exception {
        Model model = Model.load(Path.of(args[0]));
        int steps = Integer.parseInt(args[1]);
        Session session = args.length > 2
                ? model.newSession(KernelSelection.select(args[2]), 1, args.length > 3 ? Integer.parseInt(args[3]) : 1)
                : model.newSession();
        float[] x = new float[session.stepInputSize()];
        float[] y = new float[session.stepOutputSize()];
        for (int t = 0; t < steps; t++) {
            x[0] = t % 20;
            session.step(x, y);
        }
        StringBuilder out = new StringBuilder();
        for (float v : y) {
            out.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(' ');
        }
        System.out.println(out.toString().trim());
        System.out.println("kernels " + session.kernels().name() + ", max heap " + Runtime.getRuntime().maxMemory());
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        System.out.println("heap used after gc " + used);
        session.close();
    }
}
