package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void demoReproducesPytorchAndOnnxRuntime() {
        CliRunner r = CliRunner.run("demo", "--length", "120", "--prompt", "In the beginning");
        assertEquals(0, r.exitCode, r.out + r.err);
        assertTrue(r.out.contains("OK: Sequin reproduces PyTorch and ONNX Runtime"), r.out);
        assertTrue(r.out.contains("against PyTorch's: max abs error") && r.out.contains("In the beginning"), r.out);
        assertTrue(r.out.contains("charlm-int8.sqn") && r.out.contains("same likeliest next character as f32"), r.out);
        assertTrue(r.err.isEmpty(), r.err);
    }

    @Test
    void sameSeedSameText() {
        String a = CliRunner.run("demo", "--length", "80", "--seed", "5").out;
        String b = CliRunner.run("demo", "--length", "80", "--seed", "5").out;
        assertEquals(text(a), text(b));
        assertTrue(!text(a).equals(text(CliRunner.run("demo", "--length", "80", "--seed", "6").out)));
    }

    private static String text(String out) {
        return out.substring(out.indexOf("3. write"), out.indexOf("4. speed"));
    }

    @Test
    void aPromptWithUnknownCharactersIsAUsageError() {
        CliRunner r = CliRunner.run("demo", "--prompt", "Hello ☃");
        assertEquals(2, r.exitCode, r.out + r.err);
        assertTrue(r.err.contains("'☃'") && r.err.contains("--prompt"), r.err);
    }
}
