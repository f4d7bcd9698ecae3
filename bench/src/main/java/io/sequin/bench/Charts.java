package io.sequin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.bench.Charts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws bench/results/step-lstm.png and step-gru.png: time per streaming step (batch 1) against
 * the hidden size, for the scalar and Panama kernels with f32 weights, Panama with int8 weights,
 * and ONNX Runtime, on each JDK measured. Reads the JMH JSON files bench/run-suite.sh writes;
 * MACHINE (the results' "Machine:" line) goes under the plot, so that a chart never stands
 * apart from the CPU it was measured on.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.sequin.bench.Charts OUT_DIR MACHINE FILE.json...</pre>
 */
public final class Charts {
    private static final String[] SIZES = {"64x128", "128x256", "256x512", "512x1024"};

    private Charts() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path out = Path.of(args[0]);
        String machine = args[1];
        // series name -> cell -> size -> µs
        Map<String, Map<String, Map<String, Double>>> series = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            read(Path.of(args[i]), series);
        }
        for (String cell : new String[] {"LSTM", "GRU"}) {
            XYChart chart = new XYChartBuilder().width(900).height(560)
                    .title(cell + ": one streaming step, batch 1 (lower is better)")
                    .xAxisTitle("layer size, input x hidden; measured on " + machine).yAxisTitle("microseconds per step (log scale)").build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
            // The sizes double from one to the next: equally spaced, labelled by name.
            chart.setCustomXAxisTickLabelsFormatter(x -> Math.abs(x - Math.rint(x)) < 1e-9 && x >= 0 && x < SIZES.length
                    ? SIZES[(int) Math.rint(x)] : "");
            for (Map.Entry<String, Map<String, Map<String, Double>>> s : series.entrySet()) {
                Map<String, Double> bySize = s.getValue().get(cell);
                if (bySize == null) {
                    continue;
                }
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (int k = 0; k < SIZES.length; k++) {
                    if (bySize.containsKey(SIZES[k])) {
                        xs.add((double) k);
                        ys.add(bySize.get(SIZES[k]));
                    }
                }
                if (!xs.isEmpty()) {
                    XYSeries line = chart.addSeries(s.getKey(), xs, ys);
                    line.setMarker(SeriesMarkers.CIRCLE);
                }
            }
            Path png = out.resolve("step-" + cell.toLowerCase(Locale.ROOT) + ".png");
            Files.createDirectories(out);
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
            System.err.println("wrote " + png);
        }
    }

    private static void read(Path file, Map<String, Map<String, Map<String, Double>>> series) throws IOException {
        for (JsonNode b : new ObjectMapper().readTree(file.toFile())) {
            String name = b.get("benchmark").asText().replace("io.sequin.bench.", "");
            JsonNode p = b.path("params");
            if (!p.path("batch").asText("1").equals("1")) {
                continue;
            }
            String weights = p.path("weights").asText("f32");
            String jdk = "JDK " + b.path("jdkVersion").asText().replaceAll("\\..*", "");
            String threads = p.path("threads").asText("1");
            String label;
            if (name.equals("StepBenchmark.Scalar.step") && weights.equals("f32") && threads.equals("1")) {
                label = "Sequin scalar, " + jdk;
            } else if (name.equals("StepBenchmark.Panama.step") && (weights.equals("f32") || weights.equals("int8"))) {
                label = "Sequin Panama" + (weights.equals("int8") ? " int8" : "") + (threads.equals("1") ? "" : ", " + threads + " threads")
                        + ", " + jdk;
            } else if (name.equals("OrtBenchmark.stream")) {
                // Native code: the JDK hardly matters; one line per thread setting.
                label = "ONNX Runtime 1.29 (Java binding), " + (threads.equals("0") ? "default threads" : threads + " thread");
            } else if (name.equals("OrtInt8Benchmark.stream")) {
                label = "ONNX Runtime int8 (DynamicQuantizeLSTM), " + (threads.equals("0") ? "default threads" : threads + " thread");
            } else {
                continue;
            }
            // ONNX Runtime's int8 benchmark is an LSTM's only, and has no cell parameter.
            series.computeIfAbsent(label, k -> new LinkedHashMap<>()).computeIfAbsent(p.path("cell").asText("LSTM"), k -> new LinkedHashMap<>())
                    .putIfAbsent(p.path("size").asText(), b.get("primaryMetric").get("score").asDouble() / 1000);
        }
    }
}
