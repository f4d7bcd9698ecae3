package io.sequin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import io.sequin.session.Session;
import io.sequin.tensor.ElementType;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sequin bench MODEL.sqn}: streaming steps of batch 1 with the state carried from step to
 * step, timed one by one after a warm-up, like TFLite's benchmark_model and ORT's perf_test.
 * For comparisons that hold up, use the JMH suite in bench/; this is the quick look.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Times streaming steps (batch 1, state fed back) of a model: median and p99 time per step,",
            "steps per second, bytes allocated per step, kernels, threads, vector width, JDK and CPU, and the start-up:",
            "the time to load the model, then to the first step's output (load_ms, first_step_ms in --json).",
            "The model must be steppable: forward recurrent layers in a chain.",
            "The vector width is the widest the CPU offers; JAVA_OPTS=-Dsequin.vectorBits=128|256|512 narrows it."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.sqn", description = "The model to time.")
    Path modelFile;

    @Option(names = "--kernels", paramLabel = "KIND", defaultValue = "auto", description = "auto (default), scalar or panama.")
    String kernels;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10000", description = "Steps to time after the warm-up (default 10000).")
    int steps;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "2",
            description = "Seconds of untimed steps first, for the JIT to compile the step (default 2).")
    double warmupSeconds;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Threads each step of a large enough layer is split across (default 1; outputs are the same for any N).")
    int threads;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || steps > 100_000_000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--steps must be between 1 and 100000000");
        }
        if (!(warmupSeconds >= 0 && warmupSeconds <= 3600)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--warmup-seconds must be between 0 and 3600");
        }
        if (threads < 1 || threads > Session.MAX_THREADS) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and " + Session.MAX_THREADS);
        }
        // The start-up an app pays: choosing the kernels (the Vector API's set-up), Model.load, a session, a first step.
        long start = System.nanoTime();
        Kernels k = RunCommand.kernels(spec, kernels);
        long chosen = System.nanoTime();
        Model model = Model.load(modelFile);
        long loaded = System.nanoTime();
        try (Session session = model.newSession(k, 1, threads)) {
            return measure(session, k, loaded - chosen, loaded - (chosen - start));
        }
    }

    /** Bytes the calling thread and the given threads have allocated so far. */
    private static long allocated(com.sun.management.ThreadMXBean threads, long[] ids) {
        long n = threads.getCurrentThreadAllocatedBytes();
        for (long id : ids) {
            n += Math.max(0, threads.getThreadAllocatedBytes(id));
        }
        return n;
    }

    /**
     * Times the steps; {@code loadNanos} is how long Model.load took, and the first step's output
     * is timed from {@code loaded}, when it returned (moved back by the time the kernel choice
     * took, which an app pays before its first step too).
     */
    private int measure(Session session, Kernels k, long loadNanos, long loaded) throws Exception {
        float[] x;
        float[] y;
        try {
            x = new float[session.stepInputSize()];
            y = new float[session.stepOutputSize()];
        } catch (IllegalStateException e) {
            throw new Failures.UserError(modelFile + ": " + e.getMessage());
        }
        // A model that starts with an embedding steps token ids (0 is one in any vocabulary); others random features.
        boolean ids = session.model().inputs().stream().anyMatch(in -> in.type() != ElementType.FLOAT32);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = ids ? 0 : (float) (random.nextDouble() * 2 - 1);
        }

        session.step(x, y);
        long firstStepNanos = System.nanoTime() - loaded;
        long warmupSteps = 1;
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < warmupEnd || warmupSteps < 100) {
            session.step(x, y);
            warmupSteps++;
        }
        // The default Panama kernels start on plain Java while the vector code warms up: time the
        // vector code, and warm it further once it runs.
        if (!KernelSelection.awaitWarm(k, 60_000)) {
            spec.commandLine().getErr().println("sequin bench: the vector code did not take over within 60 s; timing the plain-Java lanes");
        } else if (warmupSeconds > 0) {
            long more = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < more) {
                session.step(x, y);
                warmupSteps++;
            }
        }
        long[] times = new long[steps];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean counting = mx instanceof com.sun.management.ThreadMXBean
                && ((com.sun.management.ThreadMXBean) mx).isThreadAllocatedMemorySupported();
        com.sun.management.ThreadMXBean hotspot = counting ? (com.sun.management.ThreadMXBean) mx : null;
        // The session's step threads allocate too, if they allocate: count them with the caller.
        long[] workers = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sequin-step-"))
                .mapToLong(Thread::getId).toArray();
        long allocatedBefore = counting ? allocated(hotspot, workers) : 0;
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            session.step(x, y);
            times[i] = System.nanoTime() - t0;
        }
        long total = System.nanoTime() - start;
        long allocated = counting ? allocated(hotspot, workers) - allocatedBefore : -1;
        Arrays.sort(times);

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", modelFile.toString());
        r.put("median_ns_per_step", times[steps / 2]);
        r.put("p99_ns_per_step", times[Math.min(steps - 1, (int) Math.ceil(steps * 0.99) - 1)]);
        r.put("mean_ns_per_step", total / (double) steps);
        r.put("steps_per_second", steps / (total / 1e9));
        r.put("bytes_allocated_per_step", counting ? allocated / (double) steps : null);
        r.put("kernels", k.name());
        r.put("threads", threads);
        r.put("vector_bits", k.vectorLanes() > 1 ? 32 * k.vectorLanes() : 0);
        r.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        r.put("cpu", Machine.current().cpu());
        r.put("cpu_vector_flags", Machine.current().vectorFlags());
        r.put("load_ms", loadNanos / 1e6);
        r.put("first_step_ms", firstStepNanos / 1e6);
        r.put("steps", steps);
        r.put("warmup_steps", warmupSteps);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            out.printf("model        %s%n", modelFile);
            out.printf("kernels      %s%n", KernelSelection.describe(k));
            out.printf("threads      %d%n", threads);
            out.printf("jdk          %s%n", r.get("jdk"));
            out.printf("cpu          %s%n", Machine.current().describe());
            out.printf("start        load %.1f ms, then %.1f ms to the first step's output%n", loadNanos / 1e6, firstStepNanos / 1e6);
            out.printf("steps        %,d timed, after %,d warm-up steps (batch 1, state fed back)%n", steps, warmupSteps);
            out.printf("median       %,.2f us/step%n", times[steps / 2] / 1e3);
            out.printf("p99          %,.2f us/step%n", ((Long) r.get("p99_ns_per_step")) / 1e3);
            out.printf("throughput   %,.0f steps/s%n", (Double) r.get("steps_per_second"));
            out.printf("allocated    %s%n", counting ? String.format("%.2f bytes/step", allocated / (double) steps) : "not measurable on this JVM");
        }
        out.flush();
        return 0;
    }
}
