#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/limits: small HDF5 files that ask for much, for
LimitsTest. Each starts from a Keras fixture and changes one thing with h5py:

- huge_weight.h5: the Dense kernel declared 65536 x 32768 float32 (2^31 elements, 8 GiB) with
  storage HDF5 never allocates, so the file stays a few kilobytes; refused by the element limit.
- unallocated_weight.h5: the Dense kernel declared 16384 x 16384 (2^28 elements, 1 GiB, within the
  limit), never written: no data to read, so it is refused rather than taken as fill values.
- weight_listed_twice.h5: the LSTM's weight_names list its kernel 64 times (a 1 MB dataset listed
  so would make 64 MB from 1 MB, and 65,536 names 64 GB).
- hard_link_cycle.keras: a Keras 3 file whose layers/rnn/cell/vars/loop is a hard link to
  layers/rnn: a group that contains itself.

Run with Debian's python3-h5py: /usr/bin/python3 tools/make-hostile-hdf5-fixtures.py
"""
import io
import os
import shutil
import zipfile

import h5py
import numpy

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converter", "src", "test", "resources", "fixtures")
H5_SOURCE = os.path.join(FIXTURES, "keras-h5", "lstm_sequences_dense_softmax", "model.h5")
KERAS_SOURCE = os.path.join(FIXTURES, "keras3", "lstm_sequences_dense_softmax", "model.keras")
OUT = os.path.join(FIXTURES, "limits")


def h5_copy(name, change):
    target = os.path.join(OUT, name)
    shutil.copyfile(H5_SOURCE, target)
    with h5py.File(target, "r+") as f:
        change(f)
    print(target, os.path.getsize(target), "bytes")


def replace_kernel(shape):
    def change(f):
        group = f["model_weights/head/head"]
        del group["kernel:0"]
        # Contiguous storage with late allocation: nothing is written until data is.
        group.create_dataset("kernel:0", shape=shape, dtype="float32")
    return change


def list_kernel_often(f):
    group = f["model_weights/rnn"]
    old = group.attrs["weight_names"]
    names = list(old)
    kernel = [n for n in names if str(n).endswith("/kernel:0'") or str(n).endswith("/kernel:0")][0]
    # Keras's dtype for the names (fixed-length bytes), so only the count changes.
    group.attrs["weight_names"] = numpy.array(names + [kernel] * 63, dtype=old.dtype)


def keras_with_cycle():
    target = os.path.join(OUT, "hard_link_cycle.keras")
    with zipfile.ZipFile(KERAS_SOURCE) as source:
        entries = {n: source.read(n) for n in source.namelist()}
    buffer = io.BytesIO(entries["model.weights.h5"])
    with h5py.File(buffer, "r+") as f:
        f["layers/rnn/cell/vars/loop"] = f["layers/rnn"]
    entries["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
    print(target, os.path.getsize(target), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    h5_copy("huge_weight.h5", replace_kernel((65536, 32768)))
    h5_copy("unallocated_weight.h5", replace_kernel((16384, 16384)))
    h5_copy("weight_listed_twice.h5", list_kernel_often)
    keras_with_cycle()


if __name__ == "__main__":
    main()
