package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void demoReproducesOnnxRuntime() {
        CliRunner r = CliRunner.run("demo");
        assertEquals(0, r.exitCode, r.out + r.err);
        assertTrue(r.out.contains("OK: Sequin reproduces ONNX Runtime"), r.out);
        assertTrue(r.err.isEmpty(), r.err);
    }
}
