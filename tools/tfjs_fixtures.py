"""What the scripts that re-save TF.js fixtures in Keras's formats share: reading a TF.js fixture
(fixtures/tfjs/<name>: model.json and one weight shard) and copying its data sets."""
import json
import os
import shutil

import numpy as np

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converter", "src", "test", "resources", "fixtures")


def read(source):
    """A TF.js fixture's model topology and its weights [(name, float32 array)] in manifest order."""
    model = json.load(open(os.path.join(source, "model.json")))
    data = open(os.path.join(source, model["weightsManifest"][0]["paths"][0]), "rb").read()
    weights, at = [], 0
    for spec in model["weightsManifest"][0]["weights"]:
        n = int(np.prod(spec["shape"])) if spec["shape"] else 1
        weights.append((spec["name"], np.frombuffer(data, "<f4", n, at).reshape(spec["shape"])))
        at += 4 * n
    return model["modelTopology"], weights


def own(weights, layer):
    """The weights of one layer (TF.js names them <layer>/...), in saved order."""
    return [v for w, v in weights if w.split("/")[0] == layer]


def copy_data(source, target):
    """Copies the data_* folders (inputs and TF.js's expected outputs); returns their names."""
    names = sorted(d for d in os.listdir(source) if d.startswith("data_"))
    for d in names:
        shutil.copytree(os.path.join(source, d), os.path.join(target, d))
    return names


def write_reference(source, target, how):
    """reference.txt: the TF.js fixture's model line, then how this copy was made."""
    with open(os.path.join(target, "reference.txt"), "w") as f:
        f.write(open(os.path.join(source, "reference.txt")).read().split("\n")[0] + "\n")
        f.write(how + "\n")
