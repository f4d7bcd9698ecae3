package io.sequin.importer.pytorch;

/** The storage types a state_dict's tensors may have, by their pickled class names. */
enum TorchDtype {
    FLOAT32("FloatStorage", 4),
    FLOAT64("DoubleStorage", 8),
    FLOAT16("HalfStorage", 2),
    BFLOAT16("BFloat16Storage", 2),
    INT64("LongStorage", 8),
    INT32("IntStorage", 4);

    final String storage;
    final int bytes;

    TorchDtype(String storage, int bytes) {
        this.storage = storage;
        this.bytes = bytes;
    }

    /** The type of a storage class name such as {@code FloatStorage}, or null. */
    static TorchDtype ofStorage(String name) {
        for (TorchDtype t : values()) {
            if (t.storage.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
