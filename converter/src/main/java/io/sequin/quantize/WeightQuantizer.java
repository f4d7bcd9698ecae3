package io.sequin.quantize;

import io.sequin.ir.IrLayer;
import io.sequin.ir.IrMatrix;
import io.sequin.ir.IrModel;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Turns a float weight matrix into its stored type. Only weight matrices are quantized (a
 * recurrent layer's W and R); biases and peepholes stay f32, because they are small and each is
 * added once per step, where an error would not average out.
 *
 * <ul>
 * <li>f16 and bf16: each element rounded to the nearest representable value, ties to even. A
 *     weight of magnitude 65520 or more has no finite f16 and is refused, as is any weight that
 *     is not finite.
 * <li>int8: symmetric, one scale per output row (each row of [rows, cols], so per gate row of
 *     every direction): {@code scale = max|w| / 127}, {@code q = rint(w / scale)} (ties to
 *     even) clamped to [-127, 127], so -128 is never used and the range is symmetric. A row of
 *     zeros gets scale 0 and zeros, and comes back as exact zeros.
 * </ul>
 */
public final class WeightQuantizer {
    private WeightQuantizer() {
    }

    /**
     * The quantize step: every weight matrix of {@code ir} in {@code type} (f32 keeps the
     * values as they are, not copied).
     *
     * @throws QuantizationException if a weight cannot be stored in {@code type}
     */
    public static StoredModel quantize(IrModel ir, WeightType type) {
        Map<float[], WeightMatrix> matrices = new IdentityHashMap<>();
        for (IrLayer layer : ir.layers) {
            for (IrMatrix m : layer.matrices()) {
                if (!matrices.containsKey(m.values)) {
                    matrices.put(m.values, type == WeightType.F32 ? WeightMatrix.ofFloats(m.rows(), m.cols(), m.values)
                            : quantize(m.name, m.values, m.rows(), m.cols(), type));
                }
            }
        }
        return new StoredModel(ir, type, matrices);
    }

    /** {@code values} ([rows, cols], row-major) in {@code type}; {@code name} is for messages. */
    public static WeightMatrix quantize(String name, float[] values, int rows, int cols, WeightType type) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for a " + rows + "x" + cols + " matrix");
        }
        if (type == WeightType.F32) {
            return WeightMatrix.ofFloats(rows, cols, values.clone());
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new QuantizationException("weight '" + name + "' element " + position(i, cols) + " is " + values[i]
                        + "; only finite weights can be stored as " + type.displayName());
            }
        }
        switch (type) {
            case F16: {
                short[] bits = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    bits[i] = HalfFloats.floatToF16(values[i]);
                    if ((bits[i] & 0x7C00) == 0x7C00) {
                        throw new QuantizationException("weight '" + name + "' element " + position(i, cols) + " is " + values[i]
                                + ", beyond f16's largest value " + HalfFloats.F16_MAX + "; use --weights bf16 or f32");
                    }
                }
                return WeightMatrix.ofHalves(type, rows, cols, bits);
            }
            case BF16: {
                short[] bits = new short[values.length];
                for (int i = 0; i < values.length; i++) {
                    bits[i] = HalfFloats.floatToBf16(values[i]);
                    if (Float.isInfinite(HalfFloats.bf16ToFloat(bits[i]))) {
                        throw new QuantizationException("weight '" + name + "' element " + position(i, cols) + " is " + values[i]
                                + ", which rounds to infinity in bf16; use --weights f32");
                    }
                }
                return WeightMatrix.ofHalves(type, rows, cols, bits);
            }
            default:
                return int8(values, rows, cols);
        }
    }

    private static WeightMatrix int8(float[] values, int rows, int cols) {
        byte[] q = new byte[values.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int k = 0; k < cols; k++) {
                max = Math.max(max, Math.abs(values[r * cols + k]));
            }
            if (max == 0) {
                continue;
            }
            float scale = max / 127f;
            if (scale == 0) {
                // max is a denormal below 127 * Float.MIN_VALUE: its quotient still fits in 127.
                scale = Float.MIN_VALUE;
            }
            scales[r] = scale;
            for (int k = 0; k < cols; k++) {
                double v = Math.rint(values[r * cols + k] / scale);
                q[r * cols + k] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
        return WeightMatrix.ofInt8(rows, cols, q, scales);
    }

    private static String position(int i, int cols) {
        return Arrays.toString(new int[] {i / cols, i % cols});
    }
}
