package io.sequin.tensor;

/**
 * Conversions between {@code float} and the two 16-bit float formats weights may be stored in:
 * IEEE 754 binary16 (f16) and bfloat16 (bf16, a float's upper 16 bits). Written out by bits
 * because JDK 17 has no {@code Float.float16ToFloat}; the tests check them against JDK 25's
 * methods on every 16-bit pattern. Narrowing rounds to nearest, ties to even, as IEEE does.
 */
public final class HalfFloats {
    /** The largest finite f16, 65504. */
    public static final float F16_MAX = 65504f;

    private HalfFloats() {
    }

    /** The exact float value of an f16 bit pattern, including subnormals, infinities and NaN. */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Subnormal: mantissa * 2^-24, exact in float.
            float v = mantissa * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    }

    /** The f16 nearest to {@code f} (ties to even); beyond ±65520 that is an infinity. */
    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs > 0x7F800000) {
            // NaN: keep it a quiet NaN with the top of the payload.
            return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
        }
        if (abs >= 0x477FF000) {
            // 65520 and above round to infinity.
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) {
            // Below the smallest normal f16, 2^-14: a multiple of 2^-24; the scaling is exact.
            int m = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
            return (short) (sign | m);
        }
        int roundedUp = abs + 0xFFF + ((abs >>> 13) & 1);
        return (short) (sign | ((roundedUp - ((127 - 15) << 23)) >>> 13));
    }

    /** The float value of a bf16 bit pattern: the float whose upper 16 bits these are. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The bf16 nearest to {@code f} (ties to even). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
