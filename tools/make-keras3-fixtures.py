#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/keras3: TF.js fixtures (fixtures/tfjs, built and run by
@tensorflow/tfjs) saved again as Keras 3 .keras files, with the same weights and TF.js's outputs as
the reference.

The layout is Keras 3's own (keras-team/keras, keras/src/saving/saving_lib.py: a zip of
metadata.json, config.json and model.weights.h5; layer.py save_own_variables): config.json holds
{module, class_name, config, registered_name} for the model and each layer, a Sequential's layers
starting with an InputLayer (batch_shape); model.weights.h5 holds each variable as the dataset
layers/<stored name>/<attribute path>/vars/<i> (an RNN's cell/vars/0..2 = kernel, recurrent_kernel,
bias; a Bidirectional's forward_layer/cell/... and backward_layer/cell/...; a TimeDistributed's
layer/vars/...). The stored name is not the layer's name: saving_lib._save_container_state names
each layer of model.layers by its class in snake case (naming.to_snake_case: LSTM -> lstm,
SimpleRNN -> simple_rnn), with _1, _2, ... for the second, third layer of one class. Every case
here has layer names unlike those ("rnn", "head"), and simplernn_stack_dense two layers of one
class, as the field models ../shared/field-models/keras3-* do (lstm_15 stored as layers/lstm).

Only cases whose numbers mean the same in Keras 3 are written: their recurrent activations are
sigmoid (Keras 3's hard_sigmoid is x/6 + 0.5, TF.js's 0.2x + 0.5). One case differs on purpose:
Keras 3's Bidirectional forces zero_output_for_mask = return_sequences on both directions
(keras/src/layers/rnn/bidirectional.py, force_zero_output_for_mask), so where TF.js's rnn() outputs
the carried output at a masked step, Keras 3 outputs 0. For masking_bidirectional_lstm_sequences,
whose output is the Bidirectional layer itself, the expected output is TF.js's with every masked
step's row set to 0 (the mask: the input's steps whose features are all 0); the unmasked steps are
unchanged, as the state is carried the same way.

Run with Debian's python3-h5py and python3-numpy, after tools/tfjs/make-tfjs-fixtures.js:
/usr/bin/python3 tools/make-keras3-fixtures.py
"""
import io
import json
import os
import re
import shutil
import zipfile

import h5py
import numpy as np

from tfjs_fixtures import FIXTURES, copy_data, own, read, write_reference
CASES = ["lstm_sequences_dense_softmax", "bidirectional_lstm_time_distributed", "embedding_gru_sequences_softmax",
         "simplernn_go_backwards_sequences", "bidirectional_gru_merge_sum", "masking_lstm_sequences",
         "masking_bidirectional_lstm_sequences", "simplernn_stack_dense"]
ZERO_MASKED = {"masking_bidirectional_lstm_sequences"}
RECURRENT = ("LSTM", "GRU", "SimpleRNN")


def serialized(kind, config):
    return {"module": "keras.layers", "class_name": kind, "config": config, "registered_name": None}


def keras3_layer(layer):
    kind, c = layer["class_name"], dict(layer["config"])
    c.pop("batch_input_shape", None)
    c["dtype"] = "float32"
    if kind in RECURRENT:
        c["zero_output_for_mask"] = False
    if kind == "Bidirectional":
        inner = dict(c["layer"]["config"])
        # What Keras 3 saves: the forward layer after force_zero_output_for_mask.
        inner["zero_output_for_mask"] = inner["return_sequences"]
        c["layer"] = serialized(c["layer"]["class_name"], inner)
        backward = dict(inner, go_backwards=not inner["go_backwards"], name="backward_" + inner["name"])
        c["backward_layer"] = serialized(c["layer"]["class_name"], backward)
    if kind == "TimeDistributed":
        c["layer"] = serialized(c["layer"]["class_name"], dict(c["layer"]["config"]))
    return serialized(kind, c)


def snake_case(name):
    """keras/src/utils/naming.py to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def stored_names(layers):
    """Each layer's group under layers/, as saving_lib names the layers of model.layers."""
    used, names = {}, []
    for layer in layers:
        name = snake_case(layer["class_name"])
        if name in used:
            used[name] += 1
            name = "%s_%d" % (name, used[name])
        else:
            used[name] = 0
        names.append(name)
    return names


def variable_paths(layer, name, count):
    """The h5 dataset paths of a layer's saved variables, in the order TF.js lists them."""
    kind = layer["class_name"]
    if kind in RECURRENT:
        return ["layers/%s/cell/vars/%d" % (name, i) for i in range(count)]
    if kind == "Bidirectional":
        half = count // 2
        return (["layers/%s/forward_layer/cell/vars/%d" % (name, i) for i in range(half)]
                + ["layers/%s/backward_layer/cell/vars/%d" % (name, i) for i in range(half)])
    if kind == "TimeDistributed":
        return ["layers/%s/layer/vars/%d" % (name, i) for i in range(count)]
    return ["layers/%s/vars/%d" % (name, i) for i in range(count)]


def write_keras(target, config, h5):
    """model.keras: the zip Keras 3 writes, with fixed entry times, so the same inputs write the same bytes."""
    with zipfile.ZipFile(os.path.join(target, "model.keras"), "w") as z:
        for entry, content in [("metadata.json", json.dumps({"keras_version": "3.8.0", "date_saved": "2026-11-26@00:00:00"})),
                               ("config.json", json.dumps(config)), ("model.weights.h5", h5.getvalue())]:
            z.writestr(zipfile.ZipInfo(entry, date_time=(2026, 11, 26, 0, 0, 0)), content)


def nested_source(root, case):
    """The TF.js fixture lstm_sequences_dense_softmax (an LSTM, then a Dense) that the nested cases
    save again, and an empty folder for the case: (source, target, weights, rnn, head)."""
    source = os.path.join(FIXTURES, "tfjs", "lstm_sequences_dense_softmax")
    target = os.path.join(root, case)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    topology, weights = read(source)
    rnn, head = topology["config"]["layers"]
    return source, target, weights, rnn, head


def nested_weights(weights, rnn, head):
    """model.weights.h5 of an LSTM inside a nested Sequential, then a Dense: the inner layer's
    variables under layers/sequential/layers/lstm/ (saving_lib walks the inner model's layers the
    same way), the Dense's under layers/dense/."""
    h5 = io.BytesIO()
    with h5py.File(h5, "w") as f:
        for layer, group in [(rnn, "layers/sequential/layers/lstm"), (head, "layers/dense")]:
            values = own(weights, layer["config"]["name"])
            kind = layer["class_name"]
            paths = (["%s/cell/vars/%d" % (group, i) for i in range(len(values))] if kind in RECURRENT
                     else ["%s/vars/%d" % (group, i) for i in range(len(values))])
            for path, value in zip(paths, values):
                f.create_dataset(path, data=value)
        f.create_group("vars")
    return h5


def nested_case(root):
    """lstm_sequences_dense_softmax with its LSTM inside a nested Sequential named "encoder": Keras
    stores the inner layer's weights under layers/sequential/layers/lstm/... (saving_lib walks the
    inner model's layers the same way)."""
    source, target, weights, rnn, head = nested_source(root, "nested_sequential_lstm")
    first = rnn["config"]
    input_name = first["name"] + "_input"
    encoder = {"module": "keras", "class_name": "Sequential", "registered_name": None,
               "config": {"name": "encoder", "trainable": True, "dtype": "float32",
                          "layers": [serialized("InputLayer", {"batch_shape": first["batch_input_shape"], "dtype": "float32",
                                                               "sparse": False, "name": "encoder_input"}), keras3_layer(rnn)]}}
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                         "layers": [serialized("InputLayer", {"batch_shape": first["batch_input_shape"], "dtype": "float32",
                                                              "sparse": False, "name": input_name}),
                                    encoder, keras3_layer(head)]}}
    h5 = nested_weights(weights, rnn, head)
    write_keras(target, config, h5)
    copy_data(source, target)
    write_reference(source, target, "The TF.js fixture of the same name saved as a Keras 3 .keras file with its LSTM "
                    "inside a nested Sequential, by tools/make-keras3-fixtures.py (python3-h5py); expected outputs are TF.js's.")
    print("wrote", target)


def nested_functional_case(root):
    """The same network as a Keras 3 Functional whose LSTM is inside a nested Sequential named
    "encoder", called on the model's input: Keras lists the Functional's layers with their inbound
    nodes (keras_history), and stores the inner layer's weights under layers/sequential/layers/lstm/
    as in nested_case."""
    source, target, weights, rnn, head = nested_source(root, "nested_sequential_in_functional")
    first = rnn["config"]
    input_name = first["name"] + "_input"

    def called_on(layer_name):
        return [{"args": [{"class_name": "__keras_tensor__",
                           "config": {"shape": first["batch_input_shape"], "dtype": "float32", "keras_history": [layer_name, 0, 0]}}],
                 "kwargs": {}}]

    encoder = {"module": "keras", "class_name": "Sequential", "registered_name": None, "name": "encoder",
               "config": {"name": "encoder", "trainable": True, "dtype": "float32",
                          "layers": [serialized("InputLayer", {"batch_shape": first["batch_input_shape"], "dtype": "float32",
                                                               "sparse": False, "name": "encoder_input"}), keras3_layer(rnn)]},
               "inbound_nodes": called_on(input_name)}
    inputs = dict(serialized("InputLayer", {"batch_shape": first["batch_input_shape"], "dtype": "float32", "sparse": False,
                                            "name": input_name}), name=input_name, inbound_nodes=[])
    output = dict(keras3_layer(head), name=head["config"]["name"], inbound_nodes=called_on("encoder"))
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
              "config": {"name": "functional", "trainable": True, "layers": [inputs, encoder, output],
                         "input_layers": [[input_name, 0, 0]], "output_layers": [[head["config"]["name"], 0, 0]]}}
    h5 = nested_weights(weights, rnn, head)
    write_keras(target, config, h5)
    copy_data(source, target)
    write_reference(source, target, "The TF.js fixture of the same name saved as a Keras 3 .keras Functional whose LSTM "
                    "is inside a nested Sequential, by tools/make-keras3-fixtures.py (python3-h5py); expected outputs are TF.js's.")
    print("wrote", target)


def main():
    root = os.path.join(FIXTURES, "keras3")
    for name in CASES:
        source = os.path.join(FIXTURES, "tfjs", name)
        target = os.path.join(root, name)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        topology, weights = read(source)
        assert topology["class_name"] == "Sequential"
        layers = topology["config"]["layers"]
        first = layers[0]["config"]
        # TF.js names a Sequential's input <first layer>_input; the InputLayer keeps that name.
        input_name = first["name"] + "_input"
        config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                  "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                             "layers": [serialized("InputLayer", {"batch_shape": first["batch_input_shape"], "dtype": first.get("dtype", "float32"),
                                                                  "sparse": False, "name": input_name})]
                             + [keras3_layer(l) for l in layers]}}
        h5 = io.BytesIO()
        with h5py.File(h5, "w") as f:
            # model.layers of a Keras 3 Sequential leaves its InputLayer out (it would not change the counts).
            for layer, stored in zip(layers, stored_names(layers)):
                values = own(weights, layer["config"]["name"])
                f.create_group("layers/" + stored + "/vars")
                for path, value in zip(variable_paths(layer, stored, len(values)), values):
                    f.create_dataset(path, data=value)
            f.create_group("vars")
        write_keras(target, config, h5)
        for d in copy_data(source, target):
            if name in ZERO_MASKED:
                x = np.load(os.path.join(target, d, input_name + ".npy"))
                out = os.path.join(target, d, "expected_" + layers[-1]["config"]["name"] + ".npy")
                y = np.load(out)
                y[np.all(x == 0, axis=-1)] = 0
                np.save(out, y)
        write_reference(source, target, "The TF.js fixture of the same name saved as a Keras 3 .keras file by "
                        "tools/make-keras3-fixtures.py (python3-h5py); expected outputs are TF.js's"
                        + (", with the masked steps' rows set to 0 (Keras 3's Bidirectional zero_output_for_mask; see the script)"
                           if name in ZERO_MASKED else "") + ".")
        print("wrote", target)
    nested_case(root)
    nested_functional_case(root)


if __name__ == "__main__":
    main()
