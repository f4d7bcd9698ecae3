package io.sequin.format;

import static io.sequin.testing.Allocations.refusedCheaply;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import io.sequin.importer.ImportException;
import io.sequin.importer.keras.H5Reader;
import io.sequin.importer.keras.KerasZipReader;
import io.sequin.importer.keras.TfjsReader;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.importer.pytorch.StateDictReader;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.npy.NpyFormatException;
import io.sequin.schema.DType;
import io.sequin.schema.SqnModel;
import io.sequin.schema.SqnTensor;
import io.sequin.testing.TorchArchives;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that ask for 2^31 elements (65536 x 32768) in a few bytes are refused before anything is
 * allocated for them: a .sqn constant, a .npy array, a TF.js weight, an ONNX initializer, a
 * state_dict tensor, an HDF5 dataset. Each refusal names the limit (Limits.MAX_TENSOR_ELEMENTS,
 * 2^30 by default) and allocates far less than the tensor would take.
 */
class LimitsTest {
    private static final int[] HUGE = {65536, 32768};

    @TempDir
    Path tmp;

    @Test
    void aModelConstantOfTwoToTheThirtyOneElements() {
        FlatBufferBuilder fb = new FlatBufferBuilder();
        int name = fb.createString("c");
        int shape = SqnTensor.createShapeVector(fb, HUGE);
        int data = SqnTensor.createDataVector(fb, new byte[16]);
        int tensor = SqnTensor.createSqnTensor(fb, name, DType.F32, shape, 0, data, -1L);
        int constants = SqnModel.createConstantsVector(fb, new int[] {tensor});
        SqnModel.startSqnModel(fb);
        SqnModel.addFormatVersion(fb, 1);
        SqnModel.addConstants(fb, constants);
        SqnModel.finishSqnModelBuffer(fb, SqnModel.endSqnModel(fb));
        byte[] bytes = fb.sizedByteArray();
        InvalidModelException e = refusedCheaply(InvalidModelException.class, () -> Model.load(bytes));
        assertTrue(e.getMessage().contains("more than " + Limits.MAX_TENSOR_ELEMENTS), e.getMessage());
    }

    @Test
    void anNpyArrayOfTwoToTheThirtyOneElements() throws Exception {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 32768), }";
        while ((10 + header.length() + 1) % 64 != 0) {
            header += " ";
        }
        header += "\n";
        byte[] head = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0};
        Path file = tmp.resolve("huge.npy");
        Files.write(file, concat(head, header.getBytes(StandardCharsets.ISO_8859_1), new byte[16]));
        NpyFormatException e = refusedCheaply(NpyFormatException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("(65536, 32768)") || e.getMessage().contains("[65536, 32768]"), e.getMessage());
    }

    @Test
    void aTfjsWeightOfTwoToTheThirtyOneElements() throws Exception {
        Files.writeString(tmp.resolve("model.json"), "{\"format\": \"layers-model\", \"modelTopology\": {\"class_name\": \"Sequential\", "
                + "\"config\": {\"layers\": []}}, \"weightsManifest\": [{\"paths\": [\"w.bin\"], \"weights\": [{\"name\": \"d/kernel\", "
                + "\"shape\": [65536, 32768], \"dtype\": \"float32\"}]}]}");
        Files.write(tmp.resolve("w.bin"), new byte[16]);
        ImportException e = refusedCheaply(ImportException.class, () -> TfjsReader.read(tmp.resolve("model.json")));
        assertTrue(e.getMessage().contains("d/kernel") && e.getMessage().contains(String.valueOf(Limits.MAX_TENSOR_ELEMENTS)), e.getMessage());
    }

    @Test
    void anOnnxInitializerOfTwoToTheThirtyOneElements() {
        ai.onnx.proto.OnnxMl.TensorProto w = ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName("W")
                .setDataType(ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE).addDims(65536).addDims(32768)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
        ai.onnx.proto.OnnxMl.ModelProto model = ai.onnx.proto.OnnxMl.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setVersion(14))
                .setGraph(ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("g").addInitializer(w)
                        .addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setName("lstm").setOpType("LSTM")
                                .addInput("X").addInput("W").addInput("W").addOutput("Y")
                                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("hidden_size")
                                        .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(8192)))
                        .addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("X").setType(ai.onnx.proto.OnnxMl.TypeProto
                                .newBuilder().setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1)
                                        .setShape(ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder()
                                                .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("seq"))
                                                .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                                                .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(8192))))))
                        .addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("Y"))).build();
        byte[] bytes = model.toByteArray();
        ImportException e = refusedCheaply(ImportException.class,
                () -> OnnxImporter.importModel(bytes, Map.of()));
        assertTrue(e.getMessage().contains("W") && e.getMessage().contains(String.valueOf(Limits.MAX_TENSOR_ELEMENTS)), e.getMessage());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * A state_dict tensor of 65536 x 32768 over a storage of 4 floats: strides of 0 keep every
     * element inside the storage, so only the element limit stands in its way.
     */
    @Test
    void aStateDictTensorOfTwoToTheThirtyOneElements() throws Exception {
        byte[] data = TorchArchives.oneTensor(new long[] {65536, 32768}, new long[] {0, 0});
        Path file = TorchArchives.zip(tmp, "data.pkl", data, "data/0", new byte[16]);
        ImportException e = refusedCheaply(ImportException.class, () -> StateDictReader.read(file));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("more than " + Limits.MAX_TENSOR_ELEMENTS), e.getMessage());
    }

    /**
     * A Keras .h5 file (14 KB) whose Dense kernel is declared 65536 x 32768 float32 with storage
     * never allocated (fixtures/limits/huge_weight.h5, written by tools/make-hostile-hdf5-fixtures.py with h5py).
     */
    @Test
    void anHdf5DatasetOfTwoToTheThirtyOneElements() throws Exception {
        Path file = limitsFixture("huge_weight.h5");
        ImportException e = refusedCheaply(ImportException.class, () -> H5Reader.read(file));
        assertTrue(e.getMessage().contains("head/head/kernel:0") && e.getMessage().contains("[65536, 32768]")
                && e.getMessage().contains("more than " + Limits.MAX_TENSOR_ELEMENTS), e.getMessage());
    }

    private static Path limitsFixture(String name) throws Exception {
        return Path.of(LimitsTest.class.getResource("/fixtures/limits/" + name).toURI());
    }

    /** 2^28 elements (1 GiB), within the limit, declared but never written: refused rather than taken as fill values. */
    @Test
    void anUnwrittenHdf5DatasetIsRefusedRatherThanFilled() throws Exception {
        ImportException e = refusedCheaply(ImportException.class, () -> H5Reader.read(limitsFixture("unallocated_weight.h5")));
        assertTrue(e.getMessage().contains("head/head/kernel:0") && e.getMessage().contains("no data in the file"), e.getMessage());
    }

    /** A weight listed again would be read again: 65,536 names of one large dataset would make gigabytes of megabytes. */
    @Test
    void anHdf5DatasetListedAsTwoWeightsIsRefused() throws Exception {
        ImportException e = assertThrows(ImportException.class, () -> H5Reader.read(limitsFixture("weight_listed_twice.h5")));
        assertTrue(e.getMessage().contains("rnn/kernel:0 is a dataset already listed as another weight"), e.getMessage());
    }

    /** A Keras 3 weights file whose group contains itself (a hard link) is refused, not walked forever. */
    @Test
    void aKerasGroupThatContainsItselfIsRefused() throws Exception {
        ImportException e = assertThrows(ImportException.class, () -> KerasZipReader.read(limitsFixture("hard_link_cycle.keras")));
        assertTrue(e.getMessage().contains("is an object already reached by another path"), e.getMessage());
    }

    /**
     * A state_dict tensor of 16384 x 16384 (2^28 elements, 1 GiB, within the limit) viewing 4 floats
     * with strides of 0: refused as an expanded view, not made into a gigabyte.
     */
    @Test
    void anExpandedStateDictViewIsRefusedRatherThanMaterialized() throws Exception {
        byte[] data = TorchArchives.oneTensor(new long[] {16384, 16384}, new long[] {0, 0});
        Path file = TorchArchives.zip(tmp, "data.pkl", data, "data/0", new byte[16]);
        ImportException e = refusedCheaply(ImportException.class, () -> StateDictReader.read(file));
        assertTrue(e.getMessage().contains("has 268435456 elements over a storage of 4 (an expanded view)"), e.getMessage());
    }
}
