package io.sequin.importer.pytorch;

import java.util.Arrays;
import java.util.Locale;

/** A tensor as a state_dict pickles it: a view (offset, sizes, strides) of a storage in the archive. */
final class TorchTensor {
    final Unpickler.StorageRef storage;
    final long offset;
    final long[] size;
    final long[] stride;

    TorchTensor(Unpickler.StorageRef storage, long offset, long[] size, long[] stride) {
        this.storage = storage;
        this.offset = offset;
        this.size = size;
        this.stride = stride;
    }

    @Override
    public String toString() {
        return storage.dtype.name().toLowerCase(Locale.ROOT) + Arrays.toString(size);
    }
}
