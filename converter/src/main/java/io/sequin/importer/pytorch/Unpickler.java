package io.sequin.importer.pytorch;

import io.sequin.importer.ImportException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle reader (protocols 2 to 5) that accepts only what a PyTorch {@code state_dict} or a
 * whole model of standard modules holds: dicts and OrderedDicts, lists, tuples, strings,
 * numbers, booleans, None, tensors rebuilt from storages by {@code torch._utils._rebuild_tensor_v2}
 * or {@code _rebuild_parameter}, and module objects ({@link TorchModule}: a class name and the
 * attributes pickled for it). Python pickles can call any importable function; this reader calls
 * none: a module object is a name and a dict, whatever its class, and any other global, and any
 * opcode outside that set, is refused with an {@link ImportException} naming it.
 *
 * <p>Values come out as {@link Map} (insertion order kept), {@link List}, {@link Tuple},
 * {@link String}, {@link Long}, {@link Double}, {@link Boolean}, null, {@link TorchTensor} and
 * {@link TorchModule}.
 */
final class Unpickler {
    /** A Python tuple. */
    static final class Tuple {
        final List<Object> items;

        Tuple(List<Object> items) {
            this.items = items;
        }

        /** For messages: a few levels deep and short, since a pickle can build a tuple that holds itself. */
        @Override
        public String toString() {
            return show(this, 3);
        }

        private static String show(Object o, int depth) {
            if (o instanceof Tuple) {
                List<Object> items = ((Tuple) o).items;
                if (depth == 0) {
                    return "(...)";
                }
                StringBuilder b = new StringBuilder("(");
                for (int i = 0; i < items.size() && i < 6; i++) {
                    b.append(i > 0 ? ", " : "").append(show(items.get(i), depth - 1));
                }
                return b.append(items.size() > 6 ? ", ...)" : ")").toString();
            }
            if (o instanceof Map || o instanceof List) {
                return o instanceof Map ? "dict" : "list";
            }
            String text = o instanceof String ? "'" + o + "'" : String.valueOf(o);
            return text.length() > 40 ? text.substring(0, 40) + "..." : text;
        }
    }

    /** A global this reader knows: a class or function of PyTorch or Python it may stand in for. */
    private static class Global {
        final String name;

        Global(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A class a pickled object was made of: its module and name, never imported or called. */
    private static final class ModuleClass extends Global {
        ModuleClass(String name) {
            super(name);
        }
    }

    /** An object of a class (an nn.Module), as a pickle records it: the class's name and the attributes BUILD gave it. */
    static final class TorchModule {
        final String className;
        Map<Object, Object> state = new LinkedHashMap<>();

        TorchModule(String className) {
            this.className = className;
        }
    }

    /** Where a storage lives: its key in the archive and its element type. */
    static final class StorageRef {
        final String key;
        final TorchDtype dtype;
        final long elements;

        StorageRef(String key, TorchDtype dtype, long elements) {
            this.key = key;
            this.dtype = dtype;
            this.elements = elements;
        }
    }

    private static final Object MARK = new Object();
    /** Bounds for a hostile file: stack depth, memo entries, container sizes. */
    private static final int MAX_STACK = 1 << 20;
    private static final int MAX_MEMO = 1 << 20;

    private final ByteBuffer in;
    private final String what;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] bytes, String what) {
        this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        this.what = what;
    }

    /** The object a pickle holds. */
    static Object read(byte[] bytes, String what) throws ImportException {
        try {
            return new Unpickler(bytes, what).run();
        } catch (java.nio.BufferUnderflowException e) {
            throw new ImportException(what + ": the pickle ends in the middle of an opcode");
        }
    }

    private ImportException error(String message) {
        return new ImportException(what + " at byte " + in.position() + ": " + message);
    }

    private Object run() throws ImportException {
        while (true) {
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80: // PROTO
                    int protocol = in.get() & 0xFF;
                    if (protocol < 2 || protocol > 5) {
                        throw error("pickle protocol " + protocol + " is not supported (2 to 5 are)");
                    }
                    break;
                case 0x95: // FRAME: a length hint only
                    in.getLong();
                    break;
                case 0x2e: // STOP
                    if (stack.size() != 1) {
                        throw error("the pickle stops with " + stack.size() + " values on its stack, not 1");
                    }
                    return stack.get(0);
                case 0x28: // MARK
                    push(MARK);
                    break;
                case 0x7d: // EMPTY_DICT
                    push(new LinkedHashMap<Object, Object>());
                    break;
                case 0x5d: // EMPTY_LIST
                    push(new ArrayList<Object>());
                    break;
                case 0x29: // EMPTY_TUPLE
                    push(new Tuple(List.of()));
                    break;
                case 0x74: // TUPLE
                    push(new Tuple(popToMark()));
                    break;
                case 0x85: // TUPLE1
                case 0x86: // TUPLE2
                case 0x87: { // TUPLE3
                    int n = op - 0x84;
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        items.add(0, pop());
                    }
                    push(new Tuple(items));
                    break;
                }
                case 0x4e: // NONE
                    push(null);
                    break;
                case 0x88: // NEWTRUE
                    push(Boolean.TRUE);
                    break;
                case 0x89: // NEWFALSE
                    push(Boolean.FALSE);
                    break;
                case 0x4b: // BININT1
                    push((long) (in.get() & 0xFF));
                    break;
                case 0x4d: // BININT2
                    push((long) (in.getShort() & 0xFFFF));
                    break;
                case 0x4a: // BININT
                    push((long) in.getInt());
                    break;
                case 0x8a: { // LONG1
                    int n = in.get() & 0xFF;
                    if (n > 8) {
                        throw error("an integer of " + n + " bytes does not fit 64 bits");
                    }
                    long v = 0;
                    for (int i = 0; i < n; i++) {
                        v |= (long) (in.get() & 0xFF) << (8 * i);
                    }
                    if (n > 0 && n < 8 && (v >> (8 * n - 1) & 1) != 0) {
                        v |= -1L << (8 * n);
                    }
                    push(v);
                    break;
                }
                case 0x47: // BINFLOAT, big-endian
                    push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));
                    break;
                case 0x58: // BINUNICODE
                    push(string(in.getInt()));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(string(in.get() & 0xFF));
                    break;
                case 0x8d: // BINUNICODE8
                    push(string(in.getLong()));
                    break;
                case 0x63: // GLOBAL module\nname\n
                    push(global(line(), line()));
                    break;
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(global((String) module, (String) name));
                    break;
                }
                case 0x71: // BINPUT
                    memo(in.get() & 0xFF);
                    break;
                case 0x72: // LONG_BINPUT
                    memo(in.getInt() & 0xFFFFFFFFL);
                    break;
                case 0x94: // MEMOIZE
                    memo(memo.size());
                    break;
                case 0x68: // BINGET
                    push(recall(in.get() & 0xFF));
                    break;
                case 0x6a: // LONG_BINGET
                    push(recall(in.getInt() & 0xFFFFFFFFL));
                    break;
                case 0x51: // BINPERSID
                    push(storage(pop()));
                    break;
                case 0x52: { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                    break;
                }
                case 0x62: { // BUILD: a module's attributes, or a state_dict's _metadata (kept out of the values)
                    Object state = pop();
                    if (peek() instanceof TorchModule) {
                        if (state instanceof Tuple && ((Tuple) state).items.size() == 2) {
                            state = ((Tuple) state).items.get(0); // (dict, slots)
                        }
                        if (!(state instanceof Map)) {
                            throw error("BUILD of a " + ((TorchModule) peek()).className + " with " + describe(state) + ", not its attributes");
                        }
                        @SuppressWarnings("unchecked")
                        Map<Object, Object> attributes = (Map<Object, Object>) state;
                        ((TorchModule) peek()).state = attributes;
                    } else if (!(peek() instanceof Map)) {
                        throw error("BUILD on " + describe(peek()) + " is not supported");
                    }
                    break;
                }
                case 0x81: { // NEWOBJ: cls.__new__(cls, *args); only an object of a class, never run
                    Object args = pop();
                    Object cls = pop();
                    if (!(cls instanceof ModuleClass) || !(args instanceof Tuple) || !((Tuple) args).items.isEmpty()) {
                        throw error("NEWOBJ of " + describe(cls) + " is not supported");
                    }
                    push(new TorchModule(((ModuleClass) cls).name));
                    break;
                }
                case 0x73: { // SETITEM
                    Object value = pop();
                    Object key = hashable(pop());
                    dict(peek()).put(key, value);
                    break;
                }
                case 0x75: { // SETITEMS
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) {
                        throw error("SETITEMS with an odd number of items");
                    }
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(hashable(items.get(i)), items.get(i + 1));
                    }
                    break;
                }
                case 0x61: { // APPEND
                    Object value = pop();
                    list(peek()).add(value);
                    break;
                }
                case 0x65: { // APPENDS
                    List<Object> items = popToMark();
                    list(peek()).addAll(items);
                    break;
                }
                default:
                    throw error(String.format("pickle opcode 0x%02x is not one a state_dict uses; refused", op));
            }
        }
    }

    private void push(Object o) throws ImportException {
        if (stack.size() >= MAX_STACK) {
            throw error("the pickle's stack grows past " + MAX_STACK + " values");
        }
        stack.add(o);
    }

    private Object pop() throws ImportException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error("the pickle pops an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws ImportException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error("the pickle reads an empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() throws ImportException {
        int mark = stack.lastIndexOf(MARK);
        if (mark < 0) {
            throw error("no MARK to pop to");
        }
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private void memo(long index) throws ImportException {
        if (memo.size() >= MAX_MEMO) {
            throw error("the pickle memoizes more than " + MAX_MEMO + " values");
        }
        memo.put(index, peek());
    }

    private Object recall(long index) throws ImportException {
        if (!memo.containsKey(index)) {
            throw error("memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws ImportException {
        if (!(o instanceof Map)) {
            throw error("setting items on " + describe(o) + ", not a dict");
        }
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws ImportException {
        if (!(o instanceof List)) {
            throw error("appending to " + describe(o) + ", not a list");
        }
        return (List<Object>) o;
    }

    private String string(long length) throws ImportException {
        if (length < 0 || length > in.remaining()) {
            throw error("a string of " + length + " bytes runs past the end of the pickle");
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String line() throws ImportException {
        int start = in.position();
        while (true) {
            if (!in.hasRemaining()) {
                throw error("a GLOBAL name runs past the end of the pickle");
            }
            if (in.get() == '\n') {
                return new String(in.array(), start, in.position() - start - 1, StandardCharsets.UTF_8);
            }
            if (in.position() - start > 256) {
                throw error("a GLOBAL name longer than 256 bytes");
            }
        }
    }

    /** The globals a state_dict refers to; anything else is refused by name. */
    private Object global(String module, String name) throws ImportException {
        String full = module + "." + name;
        switch (full) {
            case "collections.OrderedDict":
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_parameter":
            case "__builtin__.set":
            case "builtins.set":
                return new Global(full);
            default:
                if (module.equals("torch") && TorchDtype.ofStorage(name) != null) {
                    return TorchDtype.ofStorage(name);
                }
                boolean userModule = module.equals("__main__") || !module.startsWith("torch") && !module.startsWith("_")
                        && !module.equals("builtins") && !module.equals("collections");
                if (module.startsWith("torch.nn.modules.") || userModule && name.matches("[A-Z]\\w*")) {
                    // A module's class: the object becomes a name and its attributes, NEWOBJ and BUILD never call it.
                    return new ModuleClass(full);
                }
                throw error("the pickle refers to " + full + "; a state_dict holds only OrderedDicts and tensors, and a "
                        + "model only modules, so Sequin refuses anything else (it never calls functions from a file)");
        }
    }

    /** A persistent id: ('storage', storage type, key, location, element count). */
    private StorageRef storage(Object pid) throws ImportException {
        if (!(pid instanceof Tuple) || ((Tuple) pid).items.size() != 5 || !"storage".equals(((Tuple) pid).items.get(0))) {
            throw error("persistent id " + describe(pid) + " is not a tensor storage");
        }
        List<Object> p = ((Tuple) pid).items;
        if (!(p.get(1) instanceof TorchDtype) || !(p.get(2) instanceof String) || !(p.get(4) instanceof Long)) {
            throw error("storage " + pid + " is not (type, key, location, count)");
        }
        long count = (Long) p.get(4);
        if (count < 0) {
            throw error("storage of " + count + " elements");
        }
        return new StorageRef((String) p.get(2), (TorchDtype) p.get(1), count);
    }

    private Object reduce(Object callable, Object args) throws ImportException {
        if (!(callable instanceof Global) || !(args instanceof Tuple)) {
            throw error("REDUCE of " + describe(callable) + " is not supported");
        }
        List<Object> a = ((Tuple) args).items;
        switch (((Global) callable).name) {
            case "collections.OrderedDict":
                if (!a.isEmpty()) {
                    throw error("OrderedDict built from arguments is not supported");
                }
                return new LinkedHashMap<Object, Object>();
            case "__builtin__.set":
            case "builtins.set": // a module's set of non-persistent buffer names: kept as a list
                if (a.size() != 1 || !(a.get(0) instanceof List)) {
                    throw error("set of " + args);
                }
                return new ArrayList<>((List<?>) a.get(0));
            case "torch._utils._rebuild_parameter":
                if (a.isEmpty() || !(a.get(0) instanceof TorchTensor)) {
                    throw error("_rebuild_parameter of " + args);
                }
                return a.get(0);
            case "torch._utils._rebuild_tensor_v2": { // (storage, offset, size, stride, requires_grad, hooks[, metadata])
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef) || !(a.get(1) instanceof Long)
                        || !(a.get(2) instanceof Tuple) || !(a.get(3) instanceof Tuple)) {
                    throw error("_rebuild_tensor_v2 of " + args + " is not (storage, offset, size, stride, ...)");
                }
                return new TorchTensor((StorageRef) a.get(0), (Long) a.get(1), longs((Tuple) a.get(2)), longs((Tuple) a.get(3)));
            }
            default:
                throw error("REDUCE of " + callable + " is not supported; a class in a pickle is only ever a name here");
        }
    }

    private long[] longs(Tuple t) throws ImportException {
        long[] out = new long[t.items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items.get(i) instanceof Long)) {
                throw error("a tensor size or stride " + t + " is not integers");
            }
            out[i] = (Long) t.items.get(i);
        }
        return out;
    }

    /**
     * A dict key as Python allows it: not a dict or a list. (Java would hash one element by
     * element, and a dict that holds itself, which a pickle can build, hashes forever.)
     */
    private Object hashable(Object key) throws ImportException {
        if (key instanceof Map || key instanceof List) {
            throw error("a dict key that is a " + (key instanceof Map ? "dict" : "list") + ", which Python cannot hash");
        }
        return key;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o == MARK ? "a MARK" : o.getClass().getSimpleName();
    }
}
