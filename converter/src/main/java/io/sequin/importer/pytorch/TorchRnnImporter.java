package io.sequin.importer.pytorch;

import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.GateOrder;
import io.sequin.ir.IrConcatLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentLayout.YLayout;
import io.sequin.layer.RecurrentSpec;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the state_dict of a bare {@code nn.LSTM}, {@code nn.GRU} or {@code nn.RNN} into a model
 * that computes what the module's {@code forward(x, h0[, c0])} returns. The module is inferred
 * from the parameter names and shapes (PyTorch's docs, torch.nn.LSTM): the cell from the gate
 * count (4, 3 or 1 blocks of hidden rows in {@code weight_ih_l0}), the layers from {@code _l<k>},
 * bidirectional from {@code _reverse}. What the file cannot tell comes from {@link Options}.
 *
 * <p>Inputs: {@code x} [S, B, I] ([B, S, I] batch-first), {@code h0} [layers*D, B, H]
 * ({@code c0} the same for LSTM). Outputs: {@code y} [S, B, D*H] ([B, S, D*H] batch-first),
 * {@code h_n} (and {@code c_n}) [layers*D, B, H] with index layer*D + direction, as PyTorch.
 * The weights keep PyTorch's gate order ({@link GateOrder#PYTORCH}), which the converter's
 * normalization puts into ONNX's; a PyTorch GRU is ONNX's GRU with linear_before_reset. An
 * LSTM with {@code proj_size} P ({@code weight_hr_l<k>}) has h0, y and h_n of P values per
 * direction, c0 and c_n of H.
 */
public final class TorchRnnImporter {
    /** What a state_dict does not record. */
    public static final class Options {
        public boolean batchFirst;
        /** nn.RNN's nonlinearity: tanh (PyTorch's default) or relu. */
        public String nonlinearity = "tanh";
    }

    private static final Pattern PARAM = Pattern.compile("(.*?)(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\\d+)(_reverse)?");

    private TorchRnnImporter() {
    }

    public static IrModel importModel(Map<String, Tensor> stateDict, Options options, String what) throws ImportException {
        String prefix = null;
        int layers = 0;
        boolean reverse = false;
        for (String key : stateDict.keySet()) {
            Matcher m = PARAM.matcher(key);
            if (!m.matches()) {
                throw new ImportException(what + ": '" + key + "' is not a parameter of nn.LSTM, nn.GRU or nn.RNN; Sequin reads "
                        + "the state_dict of a bare recurrent module; for a model of several modules, describe them with --arch");
            }
            if (prefix != null && !prefix.equals(m.group(1))) {
                throw new ImportException(what + ": parameters of two modules ('" + prefix + "' and '" + m.group(1) + "')");
            }
            prefix = m.group(1);
            long layer = Long.parseLong(m.group(3));
            if (layer >= Limits.MAX_COUNT) {
                throw new ImportException(what + ": layer " + layer + " is past the limit of " + Limits.MAX_COUNT);
            }
            layers = Math.max(layers, (int) layer + 1);
            reverse |= m.group(4) != null;
        }
        if (prefix == null) {
            throw new ImportException(what + ": the state_dict is empty");
        }
        int dirs = reverse ? 2 : 1;
        Tensor hh0 = param(stateDict, prefix, "weight_hh", 0, false, what);
        Tensor ih0 = param(stateDict, prefix, "weight_ih", 0, false, what);
        Tensor hr0 = stateDict.get(prefix + "weight_hr_l0");
        if (hh0.rank() != 2 || ih0.rank() != 2 || (hr0 != null && hr0.rank() != 2)) {
            throw new ImportException(what + ": weight_hh_l0, weight_ih_l0 and weight_hr_l0 must be matrices");
        }
        // With proj_size P (weight_hr [P, H]) the state has P values and weight_hh is [4H, P].
        int hidden = hr0 == null ? hh0.dim(1) : hr0.dim(1);
        int out = hr0 == null ? hidden : hr0.dim(0);
        if (out < 1 || out > Limits.MAX_LAYER_WIDTH || (hr0 != null && hh0.dim(1) != out)) {
            throw new ImportException(what + ": weight_hh_l0 " + Tensor.format(hh0.shape()) + " does not fit weight_hr_l0 "
                    + (hr0 == null ? "" : Tensor.format(hr0.shape())));
        }
        if (hidden < 1 || hidden > Limits.MAX_LAYER_WIDTH || hh0.dim(0) % hidden != 0) {
            throw new ImportException(what + ": weight_hh_l0 is " + Tensor.format(hh0.shape()) + ", not [gates*hidden, hidden]");
        }
        int gates = hh0.dim(0) / hidden;
        CellType cell = gates == 4 ? CellType.LSTM : gates == 3 ? CellType.GRU : gates == 1 ? CellType.RNN : null;
        if (cell == null) {
            throw new ImportException(what + ": weight_hh_l0 has " + gates + " blocks of " + hidden
                    + " rows; nn.LSTM has 4, nn.GRU 3, nn.RNN 1");
        }
        if (hr0 != null && cell != CellType.LSTM) {
            throw new ImportException(what + ": weight_hr_l0 (proj_size) belongs to an nn.LSTM, but this is an nn." + cell);
        }
        if (cell != CellType.RNN && !options.nonlinearity.equals("tanh")) {
            throw new ImportException("--nonlinearity is nn.RNN's; this state_dict is an nn." + cell);
        }
        int input = ih0.dim(1);
        IrModel ir = new IrModel();
        ir.sourceFormat = "pytorch";
        String[] seqBatch = options.batchFirst ? new String[] {"batch", "seq"} : new String[] {"seq", "batch"};
        int stateRows = layers * dirs;
        ir.inputs.add(new TensorSpec("x", ElementType.FLOAT32, new int[] {-1, -1, input}, new String[] {seqBatch[0], seqBatch[1], ""}));
        String[] stateDims = {"", "batch", ""};
        TensorSpec hSpec = new TensorSpec("h0", ElementType.FLOAT32, new int[] {stateRows, -1, out}, stateDims);
        TensorSpec cSpec = new TensorSpec("c0", ElementType.FLOAT32, new int[] {stateRows, -1, hidden}, stateDims);
        ir.inputs.add(hSpec);
        if (cell == CellType.LSTM) {
            ir.inputs.add(cSpec);
        }
        List<String> hParts = new ArrayList<>();
        List<String> cParts = new ArrayList<>();
        String x = "x";
        for (int k = 0; k < layers; k++) {
            IrRecurrentLayer l = new IrRecurrentLayer();
            l.name = prefix + "l" + k;
            l.gateOrder = GateOrder.PYTORCH;
            int layerInput = k == 0 ? input : dirs * out;
            RecurrentLayout forms = RecurrentLayout.onnx(0).withXBatchFirst(options.batchFirst)
                    .withY(options.batchFirst ? YLayout.BATCH_SEQ : YLayout.SEQ_BATCH).withStateRows(k * dirs, stateRows);
            try {
                l.spec = RecurrentSpec.builder(cell, hidden, layerInput).direction(dirs == 2 ? Direction.BIDIRECTIONAL : Direction.FORWARD)
                        .projSize(hr0 != null ? out : 0).linearBeforeReset(cell == CellType.GRU)
                        .activations(activations(cell, dirs, options.nonlinearity)).layout(forms).build();
            } catch (IllegalArgumentException e) {
                throw new ImportException(what + ": layer " + k + ": " + e.getMessage(), e);
            }
            int rows = gates * hidden;
            l.w = new float[dirs * rows * layerInput];
            l.r = new float[dirs * rows * out];
            if (hr0 != null) {
                l.proj = new float[dirs * out * hidden];
            }
            l.b = new float[dirs * 2 * rows];
            for (int d = 0; d < dirs; d++) {
                boolean rev = d == 1;
                Tensor wih = param(stateDict, prefix, "weight_ih", k, rev, what);
                Tensor whh = param(stateDict, prefix, "weight_hh", k, rev, what);
                requireShape(wih, rows, layerInput, prefix + "weight_ih_l" + k + (rev ? "_reverse" : ""), what);
                requireShape(whh, rows, out, prefix + "weight_hh_l" + k + (rev ? "_reverse" : ""), what);
                System.arraycopy(wih.floats(), 0, l.w, d * rows * layerInput, rows * layerInput);
                System.arraycopy(whh.floats(), 0, l.r, d * rows * out, rows * out);
                if (hr0 != null) {
                    Tensor whr = param(stateDict, prefix, "weight_hr", k, rev, what);
                    requireShape(whr, out, hidden, prefix + "weight_hr_l" + k + (rev ? "_reverse" : ""), what);
                    System.arraycopy(whr.floats(), 0, l.proj, d * out * hidden, out * hidden);
                }
                for (int which = 0; which < 2; which++) {
                    String name = (which == 0 ? "bias_ih" : "bias_hh") + "_l" + k + (rev ? "_reverse" : "");
                    Tensor bias = stateDict.get(prefix + name);
                    if (bias != null) {
                        if (bias.rank() != 1 || bias.dim(0) != rows) {
                            throw new ImportException(what + ": " + prefix + name + " is " + Tensor.format(bias.shape()) + ", expected [" + rows + "]");
                        }
                        System.arraycopy(bias.floats(), 0, l.b, (2 * d + which) * rows, rows);
                    }
                }
            }
            l.inputs.add(x);
            l.inputs.add("");
            l.inputs.add("h0");
            if (cell == CellType.LSTM) {
                l.inputs.add("c0");
            }
            String y = k == layers - 1 ? "y" : l.name + ".y";
            String h = layers == 1 ? "h_n" : l.name + ".h_n";
            String c = layers == 1 ? "c_n" : l.name + ".c_n";
            l.outputs.add(y);
            l.outputs.add(h);
            if (cell == CellType.LSTM) {
                l.outputs.add(c);
            }
            hParts.add(h);
            cParts.add(c);
            ir.layers.add(l);
            x = y;
        }
        if (layers > 1) {
            ir.layers.add(concat("h_n", hParts));
            if (cell == CellType.LSTM) {
                ir.layers.add(concat("c_n", cParts));
            }
        }
        ir.outputs.add(new TensorSpec("y", ElementType.FLOAT32, new int[] {-1, -1, dirs * out},
                new String[] {seqBatch[0], seqBatch[1], ""}));
        ir.outputs.add(new TensorSpec("h_n", ElementType.FLOAT32, hSpec.shape(), stateDims));
        if (cell == CellType.LSTM) {
            ir.outputs.add(new TensorSpec("c_n", ElementType.FLOAT32, cSpec.shape(), stateDims));
        }
        checkEveryParameterUsed(stateDict, prefix, layers, dirs, hr0 != null, what);
        return ir;
    }

    private static IrConcatLayer concat(String out, List<String> parts) {
        IrConcatLayer c = new IrConcatLayer();
        c.name = out;
        c.axis = 0;
        c.inputs.addAll(parts);
        c.outputs.add(out);
        return c;
    }

    private static List<Activation> activations(CellType cell, int dirs, String nonlinearity) throws ImportException {
        List<Activation> out = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            switch (cell) {
                case LSTM:
                    out.add(new Activation(ActivationFunction.SIGMOID, 0, 0));
                    out.add(new Activation(ActivationFunction.TANH, 0, 0));
                    out.add(new Activation(ActivationFunction.TANH, 0, 0));
                    break;
                case GRU:
                    out.add(new Activation(ActivationFunction.SIGMOID, 0, 0));
                    out.add(new Activation(ActivationFunction.TANH, 0, 0));
                    break;
                default:
                    if (!nonlinearity.equals("tanh") && !nonlinearity.equals("relu")) {
                        throw new ImportException("--nonlinearity " + nonlinearity + ": nn.RNN takes tanh or relu");
                    }
                    out.add(new Activation(nonlinearity.equals("tanh") ? ActivationFunction.TANH : ActivationFunction.RELU, 0, 0));
            }
        }
        return out;
    }

    private static Tensor param(Map<String, Tensor> sd, String prefix, String kind, int layer, boolean reverse, String what)
            throws ImportException {
        String name = prefix + kind + "_l" + layer + (reverse ? "_reverse" : "");
        Tensor t = sd.get(name);
        if (t == null) {
            throw new ImportException(what + ": " + name + " is missing");
        }
        return t;
    }

    private static void requireShape(Tensor t, int rows, int cols, String name, String what) throws ImportException {
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new ImportException(what + ": " + name + " is " + Tensor.format(t.shape()) + ", expected [" + rows + ", " + cols + "]");
        }
    }

    private static void checkEveryParameterUsed(Map<String, Tensor> sd, String prefix, int layers, int dirs, boolean proj,
                                                String what) throws ImportException {
        TreeSet<String> known = new TreeSet<>();
        String[] kinds = proj ? new String[] {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"}
                : new String[] {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        for (int k = 0; k < layers; k++) {
            for (int d = 0; d < dirs; d++) {
                for (String kind : kinds) {
                    known.add(prefix + kind + "_l" + k + (d == 1 ? "_reverse" : ""));
                }
            }
        }
        for (String key : sd.keySet()) {
            if (!known.contains(key)) {
                throw new ImportException(what + ": " + key + " does not fit a " + layers + "-layer, " + dirs + "-direction module");
            }
        }
    }
}
