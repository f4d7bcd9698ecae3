package io.sequin.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A child JVM with only what an app ships: the runtime, the schema, flatbuffers-java, and the tests' mains. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** The classpath of runtime, schema, flatbuffers-java and converter/target/test-classes, from this JVM's. */
    public static String runtimeOnlyClasspath() {
        List<String> classpath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            if (e.contains("sequin-runtime") || e.contains("/runtime/target/classes") || e.contains("sequin-schema")
                    || e.contains("/schema/target/classes") || e.contains("flatbuffers-java") || e.endsWith("/converter/target/test-classes")) {
                classpath.add(entry);
            }
        }
        if (classpath.size() != 4) {
            throw new IllegalStateException("expected runtime, schema, flatbuffers-java and the test classes on the classpath: " + classpath);
        }
        return String.join(File.pathSeparator, classpath);
    }

    /** This JVM's java launcher. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
