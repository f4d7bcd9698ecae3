package io.sequin.model;

import io.sequin.format.InvalidModelException;
import io.sequin.format.Limits;
import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.layer.Layer;
import io.sequin.session.Session;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded Sequin model: its signature, constants and layers, with weights in heap arrays.
 *
 * <p>A model is immutable and may be shared by any number of threads. To run it, each thread
 * (or each stream) creates its own {@link Session}:
 * <pre>{@code
 * Model model = Model.load(Path.of("model.sqn"));
 * Session session = model.newSession();
 * Map<String, Tensor> outputs = session.run(Map.of("X", x));
 * }</pre>
 */
public final class Model {
    private final int formatVersion;
    private final Producer producer;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final Map<String, Tensor> constants;
    private final List<StoredTensor> storedConstants;
    private final List<Layer> layers;
    /** Worked out on first use (the same each time: a race only repeats the work). */
    private volatile Map<String, String> recurrentStates;

    Model(int formatVersion, Producer producer, List<TensorSpec> inputs, List<TensorSpec> outputs,
          Map<String, Tensor> constants, List<StoredTensor> storedConstants, List<Layer> layers) {
        this.formatVersion = formatVersion;
        this.producer = producer;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.outputs = Collections.unmodifiableList(new ArrayList<>(outputs));
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        this.storedConstants = Collections.unmodifiableList(new ArrayList<>(storedConstants));
        this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
    }

    /**
     * Reads and verifies a model file. The file is mapped into memory (or, under 64 MB, read into
     * a direct buffer), not read into the heap, and each weight matrix stays there until the first
     * session lays it out for its kernels (see {@link io.sequin.kernel.SharedMatrix}): loading and
     * running a model need the heap its weights take, once, not that and the file's size again.
     * A mapped file must not change while the model is loaded. (On Windows it stays locked until
     * the mapping is collected.)
     *
     * @throws InvalidModelException if the file is not a valid Sequin model (the message names
     *     the file and the field at fault)
     * @throws IOException if the file cannot be read, or changed while it was read
     */
    public static Model load(Path file) throws IOException, InvalidModelException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Limits.MAX_FILE_BYTES) {
                throw new InvalidModelException(file + ": " + size + " bytes is larger than a model file can be");
            }
            ByteBuffer small = size < MAP_FROM_BYTES ? readOffHeap(channel, file, (int) size) : null;
            return ModelLoader.load(small != null ? small : channel.map(FileChannel.MapMode.READ_ONLY, 0, size), true);
        } catch (InvalidModelException e) {
            throw new InvalidModelException(file + ": " + e.getMessage(), e);
        } catch (InternalError e) {
            // A mapped file cut short by another process while it is read faults; say so plainly.
            throw new IOException(file + ": the file changed while it was read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Files of this size and more are mapped; smaller ones are read into a direct buffer, off the
     * heap as a mapping is: a JVM's first mapping costs more than reading megabytes (JDK 25 spins
     * some twenty method handles for it: 20 ms of a fresh JVM's start, docs/PERFORMANCE.md).
     */
    private static final long MAP_FROM_BYTES = 64L << 20;

    /**
     * The whole file in a new direct buffer; null when the JVM's direct memory
     * ({@code -XX:MaxDirectMemorySize}, by default the heap's maximum) has no room for it, and the
     * file is mapped instead.
     */
    private static ByteBuffer readOffHeap(FileChannel channel, Path file, int size) throws IOException {
        ByteBuffer buffer;
        try {
            buffer = ByteBuffer.allocateDirect(size);
        } catch (OutOfMemoryError e) {
            return null;
        }
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException(file + ": the file changed while it was read (it ended after " + buffer.position()
                        + " of " + size + " bytes)");
            }
        }
        ((Buffer) buffer).flip();
        return buffer;
    }

    /** Verifies and loads a model from bytes; the array is not kept. */
    public static Model load(byte[] bytes) throws InvalidModelException {
        return load(ByteBuffer.wrap(bytes));
    }

    /**
     * Verifies and loads a model from the buffer's position to its limit; the buffer is not kept.
     * The weights are copied to the heap, and each matrix's copy is dropped once the first session
     * has laid it out for its kernels.
     */
    public static Model load(ByteBuffer buffer) throws InvalidModelException {
        return ModelLoader.load(buffer, false);
    }

    /** The newest format version this runtime reads. */
    public static int supportedFormatVersion() {
        return ModelLoader.FORMAT_VERSION;
    }

    public int formatVersion() {
        return formatVersion;
    }

    public Producer producer() {
        return producer;
    }

    /** The inputs of {@link Session#run}; see {@link #isOptional} for those that may be left out. */
    public List<TensorSpec> inputs() {
        return inputs;
    }

    /**
     * Whether {@link Session#run} may be called without the named input: it is read only as a
     * recurrent layer's optional input (sequence_lens, an initial state, a mask), which then means
     * what it means absent: full lengths, zero states, no steps masked (PyTorch's {@code
     * forward(x)} without {@code h0}, for example); or it is cut into such inputs by layers that
     * only move elements (a tensor packing every layer's states), which a run then skips.
     */
    public boolean isOptional(String input) {
        Set<String> absent = new HashSet<>();
        absent.add(input);
        boolean read = false;
        for (Layer layer : layers) {
            List<String> in = layer.inputs();
            int reads = 0;
            int present = 0;
            for (int k = 0; k < in.size(); k++) {
                if (absent.contains(in.get(k))) {
                    reads++;
                    if (!layer.movesOnly() && !layer.isOptionalInput(k)) {
                        return false;
                    }
                } else if (!in.get(k).isEmpty()) {
                    present++;
                }
            }
            if (reads > 0 && layer.movesOnly()) {
                if (present > 0) {
                    // Part of the moved elements would be missing.
                    return false;
                }
                absent.addAll(layer.outputs());
            }
            read |= reads > 0;
        }
        for (TensorSpec output : outputs) {
            if (absent.contains(output.name())) {
                return false;
            }
        }
        return read;
    }

    public List<TensorSpec> outputs() {
        return outputs;
    }

    /**
     * The inputs that are recurrent state, each with the output that returns it: a model exported
     * for a real-time loop takes its layers' states as inputs (h0, c0 per layer, stacked, or h and
     * c of every layer packed in one tensor) and returns the final ones (h_n, c_n) for the caller
     * to feed back with the next frame. An input pairs with the output that holds each of its
     * elements, in its own place, as the final state of the layer that read that element as an
     * initial state (found by tracing values, see {@code StateTrace}). {@link Session#step}
     * carries that state itself; {@code sequin inspect} lists the pairs.
     */
    public Map<String, String> recurrentStates() {
        Map<String, String> pairs = recurrentStates;
        if (pairs == null) {
            pairs = Collections.unmodifiableMap(StateTrace.pairs(inputs, outputs, layers));
            recurrentStates = pairs;
        }
        return pairs;
    }

    /** How each named constant is stored. */
    public List<StoredTensor> constants() {
        return storedConstants;
    }

    /** The value of a named constant (a copy), or null if there is none of that name. */
    public Tensor constant(String name) {
        Tensor t = constants.get(name);
        if (t == null) {
            return null;
        }
        // if rather than a switch on the enum, which would cost the runtime jar a class (its size is budgeted).
        if (t.type() == ElementType.FLOAT32) {
            return Tensor.ofFloats(t.shape(), t.floats().clone());
        }
        if (t.type() == ElementType.INT32) {
            return Tensor.ofInts(t.shape(), t.ints().clone());
        }
        return Tensor.ofLongs(t.shape(), t.longs().clone());
    }

    /** The layers in the order they run. */
    public List<Layer> layers() {
        return layers;
    }

    /** A new session with the kernels chosen for this JVM (see {@link KernelSelection}). */
    public Session newSession() {
        return newSession(KernelSelection.defaultKernels());
    }

    /** A new session that computes with the given kernels. */
    public Session newSession(Kernels kernels) {
        return new Session(this, kernels);
    }

    /**
     * A new session that computes with the given kernels and steps {@code streams} independent
     * streams together ({@link Session#step}), reading the weights once per step for all.
     */
    public Session newSession(Kernels kernels, int streams) {
        return new Session(this, kernels, streams);
    }

    /**
     * A new session as {@link #newSession(Kernels, int)} whose streaming step is split across
     * {@code threads} threads (the caller's and threads - 1 it starts) where a layer is large
     * enough for that to pay; outputs are bit for bit those of one thread. Close it to stop its
     * threads.
     */
    public Session newSession(Kernels kernels, int streams, int threads) {
        return new Session(this, kernels, streams, threads);
    }
}
