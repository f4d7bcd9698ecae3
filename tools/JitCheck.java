// Reads a HotSpot compilation log and reports, for every C2 compilation whose root method is one
// of ours (io.sequin.*), what makes Vector API code box its vectors on the heap, or puts it one
// compilation order away from doing so (PanamaKernels' class comment has the rules and the why):
//
//   - an intrinsic that failed: a late-inlined jdk.internal.vm.vector.VectorSupport call with no
//     <intrinsic id='_Vector...'/> after it; C2 then calls the Java fallback, and every vector
//     handed to it is boxed;
//   - a virtual call to a jdk.incubator.vector method: the vector's class, and with it the
//     species every intrinsic needs as a constant, came from a type profile or from nowhere;
//   - a jdk.incubator.vector method inlined late: the compilation passed C2's node budget for
//     inlining (NodeCountInliningCutoff), where the order of late inlining decides whether an
//     intrinsic sees its species;
//   - a call to one of our methods that takes or returns a vector, not inlined: the vector is
//     boxed to cross it.
//
// Make a log with -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=FILE, then
//
//   java tools/JitCheck.java FILE...
//
// Prints each compilation with findings, then one summary line over all the files. Exit status
// 1 when anything was found, 2 on a usage error. JDK 17 and JDK 25 write the same elements.

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;

public class JitCheck {
    private static final String OURS = "io.sequin.";
    private static final String VECTOR_SUPPORT = "jdk.internal.vm.vector.VectorSupport";
    private static final String VECTOR_API = "jdk.incubator.vector.";

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java tools/JitCheck.java COMPILATION_LOG...");
            System.exit(2);
        }
        Map<String, List<String>> findings = new LinkedHashMap<>();
        int ours = 0;
        XMLInputFactory factory = XMLInputFactory.newInstance();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        for (String file : args) {
            try (InputStream in = Files.newInputStream(Path.of(file))) {
                XMLStreamReader xml = factory.createXMLStreamReader(in);
                Task task = null;
                while (xml.hasNext()) {
                    int event = xml.next();
                    if (event == XMLStreamConstants.START_ELEMENT) {
                        if (xml.getLocalName().equals("task")) {
                            // C1 tasks carry a level (1 to 3); C2's carry none.
                            task = xml.getAttributeValue(null, "level") == null ? new Task(xml) : null;
                        } else if (task != null) {
                            task.start(xml);
                        }
                    } else if (event == XMLStreamConstants.END_ELEMENT && task != null) {
                        if (!xml.getLocalName().equals("task")) {
                            task.end(xml.getLocalName());
                            continue;
                        }
                        task.finish();
                        if (task.ours()) {
                            ours++;
                            if (!task.problems.isEmpty()) {
                                findings.put(file + ": " + task.describe(), task.problems);
                            }
                        }
                        task = null;
                    }
                }
            }
        }
        findings.forEach((task, problems) -> {
            System.out.println(task);
            problems.forEach(p -> System.out.println("    " + p));
        });
        System.out.println("JitCheck: " + ours + " C2 compilations of io.sequin methods, " + findings.size()
                + " with a failed Vector API intrinsic, a virtual Vector API call, a Vector API method inlined late"
                + " or a vector passed through a call");
        System.exit(findings.isEmpty() ? 0 : 1);
    }

    /** One C2 compilation: the ids its log declares, where the parser is, and what went wrong. */
    private static final class Task {
        final String id;
        final String method;
        final String osr;
        final Map<String, String> klasses = new HashMap<>();
        final Map<String, String> methods = new HashMap<>();
        /** The ids of our methods that take or return a Vector API type. */
        final java.util.Set<String> carryVectors = new java.util.HashSet<>();
        /** Our vector-carrying method just called, until the log says whether it was inlined. */
        String vectorCall;
        final List<String> problems = new ArrayList<>();
        /** The methods being parsed, outermost first, each with the bytecode index last seen in it. */
        final Deque<String[]> parsing = new ArrayDeque<>();
        /** A late-inlined VectorSupport call still waiting for its intrinsic, or null. */
        String pendingIntrinsic;

        Task(XMLStreamReader xml) {
            id = xml.getAttributeValue(null, "compile_id");
            method = xml.getAttributeValue(null, "method");
            osr = xml.getAttributeValue(null, "osr_bci");
        }

        boolean ours() {
            return method != null && method.startsWith(OURS);
        }

        String describe() {
            return "compile " + id + (osr != null ? " (OSR at bci " + osr + ")" : "") + ": " + method;
        }

        void start(XMLStreamReader xml) {
            switch (xml.getLocalName()) {
                case "klass":
                    klasses.put(xml.getAttributeValue(null, "id"), xml.getAttributeValue(null, "name"));
                    break;
                case "method": {
                    String name = klasses.getOrDefault(xml.getAttributeValue(null, "holder"), "?") + "::" + xml.getAttributeValue(null, "name");
                    methods.put(xml.getAttributeValue(null, "id"), name);
                    String types = xml.getAttributeValue(null, "return") + " " + xml.getAttributeValue(null, "arguments");
                    if (name.startsWith(OURS)) {
                        for (String type : types.split(" ")) {
                            if (klasses.getOrDefault(type, "").startsWith(VECTOR_API)) {
                                carryVectors.add(xml.getAttributeValue(null, "id"));
                            }
                        }
                    }
                    break;
                }
                case "inline_fail":
                    if (vectorCall != null) {
                        problems.add("a vector crosses a call: " + vectorCall + " not inlined (" + xml.getAttributeValue(null, "reason")
                                + "), at " + where());
                    }
                    vectorCall = null;
                    break;
                case "parse":
                    parsing.addLast(new String[] {methodOf(xml), "?"});
                    break;
                case "bc":
                    if (!parsing.isEmpty()) {
                        parsing.getLast()[1] = xml.getAttributeValue(null, "bci");
                    }
                    break;
                case "late_inline": {
                    finish();
                    String callee = methodOf(xml);
                    if (callee.startsWith(VECTOR_SUPPORT)) {
                        pendingIntrinsic = callee;
                    } else if (callee.startsWith(VECTOR_API)) {
                        problems.add("inlined late: " + callee + " (the compilation passed C2's node budget for inlining)");
                    }
                    break;
                }
                case "intrinsic":
                    if (xml.getAttributeValue(null, "id").startsWith("_Vector")) {
                        pendingIntrinsic = null;
                    }
                    break;
                case "inline_success":
                    vectorCall = null;
                    break;
                case "call": {
                    String callee = methodOf(xml);
                    vectorCall = carryVectors.contains(xml.getAttributeValue(null, "method")) ? callee : null;
                    if ("1".equals(xml.getAttributeValue(null, "virtual")) && callee.startsWith(VECTOR_API)) {
                        String receiver = klasses.get(xml.getAttributeValue(null, "receiver"));
                        problems.add("virtual call to " + callee + (receiver == null ? ", no type profile"
                                : ", profiled receiver " + receiver + " (" + xml.getAttributeValue(null, "receiver_count")
                                        + " of " + xml.getAttributeValue(null, "count") + ")") + ", at " + where());
                    }
                    break;
                }
                default:
                    break;
            }
        }

        void end(String tag) {
            if (tag.equals("parse") && !parsing.isEmpty()) {
                parsing.removeLast();
            }
        }

        /** A VectorSupport call inlined late with no intrinsic after it stayed a call. */
        void finish() {
            if (pendingIntrinsic != null) {
                problems.add("intrinsic failed: " + pendingIntrinsic + " stays a call, and its vectors are boxed");
                pendingIntrinsic = null;
            }
        }

        private String methodOf(XMLStreamReader xml) {
            return methods.getOrDefault(xml.getAttributeValue(null, "method"), "?");
        }

        /** Where the parser is: our frames as Class::method@bci, outermost first, then the first frame outside them. */
        private String where() {
            StringBuilder b = new StringBuilder();
            for (String[] frame : parsing) {
                if (b.length() > 0) {
                    b.append(" > ");
                }
                b.append(frame[0].substring(frame[0].lastIndexOf('.') + 1)).append('@').append(frame[1]);
                if (!frame[0].startsWith(OURS)) {
                    break;
                }
            }
            return b.toString();
        }
    }
}
