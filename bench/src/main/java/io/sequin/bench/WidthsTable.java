package io.sequin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.bench.WidthsTable;
import io.sequin.cli.Machine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the JMH JSON of bench/run-widths.sh into bench/results/widths.md: the Panama streaming
 * step at each vector width the CPU offers ({@code -Dsequin.vectorBits}), for each JDK, with
 * the bytes each step allocated, and which width was fastest. Names the CPU it ran on.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.sequin.bench.WidthsTable JDK/BITS=FILE.json ...</pre>
 */
public final class WidthsTable {

    public static void main(String[] args) throws IOException {
        // jdk -> bits -> "size|weights" -> {µs, ± µs, B/op}
        Map<String, Map<Integer, Map<String, double[]>>> runs = new LinkedHashMap<>();
        Map<String, String> jdkNames = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            int slash = arg.indexOf('/');
            if (eq < 0 || slash < 0 || slash > eq) {
                throw new IllegalArgumentException("expected JDK/BITS=FILE.json, got " + arg);
            }
            String jdk = arg.substring(0, slash);
            int bits = Integer.parseInt(arg.substring(slash + 1, eq));
            Map<String, double[]> cells = new LinkedHashMap<>();
            for (JsonNode b : new ObjectMapper().readTree(Path.of(arg.substring(eq + 1)).toFile())) {
                jdkNames.put(jdk, b.path("vmName").asText() + " " + b.path("jdkVersion").asText() + " (" + b.path("vmVersion").asText() + ")");
                JsonNode p = b.path("params");
                if (!p.path("threads").asText("1").equals("1")) {
                    continue;   // one thread: the widths compared on equal terms
                }
                JsonNode m = b.get("primaryMetric");
                JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
                cells.put(p.path("cell").asText() + " " + p.path("size").asText() + "|" + p.path("weights").asText(),
                        new double[] {m.get("score").asDouble() / 1000, m.get("scoreError").asDouble() / 1000,
                            alloc.isMissingNode() ? Double.NaN : alloc.get("score").asDouble()});
            }
            runs.computeIfAbsent(jdk, j -> new TreeMap<>()).put(bits, cells);
        }
        StringBuilder out = new StringBuilder();
        out.append("# Vector widths\n\n");
        out.append("Machine: ").append(Machine.current().describe()).append(" (")
                .append(LocalDate.now(ZoneOffset.UTC)).append(")\n\n");
        out.append("The Panama streaming step (batch 1, state carried) at each vector width this CPU offers, chosen with ")
                .append("`-Dsequin.vectorBits`; JMH 1.37, average time, 1 fork, 2 warm-up and 3 measured iterations of 1 s, ")
                .append("`-prof gc`; microseconds per step ± JMH's 99.9% confidence half-width, and bytes allocated per step. ")
                .append("All widths of one JDK ran one after the other in one run of `bench/run-widths.sh`; the machine is ")
                .append("shared and noisy, so compare within a row. The bytes per step are JMH's own, about 6 KB an ")
                .append("iteration spread over its steps (0.02 B at 4 µs a step, 60 B at 10 ms); the kernels allocate ")
                .append("nothing (`ZeroAllocationTest`, at every width in the CPU matrix).\n\n");
        for (Map.Entry<String, Map<Integer, Map<String, double[]>>> jdk : runs.entrySet()) {
            List<Integer> widths = new ArrayList<>(jdk.getValue().keySet());
            out.append("## ").append(jdkNames.get(jdk.getKey())).append("\n\n| step |");
            for (int bits : widths) {
                out.append(' ').append(bits).append(" bits | B/step |");
            }
            out.append(" fastest |\n|---|");
            out.append("---|---|".repeat(widths.size())).append("---|\n");
            for (String cell : jdk.getValue().get(widths.get(0)).keySet()) {
                out.append("| ").append(cell.replace('|', ' ')).append(" |");
                int fastest = 0;
                double best = Double.POSITIVE_INFINITY;
                for (int bits : widths) {
                    double[] v = jdk.getValue().get(bits).get(cell);
                    out.append(' ').append(time(v)).append(" | ").append(v == null ? "–" : String.format(Locale.ROOT, "%.2f", v[2])).append(" |");
                    if (v != null && v[0] < best) {
                        best = v[0];
                        fastest = bits;
                    }
                }
                out.append(' ').append(fastest).append(" |\n");
            }
            out.append("\n");
        }
        System.out.print(out);
    }

    private static String time(double[] v) {
        if (v == null) {
            return "–";
        }
        return String.format(Locale.ROOT, v[0] >= 100 ? "%,.0f ± %,.0f" : "%.2f ± %.2f", v[0], v[1]);
    }
}
