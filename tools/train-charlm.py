#!/usr/bin/python3
"""Trains the demo's character-level language model and writes it where `sequin demo` finds it
(converter/src/main/resources/io/sequin/demo/charlm/): the PyTorch state_dict (model.pt), the
architecture description that `sequin convert --arch` reads (arch.json), the characters by index
(vocab.json), a note of how it was made (TRAINING.txt), and what the demo checks Sequin against:
the text's last 2,000 characters (sample.txt) and PyTorch's next-character probabilities over
them (reference_probs.npy; `--reference-only` writes these two for the model already there).

Text: the King James Version of the Bible as Debian's bible-kjv-text package holds it, printed by
its `bible` program (package bible-kjv); the package's copyright file says the text's copyright
has expired (the translation dates from 1611), and the retrieval program's data file is provided
"for unrestricted use". Verse references ("Ge1:1 ") are dropped; one verse a line.

Model: Embedding(V, 64) -> LSTM(64, 256, 2 layers, batch_first) -> Linear(256, V), trained on
next-character prediction with Adam (8e-3, cosine decay), sequences of 64 characters, 128 a batch, a fixed number of
steps. Deterministic: fixed seeds, 2 threads, batches drawn by a seeded generator.

    apt-get install bible-kjv python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/train-charlm.py            # about 8 minutes on 2 cores (TRAINING.txt says how long)

Debian's python3-torch calls the system BLAS; with the reference one (no libopenblas0-pthread)
training runs about 2.5 times slower.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

OUT = os.environ.get("CHARLM_OUT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converter", "src", "main",
                                                   "resources", "io", "sequin", "demo", "charlm")
LEARNING_RATE = float(os.environ.get("CHARLM_LR", "8e-3"))
STEPS = int(os.environ.get("CHARLM_STEPS", "200"))
SEQ, BATCH, EMBED, HIDDEN, LAYERS = 64, 128, 64, 256, 2


class CharLM(nn.Module):
    def __init__(self, vocabulary):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, EMBED)
        self.rnn = nn.LSTM(EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocabulary)

    def forward(self, x, state=None):
        y, state = self.rnn(self.embed(x), state)
        return self.head(y), state


def text():
    printed = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True, text=True).stdout
    verses = [line.split(" ", 1)[1] for line in printed.splitlines() if " " in line]
    return "\n".join(verses) + "\n"


def write_reference(model, chars, corpus):
    """What the demo checks Sequin against: the last 2,000 characters of the text (sample.txt) and
    PyTorch's next-character probabilities over them from zero states (reference_probs.npy)."""
    sample = corpus[-2000:]
    index = {c: i for i, c in enumerate(chars)}
    with torch.no_grad():
        logits, _ = model(torch.tensor([[index[c] for c in sample]]))
        probs = torch.softmax(logits, dim=-1).numpy().astype(np.float32)
    with open(os.path.join(OUT, "sample.txt"), "w") as f:
        f.write(sample)
    np.save(os.path.join(OUT, "reference_probs.npy"), probs)


def reference_only():
    """--reference-only: the reference files for the model already in OUT."""
    chars = json.load(open(os.path.join(OUT, "vocab.json")))
    model = CharLM(len(chars))
    model.load_state_dict(torch.load(os.path.join(OUT, "model.pt")))
    model.eval()
    write_reference(model, chars, text())


def main():
    if sys.argv[1:] == ["--reference-only"]:
        reference_only()
        return
    torch.manual_seed(1611)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    corpus = text()
    chars = sorted(set(corpus))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in corpus], dtype=torch.long)
    model = CharLM(len(chars))
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, STEPS)
    loss_of = nn.CrossEntropyLoss()
    rng = np.random.default_rng(1611)
    started = time.time()
    model.train()
    for step in range(1, STEPS + 1):
        starts = torch.from_numpy(rng.integers(0, len(data) - SEQ - 1, BATCH))
        batch = torch.stack([data[s:s + SEQ + 1] for s in starts])
        logits, _ = model(batch[:, :-1])
        loss = loss_of(logits.reshape(-1, len(chars)), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 100 == 0 or step == 1:
            print(f"step {step}/{STEPS} loss {loss.item():.3f} ({time.time() - started:.0f} s)", flush=True)
    model.eval()
    # Held-out estimate: loss on the last 20,000 characters, which training also saw; a figure to
    # recognise the model by, not a test score.
    with torch.no_grad():
        tail = data[-20001:]
        logits, _ = model(tail[:-1].unsqueeze(0))
        final = loss_of(logits[0], tail[1:]).item()
    os.makedirs(OUT, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(OUT, "model.pt"))
    with open(os.path.join(OUT, "arch.json"), "w") as f:
        json.dump({"batch_first": True, "layers": [{"type": "embedding", "module": "embed"}, {"type": "rnn", "module": "rnn"},
                                                   {"type": "linear", "module": "head"}, {"type": "softmax"}]}, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "vocab.json"), "w") as f:
        json.dump(chars, f)
        f.write("\n")
    with open(os.path.join(OUT, "TRAINING.txt"), "w") as f:
        f.write(f"Character-level LSTM language model: Embedding({len(chars)}, {EMBED}) -> LSTM({EMBED}, {HIDDEN}, "
                f"{LAYERS} layers, batch_first) -> Linear({HIDDEN}, {len(chars)}).\n")
        f.write(f"Text: King James Version (Debian bible-kjv-text, printed by `bible -f Gen1:1-Rev22:21`, verse "
                f"references dropped), {len(corpus):,} characters, {len(chars)} distinct.\n")
        f.write(f"Trained by tools/train-charlm.py with PyTorch {torch.__version__}: {STEPS} steps of {BATCH} x {SEQ} "
                f"characters, Adam {LEARNING_RATE:g} with cosine decay, in {time.time() - started:.0f} s on "
                f"{torch.get_num_threads()} threads; cross-entropy on the last 20,000 characters {final:.3f} nats "
                f"({final / np.log(2):.2f} bits) per character.\n")
    write_reference(model, chars, corpus)
    print(f"wrote {OUT}: loss {final:.3f} nats/char after {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
