package io.sequin.importer.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a .keras file keeps a layer's weights: Keras' saving_lib names the layers of
 * model.layers by class in snake case, counted per class, whatever they are called. The
 * fixtures in fixtures/keras3 and the field models in ../shared/field-models are real files of
 * this kind; this pins the rule itself.
 */
class KerasZipReaderTest {
    @Test
    void classNamesInSnakeCaseAsKerasWritesThem() {
        assertEquals("lstm", KerasZipReader.snakeCase("LSTM"));
        assertEquals("gru", KerasZipReader.snakeCase("GRU"));
        assertEquals("simple_rnn", KerasZipReader.snakeCase("SimpleRNN"));
        assertEquals("time_distributed", KerasZipReader.snakeCase("TimeDistributed"));
        assertEquals("input_layer", KerasZipReader.snakeCase("InputLayer"));
        assertEquals("batch_normalization", KerasZipReader.snakeCase("BatchNormalization"));
    }

    @Test
    void layersAreCountedPerClassInModelOrder() throws Exception {
        String config = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
                + "{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"input_layer_5\"}},"
                + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm_15\"}},"
                + "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"dropout_15\"}},"
                + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"encoder\"}},"
                + "{\"class_name\": \"Bidirectional\", \"config\": {\"name\": \"bidirectional_3\"}},"
                + "{\"class_name\": \"Dense\", \"config\": {\"name\": \"head\"}}]}}";
        Map<String, String> names = KerasZipReader.configuredNames(new ObjectMapper().readTree(config));
        assertEquals(Map.of("input_layer", "input_layer_5", "lstm", "lstm_15", "dropout", "dropout_15", "lstm_1", "encoder",
                "bidirectional", "bidirectional_3", "dense", "head"), names);
    }
}
