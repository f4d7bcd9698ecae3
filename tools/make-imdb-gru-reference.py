#!/usr/bin/python3
"""Makes the reference output of ../shared/real-models/imdb-gru-keras3 (Keras 3.13.2: Embedding,
GRU(32, reset_after=True), Dense(16, relu), Dense(1, sigmoid)), which TF.js cannot run, with
PyTorch (Debian python3-torch 1.13), a framework we did not write.

Why PyTorch's GRU is this GRU: Keras 3 (keras/src/layers/rnn/gru.py, reset_after=True) computes
  z = sigmoid(x Wz + bz_in + h Uz + bz_rec), r = sigmoid(x Wr + br_in + h Ur + br_rec),
  hh = tanh(x Wh + bh_in + r * (h Uh + bh_rec)),  h' = z * h + (1 - z) * hh
and torch.nn.GRU computes
  r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h
the same function. The mapping: Keras stores kernel [in, 3U] and recurrent_kernel [U, 3U] with
column blocks z, r, h, and bias [2, 3U] (row 0 input bias, row 1 recurrent bias); PyTorch wants
weight_ih [3U, in] and weight_hh [3U, U] with row blocks r, z, n, and bias_ih, bias_hh [3U]. So
each is transposed and its blocks reordered (z, r, h) -> (r, z, n); bias row 0 -> bias_ih,
row 1 -> bias_hh. recurrent_activation is sigmoid in this file (checked below).

Input: the one imdb-simplernn-keras3's reference uses (its REFERENCE.md): row 0 = the IMDB word
ids [1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65, 458, 4468, 66, 3941, 4, 173, 36, 256, 5, 25]
pre-padded with 0 to 500, row 1 = np.random.default_rng(2).integers(1, 10000, size=500); as float32.

/usr/bin/python3 tools/make-imdb-gru-reference.py ../shared/real-models/imdb-gru-keras3/gru_model.h5
"""
import json
import os
import sys

import h5py
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "real-model-references", "imdb-gru-keras3")


def main(path):
    f = h5py.File(path, "r")
    layers = {l["config"]["name"]: l["config"] for l in json.loads(f.attrs["model_config"])["config"]["layers"]}
    gru_config = layers["gru"]
    assert gru_config["reset_after"] and gru_config["recurrent_activation"] == "sigmoid" and gru_config["activation"] == "tanh"
    g = f["model_weights"]

    def weights(layer):
        return [np.array(g[layer][w]) for w in g[layer].attrs["weight_names"]]

    (table,) = weights("embedding_2")
    kernel, recurrent, bias = weights("gru")
    w1, b1 = weights("dense_4")
    w2, b2 = weights("dense_5")
    units = recurrent.shape[0]

    def rzn(m):  # Keras column blocks (z, r, h) -> PyTorch row blocks (r, z, n)
        z, r, h = (m[..., k * units:(k + 1) * units] for k in range(3))
        return np.concatenate([r, z, h], axis=-1)

    gru = torch.nn.GRU(kernel.shape[0], units, batch_first=True)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(rzn(kernel).T.copy()))
        gru.weight_hh_l0.copy_(torch.from_numpy(rzn(recurrent).T.copy()))
        gru.bias_ih_l0.copy_(torch.from_numpy(rzn(bias[0])))
        gru.bias_hh_l0.copy_(torch.from_numpy(rzn(bias[1])))

    row0 = [1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65, 458, 4468, 66, 3941, 4, 173, 36, 256, 5, 25]
    x = np.zeros((2, 500), dtype=np.float32)
    x[0, 500 - len(row0):] = row0
    x[1] = np.random.default_rng(2).integers(1, 10000, size=500)
    with torch.no_grad():
        e = torch.from_numpy(table)[torch.from_numpy(x.astype(np.int64))]
        _, h = gru(e)
        y = torch.relu(h[0] @ torch.from_numpy(w1) + torch.from_numpy(b1))
        y = torch.sigmoid(y @ torch.from_numpy(w2) + torch.from_numpy(b2))
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "reference_input.npy"), x)
    np.save(os.path.join(OUT, "reference_output.npy"), y.numpy().astype(np.float32))
    print(y.numpy())


if __name__ == "__main__":
    main(sys.argv[1])
