package io.sequin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sequin.format.InvalidModelException;
import io.sequin.model.Model;

/**
 * Fuzzes the {@code .sqn} verifier and loader: any bytes either load into a model that runs (see
 * {@link Exercise}) or are refused with {@link InvalidModelException}. Plain {@code mvn test}
 * replays the committed corpus in {@code SqnFuzzTestInputs/loadAndRun}; {@code tools/fuzz.sh sqn}
 * fuzzes (seeded with models converted from the test fixtures and the golden files).
 */
class SqnFuzzTest {
    @FuzzTest
    void loadAndRun(byte[] data) {
        Model model;
        try {
            model = Model.load(data);
        } catch (InvalidModelException e) {
            return;
        }
        Exercise.loadedModel(model);
    }
}
