package io.sequin.importer.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.sequin.importer.ImportException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One graph node with its attributes by name, and how errors name it ("node 3 'lstm1' (LSTM)"). */
final class OnnxNode {
    final NodeProto proto;
    final int index;
    final String op;
    final String where;
    private final Map<String, AttributeProto> attrs = new HashMap<>();

    OnnxNode(NodeProto proto, int index) {
        this.proto = proto;
        this.index = index;
        this.op = proto.getOpType();
        this.where = "node " + index + (proto.getName().isEmpty() ? "" : " '" + proto.getName() + "'") + " (" + op + ")";
        for (AttributeProto a : proto.getAttributeList()) {
            attrs.put(a.getName(), a);
        }
    }

    /** The name of input k, or "" when absent. */
    String input(int k) {
        return k < proto.getInputCount() ? proto.getInput(k) : "";
    }

    int inputCount() {
        return proto.getInputCount();
    }

    String output(int k) {
        return k < proto.getOutputCount() ? proto.getOutput(k) : "";
    }

    int outputCount() {
        return proto.getOutputCount();
    }

    boolean has(String attr) {
        return attrs.containsKey(attr);
    }

    AttributeProto attribute(String name) {
        return attrs.get(name);
    }

    long intAttr(String name, long fallback) {
        AttributeProto a = attrs.get(name);
        return a == null ? fallback : a.getI();
    }

    float floatAttr(String name, float fallback) {
        AttributeProto a = attrs.get(name);
        return a == null ? fallback : a.getF();
    }

    String stringAttr(String name, String fallback) {
        AttributeProto a = attrs.get(name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** A list-of-ints attribute, or null when absent. */
    long[] intsAttr(String name) {
        AttributeProto a = attrs.get(name);
        if (a == null) {
            return null;
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    List<String> stringsAttr(String name) {
        AttributeProto a = attrs.get(name);
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (var s : a.getStringsList()) {
                out.add(s.toStringUtf8());
            }
        }
        return out;
    }

    List<Float> floatsAttr(String name) {
        AttributeProto a = attrs.get(name);
        return a == null ? List.of() : a.getFloatsList();
    }

    ImportException error(String message) {
        return new ImportException(where + ": " + message);
    }
}
