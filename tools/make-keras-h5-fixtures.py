#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/keras-h5: each TF.js fixture (fixtures/tfjs, built
and run by @tensorflow/tfjs) saved again as a legacy Keras 2 HDF5 file, with the same weights and
TF.js's outputs as the reference. The layout is Keras's own (keras-team/keras, tag 2.2.4,
keras/engine/saving.py: save_model and save_weights_to_hdf5_group): root attributes
keras_version, backend and model_config (JSON of {class_name, config}); group model_weights with
attributes layer_names, backend, keras_version; one group per layer with attribute weight_names
("<layer>/<variable>:0"), each weight a dataset at that path inside the layer's group.
keras_version is written as 2.2.4, whose hard_sigmoid (0.2x + 0.5) is TF.js's.

Run with Debian's python3-h5py and python3-numpy, after tools/tfjs/make-tfjs-fixtures.js:
/usr/bin/python3 tools/make-keras-h5-fixtures.py
"""
import json
import os
import shutil

import h5py

from tfjs_fixtures import FIXTURES, copy_data, read, write_reference


def main():
    source_root = os.path.join(FIXTURES, "tfjs")
    target_root = os.path.join(FIXTURES, "keras-h5")
    for name in sorted(os.listdir(source_root)):
        source = os.path.join(source_root, name)
        target = os.path.join(target_root, name)
        # Only this fixture's folder: keras-h5 also holds fixtures other scripts write.
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        topology, weights = read(source)
        with h5py.File(os.path.join(target, "model.h5"), "w") as f:
            f.attrs["keras_version"] = b"2.2.4"
            f.attrs["backend"] = b"tensorflow"
            f.attrs["model_config"] = json.dumps({"class_name": topology["class_name"], "config": topology["config"]}).encode("utf8")
            g = f.create_group("model_weights")
            layers = [l["config"]["name"] for l in topology["config"]["layers"]]
            g.attrs["layer_names"] = [l.encode("utf8") for l in layers]
            g.attrs["backend"] = b"tensorflow"
            g.attrs["keras_version"] = b"2.2.4"
            for layer in layers:
                lg = g.create_group(layer)
                own = [(w, v) for w, v in weights if w.split("/")[0] == layer]
                lg.attrs["weight_names"] = [(w + ":0").encode("utf8") for w, _ in own]
                for w, v in own:
                    lg.create_dataset(w + ":0", data=v)
        copy_data(source, target)
        write_reference(source, target, "The TF.js fixture of the same name saved as a Keras 2.2.4 legacy HDF5 file by "
                        "tools/make-keras-h5-fixtures.py (python3-h5py); expected outputs are TF.js's.")
        print("wrote", target)


if __name__ == "__main__":
    main()
