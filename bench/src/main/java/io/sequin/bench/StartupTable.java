package io.sequin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * One cell of bench/results/startup.md: from StartupBenchmark's JMH JSON, the median and range
 * of the forks' single shots; from {@code ./sequin bench --json} on standard input ({@code -}),
 * load_ms + first_step_ms.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.sequin.bench.StartupTable FILE.json | -</pre>
 */
public final class StartupTable {
    public static void main(String[] args) throws IOException {
        ObjectMapper json = new ObjectMapper();
        if (args[0].equals("-")) {
            JsonNode r = json.readTree(System.in);
            double load = r.get("load_ms").asDouble();
            double first = r.get("first_step_ms").asDouble();
            System.out.printf(Locale.ROOT, "%.0f + %.0f = %.0f;", load, first, load + first);
            return;
        }
        for (JsonNode b : json.readTree(Path.of(args[0]).toFile())) {
            JsonNode raw = b.path("primaryMetric").path("rawData");
            double[] shots = new double[0];
            for (JsonNode fork : raw) {
                for (JsonNode shot : fork) {
                    shots = Arrays.copyOf(shots, shots.length + 1);
                    shots[shots.length - 1] = shot.asDouble();
                }
            }
            Arrays.sort(shots);
            System.out.printf(Locale.ROOT, "median %.0f (%.0f to %.0f, %d forks)", shots[shots.length / 2], shots[0],
                    shots[shots.length - 1], shots.length);
        }
    }

    private StartupTable() {
    }
}
