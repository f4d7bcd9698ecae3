package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sequence to sequence, the way an app would write it with Sequin: an encoder reads the whole
 * source in one run; its final h and c become the decoder's streaming state (restoreState); the
 * decoder then steps greedily, feeding back its likeliest token, until it writes EOS. The models
 * are PyTorch's (tools/make-seq2seq-fixture.py: trained to reverse digit sequences), and so are
 * the expected tokens and probabilities.
 */
class Seq2SeqExampleTest {
    private static Model convert(Path dir, String name) throws Exception {
        return Converter.convert(dir.resolve(name + ".pt"), ConvertOptions.defaults().withArch(dir.resolve(name + ".json"))).model();
    }

    /** The example itself: translate one source sequence, greedy, at most {@code limit} tokens. */
    static List<Integer> translate(Session encoder, Session decoder, long[] source, int bos, int eos, int limit, List<float[]> probs) {
        // 1. Encode: the whole source at once; h_n and c_n are [layers, batch, hidden].
        Map<String, Tensor> encoded = encoder.run(Map.of("x", Tensor.ofLongs(new int[] {1, source.length}, source)));
        float[] h = encoded.get("h_n").floats();
        float[] c = encoded.get("c_n").floats();
        // 2. The decoder's state is h then c for its one LSTM layer: the encoder's final states.
        float[] state = new float[decoder.stateSize()];
        System.arraycopy(h, 0, state, 0, h.length);
        System.arraycopy(c, 0, state, h.length, c.length);
        decoder.reset();
        decoder.restoreState(0, state, 0);
        // 3. Decode greedily from BOS.
        float[] token = {bos};
        float[] p = new float[decoder.stepOutputSize()];
        List<Integer> output = new ArrayList<>();
        for (int n = 0; n < limit; n++) {
            decoder.step(token, p);
            probs.add(p.clone());
            int best = 0;
            for (int i = 1; i < p.length; i++) {
                best = p[i] > p[best] ? i : best;
            }
            if (best == eos) {
                break;
            }
            output.add(best);
            token[0] = best;
        }
        return output;
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "panama"})
    void greedyDecodingReproducesPytorch(String kernels) throws Exception {
        Path dir = Path.of(Seq2SeqExampleTest.class.getResource("/fixtures/seq2seq").toURI());
        Session encoder = convert(dir, "encoder").newSession(KernelSelection.select(kernels));
        Session decoder = convert(dir, "decoder").newSession(KernelSelection.select(kernels));
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        double worst = 0;
        int reversed = 0;
        for (JsonNode c : expected.get("cases")) {
            long[] source = new long[c.get("source").size()];
            for (int i = 0; i < source.length; i++) {
                source[i] = c.get("source").get(i).asLong();
            }
            List<float[]> probs = new ArrayList<>();
            List<Integer> output = translate(encoder, decoder, source, expected.get("bos").asInt(), expected.get("eos").asInt(),
                    source.length + 3, probs);
            List<Integer> want = new ArrayList<>();
            c.get("output").forEach(t -> want.add(t.asInt()));
            assertEquals(want, output, "tokens for source " + c.get("source"));
            assertEquals(c.get("probs").size(), probs.size());
            for (int s = 0; s < probs.size(); s++) {
                for (int i = 0; i < probs.get(s).length; i++) {
                    worst = Math.max(worst, Math.abs(probs.get(s)[i] - c.get("probs").get(s).get(i).floatValue()));
                }
            }
            boolean exact = true;
            for (int i = 0; i < source.length; i++) {
                exact &= output.size() == source.length && output.get(i) == source[source.length - 1 - i];
            }
            reversed += exact ? 1 : 0;
        }
        assertTrue(worst <= 1e-5, kernels + ": decoder probabilities differ from PyTorch's by " + worst);
        System.out.printf("seq2seq %s: %d cases as PyTorch decodes them (%d exactly reversed), probabilities within %.3g%n", kernels,
                expected.get("cases").size(), reversed, worst);
    }
}
