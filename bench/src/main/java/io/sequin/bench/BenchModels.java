package io.sequin.bench;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.model.Model;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.WeightType;
import io.sequin.writer.ModelWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The models every benchmark runs: one ONNX LSTM or GRU node (GRU with linear_before_reset=1,
 * as PyTorch exports it), weights uniform in ±1/sqrt(hidden) from a fixed seed, X [seq, batch,
 * input] with dynamic seq and batch, initial states as inputs, outputs Y, Y_h (, Y_c). Sequin
 * converts the same bytes that ONNX Runtime runs.
 */
public final class BenchModels {
    private BenchModels() {
    }

    /**
     * Writes the benchmarks' f32 LSTMs, lstm-IxH.onnx for each size, into the folder given: what
     * tools/make-ort-int8-lstm.py quantizes into ONNX Runtime's int8 LSTM ({@link OrtInt8Benchmark}).
     */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (String size : new String[] {"64x128", "128x256", "256x512", "512x1024"}) {
            int[] s = size(size);
            Files.write(dir.resolve("lstm-" + size + ".onnx"), onnx("LSTM", s[0], s[1]));
        }
    }

    /** "64x128" → {64, 128}. */
    static int[] size(String inputXHidden) {
        String[] p = inputXHidden.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    static int gates(String cell) {
        return cell.equals("LSTM") ? 4 : 3;
    }

    static List<String> outputs(String cell) {
        return cell.equals("LSTM") ? List.of("Y", "Y_h", "Y_c") : List.of("Y", "Y_h");
    }

    static byte[] onnx(String cell, int input, int hidden) {
        SplittableRandom random = new SplittableRandom(20261126L + 31L * input + hidden);
        int rows = gates(cell) * hidden;
        float scale = (float) (1 / Math.sqrt(hidden));
        GraphProto.Builder g = GraphProto.newBuilder().setName(cell.toLowerCase() + "_" + input + "x" + hidden);
        g.addInitializer(weight("W", new int[] {1, rows, input}, random, scale));
        g.addInitializer(weight("R", new int[] {1, rows, hidden}, random, scale));
        g.addInitializer(weight("B", new int[] {1, 2 * rows}, random, scale));
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(cell).setName(cell.toLowerCase())
                .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setType(AttributeProto.AttributeType.INT).setI(hidden));
        if (cell.equals("LSTM")) {
            node.addAllInput(List.of("X", "W", "R", "B", "", "initial_h", "initial_c"));
        } else {
            node.addAllInput(List.of("X", "W", "R", "B", "", "initial_h"));
            node.addAttribute(AttributeProto.newBuilder().setName("linear_before_reset").setType(AttributeProto.AttributeType.INT).setI(1));
        }
        node.addAllOutput(outputs(cell));
        g.addNode(node);
        g.addInput(info("X", "seq", "batch", input));
        g.addInput(info("initial_h", 1, "batch", hidden));
        if (cell.equals("LSTM")) {
            g.addInput(info("initial_c", 1, "batch", hidden));
        }
        for (String o : outputs(cell)) {
            g.addOutput(ValueInfoProto.newBuilder().setName(o).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("sequin bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(14)).setGraph(g).build().toByteArray();
    }

    static Model sequin(byte[] onnx) throws Exception {
        return sequin(onnx, "f32");
    }

    /** The model converted with its weight matrices stored as {@code weights} (f32, f16, bf16, int8). */
    static Model sequin(byte[] onnx, String weights) throws Exception {
        WeightType type = WeightType.byName(weights);
        if (type == null) {
            throw new IllegalArgumentException("unknown weight type " + weights);
        }
        return Model.load(new ModelWriter("bench").write(WeightQuantizer.quantize(OnnxImporter.importModel(onnx, Map.of()), type)));
    }

    private static TensorProto weight(String name, int[] shape, SplittableRandom random, float scale) {
        int n = 1;
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int d : shape) {
            n *= d;
            t.addDims(d);
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            raw.putFloat((float) ((random.nextDouble() * 2 - 1) * scale));
        }
        return t.setRawData(ByteString.copyFrom(raw.array())).build();
    }

    private static ValueInfoProto info(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof String ? TensorShapeProto.Dimension.newBuilder().setDimParam((String) d)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    static float[] randomInput(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }
}
