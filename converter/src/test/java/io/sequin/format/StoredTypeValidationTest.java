package io.sequin.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.layer.CellType;
import io.sequin.model.Model;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.schema.SqnModel;
import io.sequin.schema.SqnRecurrentLayer;
import io.sequin.schema.SqnTensor;
import io.sequin.tensor.WeightType;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A model file's quantized weights are untrusted like the rest of it: scales that are not
 * finite or negative, a scale count that does not match the rows, int8 -128 (outside the
 * format's symmetric range, and what the vector kernels' int8 layout cannot hold) and f16
 * infinities are refused with the tensor named.
 */
class StoredTypeValidationTest {
    /** The first layer's W tensor in a buffer over {@code sqn}. */
    private static SqnTensor firstW(byte[] sqn) {
        SqnModel m = SqnModel.getRootAsSqnModel(ByteBuffer.wrap(sqn));
        SqnRecurrentLayer r = (SqnRecurrentLayer) m.layers(0).kind(new SqnRecurrentLayer());
        return r.w();
    }

    /**
     * Records the first W tensor's CRC-32 anew over its changed bytes, as a hostile writer would:
     * the value checks behind the checksum must still hold. {@code original} is the CRC the
     * converter wrote; its eight bytes are found in the file and replaced.
     */
    private static void reseal(byte[] sqn, long original) {
        SqnTensor w = firstW(sqn);
        CRC32 crc = new CRC32();
        crc.update(w.dataAsByteBuffer());
        ByteBuffer scale = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w.scalesLength(); i++) {
            crc.update(scale.putFloat(0, w.scales(i)).array(), 0, 4);
        }
        ByteBuffer bb = ByteBuffer.wrap(sqn).order(ByteOrder.LITTLE_ENDIAN);
        int found = 0;
        for (int i = 0; i + 8 <= sqn.length; i++) {
            if (bb.getLong(i) == original) {
                bb.putLong(i, crc.getValue());
                found++;
            }
        }
        assertEquals(1, found, "the recorded CRC appears once");
    }

    private static byte[] model(WeightType type) {
        return new ModelWriter("test").write(WeightQuantizer.quantize(RandomModels.layer(CellType.GRU, 5, 7), type));
    }

    @Test
    void theUnchangedModelsLoad() throws Exception {
        for (WeightType t : WeightType.values()) {
            Model m = Model.load(model(t));
            assertEquals(t.displayName(), m.layers().get(0).weights().get(0).storageType());
        }
    }

    @Test
    void badScalesAreRefused() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.5f}) {
            byte[] sqn = model(WeightType.INT8);
            long crc = firstW(sqn).dataCrc32();
            ByteBuffer scales = firstW(sqn).scalesAsByteBuffer();
            ByteBuffer.wrap(sqn).order(ByteOrder.LITTLE_ENDIAN).putFloat(scales.position() + 4 * 3, bad);
            reseal(sqn, crc);
            InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(sqn));
            assertTrue(e.getMessage().contains("'gru'.w") && e.getMessage().contains("scale 3"), e.getMessage());
        }
    }

    @Test
    void aScaleCountThatIsNotTheRowCountIsRefused() {
        byte[] sqn = model(WeightType.INT8);
        long crc = firstW(sqn).dataCrc32();
        ByteBuffer scales = firstW(sqn).scalesAsByteBuffer();
        // The vector's length sits in the four bytes before its first element.
        ByteBuffer.wrap(sqn).order(ByteOrder.LITTLE_ENDIAN).putInt(scales.position() - 4, 20);
        reseal(sqn, crc);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(sqn));
        assertTrue(e.getMessage().contains("one scale per row, 21, found 20"), e.getMessage());
    }

    @Test
    void f16InfinityIsRefused() {
        byte[] sqn = model(WeightType.F16);
        long crc = firstW(sqn).dataCrc32();
        ByteBuffer data = firstW(sqn).dataAsByteBuffer();
        ByteBuffer.wrap(sqn).order(ByteOrder.LITTLE_ENDIAN).putShort(data.position() + 2 * 4, (short) 0xFC00);
        reseal(sqn, crc);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(sqn));
        assertTrue(e.getMessage().contains("'gru'.w") && e.getMessage().contains("element 4 is -Infinity"), e.getMessage());
    }

    @Test
    void int8MinusOneTwentyEightIsRefused() {
        byte[] sqn = model(WeightType.INT8);
        long crc = firstW(sqn).dataCrc32();
        ByteBuffer data = firstW(sqn).dataAsByteBuffer();
        sqn[data.position() + 6] = Byte.MIN_VALUE;
        reseal(sqn, crc);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(sqn));
        assertTrue(e.getMessage().contains("'gru'.w") && e.getMessage().contains("int8 element 6 is -128"), e.getMessage());
    }
}
