package io.sequin.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The CPU a measurement ran on, as the operating system reports it, so that figures from
 * different machines are never mixed: {@code sequin bench} prints it, and the bench module's
 * tables and charts name it. Read once from {@code /proc/cpuinfo} (Linux); elsewhere the model
 * is {@code unknown} and no flags are listed.
 */
public final class Machine {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    /** /proc/cpuinfo is a few KB per core; more than this is not a cpuinfo to trust. */
    private static final int MAX_BYTES = 4 << 20;
    /**
     * The flags that say which vector instructions the CPU has: x86's SSE4, AVX, AVX2, FMA,
     * F16C, AVX-512 and AMX families, and ARM's Advanced SIMD, SVE and their dot-product and
     * bf16/int8 matrix extensions.
     */
    private static final Pattern VECTOR_FLAG = Pattern.compile(
            "sse4_[12]|avx|avx2|fma|f16c|avx512.*|avx_vnni.*|avx_ifma|amx.*|asimd.*|sve.*|bf16|i8mm");

    private static final class Holder {
        static final Machine THIS = read(CPUINFO);
    }

    private final String cpu;
    private final List<String> vectorFlags;

    private Machine(String cpu, List<String> vectorFlags) {
        this.cpu = cpu;
        this.vectorFlags = Collections.unmodifiableList(vectorFlags);
    }

    /** The machine this JVM runs on. */
    public static Machine current() {
        return Holder.THIS;
    }

    /** The CPU's model name ("AMD EPYC 9R14", "Intel(R) Xeon(R) Platinum 8488C"), or "unknown". */
    public String cpu() {
        return cpu;
    }

    /** The vector instruction sets among the CPU's flags, in the order the OS lists them. */
    public List<String> vectorFlags() {
        return vectorFlags;
    }

    /** "AMD EPYC, 2 cores, avx avx2 fma avx512f ...": one line for a report's header. */
    public String describe() {
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores"
                + (vectorFlags.isEmpty() ? "" : ", " + String.join(" ", vectorFlags));
    }

    /** Reads a cpuinfo file: the first processor's model name and flags. */
    static Machine read(Path cpuinfo) {
        String text;
        try (InputStream in = Files.newInputStream(cpuinfo)) {
            text = new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return new Machine("unknown (" + System.getProperty("os.arch") + ")", List.of());
        }
        String model = null;
        String flags = null;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            // x86 says "model name" and "flags"; ARM says "Features", and "model name" on some kernels.
            if (model == null && (key.equals("model name") || key.equals("hardware")) && !value.isEmpty()) {
                model = value;
            } else if (flags == null && (key.equals("flags") || key.equals("features"))) {
                flags = value;
            }
        }
        List<String> vector = new ArrayList<>();
        if (flags != null) {
            for (String flag : flags.split("\\s+")) {
                if (VECTOR_FLAG.matcher(flag).matches() && !vector.contains(flag)) {
                    vector.add(flag);
                }
            }
        }
        return new Machine(model != null ? model : "unknown (" + System.getProperty("os.arch") + ")", vector);
    }
}
