package io.sequin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.bench.WeightsTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the JMH JSON of bench/run-weights.sh into bench/results/weights.md: step and sequence
 * times for each weight storage type, their speed-ups on f32 within the same run, and the
 * targets the narrow types were built to against them.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.sequin.bench.WeightsTable MACHINE_LINE FILE.json</pre>
 */
public final class WeightsTable {
    private static final String[] SIZES = {"64x128", "128x256", "256x512", "512x1024"};
    private static final String[] CELLS = {"LSTM", "GRU"};
    private static final String[] TYPES = {"f32", "f16", "bf16", "int8"};

    public static void main(String[] args) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Path.of(args[1]).toFile());
        Map<String, double[]> r = new LinkedHashMap<>();
        String jdk = "";
        Map<String, double[]> widening = new LinkedHashMap<>();
        for (JsonNode b : root) {
            jdk = b.path("vmName").asText() + " " + b.path("jdkVersion").asText() + " (" + b.path("vmVersion").asText() + ")";
            String name = b.get("benchmark").asText().replace("io.sequin.bench.", "");
            JsonNode p = b.path("params");
            JsonNode m = b.get("primaryMetric");
            JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
            double[] v = {m.get("score").asDouble() / 1000, m.get("scoreError").asDouble() / 1000,
                alloc.isMissingNode() ? Double.NaN : alloc.get("score").asDouble()};
            if (!p.path("threads").asText("1").equals("1")) {
                continue;   // one thread: the storage types compared on equal terms
            }
            if (name.startsWith("WideningBenchmark.")) {
                widening.put(name.substring("WideningBenchmark.".length()) + "|" + p.path("size").asText(), v);
                continue;
            }
            r.put(name + "|" + p.path("cell").asText() + "|" + p.path("size").asText() + "|" + p.path("batch").asText("1")
                    + "|" + p.path("weights").asText("f32"), v);
        }
        StringBuilder out = new StringBuilder();
        out.append("# Weight storage types\n\n");
        out.append("Machine: ").append(args[0]).append("\n\n").append(jdk).append(", Panama kernels.\n\n");
        out.append("JMH 1.37, average time, 1 fork, 3 warm-up and 5 measured iterations of 1 s, `-prof gc`; ")
                .append("times in microseconds per step, ± JMH's 99.9% confidence half-width; speed-ups are f32's time over the type's, ")
                .append("from the same run. The machine is shared and noisy. Made by `bench/run-weights.sh`.\n\n");
        section(out, r, "Streaming step, batch 1", "StepBenchmark.Panama.step", "1");
        section(out, r, "Streaming step, 8 streams together", "StepBenchmark.Panama.step", "8");
        section(out, r, "Whole sequence of 100 steps, batch 1, per step", "SequenceBenchmark.Panama.sequence", "1");

        out.append("## Targets, streaming step\n\n| target | measured | met |\n|---|---|---|\n");
        double int8Large = speedUp(r, "StepBenchmark.Panama.step", "LSTM", "512x1024", "1", "int8");
        double bf16Large = speedUp(r, "StepBenchmark.Panama.step", "LSTM", "512x1024", "1", "bf16");
        target(out, "int8 ≥ 2.5× f32, LSTM 512x1024", int8Large, int8Large >= 2.5);
        target(out, "bf16 ≥ 1.6× f32, LSTM 512x1024", bf16Large, bf16Large >= 1.6);
        for (String batch : new String[] {"1", "8"}) {
            for (String cell : CELLS) {
                double least = Double.POSITIVE_INFINITY;
                String where = "";
                for (String size : SIZES) {
                    double s = speedUp(r, "StepBenchmark.Panama.step", cell, size, batch, "int8");
                    if (s < least) {
                        least = s;
                        where = size;
                    }
                }
                String what = "int8 never slower than f32, " + cell + " batch " + batch + " (slowest: " + where + ")";
                target(out, batch.equals("1") ? what : what + ", beyond the target's batch 1", least, least >= 1);
            }
        }
        out.append("\nWhy the types rank as they do: a streaming step of one stream reads every weight once for one ")
                .append("fma, so it is bound by the bytes it reads once the weights leave L1, and narrower types win by ")
                .append("about their width at large sizes. Widening costs vector work per column: bf16 one shift or mask, ")
                .append("int8 a shift, a mask and an int-to-float conversion, f16 about ten operations, which makes f16 compute-bound and ")
                .append("slower than f32 wherever the weights fit in cache. With 8 streams each weight serves 8 fmas, so ")
                .append("the step is compute-bound at small sizes and int8's widening (more vector operations than bf16's) ")
                .append("can cost more than the bytes it saves.\n");
        if (!widening.isEmpty()) {
            out.append("\n## Widening int8 to float (WideningBenchmark, µs to read an LSTM's weights once)\n\n");
            out.append("| way | 64x128 | 512x1024 |\n|---|---|---|\n");
            for (String way : new String[] {"f32", "convertPart0", "convertViaInts", "fullLoadParts", "shiftsFromInts", "masksFromInts"}) {
                out.append("| ").append(way).append(" | ").append(t(widening.get(way + "|64x128"))).append(" | ")
                        .append(t(widening.get(way + "|512x1024"))).append(" |\n");
            }
        }
        System.out.print(out);
    }

    private static void section(StringBuilder out, Map<String, double[]> r, String title, String bench, String batch) {
        out.append("## ").append(title).append(" (µs)\n\n");
        out.append("| cell | I×H | f32 | f16 | bf16 | int8 | f16 speed-up | bf16 speed-up | int8 speed-up | most B/step |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String cell : CELLS) {
            for (String size : SIZES) {
                out.append("| ").append(cell).append(" | ").append(size);
                double allocated = 0;
                for (String type : TYPES) {
                    double[] v = r.get(bench + "|" + cell + "|" + size + "|" + batch + "|" + type);
                    out.append(" | ").append(t(v));
                    if (v != null && !Double.isNaN(v[2])) {
                        allocated = Math.max(allocated, v[2]);
                    }
                }
                for (String type : new String[] {"f16", "bf16", "int8"}) {
                    out.append(" | ").append(fmt(speedUp(r, bench, cell, size, batch, type)));
                }
                out.append(" | ").append(String.format(Locale.ROOT, "%.2f", allocated)).append(" |\n");
            }
        }
        out.append("\n");
    }

    private static double speedUp(Map<String, double[]> r, String bench, String cell, String size, String batch, String type) {
        double[] f32 = r.get(bench + "|" + cell + "|" + size + "|" + batch + "|f32");
        double[] other = r.get(bench + "|" + cell + "|" + size + "|" + batch + "|" + type);
        return f32 == null || other == null ? Double.NaN : f32[0] / other[0];
    }

    private static void target(StringBuilder out, String what, double measured, boolean met) {
        out.append("| ").append(what).append(" | ").append(fmt(measured)).append("× | ")
                .append(Double.isNaN(measured) ? "not measured" : met ? "yes" : "**no**").append(" |\n");
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String t(double[] v) {
        if (v == null) {
            return "–";
        }
        String f = v[0] >= 100 ? "%,.0f ± %,.0f" : "%.2f ± %.2f";
        return String.format(Locale.ROOT, f, v[0], v[1]);
    }
}
