package io.sequin.flink.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.flink.ModelRef;
import io.sequin.flink.StepFunction;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * A runnable example: several readers each type a passage of the demo's text (the King James
 * Bible), one character an event; a Flink job keyed by reader steps the demo's character-level
 * LSTM language model through each reader's own text, its state kept per reader, and emits for
 * each character the model's guess at the next one. It prints how often each reader's next
 * character was guessed. Run it with {@code flink/run-example.sh} (a local mini cluster), or
 * submit it to a cluster with the model converted by {@code ./sequin demo}'s steps.
 */
public final class NextCharacterJob {
    private static final String DEMO = "/io/sequin/demo/charlm/";

    private NextCharacterJob() {
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Map<String, int[]> scores = run(env, 4, 600);
        for (Map.Entry<String, int[]> e : scores.entrySet()) {
            System.out.printf("%s: next character guessed %d of %d times (%.0f%%)%n", e.getKey(), e.getValue()[0], e.getValue()[1],
                    100.0 * e.getValue()[0] / e.getValue()[1]);
        }
    }

    /** The demo's language model converted to a .sqn, as {@code sequin demo} converts it. */
    public static byte[] model() throws Exception {
        Path dir = Files.createTempDirectory("charlm");
        try {
            Path pt = dir.resolve("model.pt");
            Path arch = dir.resolve("arch.json");
            Files.write(pt, resource("model.pt"));
            Files.write(arch, resource("arch.json"));
            ConvertOptions options = ConvertOptions.defaults().withArch(arch);
            return Converter.convert(Converter.importModel(pt, options), options).sqn();
        } finally {
            Files.deleteIfExists(dir.resolve("model.pt"));
            Files.deleteIfExists(dir.resolve("arch.json"));
            Files.delete(dir);
        }
    }

    /** The model's characters, in the order of its token ids. */
    public static List<Character> vocabulary() throws IOException {
        List<Character> chars = new ArrayList<>();
        new ObjectMapper().readTree(resource("vocab.json")).forEach(c -> chars.add(c.asText().charAt(0)));
        return chars;
    }

    /** Reader r's text: {@code length} characters of the sample, from a place of its own. */
    public static String text(int reader, int length) throws IOException {
        String sample = new String(resource("sample.txt"), StandardCharsets.UTF_8);
        int from = (reader * 997) % (sample.length() - length);
        return sample.substring(from, from + length);
    }

    /**
     * The job: one event per character (reader, position, token id), keyed by reader; emits
     * (reader, position, guessed token id).
     */
    public static DataStream<Tuple3<String, Integer, Integer>> job(StreamExecutionEnvironment env, byte[] sqn, int readers, int length)
            throws IOException {
        List<Character> vocabulary = vocabulary();
        List<Tuple3<String, Integer, Integer>> events = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            for (int r = 0; r < readers; r++) {
                events.add(Tuple3.of("reader-" + r, i, vocabulary.indexOf(text(r, length).charAt(i))));
            }
        }
        return env.fromData(events).keyBy(e -> e.f0)
                .process(new StepFunction<String, Tuple3<String, Integer, Integer>, Tuple3<String, Integer, Integer>>(ModelRef.of(sqn),
                        (e, x) -> x[0] = e.f2, (reader, e, probabilities) -> Tuple3.of(reader, e.f1, argmax(probabilities))))
                .returns(Types.TUPLE(Types.STRING, Types.INT, Types.INT));
    }

    /** Each reader's characters guessed and characters seen. */
    static Map<String, int[]> run(StreamExecutionEnvironment env, int readers, int length) throws Exception {
        byte[] sqn = model();
        List<Character> vocabulary = vocabulary();
        Map<String, int[]> scores = new TreeMap<>();
        try (CloseableIterator<Tuple3<String, Integer, Integer>> it = job(env, sqn, readers, length).executeAndCollect()) {
            while (it.hasNext()) {
                Tuple3<String, Integer, Integer> guess = it.next();
                int reader = Integer.parseInt(guess.f0.substring("reader-".length()));
                if (guess.f1 + 1 < length) {
                    int[] s = scores.computeIfAbsent(guess.f0, k -> new int[2]);
                    s[0] += vocabulary.get(guess.f2) == text(reader, length).charAt(guess.f1 + 1) ? 1 : 0;
                    s[1]++;
                }
            }
        }
        return scores;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NextCharacterJob.class.getResourceAsStream(DEMO + name)) {
            if (in == null) {
                throw new IOException("the demo's " + name + " is not on the classpath (it ships in the converter's jar)");
            }
            return in.readAllBytes();
        }
    }
}
