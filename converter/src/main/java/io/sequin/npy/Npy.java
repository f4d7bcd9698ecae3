package io.sequin.npy;

import io.sequin.format.Limits;
import io.sequin.io.AtomicFiles;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.TensorBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) holding
 * little-endian float32, int32 or int64 arrays in C order. Anything else (other dtypes,
 * big-endian, Fortran order, pickled objects) is refused with a message that says what the file
 * holds. The format is specified in numpy's {@code numpy/lib/format.py}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER_BYTES = 1 << 16;

    private Npy() {
    }

    public static Tensor read(Path file) throws IOException, NpyFormatException {
        long size = Files.size(file);
        if (size > Limits.MAX_FILE_BYTES) {
            throw new NpyFormatException(file + ": " + size + " bytes is too large to read");
        }
        try {
            return read(Files.readAllBytes(file));
        } catch (NpyFormatException e) {
            throw new NpyFormatException(file + ": " + e.getMessage());
        }
    }

    public static Tensor read(byte[] bytes) throws NpyFormatException {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10) {
            throw new NpyFormatException("not a .npy file (too short)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new NpyFormatException("not a .npy file (no \\x93NUMPY magic)");
            }
        }
        int major = bytes[6] & 0xff;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(bb.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new NpyFormatException("truncated .npy header");
            }
            headerLength = Integer.toUnsignedLong(bb.getInt(8));
            headerStart = 12;
        } else {
            throw new NpyFormatException(".npy format version " + major + "." + (bytes[7] & 0xff) + " is not supported (1.0 to 3.0 are)");
        }
        if (headerLength > MAX_HEADER_BYTES || headerStart + headerLength > bytes.length) {
            throw new NpyFormatException("header length " + headerLength + " runs past the end of the file");
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, String> dict = parseHeader(header);
        String descr = unquote(require(dict, "descr"), "descr");
        String fortran = require(dict, "fortran_order");
        int[] shape = parseShape(require(dict, "shape"));

        ElementType type = elementType(descr);
        if (fortran.equals("True")) {
            throw new NpyFormatException("array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
        } else if (!fortran.equals("False")) {
            throw new NpyFormatException("fortran_order is '" + fortran + "', expected True or False");
        }
        long count = 1;
        for (int d : shape) {
            count *= d;
            if (count > Limits.MAX_TENSOR_ELEMENTS) {
                throw new NpyFormatException("shape " + Tensor.format(shape) + " is too large");
            }
        }
        int dataStart = headerStart + (int) headerLength;
        long expected = count * type.bytes();
        long actual = bytes.length - dataStart;
        if (actual != expected) {
            throw new NpyFormatException("data is " + actual + " bytes, shape " + Tensor.format(shape) + " of "
                    + type.displayName() + " needs " + expected);
        }
        return TensorBytes.decode(type, shape, ByteBuffer.wrap(bytes, dataStart, (int) expected));
    }

    private static ElementType elementType(String descr) throws NpyFormatException {
        switch (descr) {
            case "<f4":
                return ElementType.FLOAT32;
            case "<i4":
                return ElementType.INT32;
            case "<i8":
                return ElementType.INT64;
            case "|O":
            case "O":
                throw new NpyFormatException("array holds Python objects (a pickle); Sequin reads float32, int32 and int64 only");
            default:
                if (descr.startsWith(">")) {
                    throw new NpyFormatException("dtype '" + descr + "' is big-endian; Sequin reads little-endian float32, int32 and int64");
                }
                throw new NpyFormatException("dtype '" + descr + "' is not supported; Sequin reads float32 (<f4), int32 (<i4) and int64 (<i8)");
        }
    }

    /** Parses numpy's header, a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
    private static Map<String, String> parseHeader(String header) throws NpyFormatException {
        String h = header.trim();
        if (!h.startsWith("{") || !h.endsWith("}")) {
            throw new NpyFormatException("header is not a dictionary: " + abbreviate(h));
        }
        Map<String, String> dict = new LinkedHashMap<>();
        String body = h.substring(1, h.length() - 1);
        int i = 0;
        while (true) {
            i = skipSpaceAndCommas(body, i);
            if (i >= body.length()) {
                break;
            }
            int keyEnd = quotedEnd(body, i);
            String key = unquote(body.substring(i, keyEnd), "key");
            i = skipSpace(body, keyEnd);
            if (i >= body.length() || body.charAt(i) != ':') {
                throw new NpyFormatException("header: expected ':' after '" + key + "'");
            }
            i = skipSpace(body, i + 1);
            int valueEnd;
            if (i < body.length() && (body.charAt(i) == '\'' || body.charAt(i) == '"')) {
                valueEnd = quotedEnd(body, i);
            } else if (i < body.length() && body.charAt(i) == '(') {
                valueEnd = body.indexOf(')', i);
                if (valueEnd < 0) {
                    throw new NpyFormatException("header: unclosed tuple for '" + key + "'");
                }
                valueEnd++;
            } else {
                valueEnd = i;
                while (valueEnd < body.length() && body.charAt(valueEnd) != ',') {
                    valueEnd++;
                }
            }
            if (dict.put(key, body.substring(i, valueEnd).trim()) != null) {
                throw new NpyFormatException("header: key '" + key + "' appears twice");
            }
            i = valueEnd;
        }
        return dict;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipSpaceAndCommas(String s, int i) {
        while (i < s.length() && (Character.isWhitespace(s.charAt(i)) || s.charAt(i) == ',')) {
            i++;
        }
        return i;
    }

    private static int quotedEnd(String s, int i) throws NpyFormatException {
        char q = s.charAt(i);
        if (q != '\'' && q != '"') {
            throw new NpyFormatException("header: expected a quoted string at: " + abbreviate(s.substring(i)));
        }
        int end = s.indexOf(q, i + 1);
        if (end < 0) {
            throw new NpyFormatException("header: unterminated string");
        }
        return end + 1;
    }

    private static String unquote(String s, String what) throws NpyFormatException {
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            throw new NpyFormatException("header: " + what + " is not a quoted string: " + abbreviate(s));
        }
        return s.substring(1, s.length() - 1);
    }

    private static String require(Map<String, String> dict, String key) throws NpyFormatException {
        String v = dict.get(key);
        if (v == null) {
            throw new NpyFormatException("header has no '" + key + "'");
        }
        return v;
    }

    private static int[] parseShape(String s) throws NpyFormatException {
        if (!s.startsWith("(") || !s.endsWith(")")) {
            throw new NpyFormatException("shape '" + abbreviate(s) + "' is not a tuple");
        }
        List<Integer> dims = new ArrayList<>();
        for (String part : s.substring(1, s.length() - 1).split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            try {
                int d = Integer.parseInt(p);
                if (d < 0) {
                    throw new NpyFormatException("shape " + s + " has a negative dimension");
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new NpyFormatException("shape " + abbreviate(s) + " has a dimension that is not a whole number below 2^31: '" + abbreviate(p) + "'");
            }
            if (dims.size() > Limits.MAX_RANK) {
                throw new NpyFormatException("shape " + abbreviate(s) + " has more than " + Limits.MAX_RANK + " dimensions");
            }
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
        }
        return shape;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** The bytes of a {@code .npy} file (format 1.0) holding the tensor. */
    public static byte[] toBytes(Tensor t) {
        String descr = t.type() == ElementType.FLOAT32 ? "<f4" : t.type() == ElementType.INT32 ? "<i4" : "<i8";
        int[] shape = t.shape();
        StringBuilder shapeText = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            shapeText.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        shapeText.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        // numpy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
        int unpadded = MAGIC.length + 4 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + t.size() * t.type().bytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        TensorBytes.encode(t, out);
        return out.array();
    }

    /** Writes the tensor as a {@code .npy} file, atomically. */
    public static void write(Path file, Tensor t) throws IOException {
        AtomicFiles.write(file, toBytes(t));
    }
}
