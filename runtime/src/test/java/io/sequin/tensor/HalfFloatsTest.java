package io.sequin.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit conversions: against JDK 20+'s {@code Float.float16ToFloat} and
 * {@code Float.floatToFloat16} where the JDK running the tests has them (CI runs JDK 25), and
 * on every JDK against properties that define them: widening is exact (narrowing it back gives
 * the same bits) and narrowing picks the nearer neighbour, ties to the even one.
 */
class HalfFloatsTest {
    private static Method jdk(String name, Class<?> parameter) {
        try {
            return Float.class.getMethod(name, parameter);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    @Test
    void f16WideningMatchesTheJdkOnEveryPattern() throws Exception {
        Method m = jdk("float16ToFloat", short.class);
        assumeTrue(m != null, "this JDK has no Float.float16ToFloat");
        for (int h = 0; h < 0x10000; h++) {
            float expected = (float) m.invoke(null, (short) h);
            float actual = HalfFloats.f16ToFloat((short) h);
            if (Float.isNaN(expected)) {
                assertEquals(true, Float.isNaN(actual), "pattern " + Integer.toHexString(h));
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), "pattern " + Integer.toHexString(h));
            }
        }
    }

    @Test
    void f16NarrowingMatchesTheJdk() throws Exception {
        Method m = jdk("floatToFloat16", float.class);
        assumeTrue(m != null, "this JDK has no Float.floatToFloat16");
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 2_000_000; i++) {
            // Every exponent from far below f16's range to far above it, any mantissa.
            int bits = random.nextInt() & 0x8000_0000 | (90 + random.nextInt(70)) << 23 | random.nextInt(1 << 23);
            if (i % 4 == 0) {
                bits &= 0xFFFF_E000 | random.nextInt(4) << 11; // near and at ties
                bits |= 0x1000;
            }
            float f = Float.intBitsToFloat(bits);
            assertEquals((short) m.invoke(null, f), HalfFloats.floatToF16(f), "float " + f);
        }
        for (float f : new float[] {0f, -0f, 65504f, 65519.99f, 65520f, -65520f, Float.MAX_VALUE, Float.MIN_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-14f}) {
            assertEquals((short) m.invoke(null, f), HalfFloats.floatToF16(f), "float " + f);
        }
    }

    @Test
    void f16WideningIsExactAndNarrowingRoundsToNearestEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.f16ToFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, HalfFloats.floatToF16(f), "round trip of " + Integer.toHexString(h));
            }
        }
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(-26, 16)));
            float narrowed = HalfFloats.f16ToFloat(HalfFloats.floatToF16(f));
            // No f16 lies strictly nearer to f than the one chosen.
            short s = HalfFloats.floatToF16(f);
            for (int d = -1; d <= 1; d += 2) {
                float neighbour = HalfFloats.f16ToFloat((short) (s + d));
                if (!Float.isNaN(neighbour) && !Float.isInfinite(neighbour) && Math.signum(neighbour) == Math.signum(narrowed)) {
                    double mine = Math.abs((double) narrowed - f);
                    double theirs = Math.abs((double) neighbour - f);
                    assertEquals(true, mine < theirs || (mine == theirs && (s & 1) == 0), "float " + f);
                }
            }
        }
        assertEquals(HalfFloats.F16_MAX, HalfFloats.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat((short) 1));
    }

    @Test
    void bf16IsTheUpperHalfRoundedToNearestEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.bf16ToFloat((short) h);
            assertEquals(h << 16, Float.floatToRawIntBits(f));
            if (!Float.isNaN(f)) {
                assertEquals((short) h, HalfFloats.floatToBf16(f));
            }
        }
        // 1 + 2^-8 lies halfway between bf16 1 and 1 + 2^-7: the tie goes to the even mantissa, 1.
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(1f + 0x1p-8f));
        assertEquals((short) 0x3F82, HalfFloats.floatToBf16(1f + 0x1p-7f + 0x1p-8f));
        assertEquals((short) 0x3F81, HalfFloats.floatToBf16(1f + 0x1p-8f + 0x1p-20f));
        assertEquals(true, Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
    }
}
