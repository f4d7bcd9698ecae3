// Steps a model's streaming session on the default kernels for some seconds in a fresh JVM and
// prints, every 200 ms: steps, microseconds per step, bytes allocated per step by the stepping
// thread, and whether the vector code has taken over from the plain-Java lanes. What a user sees
// around the warm-up's switch (docs/PERFORMANCE.md, Start-up): after it, 0 bytes per step.
//
//   java --add-modules jdk.incubator.vector -cp converter/target/sequin.jar tools/StepsAfterSwitch.java MODEL.sqn [SECONDS]

import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import io.sequin.session.Session;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

public class StepsAfterSwitch {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: StepsAfterSwitch MODEL.sqn [SECONDS]");
            System.exit(2);
        }
        long seconds = args.length == 2 ? Long.parseLong(args[1]) : 5;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Model model = Model.load(Path.of(args[0]));
        Kernels kernels = KernelSelection.defaultKernels();
        Session session = model.newSession(kernels);
        float[] x = new float[session.stepInputSize()];
        float[] y = new float[session.stepOutputSize()];
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        StringBuilder out = new StringBuilder();
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            long b0 = threads.getCurrentThreadAllocatedBytes();
            int n = 0;
            while (System.nanoTime() - t0 < 200_000_000L) {
                // A token id for a model that starts with an embedding; any input otherwise.
                x[0] = n % 50;
                session.step(x, y);
                n++;
            }
            long t1 = System.nanoTime();
            long b1 = threads.getCurrentThreadAllocatedBytes();
            // Printed at the end: printing as it goes would allocate in the measured thread.
            out.append(String.format("%5.1f s %7d steps %9.1f us/step %8d B/step vector code: %s%n", (t0 - start) / 1e9, n,
                    (t1 - t0) / 1e3 / n, (b1 - b0) / n, KernelSelection.awaitWarm(kernels, 0)));
        }
        System.out.print(out);
    }
}
