#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/keras-weights-only: models handed over as two files,
an architecture from model.to_json() (model.json) and weights from model.save_weights() (weights.h5),
made from fixtures whose numbers are already known, so the expected outputs are theirs.

- From fixtures/keras-h5 (Keras 2 whole-model files): model.json is the file's model_config with the
  keras_version and backend that to_json adds; weights.h5 is its model_weights group at the root, with
  the root attributes layer_names, keras_version and backend, as Keras 2's save_weights writes them
  (keras-team/keras 2.2.4 engine/saving.py save_weights_to_hdf5_group).
- From fixtures/keras3 (.keras zips): model.json is config.json (Keras 3's to_json is the same
  serialized config, without keras_version); weights.h5 is model.weights.h5, as Keras 3's
  save_weights writes a .weights.h5. The *_windows case writes every group path below the root as one
  group name with backslashes ('layers\\simple_rnn\\cell', then vars/0), as the tf.keras 2.15 file
  in ../shared/field-models/weights-only-emotion-gru has them.

Run with Debian's python3-h5py, after the fixtures it copies:
/usr/bin/python3 tools/make-keras-weights-only-fixtures.py
"""
import io
import json
import os
import shutil
import zipfile

import h5py

from tfjs_fixtures import FIXTURES, copy_data

KERAS2 = ["lstm_sequences_dense_softmax", "bidirectional_lstm_time_distributed"]
KERAS3 = ["simplernn_stack_dense", "bidirectional_gru_merge_sum"]
WINDOWS = {"bidirectional_gru_merge_sum"}


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def keras2(name, target):
    with h5py.File(os.path.join(FIXTURES, "keras-h5", name, "model.h5"), "r") as src:
        config = json.loads(text(src.attrs["model_config"]))
        version = text(src.attrs.get("keras_version", "2.2.4"))
        config.update({"keras_version": version, "backend": "tensorflow"})
        with open(os.path.join(target, "model.json"), "w") as f:
            json.dump(config, f)
        with h5py.File(os.path.join(target, "weights.h5"), "w") as out:
            weights = src["model_weights"]
            out.attrs["layer_names"] = weights.attrs["layer_names"]
            out.attrs["keras_version"] = version.encode("utf-8")
            out.attrs["backend"] = b"tensorflow"
            for layer in weights:
                weights.copy(layer, out)


def keras3(name, target):
    with zipfile.ZipFile(os.path.join(FIXTURES, "keras3", name, "model.keras")) as z:
        with open(os.path.join(target, "model.json"), "wb") as f:
            f.write(z.read("config.json"))
        weights = z.read("model.weights.h5")
    if name not in WINDOWS:
        with open(os.path.join(target, "weights.h5"), "wb") as f:
            f.write(weights)
        return
    with h5py.File(io.BytesIO(weights), "r") as src, h5py.File(os.path.join(target, "weights.h5"), "w") as out:
        def rewrite(path, node):
            if isinstance(node, h5py.Dataset):
                group, leaf = path.rsplit("/vars/", 1)
                out.require_group(group.replace("/", "\\")).create_dataset("vars/" + leaf, data=node[()])
        src.visititems(rewrite)


def main():
    root = os.path.join(FIXTURES, "keras-weights-only")
    shutil.rmtree(root, ignore_errors=True)
    for name, kind in [(n, "keras-h5") for n in KERAS2] + [(n, "keras3") for n in KERAS3]:
        case = name + ("_windows" if name in WINDOWS else "") + ("_keras2" if kind == "keras-h5" else "_keras3")
        source = os.path.join(FIXTURES, kind, name)
        target = os.path.join(root, case)
        os.makedirs(target)
        (keras2 if kind == "keras-h5" else keras3)(name, target)
        copy_data(source, target)
        with open(os.path.join(target, "reference.txt"), "w") as f:
            f.write(open(os.path.join(source, "reference.txt")).read().split("\n")[0] + "\n")
            f.write("fixtures/%s/%s split into model.json (to_json) and weights.h5 (save_weights) by "
                    "tools/make-keras-weights-only-fixtures.py; expected outputs are that fixture's.\n" % (kind, name))
        print("wrote", target)


if __name__ == "__main__":
    main()
