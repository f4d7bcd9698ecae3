package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code bench} and the benchmark reports say about the CPU, read from /proc/cpuinfo as Linux writes it. */
class MachineTest {
    @TempDir
    Path dir;

    @Test
    void anX86CpuinfoGivesTheModelAndItsVectorFlags() throws Exception {
        // Two processors as an x86-64 Linux kernel lists them (abridged); the first one counts.
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), String.join("\n",
                "processor\t: 0",
                "vendor_id\t: AuthenticAMD",
                "model name\t: AMD EPYC 9R14 96-Core Processor",
                "flags\t\t: fpu vme sse sse2 ht syscall ssse3 fma cx16 sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq"
                        + " avx512bw avx512vl avx512_bf16 avx512_vnni vaes",
                "",
                "processor\t: 1",
                "model name\t: something else",
                "flags\t\t: fpu sse2",
                ""));
        Machine m = Machine.read(cpuinfo);
        assertEquals("AMD EPYC 9R14 96-Core Processor", m.cpu());
        assertEquals(List.of("fma", "sse4_1", "sse4_2", "avx", "f16c", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl",
                "avx512_bf16", "avx512_vnni"), m.vectorFlags());
        assertTrue(m.describe().startsWith("AMD EPYC 9R14 96-Core Processor, "), m.describe());
        assertTrue(m.describe().endsWith(", fma sse4_1 sse4_2 avx f16c avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni"),
                m.describe());
    }

    @Test
    void anArmCpuinfoGivesItsSimdFeatures() throws Exception {
        // An arm64 kernel writes "Features" and often no model name.
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), String.join("\n",
                "processor\t: 0",
                "BogoMIPS\t: 243.75",
                "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop"
                        + " asimddp sve i8mm bf16",
                "CPU implementer\t: 0x41",
                ""));
        Machine m = Machine.read(cpuinfo);
        assertTrue(m.cpu().startsWith("unknown ("), m.cpu());
        assertEquals(List.of("asimd", "asimdhp", "asimdrdm", "asimddp", "sve", "i8mm", "bf16"), m.vectorFlags());
    }

    @Test
    void withoutCpuinfoTheCpuIsUnknown() {
        Machine m = Machine.read(dir.resolve("missing"));
        assertEquals("unknown (" + System.getProperty("os.arch") + ")", m.cpu());
        assertEquals(List.of(), m.vectorFlags());
    }
}
