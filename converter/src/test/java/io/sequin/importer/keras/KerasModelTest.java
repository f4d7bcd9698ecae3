package io.sequin.importer.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.importer.ImportException;
import org.junit.jupiter.api.Test;

/**
 * A Sequential used as a layer of a functional model is spliced in: its layers read what it was
 * called on, then each other, and the layers and outputs that read it read its last layer. The
 * whole file (fixtures/keras3/nested_sequential_in_functional) converts and reproduces TF.js in
 * OnnxFixtureTest; this pins the rewriting, in Keras 3's and Keras 2's forms of inbound nodes.
 */
class KerasModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ENCODER = "{\"class_name\": \"Sequential\", \"name\": \"encoder\", \"config\": {\"name\": \"encoder\", "
            + "\"layers\": [{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"encoder_input\"}},"
            + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"rnn\"}}, {\"class_name\": \"Dropout\", \"config\": {\"name\": \"drop\"}}]},"
            + "\"inbound_nodes\": %s}";

    @Test
    void aNestedSequentialIsSplicedIntoTheFunctionalModel() throws Exception {
        String keras3 = "[{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\": {\"keras_history\": [\"%s\", 0, 0]}}], \"kwargs\": {}}]";
        JsonNode layers = JSON.readTree("[{\"class_name\": \"InputLayer\", \"name\": \"x\", \"inbound_nodes\": []},"
                + String.format(ENCODER, String.format(keras3, "x")) + ","
                + "{\"class_name\": \"Dense\", \"name\": \"head\", \"inbound_nodes\": [[[\"encoder\", 0, 0, {}]]]}]");
        JsonNode[] flat = KerasModel.flattenFunctional(layers, JSON.readTree("[[\"head\", 0, 0], [\"encoder\", 0, 0]]"));
        assertEquals(4, flat[0].size());
        assertEquals("rnn", flat[0].get(1).path("name").asText());
        assertEquals("x", flat[0].get(1).path("inbound_nodes").get(0).path("args").get(0).path("config").path("keras_history").get(0).asText());
        assertEquals("drop", flat[0].get(2).path("name").asText());
        assertEquals("rnn", flat[0].get(2).path("inbound_nodes").get(0).get(0).get(0).asText());
        assertEquals("drop", flat[0].get(3).path("inbound_nodes").get(0).get(0).get(0).asText());
        assertEquals("[[\"head\",0,0],[\"drop\",0,0]]", flat[1].toString());
    }

    @Test
    void aNestedSequentialCalledTwiceIsRefused() throws Exception {
        JsonNode layers = JSON.readTree("[{\"class_name\": \"InputLayer\", \"name\": \"x\", \"inbound_nodes\": []},"
                + String.format(ENCODER, "[[[\"x\", 0, 0, {}]], [[\"x\", 0, 0, {}]]]") + "]");
        ImportException e = assertThrows(ImportException.class, () -> KerasModel.flattenFunctional(layers, JSON.readTree("[]")));
        assertTrue(e.getMessage().contains("the nested Sequential 'encoder' is called 2 times"), e.getMessage());
    }
}
