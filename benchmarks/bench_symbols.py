"""Strings and tokens: the symbol recipe against the named network and raw Keras.

Run from the repository root (about 4-6 minutes on 2 CPU cores)::

    python benchmarks/bench_symbols.py             # both tasks, data seed 0
    python benchmarks/bench_symbols.py --seed 1    # other draws of the data
    python benchmarks/bench_symbols.py --task peptide

What is measured
----------------
Two classification tasks with a known rule, generated here (1,500 sequences:
1,200 to train, 300 held out):

* ``peptide``: random peptides of 6-20 residues (the 20 amino acids, uniform);
  the label is the residue two places before the end (``p[-2]``). Chance is
  0.05. The seeds' question, "predict a residue of a peptide", made exact.
* ``dna``: random DNA of 40-100 bases; the label is whether the motif
  ``TATAAT`` occurs anywhere (planted in half of them). Chance about 0.5.

Contenders, each fitted once with ``random_state=0`` in this process:

1. ``RNNClassifier()``: the defaults (the symbol recipe of
   ``skrnn/_recipes.py``: a bidirectional GRU(64) read at its final states,
   batches of a hundredth of the samples (at least 16), Adam at 1e-3, 30,000
   samples read).
2. ``RNNClassifier(cell="lstm", units=32, epochs=30)``: a named network, as a
   user who knows Keras writes it (the issue's call).
3. Raw Keras, what that user would otherwise write: ``StringLookup``-style
   integer codes padded at the end, ``Embedding(n, 16, mask_zero=True)``,
   ``LSTM(32)``, ``Dense(n_classes, softmax)``, Adam at Keras' 1e-3, batch 32,
   30 epochs.

Printed: held-out accuracy, training accuracy and fit time. Targets (issue
20): the peptide rule at >= 0.9 with the defaults in <= 60 s on 2 cores, and
>= 0.8 with the named LSTM(32). The recipe's numbers were chosen on data seed 0
of the peptide task; seed 1, the DNA task and ``--back 3`` (the residue three
places before the end) are the checks it was not tuned on.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

AMINO = list("ACDEFGHIKLMNPQRSTVWY")
N_TRAIN, N_TOTAL = 1200, 1500


def peptides(seed, back=2):
    rng = np.random.RandomState(seed)
    X = ["".join(rng.choice(AMINO, rng.randint(6, 21))) for _ in range(N_TOTAL)]
    return X, np.array([p[-back] for p in X])


def dna(seed, motif="TATAAT"):
    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(N_TOTAL):
        length = rng.randint(40, 101)
        bases = list(rng.choice(list("ACGT"), length))
        if i % 2:
            at = rng.randint(0, length - len(motif) + 1)
            bases[at : at + len(motif)] = motif
        text = "".join(bases)
        X.append(text)
        y.append(int(motif in text))
    return X, np.array(y)


def fit_skrnn(params, X, y):
    from skrnn import RNNClassifier

    start = time.perf_counter()
    clf = RNNClassifier(random_state=0, **params).fit(X[:N_TRAIN], y[:N_TRAIN])
    seconds = time.perf_counter() - start
    return (
        clf.score(X[N_TRAIN:], y[N_TRAIN:]),
        clf.score(X[:N_TRAIN], y[:N_TRAIN]),
        seconds,
    )


def fit_keras(X, y, epochs=30):
    import keras

    keras.utils.set_random_seed(0)
    symbols = sorted({s for text in X for s in text})
    codes = {s: i + 1 for i, s in enumerate(symbols)}  # 0 pads
    longest = max(len(text) for text in X)
    encoded = np.zeros((len(X), longest), dtype="int32")
    for row, text in enumerate(X):
        encoded[row, : len(text)] = [codes[s] for s in text]
    classes = sorted(set(y))
    labels = np.array([classes.index(label) for label in y])
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(len(symbols) + 1, 16, mask_zero=True),
            keras.layers.LSTM(32),
            keras.layers.Dense(len(classes), activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(
        encoded[:N_TRAIN], labels[:N_TRAIN], epochs=epochs, batch_size=32, verbose=0
    )
    seconds = time.perf_counter() - start
    held_out = model.evaluate(encoded[N_TRAIN:], labels[N_TRAIN:], verbose=0)[1]
    train = model.evaluate(encoded[:N_TRAIN], labels[:N_TRAIN], verbose=0)[1]
    keras.backend.clear_session()
    return held_out, train, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=["peptide", "dna", "both"], default="both")
    parser.add_argument("--seed", type=int, default=0, help="data seed")
    parser.add_argument("--back", type=int, default=2, help="peptide: p[-back]")
    args = parser.parse_args(argv)
    tasks = ["peptide", "dna"] if args.task == "both" else [args.task]
    print(f"threads: {os.cpu_count()} cores; data seed {args.seed}")
    header = f"{'task':<9} {'contender':<44} {'held-out':>8} {'train':>6} {'fit s':>7}"
    print(header)
    print("-" * len(header))
    for task in tasks:
        X, y = peptides(args.seed, args.back) if task == "peptide" else dna(args.seed)
        rows = [
            ("RNNClassifier()", fit_skrnn, ({},)),
            (
                'RNNClassifier(cell="lstm", units=32, epochs=30)',
                fit_skrnn,
                ({"cell": "lstm", "units": 32, "epochs": 30},),
            ),
            ("raw Keras LSTM(32), batch 32, 30 epochs", fit_keras, ()),
        ]
        for name, run, extra in rows:
            held_out, train, seconds = run(*extra, X, y)
            print(
                f"{task:<9} {name:<44} {held_out:8.3f} {train:6.3f} {seconds:7.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
