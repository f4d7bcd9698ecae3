package io.sequin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.bench.ResultsTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns JMH JSON results (one file per JDK, from bench/run-suite.sh) into the markdown tables of
 * bench/results: time per step with JMH's 99.9% error, and the ratios the targets are set on,
 * each taken within one run.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.sequin.bench.ResultsTable MACHINE_LINE FILE.json...</pre>
 */
public final class ResultsTable {
    private static final String[] SIZES = {"64x128", "128x256", "256x512", "512x1024"};
    private static final String[] CELLS = {"LSTM", "GRU"};

    public static void main(String[] args) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# Benchmark results\n\n");
        out.append("Machine: ").append(args[0]).append("\n\n");
        // Results by JDK, from every file: a JDK's f32 and int8 runs may be in files of their own.
        Map<String, Map<String, double[]>> byJdk = new LinkedHashMap<>();
        Set<String> settings = new LinkedHashSet<>();
        for (int i = 1; i < args.length; i++) {
            read(Path.of(args[i]), byJdk, settings);
        }
        out.append("JMH 1.37, average time, ").append(String.join("; ", settings)).append(", `-prof gc`; ")
                .append("times in microseconds per step, ± JMH's 99.9% confidence half-width. ")
                .append("The machine is shared and noisy: compare ratios within one run, not absolute times across runs.\n\n");
        for (Map.Entry<String, Map<String, double[]>> e : byJdk.entrySet()) {
            table(e.getKey(), e.getValue(), out);
        }
        System.out.print(out);
    }

    /**
     * Adds a file's results to {@code byJdk}: score, error and bytes per step by
     * "benchmark|weights|cell|size|batch|threads" (ONNX Runtime's threads 0: its default), and
     * how JMH ran them to {@code settings}.
     */
    private static void read(Path file, Map<String, Map<String, double[]>> byJdk, Set<String> settings) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        for (JsonNode b : root) {
            int forks = b.path("forks").asInt();
            settings.add(forks + (forks == 1 ? " fork, " : " forks, ") + b.path("warmupIterations").asInt() + " warm-up and "
                    + b.path("measurementIterations").asInt() + " measured iterations of " + b.path("measurementTime").asText());
            String jdk = b.path("vmName").asText() + " " + b.path("jdkVersion").asText() + " (" + b.path("vmVersion").asText() + ")";
            String name = b.get("benchmark").asText().replace("io.sequin.bench.", "");
            JsonNode p = b.path("params");
            String weights = name.startsWith("OrtInt8Benchmark") ? "int8" : p.path("weights").asText("f32");
            String key = name + "|" + weights + "|" + p.path("cell").asText("LSTM") + "|" + p.path("size").asText() + "|"
                    + p.path("batch").asText("1") + "|" + p.path("threads").asText("1");
            JsonNode m = b.get("primaryMetric");
            JsonNode alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm");
            byJdk.computeIfAbsent(jdk, k -> new LinkedHashMap<>()).put(key, new double[] {m.get("score").asDouble() / 1000,
                    m.get("scoreError").asDouble() / 1000, alloc.isMissingNode() ? Double.NaN : alloc.get("score").asDouble()});
        }
    }

    /** One JDK's tables. Storage types other than f32 and int8 have their own table: WeightsTable. */
    private static void table(String jdk, Map<String, double[]> all, StringBuilder out) {
        Map<String, double[]> r = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : all.entrySet()) {
            String[] k = e.getKey().split("\\|", -1);
            if (k[1].equals("f32")) {
                r.put(k[0] + "|" + k[2] + "|" + k[3] + "|" + k[4] + "|" + k[5], e.getValue());
            }
        }
        out.append("## ").append(jdk).append("\n\n");
        out.append("### Streaming step, batch 1 (µs)\n\n");
        out.append("Sequin with 1 and 2 threads (`Model.newSession(kernels, 1, threads)`); ONNX Runtime with 1 intra-op thread and "
                + "with its default (one per physical core), what a user gets without settings.\n\n");
        out.append("| cell | I×H | naive scalar | scalar | Panama | Panama, 2 threads | roofline | Panama ÷ roofline | ORT, 1 thread "
                + "| ORT, default threads | Panama ÷ ORT 1 thread | Panama 2 threads ÷ ORT default (≤ 0.67) | Panama B/step |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String cell : CELLS) {
            for (String size : SIZES) {
                double[] naive = r.get("NaiveStepBenchmark.step|" + cell + "|" + size + "|1|1");
                double[] scalar = r.get("StepBenchmark.Scalar.step|" + cell + "|" + size + "|1|1");
                double[] panama = r.get("StepBenchmark.Panama.step|" + cell + "|" + size + "|1|1");
                double[] panama2 = r.get("StepBenchmark.Panama.step|" + cell + "|" + size + "|1|2");
                double[] roof = r.get("RooflineBenchmark.dot|" + cell + "|" + size + "|1|1");
                double[] ort = r.get("OrtBenchmark.stream|" + cell + "|" + size + "|1|1");
                double[] ortDefault = r.get("OrtBenchmark.stream|" + cell + "|" + size + "|1|0");
                row(out, cell, size, t(naive), t(scalar), t(panama), t(panama2), t(roof), ratio(panama, roof), t(ort),
                        t(ortDefault), ratio(panama, ort), ratio(panama2, ortDefault), bytes(panama));
            }
        }
        out.append("\n### Streaming step, 8 streams together (µs)\n\n");
        out.append("| cell | I×H | scalar ×8 | Panama ×8 | Panama ×8 ÷ ×1 (≤ 2.5) | Panama B/step |\n|---|---|---|---|---|---|\n");
        for (String cell : CELLS) {
            for (String size : SIZES) {
                double[] scalar8 = r.get("StepBenchmark.Scalar.step|" + cell + "|" + size + "|8|1");
                double[] panama8 = r.get("StepBenchmark.Panama.step|" + cell + "|" + size + "|8|1");
                double[] panama1 = r.get("StepBenchmark.Panama.step|" + cell + "|" + size + "|1|1");
                row(out, cell, size, t(scalar8), t(panama8), ratio(panama8, panama1), bytes(panama8));
            }
        }
        out.append("\n### Whole sequence of 100 steps, batch 1, per step (µs)\n\n");
        out.append("| cell | I×H | scalar | Panama | Panama, 2 threads | ORT, 1 thread | ORT, default threads | ORT 1 thread ÷ Panama (≥ 1) "
                + "| Panama 2 threads ÷ ORT default (≤ 0.8) | Panama B/step |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (String cell : CELLS) {
            for (String size : SIZES) {
                double[] scalar = r.get("SequenceBenchmark.Scalar.sequence|" + cell + "|" + size + "|1|1");
                double[] panama = r.get("SequenceBenchmark.Panama.sequence|" + cell + "|" + size + "|1|1");
                double[] panama2 = r.get("SequenceBenchmark.Panama.sequence|" + cell + "|" + size + "|1|2");
                double[] ort = r.get("OrtBenchmark.sequence|" + cell + "|" + size + "|1|1");
                double[] ortDefault = r.get("OrtBenchmark.sequence|" + cell + "|" + size + "|1|0");
                row(out, cell, size, t(scalar), t(panama), t(panama2), t(ort), t(ortDefault), ratio(ort, panama), ratio(panama2,
                        ortDefault), bytes(panama));
            }
        }
        out.append('\n');
        int8(all, out);
        targets(all, out);
    }

    /**
     * Issue 18's targets in one table, every storage type the run has: Sequin with 2 threads
     * against ONNX Runtime's f32 at its default threads, streaming and whole sequences.
     */
    private static void targets(Map<String, double[]> r, StringBuilder out) {
        if (r.keySet().stream().noneMatch(k -> k.contains("|bf16|") || k.contains("|int8|"))) {
            return;
        }
        out.append("### The targets: Sequin with 2 threads against ONNX Runtime's f32 at its default threads, batch 1\n\n");
        out.append("Streaming step and whole sequence (per step), µs; the ratios are Sequin 2 threads ÷ ONNX Runtime default, "
                + "with each target beside it.\n\n");
        out.append("| cell | I×H | f32 step | bf16 step | int8 step | ORT step | f32 ÷ ORT (≤ 0.67) | bf16 ÷ ORT (≤ 0.4) "
                + "| int8 ÷ ORT (≤ 0.4) | f32 sequence | int8 sequence | ORT sequence | f32 ÷ ORT (≤ 0.8) | int8 ÷ ORT (≤ 0.5) |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String cell : CELLS) {
            for (String size : SIZES) {
                String at = "|" + cell + "|" + size + "|1|";
                double[] f32 = r.get("StepBenchmark.Panama.step|f32" + at + "2");
                double[] bf16 = r.get("StepBenchmark.Panama.step|bf16" + at + "2");
                double[] int8 = r.get("StepBenchmark.Panama.step|int8" + at + "2");
                double[] ort = r.get("OrtBenchmark.stream|f32" + at + "0");
                double[] f32Seq = r.get("SequenceBenchmark.Panama.sequence|f32" + at + "2");
                double[] int8Seq = r.get("SequenceBenchmark.Panama.sequence|int8" + at + "2");
                double[] ortSeq = r.get("OrtBenchmark.sequence|f32" + at + "0");
                row(out, cell, size, t(f32), t(bf16), t(int8), t(ort), ratio(f32, ort), ratio(bf16, ort), ratio(int8, ort),
                        t(f32Seq), t(int8Seq), t(ortSeq), ratio(f32Seq, ortSeq), ratio(int8Seq, ortSeq));
            }
        }
        out.append('\n');
    }

    /**
     * Sequin's int8 LSTM against ONNX Runtime's own (DynamicQuantizeLSTM) and against ONNX
     * Runtime's f32 at its default threads, where the run has them.
     */
    private static void int8(Map<String, double[]> r, StringBuilder out) {
        if (r.keySet().stream().noneMatch(k -> k.startsWith("OrtInt8Benchmark"))) {
            return;
        }
        out.append("### int8 weights, LSTM, batch 1 (µs)\n\n");
        out.append("Sequin's int8 (one scale per row, widened to float as it is read) against ONNX Runtime's own int8 LSTM, "
                + "`com.microsoft.DynamicQuantizeLSTM` (the input and state quantized to uint8 at each call, integer GEMMs), "
                + "on the same weights; the targets are set against ONNX Runtime's f32 at its default threads.\n\n");
        out.append("| I×H | Sequin int8 step | 2 threads | ORT int8 step, 1 thread | default threads | Sequin int8 2 threads ÷ ORT int8 default "
                + "| ÷ ORT f32 default (≤ 0.4) | Sequin int8 sequence | 2 threads | ORT int8 sequence, 1 thread | default threads "
                + "| Sequin int8 2 threads ÷ ORT int8 default | ÷ ORT f32 default (≤ 0.5) |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String size : SIZES) {
            double[] step1 = r.get("StepBenchmark.Panama.step|int8|LSTM|" + size + "|1|1");
            double[] step2 = r.get("StepBenchmark.Panama.step|int8|LSTM|" + size + "|1|2");
            double[] ortStep1 = r.get("OrtInt8Benchmark.stream|int8|LSTM|" + size + "|1|1");
            double[] ortStep0 = r.get("OrtInt8Benchmark.stream|int8|LSTM|" + size + "|1|0");
            double[] f32Step0 = r.get("OrtBenchmark.stream|f32|LSTM|" + size + "|1|0");
            double[] seq1 = r.get("SequenceBenchmark.Panama.sequence|int8|LSTM|" + size + "|1|1");
            double[] seq2 = r.get("SequenceBenchmark.Panama.sequence|int8|LSTM|" + size + "|1|2");
            double[] ortSeq1 = r.get("OrtInt8Benchmark.sequence|int8|LSTM|" + size + "|1|1");
            double[] ortSeq0 = r.get("OrtInt8Benchmark.sequence|int8|LSTM|" + size + "|1|0");
            double[] f32Seq0 = r.get("OrtBenchmark.sequence|f32|LSTM|" + size + "|1|0");
            row(out, size, t(step1), t(step2), t(ortStep1), t(ortStep0), ratio(step2, ortStep0), ratio(step2, f32Step0), t(seq1),
                    t(seq2), t(ortSeq1), t(ortSeq0), ratio(seq2, ortSeq0), ratio(seq2, f32Seq0));
        }
        out.append('\n');
    }

    /** One Markdown table row of these cells. */
    private static void row(StringBuilder out, String... cells) {
        out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private static String t(double[] v) {
        if (v == null) {
            return "–";
        }
        return v[0] >= 100 ? String.format(Locale.ROOT, "%,.0f ± %,.0f", v[0], v[1]) : String.format(Locale.ROOT, "%.2f ± %.2f", v[0], v[1]);
    }

    /** JMH's gc.alloc.rate.norm of a result, bytes per step. */
    private static String bytes(double[] v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.2f", v[2]);
    }

    private static String ratio(double[] a, double[] b) {
        return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2f", a[0] / b[0]);
    }

    private ResultsTable() {
    }
}
