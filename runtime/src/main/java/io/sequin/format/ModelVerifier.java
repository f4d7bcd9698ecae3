package io.sequin.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Structural verification of a whole {@code .sqn} buffer before any generated accessor reads
 * it: the identifier, and every table, vtable, offset, vector and string that the schema
 * declares, each checked to lie within the buffer. It mirrors {@code sequin.fbs} field by field;
 * a field added to the schema must be added here too (the loader's tests fail otherwise, because
 * a file using the field is then read past what was checked).
 *
 * <p>Values (enums, shapes, sizes) are checked afterwards by the model loader, which can name
 * them in its terms.
 */
public final class ModelVerifier {
    /** The FlatBuffers file identifier of a Sequin model. */
    public static final String IDENTIFIER = "SQIN";

    // Field ids, in declaration order of sequin.fbs.
    private static final int MODEL_FORMAT_VERSION = 0, MODEL_PRODUCER = 1, MODEL_INPUTS = 2, MODEL_OUTPUTS = 3,
            MODEL_CONSTANTS = 4, MODEL_LAYERS = 5;
    private static final int TENSOR_NAME = 0, TENSOR_DTYPE = 1, TENSOR_SHAPE = 2, TENSOR_SCALES = 3, TENSOR_DATA = 4,
            TENSOR_DATA_CRC32 = 5;
    private static final int INFO_NAME = 0, INFO_DTYPE = 1, INFO_SHAPE = 2, INFO_DIM_NAMES = 3;
    private static final int LAYER_NAME = 0, LAYER_INPUTS = 1, LAYER_OUTPUTS = 2, LAYER_KIND_TYPE = 3, LAYER_KIND = 4;
    private static final int RNN_CELL = 0, RNN_DIRECTION = 1, RNN_HIDDEN = 2, RNN_INPUT = 3, RNN_LAYOUT = 4,
            RNN_ACTIVATIONS = 5, RNN_HAS_CLIP = 6, RNN_CLIP = 7, RNN_INPUT_FORGET = 8, RNN_LBR = 9,
            RNN_W = 10, RNN_R = 11, RNN_B = 12, RNN_P = 13, RNN_X_LAYOUT = 14, RNN_Y_LAYOUT = 15, RNN_STATE_OFFSET = 16,
            RNN_STATE_ROWS = 17, RNN_PROJ = 18, RNN_MERGED_STATES = 19, RNN_Y_REVERSED = 20, RNN_STATEFUL = 21,
            RNN_ZERO_MASKED_OUTPUTS = 22;
    private static final int DENSE_UNITS = 0, DENSE_INPUT = 1, DENSE_W = 2, DENSE_B = 3, DENSE_ACTIVATION = 4;
    private static final int EMBEDDING_TABLE = 0;
    private static final int ACTIVATION_LAYER_ACTIVATION = 0;
    private static final int SOFTMAX_LOG = 0;
    private static final int CONCAT_AXIS = 0;
    private static final int HALVES_OP = 0;
    private static final int MASK_VALUE = 0, MASK_FEATURE_AXIS = 1;
    private static final int SLICE_STARTS = 0, SLICE_COUNTS = 1, SLICE_GROUP_SIZES = 2, SLICE_GROUP_AXES = 3;
    private static final int ACT_KIND = 0, ACT_ALPHA = 1, ACT_BETA = 2;
    private static final int PRODUCER_FIELDS = 4;
    /** LayerKind union members, in declaration order from 1 (0 is NONE). */
    private static final byte KIND_RECURRENT = 1, KIND_DENSE = 2, KIND_EMBEDDING = 3, KIND_ACTIVATION = 4, KIND_SOFTMAX = 5,
            KIND_CONCAT = 6, KIND_HALVES = 7, KIND_MASK = 8, KIND_SLICE = 9;

    private final BufferVerifier v;

    private ModelVerifier(ByteBuffer buffer) {
        this.v = new BufferVerifier(buffer);
    }

    /**
     * Checks the structure of a whole model buffer (from its position to its limit).
     *
     * @throws InvalidModelException naming the first field that is out of bounds or malformed
     */
    public static void verify(ByteBuffer buffer) throws InvalidModelException {
        ByteBuffer bb = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        new ModelVerifier(bb).verifyModel(bb);
    }

    private void verifyModel(ByteBuffer bb) throws InvalidModelException {
        BufferVerifier.require(bb.limit() >= 8, "file is " + bb.limit() + " bytes long, too short to be a Sequin model");
        byte[] id = new byte[4];
        ByteBuffer head = bb.duplicate();
        ((java.nio.Buffer) head).position(4);
        head.get(id);
        String identifier = new String(id, StandardCharsets.ISO_8859_1);
        BufferVerifier.require(IDENTIFIER.equals(identifier),
                "file identifier is '" + printable(identifier) + "', expected '" + IDENTIFIER + "': not a Sequin model");
        long root = Integer.toUnsignedLong(bb.getInt(0));
        BufferVerifier.require(root >= 8 && root < bb.limit(), "root table offset " + root + " is outside the file");
        int model = v.table((int) root, "model");
        v.scalar(model, MODEL_FORMAT_VERSION, 4, "model.format_version");

        int producer = v.indirect(model, MODEL_PRODUCER, "model.producer");
        if (producer >= 0) {
            v.table(producer, "model.producer");
            for (int slot = 0; slot < PRODUCER_FIELDS; slot++) {
                v.string(producer, slot, "model.producer");
            }
        }
        int inputs = tableVector(model, MODEL_INPUTS, "model.inputs");
        for (int i = 0; i < inputs; i++) {
            tensorInfo(v.table(v.vectorIndirect(model, MODEL_INPUTS, i, "model.inputs"), "model.inputs[" + i + "]"), "model.inputs[" + i + "]");
        }
        int outputs = tableVector(model, MODEL_OUTPUTS, "model.outputs");
        for (int i = 0; i < outputs; i++) {
            tensorInfo(v.table(v.vectorIndirect(model, MODEL_OUTPUTS, i, "model.outputs"), "model.outputs[" + i + "]"), "model.outputs[" + i + "]");
        }
        int constants = tableVector(model, MODEL_CONSTANTS, "model.constants");
        for (int i = 0; i < constants; i++) {
            String what = "model.constants[" + i + "]";
            tensor(v.table(v.vectorIndirect(model, MODEL_CONSTANTS, i, what), what), what);
        }
        int layers = tableVector(model, MODEL_LAYERS, "model.layers");
        for (int i = 0; i < layers; i++) {
            String what = "model.layers[" + i + "]";
            layer(v.table(v.vectorIndirect(model, MODEL_LAYERS, i, what), what), what);
        }
    }

    private int tableVector(int table, int slot, String what) throws InvalidModelException {
        int length = v.vector(table, slot, 4, what);
        BufferVerifier.require(length <= Limits.MAX_COUNT, what + ": " + length + " entries exceed the limit of " + Limits.MAX_COUNT);
        return Math.max(length, 0);
    }

    private void stringVector(int table, int slot, String what) throws InvalidModelException {
        int length = tableVector(table, slot, what);
        for (int i = 0; i < length; i++) {
            v.stringAt(v.vectorIndirect(table, slot, i, what), what + "[" + i + "]");
        }
    }

    private void tensorInfo(int info, String what) throws InvalidModelException {
        v.string(info, INFO_NAME, what + ".name");
        v.scalar(info, INFO_DTYPE, 1, what + ".dtype");
        v.vector(info, INFO_SHAPE, 4, what + ".shape");
        stringVector(info, INFO_DIM_NAMES, what + ".dim_names");
    }

    private void tensor(int tensor, String what) throws InvalidModelException {
        v.string(tensor, TENSOR_NAME, what + ".name");
        v.scalar(tensor, TENSOR_DTYPE, 1, what + ".dtype");
        v.vector(tensor, TENSOR_SHAPE, 4, what + ".shape");
        v.vector(tensor, TENSOR_SCALES, 4, what + ".scales");
        v.vector(tensor, TENSOR_DATA, 1, what + ".data");
        v.scalar(tensor, TENSOR_DATA_CRC32, 8, what + ".data_crc32");
    }

    private void layer(int layer, String what) throws InvalidModelException {
        v.string(layer, LAYER_NAME, what + ".name");
        stringVector(layer, LAYER_INPUTS, what + ".inputs");
        stringVector(layer, LAYER_OUTPUTS, what + ".outputs");
        int typeOffset = v.field(layer, LAYER_KIND_TYPE, 1, what + ".kind_type");
        byte type = typeOffset == 0 ? 0 : v.getByte(layer + typeOffset);
        BufferVerifier.require(type >= KIND_RECURRENT && type <= KIND_SLICE, what + ": layer kind " + type
                + " is not one this runtime knows (1 to " + KIND_SLICE + ")");
        int body = v.unionTable(layer, LAYER_KIND, what + ".kind");
        BufferVerifier.require(body >= 0, what + ": layer has no body");
        switch (type) {
            case KIND_RECURRENT:
                recurrent(body, what);
                break;
            case KIND_DENSE:
                v.scalar(body, DENSE_UNITS, 4, what + ".units");
                v.scalar(body, DENSE_INPUT, 4, what + ".input_size");
                tensorField(body, DENSE_W, what + ".w");
                tensorField(body, DENSE_B, what + ".b");
                activationField(body, DENSE_ACTIVATION, what + ".activation");
                break;
            case KIND_EMBEDDING:
                tensorField(body, EMBEDDING_TABLE, what + ".table");
                break;
            case KIND_ACTIVATION:
                activationField(body, ACTIVATION_LAYER_ACTIVATION, what + ".activation");
                break;
            case KIND_SOFTMAX:
                v.scalar(body, SOFTMAX_LOG, 1, what + ".log");
                break;
            case KIND_CONCAT:
                v.scalar(body, CONCAT_AXIS, 4, what + ".axis");
                break;
            case KIND_HALVES:
                v.scalar(body, HALVES_OP, 1, what + ".op");
                break;
            case KIND_SLICE:
                v.vector(body, SLICE_STARTS, 4, what + ".starts");
                v.vector(body, SLICE_COUNTS, 4, what + ".counts");
                v.vector(body, SLICE_GROUP_SIZES, 4, what + ".group_sizes");
                v.vector(body, SLICE_GROUP_AXES, 4, what + ".group_axes");
                break;
            default:
                v.scalar(body, MASK_VALUE, 4, what + ".value");
                v.scalar(body, MASK_FEATURE_AXIS, 1, what + ".feature_axis");
        }
    }

    private void tensorField(int table, int slot, String what) throws InvalidModelException {
        int t = v.indirect(table, slot, what);
        if (t >= 0) {
            tensor(v.table(t, what), what);
        }
    }

    private void activationField(int table, int slot, String what) throws InvalidModelException {
        int a = v.indirect(table, slot, what);
        if (a >= 0) {
            activation(v.table(a, what), what);
        }
    }

    private void activation(int act, String what) throws InvalidModelException {
        v.scalar(act, ACT_KIND, 1, what + ".kind");
        v.scalar(act, ACT_ALPHA, 4, what + ".alpha");
        v.scalar(act, ACT_BETA, 4, what + ".beta");
    }

    private void recurrent(int layer, String what) throws InvalidModelException {
        v.scalar(layer, RNN_CELL, 1, what + ".cell");
        v.scalar(layer, RNN_DIRECTION, 1, what + ".direction");
        v.scalar(layer, RNN_HIDDEN, 4, what + ".hidden_size");
        v.scalar(layer, RNN_INPUT, 4, what + ".input_size");
        v.scalar(layer, RNN_LAYOUT, 4, what + ".layout");
        int activations = tableVector(layer, RNN_ACTIVATIONS, what + ".activations");
        for (int i = 0; i < activations; i++) {
            String a = what + ".activations[" + i + "]";
            activation(v.table(v.vectorIndirect(layer, RNN_ACTIVATIONS, i, a), a), a);
        }
        v.scalar(layer, RNN_HAS_CLIP, 1, what + ".has_clip");
        v.scalar(layer, RNN_CLIP, 4, what + ".clip");
        v.scalar(layer, RNN_INPUT_FORGET, 1, what + ".input_forget");
        v.scalar(layer, RNN_LBR, 1, what + ".linear_before_reset");
        String[] names = {"w", "r", "b", "p"};
        int[] slots = {RNN_W, RNN_R, RNN_B, RNN_P};
        for (int k = 0; k < slots.length; k++) {
            tensorField(layer, slots[k], what + "." + names[k]);
        }
        v.scalar(layer, RNN_X_LAYOUT, 4, what + ".x_layout");
        v.scalar(layer, RNN_Y_LAYOUT, 1, what + ".y_layout");
        v.scalar(layer, RNN_STATE_OFFSET, 4, what + ".state_offset");
        v.scalar(layer, RNN_STATE_ROWS, 4, what + ".state_rows");
        tensorField(layer, RNN_PROJ, what + ".proj");
        v.scalar(layer, RNN_MERGED_STATES, 1, what + ".merged_states");
        v.scalar(layer, RNN_Y_REVERSED, 1, what + ".y_reversed");
        v.scalar(layer, RNN_STATEFUL, 1, what + ".stateful");
        v.scalar(layer, RNN_ZERO_MASKED_OUTPUTS, 1, what + ".zero_masked_outputs");
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return out.toString();
    }
}
