package io.sequin.importer.pytorch;

import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.importer.ZipArchive;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a file written by {@code torch.save(module.state_dict(), path)} (PyTorch 1.6 and later:
 * a zip of {@code <name>/data.pkl}, the pickled OrderedDict, and {@code <name>/data/<key>}, one
 * raw little-endian storage per tensor), without Python: the pickle goes through
 * {@link Unpickler}, which refuses everything but dicts and tensors.
 */
public final class StateDictReader {
    private StateDictReader() {
    }

    /** Whether a file looks like a torch.save zip: a zip whose entries include {@code <name>/data.pkl}. */
    public static boolean isTorchZip(Path file) {
        try (ZipArchive zip = ZipArchive.open(file, "the archive")) {
            return pickleName(zip.names()) != null;
        } catch (ImportException e) {
            return false;
        }
    }

    /** The one top-level {@code <name>/data.pkl} among the entries, or null. */
    private static String pickleName(List<String> names) {
        String found = null;
        for (String name : names) {
            if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                found = name;
            }
        }
        return found;
    }

    /** The float tensors of a state_dict file, by key, in the file's order. */
    public static Map<String, Tensor> read(Path file) throws ImportException {
        String what = "the archive";
        try (ZipArchive zip = ZipArchive.open(file, what)) {
            Object root = root(zip, what);
            if (root instanceof Unpickler.TorchModule) {
                throw new ImportException(what + ": the pickle holds a whole model (torch.save(model)), not a state_dict; "
                        + "convert it without --arch and --batch-first, which it records itself");
            }
            if (!(root instanceof Map)) {
                throw new ImportException(what + ": the pickle holds a " + (root == null ? "None" : root.getClass().getSimpleName())
                        + ", not a state_dict");
            }
            Map<String, TorchTensor> named = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) root).entrySet()) {
                if (!(e.getKey() instanceof String) || !(e.getValue() instanceof TorchTensor)) {
                    throw new ImportException(what + ": entry " + e.getKey() + " is not a named tensor; a state_dict maps names to tensors");
                }
                named.put((String) e.getKey(), (TorchTensor) e.getValue());
            }
            return tensors(zip, named, what);
        }
    }

    /** Whether a torch.save file holds a whole model (an object of a module class) rather than a state_dict. */
    public static boolean holdsModel(Path file) throws ImportException {
        try (ZipArchive zip = ZipArchive.open(file, "the archive")) {
            return root(zip, "the archive") instanceof Unpickler.TorchModule;
        }
    }

    /** The unpickled data.pkl of a torch.save zip, after checking the archive is one. */
    static Object root(ZipArchive zip, String what) throws ImportException {
        String pickle = pickleName(zip.names());
        if (pickle == null) {
            throw new ImportException(what + ": no <name>/data.pkl in the zip; not a file torch.save wrote "
                    + "(files from PyTorch before 1.6 must be saved again with a newer torch.save)");
        }
        String prefix = pickle.substring(0, pickle.length() - "data.pkl".length());
        if (zip.has(prefix + "byteorder")
                && !new String(zip.bytes(prefix + "byteorder"), StandardCharsets.US_ASCII).trim().equals("little")) {
            throw new ImportException(what + ": tensors are stored big-endian; save them on a little-endian machine");
        }
        return Unpickler.read(zip.bytes(pickle), "data.pkl");
    }

    /** Named tensors of the pickle as float tensors, their storages read from the archive. */
    static Map<String, Tensor> tensors(ZipArchive zip, Map<String, TorchTensor> named, String what) throws ImportException {
        String pickle = pickleName(zip.names());
        String prefix = pickle.substring(0, pickle.length() - "data.pkl".length());
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<String, byte[]> storages = new HashMap<>();
        for (Map.Entry<String, TorchTensor> e : named.entrySet()) {
            String key = e.getKey();
            TorchTensor t = e.getValue();
            byte[] data = storages.get(t.storage.key);
            if (data == null) {
                String entry = prefix + "data/" + t.storage.key;
                if (!zip.has(entry)) {
                    throw new ImportException(what + ": tensor '" + key + "' refers to storage " + t.storage.key
                            + ", which is not in the archive");
                }
                data = zip.bytes(entry);
                storages.put(t.storage.key, data);
            }
            out.put(key, floats(t, data, what + ": tensor '" + key + "'"));
        }
        return out;
    }

    /** A tensor's elements in row-major order, as floats, from its storage's bytes. */
    private static Tensor floats(TorchTensor t, byte[] data, String what) throws ImportException {
        TorchDtype dtype = t.storage.dtype;
        if (dtype == TorchDtype.INT64 || dtype == TorchDtype.INT32) {
            throw new ImportException(what + " holds integers; weights must be floating point");
        }
        if ((long) data.length < t.storage.elements * dtype.bytes) {
            throw new ImportException(what + ": storage " + t.storage.key + " holds " + data.length + " bytes, less than its "
                    + t.storage.elements + " elements of " + dtype.bytes);
        }
        if (t.size.length > Limits.MAX_RANK || t.size.length != t.stride.length) {
            throw new ImportException(what + ": rank " + t.size.length + " with " + t.stride.length + " strides");
        }
        long count = 1;
        long last = t.offset;
        for (int i = 0; i < t.size.length; i++) {
            if (t.size[i] < 0 || t.stride[i] < 0) {
                throw new ImportException(what + ": negative size or stride");
            }
            count *= t.size[i];
            if (count > Limits.MAX_TENSOR_ELEMENTS) {
                throw new ImportException(what + ": more than " + Limits.MAX_TENSOR_ELEMENTS + " elements");
            }
            try {
                last = Math.addExact(last, t.size[i] == 0 ? 0 : Math.multiplyExact(t.size[i] - 1, t.stride[i]));
            } catch (ArithmeticException e) {
                throw new ImportException(what + ": size " + t.size[i] + " with stride " + t.stride[i] + " reaches past any storage");
            }
        }
        if (t.offset < 0 || (count > 0 && last >= t.storage.elements)) {
            throw new ImportException(what + " reaches element " + last + " of a storage of " + t.storage.elements);
        }
        if (count > t.storage.elements) {
            // Only an expanded view (stride 0) has more elements than its storage: a few bytes
            // in the file would become as many floats as the shape says.
            throw new ImportException(what + " has " + count + " elements over a storage of " + t.storage.elements
                    + " (an expanded view); save it with .contiguous()");
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int[] shape = new int[t.size.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) t.size[i];
        }
        float[] out = new float[(int) count];
        int[] index = new int[shape.length];
        for (int n = 0; n < out.length; n++) {
            long at = t.offset;
            for (int i = 0; i < shape.length; i++) {
                at += index[i] * t.stride[i];
            }
            out[n] = element(b, dtype, (int) at);
            for (int i = shape.length - 1; i >= 0 && ++index[i] == shape[i]; i--) {
                index[i] = 0;
            }
        }
        return Tensor.ofFloats(shape, out);
    }

    private static float element(ByteBuffer b, TorchDtype dtype, int i) {
        switch (dtype) {
            case FLOAT64:
                return (float) b.getDouble(i * 8);
            case FLOAT16:
                return HalfFloats.f16ToFloat(b.getShort(i * 2));
            case BFLOAT16:
                return HalfFloats.bf16ToFloat(b.getShort(i * 2));
            default:
                return b.getFloat(i * 4);
        }
    }
}
