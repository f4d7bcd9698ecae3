package io.sequin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sequin.layer.Layer;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sequin inspect MODEL.sqn [--json]}: verifies a model and describes it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Verifies a .sqn model and prints its format version, producer, inputs, outputs, layers and weights.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.sqn", description = "The model to inspect.")
    Path modelFile;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Model model = Model.load(modelFile);
        Map<String, Object> d = describe(model, Files.size(modelFile));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(d));
        } else {
            printText(out, model, d);
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> describe(Model model, long fileBytes) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("format_version", model.formatVersion());
        Map<String, Object> producer = new LinkedHashMap<>();
        producer.put("name", model.producer().name());
        producer.put("version", model.producer().version());
        producer.put("source_format", model.producer().sourceFormat());
        producer.put("source_sha256", model.producer().sourceSha256());
        d.put("producer", producer);
        d.put("file_bytes", fileBytes);
        d.put("inputs", specs(model.inputs(), model));
        d.put("outputs", specs(model.outputs(), null));
        d.put("recurrent_states", model.recurrentStates());
        List<Object> layers = new ArrayList<>();
        long weightBytes = 0;
        long f32Bytes = 0;
        for (Layer l : model.layers()) {
            Map<String, Object> ld = new LinkedHashMap<>();
            ld.put("name", l.name());
            ld.put("kind", l.kind());
            ld.put("inputs", l.inputs());
            ld.put("outputs", l.outputs());
            ld.put("attributes", l.attributes());
            List<Object> ws = new ArrayList<>();
            for (StoredTensor t : l.weights()) {
                ws.add(stored(t));
                weightBytes += t.bytes();
                f32Bytes += asF32(t);
            }
            ld.put("weights", ws);
            layers.add(ld);
        }
        d.put("layers", layers);
        List<Object> constants = new ArrayList<>();
        for (StoredTensor t : model.constants()) {
            constants.add(stored(t));
            weightBytes += t.bytes();
            f32Bytes += asF32(t);
        }
        d.put("constants", constants);
        d.put("weight_bytes", weightBytes);
        d.put("weight_bytes_as_f32", f32Bytes);
        d.put("file_bytes_as_f32", fileBytes - weightBytes + f32Bytes);
        return d;
    }

    /** The bytes a tensor would take with f32 weights: floating types at 4 bytes, integers as they are. */
    private static long asF32(StoredTensor t) {
        switch (t.storageType()) {
            case "f32":
            case "f16":
            case "bf16":
            case "int8":
                return 4 * Tensor.elementCount(t.shape());
            default:
                return t.bytes();
        }
    }

    /** The specs as JSON; with the model, the inputs' optional flags too. */
    private static List<Object> specs(List<TensorSpec> specs, Model inputsOf) {
        List<Object> list = new ArrayList<>();
        for (TensorSpec s : specs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("dtype", s.type().displayName());
            m.put("shape", s.shape());
            m.put("dim_names", Arrays.asList(s.dimNames()));
            if (inputsOf != null) {
                m.put("optional", inputsOf.isOptional(s.name()));
            }
            list.add(m);
        }
        return list;
    }

    private static Map<String, Object> stored(StoredTensor t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("dtype", t.storageType());
        m.put("shape", t.shape());
        m.put("bytes", t.bytes());
        return m;
    }

    private void printText(PrintWriter out, Model model, Map<String, Object> d) {
        out.printf("%s: Sequin model, format version %d, %d bytes%n", modelFile, model.formatVersion(), (Long) d.get("file_bytes"));
        var p = model.producer();
        out.printf("producer: %s %s, from %s (sha256 %s)%n", p.name(), p.version(), p.sourceFormat(), p.sourceSha256());
        out.println("inputs:");
        for (TensorSpec s : model.inputs()) {
            out.printf("  %s%s%n", s, model.isOptional(s.name()) ? " (optional: absent means zero states or full lengths)" : "");
        }
        out.println("outputs:");
        for (TensorSpec s : model.outputs()) {
            out.printf("  %s%n", s);
        }
        @SuppressWarnings("unchecked")
        Map<String, String> states = (Map<String, String>) d.get("recurrent_states");
        if (!states.isEmpty()) {
            out.println("recurrent state (feed each output back as its input with the next frame; step() carries it itself):");
            states.forEach((in, o) -> out.printf("  %s -> %s%n", in, o));
        }
        out.println("layers:");
        for (int i = 0; i < model.layers().size(); i++) {
            Layer l = model.layers().get(i);
            out.printf("  %d %s '%s': %s -> %s%n", i, l.kind(), l.name(), present(l.inputs()), present(l.outputs()));
            List<String> attrs = new ArrayList<>();
            l.attributes().forEach((k, v) -> attrs.add(k + "=" + v));
            out.printf("      %s%n", String.join(" ", attrs));
            for (StoredTensor t : l.weights()) {
                out.printf("      %-24s %-4s %-18s %,12d bytes%n", t.name(), t.storageType(), Arrays.toString(t.shape()), t.bytes());
            }
        }
        if (!model.constants().isEmpty()) {
            out.println("constants:");
            for (StoredTensor t : model.constants()) {
                out.printf("  %-26s %-4s %-18s %,12d bytes%n", t.name(), t.storageType(), Arrays.toString(t.shape()), t.bytes());
            }
        }
        long weights = (Long) d.get("weight_bytes");
        long weightsAsF32 = (Long) d.get("weight_bytes_as_f32");
        long file = (Long) d.get("file_bytes");
        long fileAsF32 = (Long) d.get("file_bytes_as_f32");
        out.printf("weights: %,d bytes (%.3f of %,d as f32); file: %,d bytes (%.3f of about %,d with f32 weights)%n",
                weights, ratio(weights, weightsAsF32), weightsAsF32, file, ratio(file, fileAsF32), fileAsF32);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 1 : (double) a / b;
    }

    private static String present(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(n.isEmpty() ? "-" : n);
        }
        return String.join(", ", out);
    }
}
