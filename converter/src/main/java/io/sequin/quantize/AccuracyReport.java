package io.sequin.quantize;

import io.sequin.ir.IrModel;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.session.Session;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * How far a model with quantized weights strays from the same model in f32: for every layer
 * output and every model output, the largest absolute difference and the cosine similarity of
 * the two, on one input. Both models run with the same kernels, so the difference is the
 * quantization's alone.
 *
 * <p>The input is the caller's (a calibration set) or, for each input not given, a
 * deterministic random one: floats drawn from N(0, 1) with a fixed seed, every dynamic
 * dimension 1 except a recurrent input's sequence dimension, {@value #RANDOM_STEPS} steps, and
 * {@code sequence_lens} inputs set to that full length. A dynamic dimension with a name that a
 * given input also has (such as {@code batch}) takes that input's size instead.
 */
public final class AccuracyReport {
    /** Steps of the random input sequence. */
    public static final int RANDOM_STEPS = 20;
    /** Seed of the random input. */
    public static final long SEED = 42;

    /** One compared tensor. */
    public static final class Entry {
        public final String name;
        /** "model output" or "output of layer NAME". */
        public final String role;
        public final int[] shape;
        public final double maxAbsError;
        public final double cosine;

        Entry(String name, String role, int[] shape, double maxAbsError, double cosine) {
            this.name = name;
            this.role = role;
            this.shape = shape;
            this.maxAbsError = maxAbsError;
            this.cosine = cosine;
        }
    }

    public final WeightType weights;
    /** Input name to where it came from: a calibration file's description, or "random". */
    public final Map<String, String> inputSources;
    public final List<Entry> entries;

    private AccuracyReport(WeightType weights, Map<String, String> inputSources, List<Entry> entries) {
        this.weights = weights;
        this.inputSources = Collections.unmodifiableMap(inputSources);
        this.entries = Collections.unmodifiableList(entries);
    }

    /**
     * Compares {@code quantized}, the model {@code ir} with its weights stored as {@code weights},
     * with {@code reference}, the same model in f32, layer by layer.
     *
     * @param calibration inputs by name (the description of each is in {@code sources}); any
     *     input of the model not given is random
     */
    public static AccuracyReport measure(IrModel ir, Model reference, Model quantized, WeightType weights,
                                         Map<String, Tensor> calibration, Map<String, String> sources) {
        for (String name : calibration.keySet()) {
            if (reference.inputs().stream().noneMatch(s -> s.name().equals(name))) {
                throw new IllegalArgumentException("--calibration " + name + ": the model has no input of that name; its inputs are "
                        + names(reference.inputs()));
            }
        }
        // Named dynamic dimensions ("batch", "seq") take their size from the given inputs, so
        // random ones fit with them.
        Map<String, Integer> bound = new LinkedHashMap<>();
        for (TensorSpec spec : reference.inputs()) {
            Tensor given = calibration.get(spec.name());
            if (given != null && given.rank() == spec.rank()) {
                for (int i = 0; i < spec.rank(); i++) {
                    String dim = spec.dimNames()[i];
                    if (spec.shape()[i] == TensorSpec.DYNAMIC && !dim.isEmpty()) {
                        bound.putIfAbsent(dim, given.dim(i));
                    }
                }
            }
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        Random random = new Random(SEED);
        for (TensorSpec spec : reference.inputs()) {
            Tensor given = calibration.get(spec.name());
            if (given != null) {
                feeds.put(spec.name(), given);
                origin.put(spec.name(), sources.getOrDefault(spec.name(), "given") + ", shape " + Tensor.format(given.shape()));
            } else {
                feeds.put(spec.name(), randomInput(ir, spec, bound, random, origin));
            }
        }
        // Every layer's output is compared, read from each session after its run.
        Session expected = reference.newSession();
        try {
            expected.run(feeds);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("accuracy report: the inputs do not fit the model: " + e.getMessage(), e);
        }
        Session actual = quantized.newSession(expected.kernels());
        actual.run(feeds);

        Set<String> modelOutputs = new LinkedHashSet<>();
        for (TensorSpec s : ir.outputs) {
            modelOutputs.add(s.name());
        }
        List<Entry> entries = new ArrayList<>();
        for (IrLayer l : ir.layers) {
            for (String out : l.outputs) {
                if (!out.isEmpty() && !modelOutputs.contains(out)) {
                    entries.add(compare(out, "output of layer " + l.name, expected.value(out), actual.value(out)));
                }
            }
        }
        for (String out : modelOutputs) {
            entries.add(compare(out, "model output", expected.value(out), actual.value(out)));
        }
        return new AccuracyReport(weights, origin, entries);
    }

    /** A random input for {@code spec}; says in {@code origin} how it was made. */
    private static Tensor randomInput(IrModel ir, TensorSpec spec, Map<String, Integer> bound, Random random,
                                      Map<String, String> origin) {
        int seqAxis = -1;
        boolean lengths = false;
        int vocabulary = 0;
        for (IrLayer layer : ir.layers) {
            if (layer instanceof IrEmbeddingLayer && layer.inputs.get(0).equals(spec.name())) {
                vocabulary = ((IrEmbeddingLayer) layer).vocabulary;
                // Token ids are laid out as the recurrent layer reading their vectors wants its x.
                for (IrLayer reader : ir.layers) {
                    if (reader instanceof IrRecurrentLayer && !reader.inputs.isEmpty() && reader.inputs.get(0).equals(layer.outputs.get(0))) {
                        seqAxis = ((IrRecurrentLayer) reader).spec.layout().xBatchFirst ? 1 : 0;
                        break;
                    }
                }
                break;
            }
            if (!(layer instanceof IrRecurrentLayer)) {
                continue;
            }
            IrRecurrentLayer l = (IrRecurrentLayer) layer;
            if (!l.inputs.isEmpty() && l.inputs.get(0).equals(spec.name())) {
                seqAxis = l.spec.layout().xBatchFirst ? 1 : 0;
                break;
            }
            if (l.inputs.size() > 1 && l.inputs.get(1).equals(spec.name())) {
                lengths = true;
                break;
            }
        }
        int[] shape = spec.shape();
        if (seqAxis < 0 && vocabulary > 0) {
            // Not read by a recurrent layer (token ids, say): the first dynamic axis gets the steps.
            for (int i = 0; i < shape.length && seqAxis < 0; i++) {
                seqAxis = shape[i] == TensorSpec.DYNAMIC && !bound.containsKey(spec.dimNames()[i]) ? i : -1;
            }
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == TensorSpec.DYNAMIC) {
                String dim = spec.dimNames()[i];
                Integer size = bound.get(dim);
                shape[i] = size != null ? size : i == seqAxis ? RANDOM_STEPS : 1;
                if (!dim.isEmpty()) {
                    // Later random inputs with this dimension (an initial state's batch) agree with this one.
                    bound.putIfAbsent(dim, shape[i]);
                }
            }
        }
        int n = (int) Tensor.elementCount(shape);
        String size = ", shape " + Tensor.format(shape);
        if (vocabulary > 0) {
            // Token ids for an embedding: uniform over its rows (Keras models take them as floats).
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = random.nextInt(vocabulary);
            }
            origin.put(spec.name(), "random token ids in [0, " + vocabulary + "), seed " + SEED + size);
            return wholeNumbers(spec.type(), shape, ids);
        }
        if (spec.type() == ElementType.FLOAT32) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) random.nextGaussian();
            }
            origin.put(spec.name(), "random N(0,1), seed " + SEED + size);
            return Tensor.ofFloats(shape, v);
        }
        long[] v = new long[n];
        Arrays.fill(v, lengths ? RANDOM_STEPS : 0);
        origin.put(spec.name(), (lengths ? "full lengths (" + RANDOM_STEPS + ")" : "zeros") + size);
        return wholeNumbers(spec.type(), shape, v);
    }

    private static Tensor wholeNumbers(ElementType type, int[] shape, long[] v) {
        switch (type) {
            case FLOAT32: {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i];
                }
                return Tensor.ofFloats(shape, f);
            }
            case INT32: {
                int[] ints = new int[v.length];
                for (int i = 0; i < v.length; i++) {
                    ints[i] = (int) v[i];
                }
                return Tensor.ofInts(shape, ints);
            }
            default:
                return Tensor.ofLongs(shape, v);
        }
    }

    private static Entry compare(String name, String role, Tensor expected, Tensor actual) {
        float[] e = expected.floats();
        float[] a = actual.floats();
        double maxAbs = 0;
        double dot = 0;
        double ee = 0;
        double aa = 0;
        for (int i = 0; i < e.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs((double) e[i] - a[i]));
            dot += (double) e[i] * a[i];
            ee += (double) e[i] * e[i];
            aa += (double) a[i] * a[i];
        }
        // Two all-zero tensors agree exactly; one all-zero against another does not.
        double cosine = ee == 0 && aa == 0 ? 1 : ee == 0 || aa == 0 ? 0 : dot / Math.sqrt(ee * aa);
        return new Entry(name, role, expected.shape(), maxAbs, cosine);
    }

    private static List<String> names(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.name());
        }
        return names;
    }

    /** The report as a JSON-ready map. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weights", weights.displayName());
        m.put("reference", "the same model with f32 weights");
        m.put("inputs", inputSources);
        List<Object> list = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("name", e.name);
            em.put("role", e.role);
            em.put("shape", e.shape);
            em.put("max_abs_error", e.maxAbsError);
            em.put("cosine", e.cosine);
            list.add(em);
        }
        m.put("tensors", list);
        return m;
    }

    /** The report as lines of text. */
    public List<String> toLines() {
        List<String> lines = new ArrayList<>();
        lines.add("accuracy of " + weights.displayName() + " weights against f32:");
        inputSources.forEach((name, from) -> lines.add("  input " + name + ": " + from));
        int width = 4;
        for (Entry e : entries) {
            width = Math.max(width, e.name.length());
        }
        lines.add(String.format("  %-" + width + "s  %-14s  %13s  %10s  %s", "tensor", "shape", "max abs error", "cosine", "role"));
        for (Entry e : entries) {
            lines.add(String.format("  %-" + width + "s  %-14s  %13.3e  %10.7f  %s", e.name, Tensor.format(e.shape), e.maxAbsError, e.cosine, e.role));
        }
        return lines;
    }
}
