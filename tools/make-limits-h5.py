#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/limits/huge_weight.h5 for LimitsTest: the Keras
.h5 fixture lstm_sequences_dense_softmax with its Dense kernel replaced by a dataset declared as
65536 x 32768 float32 (2^31 elements, 8 GiB) whose storage HDF5 never allocates, so the file
stays a few kilobytes. A reader must refuse it by its declared shape, before reading data.

Run with Debian's python3-h5py: /usr/bin/python3 tools/make-limits-h5.py
"""
import os
import shutil

import h5py

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converter", "src", "test", "resources", "fixtures")


def main():
    source = os.path.join(ROOT, "keras-h5", "lstm_sequences_dense_softmax", "model.h5")
    target = os.path.join(ROOT, "limits", "huge_weight.h5")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        group = f["model_weights/head/head"]
        del group["kernel:0"]
        # Contiguous storage with late allocation: nothing is written until data is.
        group.create_dataset("kernel:0", shape=(65536, 32768), dtype="float32")
    # Deleting a dataset leaves its space behind; h5repack is not needed for a test file of this size.
    print(target, os.path.getsize(target), "bytes")


if __name__ == "__main__":
    main()
