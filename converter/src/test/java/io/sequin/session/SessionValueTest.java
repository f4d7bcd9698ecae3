package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrModel;
import io.sequin.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Session#value}: a run's intermediate tensors by name. */
class SessionValueTest {
    @Test
    void anEmbeddingsOutputHoldsTheTableRowsOfTheIds() throws Exception {
        Path dir = Path.of(getClass().getResource("/fixtures/pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax").toURI());
        ConvertOptions options = ConvertOptions.defaults().withArch(dir.resolve("arch.json"));
        IrModel ir = Converter.importModel(dir.resolve("model.pt"), options);
        IrEmbeddingLayer embed = (IrEmbeddingLayer) ir.layers.get(0);
        Session session = Converter.convert(ir, options).model().newSession();
        long[] ids = {3, 0, 7, 19};
        Tensor x = Tensor.ofLongs(new int[] {1, ids.length}, ids);
        session.run(Map.of("x", x));

        Tensor vectors = session.value(embed.outputs.get(0));
        assertArrayEquals(new int[] {1, ids.length, embed.size}, vectors.shape());
        for (int t = 0; t < ids.length; t++) {
            float[] row = Arrays.copyOfRange(embed.table, (int) ids[t] * embed.size, (int) (ids[t] + 1) * embed.size);
            assertArrayEquals(row, Arrays.copyOfRange(vectors.floats(), t * embed.size, (t + 1) * embed.size), "step " + t);
        }
        assertEquals(Arrays.toString(ids), Arrays.toString(session.value("x").longs()));
        assertNull(session.value("no such tensor"));
    }
}
