package io.sequin.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SliceLayer}: the copy is checked against the definition written out as index arithmetic
 * (y[b, l, j] = x[b, l + 1, j, 1] for a cut of axes 1 and 3 and a regrouping), and every bad
 * description or input is refused naming the axis.
 */
class SliceLayerTest {
    private static final int B = 3;
    private static final int L = 3;
    private static final int H = 4;

    private static Tensor x() {
        float[] v = new float[B * L * H * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f - 7;
        }
        return Tensor.ofFloats(new int[] {B, L, H, 2}, v);
    }

    private static float at(Tensor x, int b, int l, int j, int k) {
        return x.floats()[((b * L + l) * H + j) * 2 + k];
    }

    private static Tensor run(SliceLayer layer, Tensor x) {
        return layer.newRunner(KernelSelection.select("scalar"), 1).run(new Tensor[] {x})[0];
    }

    @Test
    void cutsTwoAxesAndRegroupsTheRest() {
        // Layers 1..2 of a [B, L, H, 2] packed state, c only (k = 1), as [L', B, H]: axes regrouped.
        SliceLayer layer = new SliceLayer("s", List.of("x"), List.of("y"), new int[] {0, 1, 0, 1}, new int[] {-1, 2, -1, 1},
                new int[][] {{1}, {0}, {2}});
        Tensor x = x();
        Tensor y = run(layer, x);
        assertArrayEquals(new int[] {2, B, H}, y.shape());
        for (int l = 0; l < 2; l++) {
            for (int b = 0; b < B; b++) {
                for (int j = 0; j < H; j++) {
                    assertEquals(at(x, b, l + 1, j, 1), y.floats()[(l * B + b) * H + j], "y[" + l + ", " + b + ", " + j + "]");
                }
            }
        }
    }

    @Test
    void mergesAxesAndAddsUnitAxes() {
        // One layer's h and c side by side, [B, 1, H * 2]: axes 2 and 3 merged, a new unit axis in the middle.
        SliceLayer layer = new SliceLayer("s", List.of("x"), List.of("y"), new int[] {0, 2, 0, 0}, new int[] {-1, 1, -1, -1},
                new int[][] {{0}, {}, {2, 3}});
        Tensor x = x();
        Tensor y = run(layer, x);
        assertArrayEquals(new int[] {B, 1, H * 2}, y.shape());
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < H; j++) {
                for (int k = 0; k < 2; k++) {
                    assertEquals(at(x, b, 2, j, k), y.floats()[b * H * 2 + j * 2 + k]);
                }
            }
        }
    }

    @Test
    void runIntoReusesItsTensor() {
        SliceLayer layer = new SliceLayer("s", List.of("x"), List.of("y"), new int[] {0, 0, 0, 0}, new int[] {-1, 1, -1, 1},
                new int[][] {{0}, {2}});
        Layer.Runner runner = layer.newRunner(KernelSelection.select("scalar"), 1);
        Tensor first = runner.run(new Tensor[] {x()}, new Tensor[1])[0];
        Tensor second = runner.run(new Tensor[] {x()}, new Tensor[1])[0];
        assertSame(first, second);
        assertArrayEquals(run(layer, x()).floats(), second.floats());
    }

    @Test
    void badDescriptionsAreRefused() {
        refusedToBuild("at most once", new int[] {0, 0}, new int[] {-1, -1}, new int[][] {{0}, {0}});
        refusedToBuild("at most once", new int[] {0, 0}, new int[] {-1, -1}, new int[][] {{0, 2}});
        refusedToBuild("in no group", new int[] {0, 0}, new int[] {-1, 2}, new int[][] {{0}});
        refusedToBuild("axis 1 is cut to start -1", new int[] {0, -1}, new int[] {-1, 1}, new int[][] {{0}, {1}});
        refusedToBuild("one entry per input axis", new int[] {0, 0}, new int[] {-1}, new int[][] {{0}});
    }

    private static void refusedToBuild(String message, int[] starts, int[] counts, int[][] groups) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SliceLayer("s", List.of("x"), List.of("y"), starts, counts, groups));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void inputsThatDoNotFitAreRefused() {
        SliceLayer beyond = new SliceLayer("s", List.of("x"), List.of("y"), new int[] {0, 2, 0, 0}, new int[] {-1, 2, -1, -1},
                new int[][] {{0}, {1}, {2}, {3}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(beyond, x()));
        assertTrue(e.getMessage().contains("axis 1 of x [3, 3, 4, 2] has no elements 2..3"), e.getMessage());
        SliceLayer dropped = new SliceLayer("s", List.of("x"), List.of("y"), new int[] {0, 0, 0, 0}, new int[] {-1, -1, -1, 1},
                new int[][] {{0}, {2}});
        e = assertThrows(IllegalArgumentException.class, () -> run(dropped, x()));
        assertTrue(e.getMessage().contains("axis 1 of x [3, 3, 4, 2] is dropped, so it must have extent 1, not 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run(dropped, Tensor.zeros(3, 4)));
        assertTrue(e.getMessage().contains("expected rank 4"), e.getMessage());
    }
}
