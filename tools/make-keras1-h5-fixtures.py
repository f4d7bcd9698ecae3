#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/keras-h5/*_keras1: TF.js fixtures (fixtures/tfjs,
built and run by @tensorflow/tfjs) saved again as Keras 1 HDF5 files, with the same weights and
TF.js's outputs as the reference.

Keras 1 differs from Keras 2 in two ways that matter here, both undone by Keras 2's own loader
(keras-team/keras, tag 2.2.4, keras/engine/saving.py, preprocess_weights_for_loading with
original_keras_version == '1'):
  - weights: LSTM and GRU kept W, U and b per gate (LSTM gates i, c, f, o: 12 arrays; GRU z, r, h:
    9 arrays) where Keras 2 concatenates them (LSTM i, f, c, o); the loader concatenates
    [W_i, W_f, W_c, W_o] from weights [0, 6, 3, 9] and so on;
  - config: units was output_dim, recurrent_activation inner_activation, Dense's use_bias bias.
The model_weights group has no keras_version attribute, which that loader reads as Keras 1
(engine/saving.py, load_weights_from_hdf5_group); the root has keras_version 1.2.2.
TF.js's hard_sigmoid is 0.2x + 0.5, as is Keras 1's, and its GRU is Keras 1's (reset_after False).

Run with Debian's python3-h5py and python3-numpy, after tools/tfjs/make-tfjs-fixtures.js:
/usr/bin/python3 tools/make-keras1-h5-fixtures.py
"""
import json
import os
import shutil

import h5py
import numpy as np

from tfjs_fixtures import FIXTURES, copy_data, own, read, write_reference
CASES = ["gru_hard_sigmoid_last_dense", "lstm_sequences_dense_softmax", "embedding_mask_zero_gru_last",
         "bidirectional_lstm_time_distributed"]
# Keras 2 gate blocks (kernel columns) in Keras 1's per-gate order: LSTM i, c, f, o from i, f, c, o.
KERAS1_GATES = {"LSTM": (["i", "c", "f", "o"], [0, 2, 1, 3]), "GRU": (["z", "r", "h"], [0, 1, 2])}


def keras1_config(layer):
    """A Keras 2 style layer config (TF.js's) with Keras 1's keys (keras 1.2 get_config of each layer)."""
    kind, c = layer["class_name"], layer["config"]
    out = {"name": c["name"], "trainable": True}
    if "batch_input_shape" in c:
        out["batch_input_shape"] = c["batch_input_shape"]
        out["input_dtype"] = c.get("dtype", "float32")
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        out.update({"output_dim": c["units"], "init": "glorot_uniform", "inner_init": "orthogonal", "activation": c["activation"],
                    "W_regularizer": None, "U_regularizer": None, "b_regularizer": None, "dropout_W": 0.0, "dropout_U": 0.0,
                    "return_sequences": c["return_sequences"], "go_backwards": c["go_backwards"], "stateful": c["stateful"],
                    "unroll": False, "consume_less": "cpu"})
        if kind != "SimpleRNN":
            out["inner_activation"] = c["recurrent_activation"]
        if kind == "LSTM":
            out["forget_bias_init"] = "one"
    elif kind == "Dense":
        out.update({"output_dim": c["units"], "init": "glorot_uniform", "activation": c["activation"], "W_regularizer": None,
                    "b_regularizer": None, "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
                    "bias": c["use_bias"]})
    elif kind == "Embedding":
        out.update({"input_dim": c["input_dim"], "output_dim": c["output_dim"], "init": "uniform", "input_length": None,
                    "mask_zero": c.get("mask_zero", False), "dropout": 0.0, "W_regularizer": None, "activity_regularizer": None,
                    "W_constraint": None})
    elif kind in ("Bidirectional", "TimeDistributed"):
        out["layer"] = {"class_name": c["layer"]["class_name"], "config": keras1_config(c["layer"])}
        if kind == "Bidirectional":
            out["merge_mode"] = c["merge_mode"]
    elif kind == "Dropout":
        out["p"] = c["rate"]
    else:
        raise ValueError("no Keras 1 form written for " + kind)
    return out


def keras1_weights(kind, arrays, prefix):
    """Keras 2 [kernel, recurrent_kernel, bias] per direction as Keras 1's per-gate triples, with names."""
    if kind not in KERAS1_GATES:
        return [(prefix + "_" + str(i), a) for i, a in enumerate(arrays)]
    names, blocks = KERAS1_GATES[kind]
    out = []
    for d in range(0, len(arrays), 3):
        kernel, recurrent, bias = arrays[d:d + 3]
        units = recurrent.shape[0]
        side = "" if len(arrays) == 3 else ("_forward" if d == 0 else "_backward")
        for gate, block in zip(names, blocks):
            cols = slice(block * units, (block + 1) * units)
            out.append((prefix + side + "_W_" + gate, kernel[:, cols]))
            out.append((prefix + side + "_U_" + gate, recurrent[:, cols]))
            out.append((prefix + side + "_b_" + gate, bias[cols]))
    return out


def main():
    for name in CASES:
        source = os.path.join(FIXTURES, "tfjs", name)
        target = os.path.join(FIXTURES, "keras-h5", name + "_keras1")
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        topology, weights = read(source)
        assert topology["class_name"] == "Sequential"
        layers = topology["config"]["layers"]
        config = [{"class_name": l["class_name"], "config": keras1_config(l)} for l in layers]
        with h5py.File(os.path.join(target, "model.h5"), "w") as f:
            f.attrs["keras_version"] = b"1.2.2"
            f.attrs["backend"] = b"tensorflow"
            # Keras 1's Sequential config is the list of layers itself.
            f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": config}).encode("utf8")
            g = f.create_group("model_weights")
            names = [l["config"]["name"] for l in layers]
            g.attrs["layer_names"] = [n.encode("utf8") for n in names]
            for layer in layers:
                lname = layer["config"]["name"]
                kind = layer["class_name"]
                if kind == "Bidirectional":
                    kind = layer["config"]["layer"]["class_name"]
                lg = g.create_group(lname)
                saved = keras1_weights(kind, own(weights, lname), lname)
                lg.attrs["weight_names"] = [w.encode("utf8") for w, _ in saved]
                for w, v in saved:
                    lg.create_dataset(w, data=np.ascontiguousarray(v))
        copy_data(source, target)
        write_reference(source, target, "The TF.js fixture of the same name saved as a Keras 1 HDF5 file (per-gate LSTM/GRU "
                        "weights, Keras 1 config names) by tools/make-keras1-h5-fixtures.py (python3-h5py); expected outputs are TF.js's.")
        print("wrote", target)


if __name__ == "__main__":
    main()
