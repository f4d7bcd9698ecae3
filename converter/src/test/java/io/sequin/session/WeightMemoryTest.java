package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.ir.IrModel;
import io.sequin.kernel.KernelSelection;
import io.sequin.layer.CellType;
import io.sequin.layer.RecurrentLayer;
import io.sequin.model.Model;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.WeightType;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import org.junit.jupiter.api.Test;

/**
 * Weights stay in their stored type in memory: an LSTM 256x512 with int8 weights, loaded and
 * stepped with each kernel set, holds about a quarter of the heap the f32 model holds: exactly
 * as the layer counts the arrays it holds, and roughly as the JVM's used heap measures it.
 */
class WeightMemoryTest {
    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    /** Heap retained by the model and a session of each kernel set after one step, and the layer's own count. */
    private static long[] retained(IrModel ir, WeightType type) throws Exception {
        byte[] sqn = new ModelWriter("test").write(WeightQuantizer.quantize(ir, type));
        long before = usedHeapAfterGc();
        Model model = Model.load(sqn);
        sqn = null;
        Session scalar = model.newSession(KernelSelection.select("scalar"));
        Session panama = model.newSession(KernelSelection.select("panama"));
        float[] x = new float[scalar.stepInputSize()];
        float[] y = new float[scalar.stepOutputSize()];
        scalar.step(x, y);
        panama.step(x, y);
        long after = usedHeapAfterGc();
        long counted = ((RecurrentLayer) model.layers().get(0)).weightHeapBytes();
        // Keep everything reachable until measured.
        assertTrue(scalar.model() == model && panama.model() == model);
        return new long[] {after - before, counted};
    }

    @Test
    void int8WeightsTakeAboutAQuarterOfTheF32Heap() throws Exception {
        IrModel ir = RandomModels.layer(CellType.LSTM, 256, 512);
        long[] f32 = retained(ir, WeightType.F32);
        long[] int8 = retained(ir, WeightType.INT8);
        long[] f16 = retained(ir, WeightType.F16);
        double counted = (double) int8[1] / f32[1];
        double measured = (double) int8[0] / f32[0];
        System.out.printf("weights counted: f32 %,d, f16 %,d, int8 %,d bytes (int8 %.3f of f32); heap measured: f32 %,d, f16 %,d, int8 %,d (int8 %.3f)%n",
                f32[1], f16[1], int8[1], counted, f32[0], f16[0], int8[0], measured);
        // f32 holds 2 layouts of 4-byte weights (row-major for scalar, panels for Panama); int8 the same in 1 byte plus a scale per row.
        assertTrue(f32[1] >= 2L * 4 * 4 * 512 * (256 + 512), "f32 count " + f32[1]);
        assertTrue(counted <= 0.27, "int8 counted " + counted + " of f32");
        assertTrue((double) f16[1] / f32[1] <= 0.51, "f16 counted " + f16[1] + " vs f32 " + f32[1]);
        // Used heap after a full GC moves in whole G1 regions (several MB here), so it only
        // confirms the count roughly: an int8 model must not hold anything near f32's heap.
        assertTrue(measured <= 0.5, "int8 heap measured " + measured + " of f32's");
    }
}
