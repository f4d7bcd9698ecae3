package io.sequin.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds checks for the parts of a FlatBuffer: tables, their vtables, scalar fields, offsets,
 * vectors and strings. flatbuffers-java has no verifier, and its generated accessors trust every
 * offset they read, so every field a reader will touch is checked here first.
 *
 * <p>Positions are absolute indices into the buffer. Field slots are the field's id in the schema
 * (the n-th field declared; a union takes two ids, its type and its value).
 */
final class BufferVerifier {
    private final ByteBuffer bb;
    private final int limit;

    BufferVerifier(ByteBuffer buffer) {
        this.bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.limit = bb.limit();
    }

    /** Checks the table at {@code pos} and its vtable; returns {@code pos}. */
    int table(int pos, String what) throws InvalidModelException {
        require(pos >= 0 && (pos & 3) == 0 && inBounds(pos, 4), what + ": table offset " + pos + " is outside the file or misaligned");
        long vtable = (long) pos - bb.getInt(pos);
        require(vtable >= 0 && (vtable & 1) == 0 && inBounds(vtable, 4), what + ": vtable of table at " + pos + " is outside the file");
        int vtableSize = Short.toUnsignedInt(bb.getShort((int) vtable));
        int tableSize = Short.toUnsignedInt(bb.getShort((int) vtable + 2));
        require(vtableSize >= 4 && (vtableSize & 1) == 0 && inBounds(vtable, vtableSize),
                what + ": vtable size " + vtableSize + " is invalid");
        require(tableSize >= 4 && inBounds(pos, tableSize), what + ": table size " + tableSize + " runs past the end of the file");
        return pos;
    }

    /** Offset of a field within its table, or 0 if absent; checks that {@code size} bytes fit the table. */
    int field(int table, int slot, int size, String what) throws InvalidModelException {
        int vtable = table - bb.getInt(table);
        int vtableSize = Short.toUnsignedInt(bb.getShort(vtable));
        int entry = 4 + 2 * slot;
        if (entry + 2 > vtableSize) {
            return 0;
        }
        int offset = Short.toUnsignedInt(bb.getShort(vtable + entry));
        if (offset == 0) {
            return 0;
        }
        int tableSize = Short.toUnsignedInt(bb.getShort(vtable + 2));
        require(offset >= 4 && offset + size <= tableSize, what + ": field lies outside its table");
        return offset;
    }

    /** Checks a scalar field of {@code size} bytes. */
    void scalar(int table, int slot, int size, String what) throws InvalidModelException {
        field(table, slot, size, what);
    }

    /** Follows an offset field; returns the absolute position it points to, or -1 if absent. */
    int indirect(int table, int slot, String what) throws InvalidModelException {
        int offset = field(table, slot, 4, what);
        if (offset == 0) {
            return -1;
        }
        int at = table + offset;
        long target = at + Integer.toUnsignedLong(bb.getInt(at));
        require(target > at && target < limit, what + ": offset points outside the file");
        return (int) target;
    }

    /** Checks a vector at {@code pos} with elements of {@code elemSize} bytes; returns its length. */
    int vectorAt(int pos, int elemSize, String what) throws InvalidModelException {
        require((pos & 3) == 0 && inBounds(pos, 4), what + ": vector header is outside the file or misaligned");
        int length = bb.getInt(pos);
        require(length >= 0 && inBounds(pos + 4L, (long) length * elemSize),
                what + ": vector of " + Integer.toUnsignedString(length) + " elements runs past the end of the file");
        return length;
    }

    /** Checks an optional vector field; returns its length, or -1 if absent. */
    int vector(int table, int slot, int elemSize, String what) throws InvalidModelException {
        int pos = indirect(table, slot, what);
        return pos < 0 ? -1 : vectorAt(pos, elemSize, what);
    }

    /** Position of element {@code i} of the vector field (after {@link #vector} checked it). */
    int vectorElement(int table, int slot, int elemSize, int i) {
        int offset = fieldOffsetUnchecked(table, slot);
        int at = table + offset;
        int pos = at + bb.getInt(at);
        return pos + 4 + i * elemSize;
    }

    /** Follows the offset stored at element {@code i} of a vector of tables or strings. */
    int vectorIndirect(int table, int slot, int i, String what) throws InvalidModelException {
        int at = vectorElement(table, slot, 4, i);
        long target = at + Integer.toUnsignedLong(bb.getInt(at));
        require(target > at && target < limit, what + ": offset points outside the file");
        return (int) target;
    }

    /** Checks an optional string field; returns its value, or null if absent. */
    String string(int table, int slot, String what) throws InvalidModelException {
        int pos = indirect(table, slot, what);
        return pos < 0 ? null : stringAt(pos, what);
    }

    /** Checks and decodes the string at {@code pos}: length, NUL terminator, valid UTF-8, size limit. */
    String stringAt(int pos, String what) throws InvalidModelException {
        int length = vectorAt(pos, 1, what);
        require(length <= Limits.MAX_STRING_BYTES, what + ": string of " + length + " bytes exceeds the limit of " + Limits.MAX_STRING_BYTES);
        require(inBounds(pos + 4L + length, 1) && bb.get(pos + 4 + length) == 0, what + ": string is not NUL-terminated");
        ByteBuffer bytes = bb.duplicate();
        // Through Buffer: ByteBuffer's own position(int) and limit(int) came with Java 9, after Android's API 26.
        ((java.nio.Buffer) bytes).position(pos + 4);
        ((java.nio.Buffer) bytes).limit(pos + 4 + length);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new InvalidModelException(what + ": string is not valid UTF-8");
        }
    }

    /** Checks a union's value table (its type byte is read by the caller). */
    int unionTable(int table, int slot, String what) throws InvalidModelException {
        int pos = indirect(table, slot, what);
        return pos < 0 ? -1 : table(pos, what);
    }

    byte getByte(int pos) {
        return bb.get(pos);
    }

    private int fieldOffsetUnchecked(int table, int slot) {
        int vtable = table - bb.getInt(table);
        return Short.toUnsignedInt(bb.getShort(vtable + 4 + 2 * slot));
    }

    private boolean inBounds(long pos, long size) {
        return pos >= 0 && size >= 0 && pos + size <= limit;
    }

    static void require(boolean condition, String message) throws InvalidModelException {
        if (!condition) {
            throw new InvalidModelException(message);
        }
    }
}
