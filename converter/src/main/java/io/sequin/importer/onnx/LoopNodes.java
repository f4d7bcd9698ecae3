package io.sequin.importer.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.sequin.importer.ImportException;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An ONNX {@code Loop} whose body is one step of a Keras GRU ({@code reset_after=True}), as
 * tf2onnx leaves a Keras 3 GRU it could not turn into a GRU node: recognized and replaced by a
 * GRU layer, or refused naming what did not match. A loop is never run.
 *
 * <p>The body is read as an expression: each tensor is written out from the body's inputs (the
 * step's x, the state h, the weights carried through unchanged, the time counter) and constants,
 * with commutative operands in a fixed order, and compared with a GRU step written out the same
 * way: {@code z = σ(x·Kz + bz + h·Rz + b'z)}, {@code r = σ(x·Kr + br + h·Rr + b'r)},
 * {@code ĥ = tanh(x·Kh + bh + r ⊙ (h·Rh + b'h))}, {@code h' = z ⊙ h + (1 - z) ⊙ ĥ}, the
 * gates z, r, h in Keras' order, which is ONNX's. The loop must run exactly as many steps as the
 * sequence has, from a zero state.
 */
final class LoopNodes {
    private static final long INT_MAX = Integer.MAX_VALUE;
    private static final Pattern LESS = Pattern.compile("less\\((iter|v\\d+|add\\(s\\(1\\),(?:iter|v\\d+)\\)),s\\(([-0-9.E]+)\\)\\)");

    private final ImportContext cx;
    private final RecurrentNodes recurrent;

    LoopNodes(ImportContext cx, RecurrentNodes recurrent) {
        this.cx = cx;
        this.recurrent = recurrent;
    }

    /** Less or And of constants (a while loop's first condition, computed before it runs): folded to 0/1. */
    void constantComparison(OnnxNode node) throws ImportException {
        Tensor a = cx.constant(node, 0, "A");
        Tensor b = cx.constant(node, 1, "B");
        if (a.size() != b.size() && a.size() != 1 && b.size() != 1) {
            throw node.error("operands of " + a.size() + " and " + b.size() + " elements do not broadcast");
        }
        Tensor shaped = a.size() >= b.size() ? a : b;
        long[] out = new long[shaped.size()];
        for (int i = 0; i < out.length; i++) {
            double x = at(a, a.size() == 1 ? 0 : i);
            double y = at(b, b.size() == 1 ? 0 : i);
            out[i] = node.op.equals("Less") ? (x < y ? 1 : 0) : (x != 0 && y != 0 ? 1 : 0);
        }
        cx.put(node, 0, Value.constant(Tensor.ofLongs(shaped.shape(), out)));
    }

    private static double at(Tensor t, int i) {
        switch (t.type()) {
            case FLOAT32:
                return t.floats()[i];
            case INT32:
                return t.ints()[i];
            default:
                return t.longs()[i];
        }
    }

    void loop(OnnxNode node) throws ImportException {
        if (!node.has("body") || node.input(0).isEmpty()) {
            throw node.error("a Loop without a trip count or body is not supported");
        }
        Tensor m = cx.constant(node, 0, "M");
        if (m.size() != 1) {
            throw node.error("trip count M is " + m);
        }
        long trips = (long) at(m, 0);
        if (!node.input(1).isEmpty()) {
            Tensor cond = cx.constant(node, 1, "cond");
            if (cond.size() != 1 || at(cond, 0) == 0) {
                throw node.error("the loop's first condition is not a constant true");
            }
        }
        GraphProto body = node.attribute("body").getG();
        int carried = node.inputCount() - 2;
        if (body.getInputCount() != carried + 2 || body.getOutputCount() != carried + 2) {
            throw node.error("the Loop is recognized with one scan output (a recurrent layer's Y); this one has "
                    + (body.getOutputCount() - 1 - carried) + " and " + carried + " carried values");
        }
        Body b = new Body(body, node);
        String scan = body.getOutput(carried + 1).getName();
        // The carried values: the weights (passed through unchanged, constant), the time counter and h.
        for (int k = 0; k < carried; k++) {
            String in = body.getInput(k + 2).getName();
            if (body.getOutput(k + 1).getName().equals(in)) {
                b.leaves.put(in, "c" + k);
                b.constants.put("c" + k, cx.constant(node, k + 2, "carried value " + k));
            }
        }
        int time = -1;
        int h = -1;
        String scanForm = b.canon(scan);
        for (int k = 0; k < carried; k++) {
            String form = b.canon(body.getOutput(k + 1).getName());
            if (b.constants.containsKey("c" + k)) {
                continue;
            } else if (form.equals(add("s(1)", "v" + k))) {
                time = k;
            } else if (form.equals(scanForm)) {
                h = k;
            } else {
                throw node.error("carried value " + k + " of the Loop's body is " + shorten(form) + ", neither a weight passed "
                        + "through, a step counter nor the state");
            }
        }
        if (time < 0 || h < 0) {
            throw node.error("the Loop's body has no " + (time < 0 ? "step counter" : "state that is its scan output"));
        }
        Tensor time0 = cx.constant(node, time + 2, "the step counter's start");
        if (time0.size() != 1 || at(time0, 0) != 0) {
            throw node.error("the step counter starts at " + time0 + ", not 0");
        }
        Value h0 = cx.value(node, h + 2, "the initial state");
        if (h0.kind != Value.Kind.ZEROS) {
            throw node.error("the loop's initial state is " + h0 + "; a state of zeros is recognized");
        }
        checkCondition(b, body, carried, time, trips, node);
        // x: the input gathered at the step.
        Matcher gather = Pattern.compile("gather\\(outer:([^,()]+),(v" + time + "|iter)\\)").matcher(scanForm);
        if (!gather.find()) {
            throw node.error("the Loop's body reads no input step (Gather of a tensor at the step counter)");
        }
        String x = gather.group(1);
        // Written out again with the step's input as x and the state as h, so operands sort by those names.
        b.forms.clear();
        b.leaves.put(body.getInput(h + 2).getName(), "h");
        b.stepInput = gather.group();
        String form = b.canon(scan);
        Tensor kernel = weight(b, form, "mm\\(x,(c\\d+)\\)", "input kernel", node);
        Tensor rec = weight(b, form, "mm\\(h,(c\\d+)\\)", "recurrent kernel", node);
        Tensor bias = weight(b, form, "split0/2@0\\((c\\d+)\\)", "biases", node);
        if (kernel.rank() != 2 || rec.rank() != 2 || rec.dim(1) != 3 * rec.dim(0) || kernel.dim(1) != rec.dim(1)
                || bias.rank() != 2 || bias.dim(0) != 2 || bias.dim(1) != rec.dim(1)) {
            throw node.error("weights of shapes " + Arrays.toString(kernel.shape()) + ", " + Arrays.toString(rec.shape()) + ", "
                    + Arrays.toString(bias.shape()) + " are not a GRU's [input, 3H], [H, 3H], [2, 3H]");
        }
        int hidden = rec.dim(0);
        String expected = gruStep(name(b, kernel), name(b, rec), name(b, bias), hidden);
        form = form.replace("slice[" + 2 * hidden + ":" + 3 * hidden + "@1]", "slice[" + 2 * hidden + ":max@1]");
        if (!form.equals(expected)) {
            throw node.error("the Loop's body is not a step of a Keras GRU (reset_after=True) that Sequin recognizes: it "
                    + "computes " + shorten(form) + "; a GRU step is " + shorten(expected));
        }
        Value xv = cx.values.get(x);
        if (xv == null || xv.kind != Value.Kind.RUNTIME || xv.rank() != 3 || !xv.dims().get(0).equals(Sym.of(trips))) {
            throw node.error("the Loop runs " + trips + " steps over " + (xv == null ? "'" + x + "'" : xv)
                    + "; it must run one step per element of a [steps, batch, features] input");
        }
        for (int k = 0; k < node.outputCount() - 1; k++) {
            if (!node.output(k).isEmpty() && cx.uses.getOrDefault(node.output(k), 0) > 0) {
                throw node.error("the Loop's final carried value " + k + " is read; only its scan output is supported");
            }
        }
        replaceWithGru(node, x, kernel, rec, bias, hidden);
    }

    /** The GRU the loop computes, as a GRU node given to the recurrent importer; its Y, squeezed, is the scan output. */
    private void replaceWithGru(OnnxNode node, String x, Tensor kernel, Tensor rec, Tensor bias, int hidden) throws ImportException {
        String base = node.proto.getName().isEmpty() ? "loop_" + node.index : node.proto.getName();
        int input = kernel.dim(0);
        float[] w = LayerNodes.transpose(kernel.floats(), input, 3 * hidden);
        float[] r = LayerNodes.transpose(rec.floats(), hidden, 3 * hidden);
        cx.values.put(base + "/W", Value.constant(Tensor.ofFloats(new int[] {1, 3 * hidden, input}, w)));
        cx.values.put(base + "/R", Value.constant(Tensor.ofFloats(new int[] {1, 3 * hidden, hidden}, r)));
        cx.values.put(base + "/B", Value.constant(Tensor.ofFloats(new int[] {1, 6 * hidden}, bias.floats().clone())));
        String y = base + "/Y";
        String scan = node.output(node.outputCount() - 1);
        cx.uses.put(y, cx.uses.getOrDefault(scan, 0));
        NodeProto gru = NodeProto.newBuilder().setOpType("GRU").setName(base)
                .addAllInput(List.of(x, base + "/W", base + "/R", base + "/B")).addOutput(y)
                .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setType(AttributeProto.AttributeType.INT).setI(hidden))
                .addAttribute(AttributeProto.newBuilder().setName("linear_before_reset").setType(AttributeProto.AttributeType.INT).setI(1))
                .addAttribute(AttributeProto.newBuilder().setName("direction").setType(AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8("forward")))
                .build();
        recurrent.recurrent(new OnnxNode(gru, node.index));
        Value yv = cx.values.get(y);
        if (yv != null) {
            // Y is [S, 1, B, H]; the scan output [S, B, H].
            cx.values.put(scan, Value.of(yv.source).withGroups(new int[][] {{0}, {2}, {3}}));
        }
    }

    /** The loop condition may only count: each comparison of a counter with a bound at least the trip count. */
    private static void checkCondition(Body b, GraphProto body, int carried, int time, long trips, OnnxNode node)
            throws ImportException {
        String form = b.canon(body.getOutput(0).getName());
        Matcher less = LESS.matcher(form);
        StringBuilder reduced = new StringBuilder();
        while (less.find()) {
            String counter = less.group(1);
            boolean counts = counter.equals("iter") || counter.equals("v" + time) || counter.equals(add("s(1)", "iter"))
                    || counter.equals(add("s(1)", "v" + time));
            if (!counts || Double.parseDouble(less.group(2)) < trips) {
                throw node.error("the Loop's condition " + shorten(form) + " may end it before its " + trips + " steps");
            }
            less.appendReplacement(reduced, "T");
        }
        less.appendTail(reduced);
        String rest = reduced.toString();
        for (String before = ""; !before.equals(rest); ) {
            before = rest;
            rest = rest.replace("and(T,T)", "T");
        }
        if (!rest.equals("T")) {
            throw node.error("the Loop's condition " + shorten(form) + " is not a comparison of its counters with their bounds");
        }
    }

    private static Tensor weight(Body b, String form, String pattern, String what, OnnxNode node) throws ImportException {
        Matcher m = Pattern.compile(pattern).matcher(form);
        if (!m.find() || !b.constants.containsKey(m.group(1))) {
            throw node.error("the Loop's body has no " + what + " that Sequin recognizes in " + shorten(form));
        }
        Tensor t = b.constants.get(m.group(1));
        if (t.type() != ElementType.FLOAT32) {
            throw node.error(what + " is " + t + ", not float");
        }
        return t;
    }

    private static String name(Body b, Tensor t) {
        for (Map.Entry<String, Tensor> e : b.constants.entrySet()) {
            if (e.getValue() == t) {
                return e.getKey();
            }
        }
        throw new AssertionError("a weight found is a body constant");
    }

    /** A Keras GRU step (reset_after=True), written out as {@link Body#canon} writes a body. */
    private static String gruStep(String k, String r, String b, int hidden) {
        String xp = add("mm(x," + k + ")", "sq(split0/2@0(" + b + "))");
        String rp = add("mm(h," + r + ")", "sq(split1/2@0(" + b + "))");
        String z = "sigmoid(" + add("split0/3@-1(" + xp + ")", "slice[0:" + hidden + "@1](" + rp + ")") + ")";
        String rr = "sigmoid(" + add("split1/3@-1(" + xp + ")", "slice[" + hidden + ":" + 2 * hidden + "@1](" + rp + ")") + ")";
        String hh = "tanh(" + add("split2/3@-1(" + xp + ")", mul(rr, "slice[" + 2 * hidden + ":max@1](" + rp + ")")) + ")";
        return add(mul(z, "h"), mul("sub(s(1)," + z + ")", hh));
    }

    static String add(String a, String b) {
        return a.compareTo(b) <= 0 ? "add(" + a + "," + b + ")" : "add(" + b + "," + a + ")";
    }

    static String mul(String a, String b) {
        return a.compareTo(b) <= 0 ? "mul(" + a + "," + b + ")" : "mul(" + b + "," + a + ")";
    }

    private static String shorten(String form) {
        return form.length() <= 240 ? form : form.substring(0, 240) + "...";
    }

    /** A Loop body: its nodes by output, its constants, and each tensor written out as an expression. */
    private final class Body {
        final Map<String, NodeProto> producers = new HashMap<>();
        final Map<String, Integer> outputIndex = new HashMap<>();
        final Map<String, Tensor> constants = new HashMap<>();
        final Map<String, String> leaves = new HashMap<>();
        final Map<String, String> forms = new HashMap<>();
        final OnnxNode loop;
        /** The step's input, gather(outer:X,counter), written as x once known; null before. */
        String stepInput;

        Body(GraphProto body, OnnxNode loop) throws ImportException {
            this.loop = loop;
            for (NodeProto n : body.getNodeList()) {
                for (int k = 0; k < n.getOutputCount(); k++) {
                    producers.put(n.getOutput(k), n);
                    outputIndex.put(n.getOutput(k), k);
                }
            }
            for (TensorProto t : body.getInitializerList()) {
                constants.put("k:" + t.getName(), OnnxTensors.decode(t, loop.where + ": body initializer '" + t.getName() + "'"));
            }
            leaves.put(body.getInput(0).getName(), "iter");
            leaves.put(body.getInput(1).getName(), "cond");
            for (int k = 2; k < body.getInputCount(); k++) {
                leaves.put(body.getInput(k).getName(), "v" + (k - 2));
            }
        }

        String canon(String name) throws ImportException {
            return canon(name, 0);
        }

        private String canon(String name, int depth) throws ImportException {
            String known = forms.get(name);
            if (known != null) {
                return known;
            }
            if (depth > producers.size() + 1) {
                throw loop.error("the Loop's body has a cycle through '" + name + "'");
            }
            String form;
            if (leaves.containsKey(name)) {
                form = leaves.get(name);
            } else if (constants.containsKey("k:" + name)) {
                Tensor t = constants.get("k:" + name);
                form = t.size() == 1 ? "s(" + number(at(t, 0)) + ")" : "k:" + name;
            } else if (!producers.containsKey(name)) {
                form = "outer:" + name;
            } else {
                form = node(producers.get(name), outputIndex.get(name), depth + 1);
                form = form.equals(stepInput) ? "x" : form;
            }
            forms.put(name, form);
            return form;
        }

        private String node(NodeProto n, int out, int depth) throws ImportException {
            List<String> in = new ArrayList<>();
            for (String i : n.getInputList()) {
                in.add(i.isEmpty() ? "" : canon(i, depth));
            }
            String op = n.getOpType();
            switch (op) {
                case "Identity":
                case "Cast":
                    return in.get(0);
                case "Add":
                    return add(in.get(0), in.get(1));
                case "Mul":
                    return mul(in.get(0), in.get(1));
                case "MatMul":
                    return "mm(" + in.get(0) + "," + in.get(1) + ")";
                case "Squeeze":
                case "Unsqueeze":
                    return (op.equals("Squeeze") ? "sq(" : "unsq(") + in.get(0) + ")";
                case "Split":
                    return "split" + out + "/" + n.getOutputCount() + "@" + attr(n, "axis", 0) + "(" + in.get(0) + ")";
                case "Slice":
                    return slice(n, in.get(0));
                default:
                    return op.toLowerCase(Locale.ROOT) + "(" + String.join(",", in) + ")";
            }
        }

        /** Slice with its constant starts, ends and axes, leaving out the axes it takes whole. */
        private String slice(NodeProto n, String of) throws ImportException {
            if (n.getInputCount() < 4) {
                return "slice?(" + of + ")";
            }
            long[] starts = ints(n.getInput(1));
            long[] ends = ints(n.getInput(2));
            long[] axes = ints(n.getInput(3));
            if (starts == null || ends == null || axes == null || starts.length != ends.length || axes.length != starts.length) {
                return "slice?(" + of + ")";
            }
            StringBuilder s = new StringBuilder("slice[");
            boolean first = true;
            for (int i = 0; i < axes.length; i++) {
                if (starts[i] == 0 && ends[i] >= INT_MAX) {
                    continue;
                }
                s.append(first ? "" : ";").append(starts[i]).append(':').append(ends[i] >= INT_MAX ? "max" : ends[i]).append('@').append(axes[i]);
                first = false;
            }
            return s.append("](").append(of).append(")").toString();
        }

        private long[] ints(String name) {
            Tensor t = constants.get("k:" + name);
            if (t == null || t.type() == ElementType.FLOAT32) {
                return null;
            }
            long[] v = new long[t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (long) at(t, i);
            }
            return v;
        }
    }

    private static long attr(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    private static String number(double v) {
        return new BigDecimal(v).stripTrailingZeros().toPlainString();
    }
}
