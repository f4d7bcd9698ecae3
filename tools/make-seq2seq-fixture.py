#!/usr/bin/python3
"""Writes converter/src/test/resources/fixtures/seq2seq: a small encoder-decoder ("translation")
trained by PyTorch to reverse a sequence of digits, saved as two state_dicts with their
architecture descriptions for `sequin convert --arch`, and PyTorch's greedy decoding of test
sequences (tokens and the decoder's probabilities at every step) as the reference.

The encoder (Embedding, LSTM) reads the source; its final h and c are the decoder's initial
state; the decoder (Embedding, LSTM, Linear, Softmax) starts from BOS and feeds back its likeliest
token until EOS. Seq2SeqExampleTest does the same with Sequin sessions.

Run with Debian's python3-torch (1.13), in about a minute on 2 cores:
/usr/bin/python3 tools/make-seq2seq-fixture.py
"""
import json
import os
import shutil

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converter", "src", "test", "resources", "fixtures", "seq2seq")
DIGITS, BOS, EOS = 10, 10, 11
VOCABULARY, EMBED, HIDDEN = 12, 16, 64


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, EMBED)
        self.rnn = nn.LSTM(EMBED, HIDDEN, batch_first=True)

    def forward(self, x):
        return self.rnn(self.embed(x))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, EMBED)
        self.rnn = nn.LSTM(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, VOCABULARY)

    def forward(self, x, state):
        y, state = self.rnn(self.embed(x), state)
        return self.head(y), state


def batch(rng, size, length):
    source = rng.integers(0, DIGITS, (size, length))
    target = source[:, ::-1]
    decoder_in = np.concatenate([np.full((size, 1), BOS), target], axis=1)
    decoder_out = np.concatenate([target, np.full((size, 1), EOS)], axis=1)
    return [torch.from_numpy(np.ascontiguousarray(a)).long() for a in (source, decoder_in, decoder_out)]


def main():
    torch.manual_seed(2026)
    torch.set_num_threads(2)
    rng = np.random.default_rng(2026)
    encoder, decoder = Encoder(), Decoder()
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=5e-3)
    loss_of = nn.CrossEntropyLoss()
    for step in range(1, 1501):
        source, decoder_in, decoder_out = batch(rng, 64, int(rng.integers(3, 9)))
        _, state = encoder(source)
        logits, _ = decoder(decoder_in, state)
        loss = loss_of(logits.reshape(-1, VOCABULARY), decoder_out.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 250 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    encoder.eval()
    decoder.eval()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    torch.save(encoder.state_dict(), os.path.join(OUT, "encoder.pt"))
    torch.save(decoder.state_dict(), os.path.join(OUT, "decoder.pt"))
    with open(os.path.join(OUT, "encoder.json"), "w") as f:
        json.dump({"batch_first": True, "layers": [{"type": "embedding", "module": "embed"}, {"type": "rnn", "module": "rnn"}]}, f)
    with open(os.path.join(OUT, "decoder.json"), "w") as f:
        json.dump({"batch_first": True, "layers": [{"type": "embedding", "module": "embed"}, {"type": "rnn", "module": "rnn"},
                                                   {"type": "linear", "module": "head"}, {"type": "softmax"}]}, f)
    cases = []
    test = np.random.default_rng(7)
    with torch.no_grad():
        for n in range(12):
            source = test.integers(0, DIGITS, int(test.integers(3, 9))).tolist()
            _, state = encoder(torch.tensor([source]))
            token, output, probs = BOS, [], []
            for _ in range(len(source) + 3):
                logits, state = decoder(torch.tensor([[token]]), state)
                p = torch.softmax(logits[0, 0], dim=-1)
                probs.append([float(v) for v in p.numpy().astype(np.float32)])
                token = int(p.argmax())
                if token == EOS:
                    break
                output.append(token)
            cases.append({"source": source, "output": output, "probs": probs})
    right = sum(c["output"] == c["source"][::-1] for c in cases)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"bos": BOS, "eos": EOS, "cases": cases}, f)
    with open(os.path.join(OUT, "reference.txt"), "w") as f:
        f.write(f"Encoder {encoder} and decoder {decoder}, trained by PyTorch {torch.__version__} to reverse digit sequences "
                f"(tools/make-seq2seq-fixture.py).\nexpected.json: PyTorch's greedy decoding of 12 test sequences (the "
                f"decoder's probabilities at every step, float32); {right} of 12 come out exactly reversed.\n")
    print(f"wrote {OUT}: {right} of 12 test sequences reversed")


if __name__ == "__main__":
    main()
