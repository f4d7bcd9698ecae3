package io.sequin.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.flatbuffers.FlatBufferBuilder;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.layer.CellType;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.npy.Npy;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.schema.SqnModel;
import io.sequin.schema.SqnRecurrentLayer;
import io.sequin.schema.SqnTensor;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import io.sequin.tensor.WeightType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A corrupt .sqn must fail to load with {@link InvalidModelException}, never with another
 * exception or a hang: thousands of truncations, byte flips and overwritten words of a real model,
 * with each weight storage type, are loaded, and those that still load must run or refuse their
 * inputs cleanly.
 */
class ModelCorruptionTest {
    static byte[] good;
    /** The same model with each weight storage type. */
    static final Map<String, byte[]> GOOD = new HashMap<>();
    static Map<String, Tensor> inputs;

    @BeforeAll
    static void convert() throws Exception {
        Path fixture = Path.of(ModelCorruptionTest.class.getResource("/fixtures/onnx/lstm_bidirectional_sequence_lens").toURI());
        var ir = OnnxImporter.importModel(Files.readAllBytes(fixture.resolve("model.onnx")), Map.of());
        good = new ModelWriter("test").write(ir);
        for (WeightType t : WeightType.values()) {
            GOOD.put(t.displayName(), new ModelWriter("test").write(WeightQuantizer.quantize(ir, t)));
        }
        inputs = Map.of(
                "X", Npy.read(fixture.resolve("data_1/X.npy")),
                "sequence_lens", Npy.read(fixture.resolve("data_1/sequence_lens.npy")),
                "initial_h", Npy.read(fixture.resolve("data_1/initial_h.npy")),
                "initial_c", Npy.read(fixture.resolve("data_1/initial_c.npy")));
    }

    @Test
    void goodModelLoadsAndRuns() throws Exception {
        Model model = Model.load(good);
        assertEquals(3, model.newSession().run(inputs).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "int8"})
    void everyTruncationIsRefusedUnlessOnlyPaddingWasCut(String weights) {
        byte[] good = GOOD.get(weights);
        for (int length = 0; length < good.length; length++) {
            byte[] cut = Arrays.copyOf(good, length);
            try {
                Model.load(cut);
            } catch (InvalidModelException expected) {
                continue;
            }
            // FlatBuffers pads its last objects with zeros; cutting only those loses nothing.
            for (int i = length; i < good.length; i++) {
                assertEquals(0, good[i], "length " + length + " loaded, but the cut removed data at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "int8"})
    void flippedBytesFailCleanly(String weights) {
        byte[] good = GOOD.get(weights);
        SplittableRandom random = new SplittableRandom(7);
        int loaded = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] bad = good.clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            }
            loaded += loadAndRun(bad, "trial " + trial);
        }
        // Flips inside weight data leave a valid model; most others must be caught.
        assertTrue(loaded > 0 && loaded < 20_000, "loaded " + loaded);
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "int8"})
    void overwrittenWordsFailCleanly(String weights) {
        byte[] good = GOOD.get(weights);
        SplittableRandom random = new SplittableRandom(11);
        int[] nasty = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1, 4, 0x7ffffff0, -8};
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] bad = good.clone();
            int at = random.nextInt(bad.length - 3) & ~3;
            int v = random.nextBoolean() ? nasty[random.nextInt(nasty.length)] : random.nextInt();
            bad[at] = (byte) v;
            bad[at + 1] = (byte) (v >> 8);
            bad[at + 2] = (byte) (v >> 16);
            bad[at + 3] = (byte) (v >> 24);
            loadAndRun(bad, "trial " + trial + " at " + at);
        }
    }

    /**
     * Every bit of every weight tensor's data (and of an int8 tensor's scales) flipped, one at a
     * time: the CRC-32 the converter records catches each one, naming the tensor, for every
     * storage type. Nothing is silently computed with a changed weight.
     */
    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "int8"})
    void everyFlippedWeightBitIsCaughtByTheChecksum(String weights) {
        byte[] good = GOOD.get(weights);
        SqnModel m = SqnModel.getRootAsSqnModel(ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN));
        SqnRecurrentLayer r = (SqnRecurrentLayer) m.layers(0).kind(new SqnRecurrentLayer());
        int checked = 0;
        for (SqnTensor t : new SqnTensor[] {r.w(), r.r(), r.b()}) {
            ByteBuffer data = t.dataAsByteBuffer();
            List<Integer> positions = new ArrayList<>();
            for (int i = data.position(); i < data.limit(); i++) {
                positions.add(i);
            }
            ByteBuffer scales = t.scalesAsByteBuffer();
            for (int i = scales == null ? 0 : scales.position(); scales != null && i < scales.limit(); i++) {
                positions.add(i);
            }
            for (int at : positions) {
                for (int bit = 0; bit < 8; bit += 3) {
                    byte[] bad = good.clone();
                    bad[at] ^= (byte) (1 << bit);
                    InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(bad), t.name() + " byte " + at);
                    assertTrue(e.getMessage().contains("CRC-32") || e.getMessage().contains("finite"), e.getMessage());
                    checked++;
                }
            }
        }
        assertTrue(checked > 1000, "flips checked: " + checked);
    }

    /**
     * The same for a format-3 Keras model (Masking, a bidirectional GRU reading the mask and
     * returning its states, halves of them, a concatenation and a dense layer) and a format-4
     * real-time model (Slice layers cutting a packed state, Concat joining it again).
     */
    @ParameterizedTest
    @CsvSource({"tfjs/masking_bidirectional_gru_states, model.json, 3, x", "exporter-onnx/realtime_lstm_packed_state, model.onnx, 4, frame"})
    void corruptModelsOfNewerLayersFailCleanly(String name, String file, int version, String input) throws Exception {
        Path fixture = Path.of(ModelCorruptionTest.class.getResource("/fixtures/" + name).toURI());
        byte[] masked = Converter.convert(fixture.resolve(file), ConvertOptions.defaults()).sqn();
        assertEquals(version, Model.load(masked).formatVersion());
        Map<String, Tensor> x = new HashMap<>();
        try (var data = Files.list(fixture.resolve("data_1"))) {
            for (Path p : (Iterable<Path>) data.filter(p -> !p.getFileName().toString().startsWith("expected_"))::iterator) {
                x.put(p.getFileName().toString().replace(".npy", ""), Npy.read(p));
            }
        }
        assertTrue(x.containsKey(input), x.keySet().toString());
        SplittableRandom random = new SplittableRandom(13);
        int loaded = 0;
        for (int trial = 0; trial < 10_000; trial++) {
            byte[] bad = masked.clone();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            }
            loaded += loadAndRun(bad, x, "trial " + trial);
        }
        for (int length = 0; length < masked.length; length += 3) {
            loadAndRun(Arrays.copyOf(masked, length), x, "length " + length);
        }
        assertTrue(loaded > 0 && loaded < 10_000, "loaded " + loaded);
    }

    private static int loadAndRun(byte[] bytes, String what) {
        return loadAndRun(bytes, inputs, what);
    }

    /** Loads and runs; returns 1 if the model loaded. Anything but the documented exceptions fails. */
    private static int loadAndRun(byte[] bytes, Map<String, Tensor> inputs, String what) {
        Model model;
        try {
            model = Model.load(bytes);
        } catch (InvalidModelException expected) {
            return 0;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
        try {
            model.newSession().run(inputs);
        } catch (IllegalArgumentException refused) {
            // A changed name or shape in the signature: the inputs no longer fit, and it says so.
        } catch (IllegalStateException refused) {
            // A changed output shape: the layers make another, and the run says so.
            if (!refused.getMessage().endsWith("the model file is inconsistent")) {
                fail(what + ": loaded but failed to run: " + refused, refused);
            }
        } catch (RuntimeException | Error e) {
            fail(what + ": loaded but failed to run: " + e, e);
        }
        return 1;
    }

    @Test
    void newerFormatVersionIsRefusedNamingBoth() {
        FlatBufferBuilder fb = new FlatBufferBuilder();
        SqnModel.startSqnModel(fb);
        SqnModel.addFormatVersion(fb, 7);
        SqnModel.finishSqnModelBuffer(fb, SqnModel.endSqnModel(fb));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(fb.sizedByteArray()));
        assertTrue(e.getMessage().contains("format version 7") && e.getMessage().contains("version " + ModelWriter.FORMAT_VERSION), e.getMessage());
    }

    @Test
    void wrongIdentifierIsRefused() {
        byte[] bad = good.clone();
        bad[4] = 'T';
        bad[5] = 'F';
        bad[6] = 'L';
        bad[7] = '3';
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(bad));
        assertTrue(e.getMessage().contains("'TFL3'") && e.getMessage().contains("SQIN"), e.getMessage());
    }

    /** Streaming is refused, naming both widths, when the stepped output is declared wider than its layer makes it. */
    @Test
    void aSteppedOutputDeclaredWithAnotherWidthIsNotStreamed() throws Exception {
        var ir = RandomModels.layer(CellType.GRU, 3, 5);
        ir.outputs.set(0, new TensorSpec("Y_h", ElementType.FLOAT32, new int[] {1, -1, 6},
                new String[] {"", "batch", ""}));
        var session = Model.load(new ModelWriter("test").write(ir)).newSession();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> session.step(new float[3], new float[6]));
        assertTrue(e.getMessage().contains("output Y_h: float32[1, batch, 6] declares a width of 6, but layer"), e.getMessage());
        assertTrue(e.getMessage().endsWith("makes 5"), e.getMessage());
    }
}
