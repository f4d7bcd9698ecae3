#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/pytorch-onnx: PyTorch modules exported with
torch.onnx.export (opsets 9 to 17, with the glue the exporter emits around recurrent layers),
and PyTorch's own outputs on two data sets of different sequence length and batch size.

Run with Debian's python3-torch (1.13) and python3-onnx: /usr/bin/python3 tools/make-pytorch-onnx-fixtures.py
Every number in the fixtures comes from PyTorch; nothing is written by hand.
"""
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "converter", "src", "test", "resources", "fixtures", "pytorch-onnx")
# (sequence length, batch) of the two data sets: the model is exported once and must run both.
DATA_SETS = [(7, 3), (4, 1)]


class Recurrent(nn.Module):
    """A bare nn.LSTM/GRU/RNN: outputs y, h_n (and c_n), states given or left to default."""

    def __init__(self, rnn, with_states):
        super().__init__()
        self.rnn = rnn
        self.with_states = with_states

    def forward(self, x, *states):
        if not self.with_states:
            y, h = self.rnn(x)
        elif isinstance(self.rnn, nn.LSTM):
            y, h = self.rnn(x, (states[0], states[1]))
        else:
            y, h = self.rnn(x, states[0])
        return (y,) + (tuple(h) if isinstance(h, tuple) else (h,))


class LanguageModel(nn.Module):
    """Embedding, a 2-layer LSTM, a linear head and log-softmax: a character model's shape."""

    def __init__(self, vocabulary, size, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, size)
        self.lstm = nn.LSTM(size, hidden, num_layers=2)
        self.head = nn.Linear(hidden, vocabulary)

    def forward(self, tokens):
        y, _ = self.lstm(self.embed(tokens))
        return F.log_softmax(self.head(y), dim=-1)


class Classifier(nn.Module):
    """batch_first bidirectional GRU, then two linear layers with activations between, and softmax."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(5, 12, batch_first=True, bidirectional=True)
        self.hidden = nn.Linear(24, 10)
        self.out = nn.Linear(10, 4)

    def forward(self, x):
        y, _ = self.gru(x)
        # One of each elementwise activation the importer maps; an odd chain, for coverage.
        z = torch.sigmoid(F.elu(torch.tanh(self.hidden(y))))
        return torch.softmax(self.out(F.leaky_relu(z, 0.1)), dim=-1)


def recurrent_case(name, rnn, opset, with_states):
    kind = type(rnn).__name__
    batch_first = rnn.batch_first
    layers = rnn.num_layers * (2 if rnn.bidirectional else 1)
    module = Recurrent(rnn, with_states)
    inputs = ["x"]
    if with_states:
        inputs += ["h0", "c0"] if kind == "LSTM" else ["h0"]
    outputs = ["y", "h_n", "c_n"] if kind == "LSTM" else ["y", "h_n"]
    seq_axes = {0: "batch", 1: "seq"} if batch_first else {0: "seq", 1: "batch"}
    dynamic = {"x": seq_axes, "y": seq_axes}
    for s in inputs[1:] + outputs[1:]:
        dynamic[s] = {1: "batch"}

    def make(seq, batch, rng):
        x = rng.standard_normal((batch, seq, rnn.input_size) if batch_first else (seq, batch, rnn.input_size))
        feeds = {"x": x.astype(np.float32)}
        h_size = rnn.proj_size if getattr(rnn, "proj_size", 0) else rnn.hidden_size
        if with_states:
            feeds["h0"] = (0.5 * rng.standard_normal((layers, batch, h_size))).astype(np.float32)
            if kind == "LSTM":
                feeds["c0"] = (0.5 * rng.standard_normal((layers, batch, rnn.hidden_size))).astype(np.float32)
        return feeds

    write_case(name, module, opset, inputs, outputs, dynamic, make,
               f"{kind}({rnn.input_size}, {rnn.hidden_size}, num_layers={rnn.num_layers}, "
               f"bidirectional={rnn.bidirectional}, batch_first={batch_first}"
               + (f", nonlinearity={rnn.nonlinearity}" if kind == "RNN" else "")
               + f"), initial states {'given as inputs' if with_states else 'left to default (zeros)'}")


def write_case(name, module, opset, inputs, outputs, dynamic, make, description):
    module.eval()
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rng = np.random.default_rng(sum(map(ord, name)))
    sets = [make(seq, batch, rng) for seq, batch in DATA_SETS]
    example = tuple(torch.from_numpy(sets[0][n]) for n in inputs)
    torch.onnx.export(module, example, os.path.join(folder, "model.onnx"), opset_version=opset,
                      input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      do_constant_folding=True)
    for i, feeds in enumerate(sets):
        data = os.path.join(folder, f"data_{i}")
        os.makedirs(data)
        with torch.no_grad():
            got = module(*(torch.from_numpy(feeds[n]) for n in inputs))
        if isinstance(got, torch.Tensor):
            got = (got,)
        for n in inputs:
            np.save(os.path.join(data, n + ".npy"), feeds[n])
        for n, t in zip(outputs, got):
            np.save(os.path.join(data, "expected_" + n + ".npy"), t.numpy().astype(np.float32))
    with open(os.path.join(folder, "reference.txt"), "w") as f:
        f.write(f"Module: {description}.\n")
        f.write(f"Exported by torch.onnx.export, opset {opset}, dynamic axes {dynamic}.\n")
        f.write(f"Expected outputs: PyTorch {torch.__version__} (Debian python3-torch) in eval mode, "
                f"data sets (seq, batch) = {DATA_SETS}.\n")
        f.write("Generated by tools/make-pytorch-onnx-fixtures.py.\n")
    print("wrote", folder)


class RealTime(nn.Module):
    """A 2-layer LSTM for a real-time loop: one frame in, its states in and out stacked as
    torch.stack([h, c]), [2, layers, batch, hidden]."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)

    def forward(self, frame, state):
        y, (h, c) = self.lstm(frame, (state[0], state[1]))
        return y, torch.stack([h, c])


def realtime_case(name, opset, frames=5, batch=2):
    """Consecutive frames: data_0 starts from zero states, each next data set feeds back the states
    PyTorch returned for the one before, so the fixture is PyTorch run frame by frame."""
    module = RealTime().eval()
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rng = np.random.default_rng(sum(map(ord, name)))
    state = np.zeros((2, 2, batch, 4), np.float32)
    dynamic = {"frame": {0: "batch"}, "state": {2: "batch"}, "y": {0: "batch"}, "new_state": {2: "batch"}}
    example = (torch.zeros(batch, 1, 3), torch.from_numpy(state))
    torch.onnx.export(module, example, os.path.join(folder, "model.onnx"), opset_version=opset,
                      input_names=["frame", "state"], output_names=["y", "new_state"], dynamic_axes=dynamic,
                      do_constant_folding=True)
    for k in range(frames):
        data = os.path.join(folder, f"data_{k}")
        os.makedirs(data)
        frame = rng.standard_normal((batch, 1, 3)).astype(np.float32)
        with torch.no_grad():
            y, new_state = module(torch.from_numpy(frame), torch.from_numpy(state))
        np.save(os.path.join(data, "frame.npy"), frame)
        np.save(os.path.join(data, "state.npy"), state)
        np.save(os.path.join(data, "expected_y.npy"), y.numpy().astype(np.float32))
        np.save(os.path.join(data, "expected_new_state.npy"), new_state.numpy().astype(np.float32))
        state = new_state.numpy().astype(np.float32)
    with open(os.path.join(folder, "reference.txt"), "w") as f:
        f.write("Module: LSTM(3, 4, num_layers=2, batch_first=True) taking (frame, state) and returning "
                "(y, torch.stack([h_n, c_n])), state [2, layers, batch, hidden].\n")
        f.write(f"Exported by torch.onnx.export, opset {opset}, dynamic axes {dynamic}.\n")
        f.write(f"Expected outputs: PyTorch {torch.__version__} (Debian python3-torch) in eval mode, frame by frame: "
                "data_k feeds back the new_state PyTorch returned for data_(k-1) (zeros for data_0).\n")
        f.write("Generated by tools/make-pytorch-onnx-fixtures.py.\n")
    print("wrote", folder)


def main():
    torch.manual_seed(20261126)
    recurrent_case("lstm_default_states_opset9", nn.LSTM(5, 8), 9, False)
    recurrent_case("lstm_2layers_bidirectional_states_opset11",
                   nn.LSTM(6, 7, num_layers=2, bidirectional=True), 11, True)
    recurrent_case("lstm_batch_first_2layers_opset13", nn.LSTM(4, 6, num_layers=2, batch_first=True), 13, False)
    recurrent_case("gru_2layers_bidirectional_states_opset14",
                   nn.GRU(5, 6, num_layers=2, bidirectional=True), 14, True)
    recurrent_case("gru_batch_first_opset17", nn.GRU(3, 5, batch_first=True), 17, False)
    recurrent_case("rnn_relu_2layers_opset12", nn.RNN(4, 6, num_layers=2, nonlinearity="relu"), 12, False)
    recurrent_case("rnn_tanh_bidirectional_batch_first_states_opset10",
                   nn.RNN(4, 5, bidirectional=True, batch_first=True), 10, True)

    lm = LanguageModel(20, 8, 16)
    write_case("embedding_lstm_linear_logsoftmax_opset15", lm, 15, ["tokens"], ["log_probs"],
               {"tokens": {0: "seq", 1: "batch"}, "log_probs": {0: "seq", 1: "batch"}},
               lambda seq, batch, rng: {"tokens": rng.integers(0, 20, (seq, batch)).astype(np.int64)},
               "Embedding(20, 8), LSTM(8, 16, num_layers=2), Linear(16, 20), log_softmax over the last axis")
    write_case("gru_linear_activations_softmax_opset16", Classifier(), 16, ["x"], ["probs"],
               {"x": {0: "batch", 1: "seq"}, "probs": {0: "batch", 1: "seq"}},
               lambda seq, batch, rng: {"x": rng.standard_normal((batch, seq, 5)).astype(np.float32)},
               "GRU(5, 12, batch_first=True, bidirectional=True), Linear(24, 10), tanh, elu, sigmoid, "
               "leaky_relu(0.1), Linear(10, 4), softmax over the last axis")
    realtime_case("realtime_lstm_stacked_states_opset13", 13)


if __name__ == "__main__":
    sys.exit(main())
