"""UCR/UEA/Monash benchmark: skrnn's defaults beside simple and strong baselines (issue 13).

Run from the repository root (the figures in ``research/ucr_research.md`` were
measured with one thread: ``SKRNN_NUM_THREADS=1 OMP_NUM_THREADS=1``)::

    python benchmarks/bench_ucr.py                      # all five sets, on _TEST
    python benchmarks/bench_ucr.py --sets OSULeaf ACSF1 # a subset
    python benchmarks/bench_ucr.py --validate           # _TRAIN split 70/30, no _TEST
    python benchmarks/bench_ucr.py --aeon-python /tmp/aeon-venv/bin/python
    python benchmarks/bench_ucr.py --random-state 1     # skrnn's rows seeded with 1
    python benchmarks/bench_ucr.py --data-dir ~/Univariate_ts --sets GunPoint Wine

Sets (``../shared/data/ucr``, ``.ts`` files read by ``skrnn.datasets.load_ts``):
OSULeaf, PLAID (unequal lengths), ACSF1 (1,460 steps) scored by accuracy;
Covid3Month, Tecator scored by RMSE. ``--data-dir`` reads other sets, by name,
from another folder: ``NAME_TRAIN.ts`` and ``NAME_TEST.ts`` in it or in its
subfolder ``NAME`` (the UCR/UEA archive's layout); string labels are scored by
accuracy, numeric targets by RMSE. That is how sets kept outside the repository
(the held-out sets of issue 22) are measured with the same rows and totals.
``--validate`` fits on a stratified 70% of the training file and scores on the
other 30% (``random_state=0``), so a recipe can be chosen without looking at the
test files.

Rows per set, each with its fit time:

* ``skrnn defaults`` -- ``RNNClassifier(random_state=0)`` /
  ``RNNRegressor(random_state=0)`` (``--random-state`` sets another seed, to
  see how far one fit's score moves with it) on the arrays as loaded (a
  ragged list for PLAID), string labels: the estimators' own recipe
  (instance scaling, resampling of unequal lengths, folding, Conv1D front end
  + bidirectional GRU with mean pooling; the classifier on a cosine schedule in batches of at most
  32, the regressor on the plateau schedule in batches of a tenth; the average
  of three such networks trained side by side, two for the regressor). The
  issue's target: mean accuracy over the three classification sets >= 0.90
  (goal 0.95), all five sets within 15 minutes.
* ``1-NN Euclidean`` -- on the series as loaded; unequal-length series (PLAID)
  are linearly resampled to the median training length first (padding with
  zeros scored lower on the validation split: 0.47 against 0.67).
  Regression: the target of the nearest training series.
* ``Keras LSTM(64) + masking`` -- raw Keras: series padded at the end with 0
  to the longest training series, ``Masking(0)``, ``LSTM(64)``, a dense output;
  Adam 1e-3, batch 32, ``--keras-epochs`` epochs, no scaling.
* ``MiniRocket`` -- aeon's ``MiniRocketClassifier`` / ``MiniRocketRegressor``
  (default 10,000 kernels, ridge), run in a separate interpreter given by
  ``--aeon-python`` (aeon is an optional dependency, not installed beside
  skrnn); "not run" without it.
* ``FCN`` -- a deep-learning peer run the same way: aeon's ``FCNClassifier`` /
  ``FCNRegressor`` (three Conv1D blocks, 128-256-128 filters, global average
  pooling; on Keras with TensorFlow in the aeon interpreter). aeon's default
  is 2,000 epochs at batch 16; ``--peer-epochs`` sets fewer when the run must
  fit in a session (the row says how many were run).

``--backends tensorflow jax`` runs the skrnn row once per Keras backend, each
in its own process (``KERAS_BACKEND`` set; the backend must be installed:
``pip install -e ".[jax]"``). Every skrnn and aeon row times fit + predict
inside its process, after the imports. The last rows give, per contender, the
mean accuracy and the total seconds over the sets, and each further skrnn row's
total as a fraction of the first's (``--checkouts``: a version's time beside
this tree's, as issue 22's "<= 40% of today's time" reads).
"""

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import print_table, quiet_backend  # noqa: E402

from skrnn.datasets import load_ts  # noqa: E402

DATA = HERE.parents[0] / ".." / "shared" / "data" / "ucr"
SETS = ("OSULeaf", "PLAID", "ACSF1", "Covid3Month", "Tecator")
CONTENDERS = ("skrnn", "nn", "keras", "rocket", "fcn")
DEFAULT_CONTENDERS = ("skrnn", "nn", "keras", "rocket")
LABELS = {
    "skrnn": "skrnn defaults",
    "nn": "1-NN Euclidean",
    "keras": "Keras LSTM(64) + masking",
    "rocket": "MiniRocket (aeon)",
    "fcn": "FCN (aeon)",
}

AEON_SCRIPT = """
import json, sys, time
import numpy as np
from aeon.datasets import load_from_ts_file
from aeon.classification.convolution_based import MiniRocketClassifier
from aeon.regression.convolution_based import MiniRocketRegressor
from sklearn.model_selection import train_test_split
train_file, test_file, validate = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
X, y = load_from_ts_file(train_file)
classification = y.dtype.kind in "USO"
if validate:
    idx = np.arange(len(y))
    tr, va = train_test_split(idx, test_size=0.3, random_state=0,
                              stratify=y if classification else None)
    pick = (lambda i: [X[j] for j in i]) if isinstance(X, list) else (lambda i: X[i])
    X_tr, y_tr, X_te, y_te = pick(tr), y[tr], pick(va), y[va]
else:
    X_tr, y_tr = X, y
    X_te, y_te = load_from_ts_file(test_file)
if isinstance(X_tr, list) or isinstance(X_te, list):
    n = int(np.median([x.shape[-1] for x in X_tr]))
    res = lambda xs: np.stack([np.stack([np.interp(np.linspace(0, 1, n),
        np.linspace(0, 1, x.shape[-1]), c) for c in x]) for x in xs])
    X_tr, X_te = res(X_tr), res(X_te)
if sys.argv[4] == "rocket":
    model = (MiniRocketClassifier if classification else MiniRocketRegressor)(random_state=0)
else:
    from aeon.classification.deep_learning import FCNClassifier
    from aeon.regression.deep_learning import FCNRegressor
    epochs = {} if sys.argv[5] == "default" else {"n_epochs": int(sys.argv[5])}
    model = (FCNClassifier if classification else FCNRegressor)(
        random_state=0, verbose=False, save_best_model=False,
        save_last_model=False, **epochs)
start = time.perf_counter()
model.fit(X_tr, y_tr.astype(float) if not classification else y_tr)
pred = model.predict(X_te)
seconds = time.perf_counter() - start
score = (float(np.mean(pred == y_te)) if classification
         else float(np.sqrt(np.mean((pred - y_te.astype(float)) ** 2))))
print(json.dumps({"score": score, "fit_s": seconds}))
"""


def set_files(name, data_dir=DATA):
    """The training and test files of set ``name``: ``NAME_TRAIN.ts`` and
    ``NAME_TEST.ts`` in ``data_dir`` or in its subfolder ``NAME`` (the UCR/UEA
    archive's layout); a ValueError naming the places looked in if either is
    missing."""
    data_dir = Path(data_dir).expanduser()
    places = [data_dir, data_dir / name]
    for folder in places:
        files = tuple(folder / f"{name}_{part}.ts" for part in ("TRAIN", "TEST"))
        if all(file.is_file() for file in files):
            return files
    raise ValueError(
        f"set {name!r}: no {name}_TRAIN.ts and {name}_TEST.ts in "
        + " or ".join(str(folder) for folder in places)
    )


def load_split(name, validate, data_dir=DATA):
    """Return X_train, y_train, X_test, y_test (validate: a 70/30 split of _TRAIN)."""
    train_file, test_file = set_files(name, data_dir)
    X, y = load_ts(train_file)
    if not validate:
        X_test, y_test = load_ts(test_file)
        return X, y, X_test, y_test
    from sklearn.model_selection import train_test_split

    classification = y.dtype.kind in "US"
    train, val = train_test_split(
        np.arange(len(y)),
        test_size=0.3,
        random_state=0,
        stratify=y if classification else None,
    )
    if isinstance(X, list):
        return [X[i] for i in train], y[train], [X[i] for i in val], y[val]
    return X[train], y[train], X[val], y[val]


def score(y_true, y_pred):
    if y_true.dtype.kind in "US":
        return float(np.mean(np.asarray(y_pred) == y_true))
    return float(np.sqrt(np.mean((np.asarray(y_pred, float) - y_true) ** 2)))


def to_grid(X, n_steps):
    """Series as a 2-D array: linearly resampled to ``n_steps`` when ragged."""
    if not isinstance(X, list):
        return X.reshape(len(X), -1)
    grid = np.linspace(0, 1, n_steps)
    return np.stack(
        [
            np.concatenate(
                [
                    np.interp(grid, np.linspace(0, 1, len(x)), x[:, c])
                    for c in range(x.shape[1])
                ]
            )
            for x in X
        ]
    )


def run_nn(X_train, y_train, X_test):
    n_steps = (
        int(np.median([len(x) for x in X_train])) if isinstance(X_train, list) else None
    )
    A, B = to_grid(X_train, n_steps), to_grid(X_test, n_steps)
    distances = (B**2).sum(1)[:, None] - 2 * B @ A.T + (A**2).sum(1)[None, :]
    return y_train[distances.argmin(axis=1)]


def pad(X, n_steps):
    out = np.zeros((len(X), n_steps, X[0].shape[1]), np.float32)
    for i, x in enumerate(X):
        x = x[:n_steps]
        out[i, : len(x)] = x
    return out


def run_keras(X_train, y_train, X_test, epochs):
    import keras

    n_steps = max(len(x) for x in X_train)
    A, B = pad(X_train, n_steps), pad(X_test, n_steps)
    classification = y_train.dtype.kind in "US"
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=A.shape[1:]),
            keras.layers.Masking(0.0),
            keras.layers.LSTM(64),
        ]
    )
    if classification:
        classes, target = np.unique(y_train, return_inverse=True)
        model.add(keras.layers.Dense(len(classes), activation="softmax"))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    else:
        target = y_train
        model.add(keras.layers.Dense(1))
        model.compile(optimizer="adam", loss="mse")
    model.fit(A, target, epochs=epochs, batch_size=32, verbose=0)
    output = model.predict(B, verbose=0)
    return classes[output.argmax(axis=1)] if classification else output[:, 0]


SKRNN_SCRIPT = """
import json, pickle, sys, time
import numpy as np
with open(sys.argv[1], "rb") as file:
    X_train, y_train, X_test, y_test = pickle.load(file)
from skrnn import RNNClassifier, RNNRegressor
import keras  # imported before the clock starts, as aeon's rows do
# skrnn caps the backend's threads itself (SKRNN_NUM_THREADS, OMP_NUM_THREADS).
classification = y_train.dtype.kind in "US"
estimator = (RNNClassifier if classification else RNNRegressor)(
    random_state=int(sys.argv[2])
)
start = time.perf_counter()
pred = np.asarray(estimator.fit(X_train, y_train).predict(X_test))
seconds = time.perf_counter() - start
score = (float(np.mean(pred == y_test)) if classification
         else float(np.sqrt(np.mean((pred.astype(float) - y_test) ** 2))))
import skrnn
print(json.dumps({"score": score, "fit_s": seconds, "skrnn": skrnn.__file__}))
"""


def run_skrnn(split, backend, checkout=None, random_state=0):
    """skrnn's defaults on ``split`` (the four arrays), in a process on ``backend``,
    seeded with ``random_state``.

    ``checkout``: another source tree of skrnn (``git worktree add``) whose
    package is imported instead of the installed one, to time two versions
    side by side in one run.
    """
    env = {**os.environ, "KERAS_BACKEND": backend}
    if checkout:
        env["PYTHONPATH"] = os.pathsep.join([str(checkout), env.get("PYTHONPATH", "")])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "split.pickle")
        with open(path, "wb") as file:
            pickle.dump(split, file)
        # Run outside any source tree: ``python -c`` puts its working folder
        # first on the path, ahead of PYTHONPATH (from the repository's root,
        # its own skrnn would shadow the checkout's).
        command = [sys.executable, "-c", SKRNN_SCRIPT, path, str(random_state)]
        result = _json_run(command, env, folder)
    if checkout:
        expected = Path(checkout).resolve() / "skrnn"
        if Path(result["skrnn"]).resolve().parent != expected:
            raise RuntimeError(f"imported {result['skrnn']}, not {expected}")
    return result


def _json_run(command, env, cwd=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    if result.returncode:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_aeon(
    aeon_python, name, validate, model="rocket", epochs="default", data_dir=DATA
):
    """aeon's MiniRocket or FCN on ``name`` in the interpreter ``aeon_python``."""
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    env = {**os.environ, "NUMBA_NUM_THREADS": threads, "KERAS_BACKEND": "tensorflow"}
    files = [str(file) for file in set_files(name, data_dir)]
    command = [aeon_python, "-c", AEON_SCRIPT, *files]
    return _json_run(command + ["1" if validate else "0", model, str(epochs)], env)


def add_checkouts_argument(parser):
    """``--checkouts``: other source trees of skrnn to time beside this one."""
    parser.add_argument(
        "--checkouts",
        nargs="*",
        default=[],
        help="other skrnn source trees (git worktrees) to run beside this one",
    )


def summary_rows(labels, accuracies, total, failed, n_sets):
    """The table's last rows: per contender, the mean accuracy over the
    classification sets and the seconds over all sets, each skrnn row after the
    first with its seconds as a fraction of the first skrnn row's.

    A contender that did not run on every set gets no total (the sum of fewer
    sets' seconds would compare as a faster run).
    """
    rows = []
    skrnn = [label for contender, _, label in labels if contender == "skrnn"]
    reference = skrnn[0] if skrnn and not failed[skrnn[0]] else None
    for contender, _, label in labels:
        if failed[label] == n_sets:
            continue
        n = len(accuracies[label])
        mean = (
            f"mean accuracy {np.mean(accuracies[label]):.4f} ({n} set{'s' * (n > 1)})"
            if n
            else ""
        )
        if failed[label]:
            seconds = f"{failed[label]} of {n_sets} sets not scored: no total"
        else:
            seconds = f"{total[label]:.1f} (all {n_sets})"
            if contender == "skrnn" and label != reference and reference:
                share = (
                    total[reference] / total[label] if total[label] else float("nan")
                )
                seconds += f"; {reference} takes {share:.2f}x of this"
        rows.append(["all sets", label, "", mean, seconds])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        nargs="*",
        default=list(SETS),
        help=f"set names (default: {' '.join(SETS)}); others need --data-dir",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA,
        help="folder of NAME_TRAIN.ts / NAME_TEST.ts files, or of NAME/ folders "
        "holding them (default: the shared UCR folder)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="score on a 30%% split of _TRAIN, not _TEST",
    )
    parser.add_argument(
        "--only", nargs="*", default=list(DEFAULT_CONTENDERS), choices=CONTENDERS
    )
    parser.add_argument(
        "--backends",
        nargs="*",
        default=["tensorflow"],
        choices=["tensorflow", "jax", "torch"],
        help="Keras backends for the skrnn rows (one process each)",
    )
    add_checkouts_argument(parser)
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="random_state of the skrnn rows (0 for the figures in the docs)",
    )
    parser.add_argument("--keras-epochs", type=int, default=20)
    parser.add_argument(
        "--peer-epochs",
        default="default",
        help="epochs of the FCN peer (aeon's default: 2,000)",
    )
    parser.add_argument(
        "--aeon-python",
        help="an interpreter with aeon installed, for the MiniRocket and FCN rows",
    )
    args = parser.parse_args(argv)
    for name in args.sets:  # every set's files found before the first fit
        try:
            set_files(name, args.data_dir)
        except ValueError as error:
            parser.error(str(error))

    threads = os.environ.get("SKRNN_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if "keras" in args.only:
        quiet_backend()
        import tensorflow as tf

        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(int(threads))
            tf.config.threading.set_inter_op_parallelism_threads(int(threads))

    labels = []
    for contender in args.only:
        if contender == "skrnn":
            labels += [
                (contender, (b, None), f"skrnn defaults ({b})") for b in args.backends
            ]
            labels += [
                (contender, ("tensorflow", c), f"skrnn defaults ({Path(c).name})")
                for c in args.checkouts
            ]
        elif contender == "fcn":
            labels.append((contender, None, f"FCN (aeon, {args.peer_epochs} epochs)"))
        else:
            labels.append((contender, None, LABELS[contender]))
    rows = []
    accuracies = {label: [] for *_, label in labels}
    total = dict.fromkeys(accuracies, 0.0)
    failed = dict.fromkeys(accuracies, 0)
    for name in args.sets:
        X_train, y_train, X_test, y_test = load_split(
            name, args.validate, args.data_dir
        )
        metric = "accuracy" if y_train.dtype.kind in "US" else "RMSE"
        for contender, backend, label in labels:
            start = time.perf_counter()
            try:
                if contender in ("rocket", "fcn"):
                    if not args.aeon_python:
                        rows.append([name, label, metric, "not run", ""])
                        failed[label] += 1
                        continue
                    result = run_aeon(
                        args.aeon_python,
                        name,
                        args.validate,
                        contender,
                        args.peer_epochs,
                        args.data_dir,
                    )
                    value, seconds = result["score"], result["fit_s"]
                elif contender == "skrnn":
                    split = (X_train, y_train, X_test, y_test)
                    result = run_skrnn(split, *backend, args.random_state)
                    value, seconds = result["score"], result["fit_s"]
                else:
                    if contender == "nn":
                        pred = run_nn(X_train, y_train, X_test)
                    else:
                        pred = run_keras(X_train, y_train, X_test, args.keras_epochs)
                    # fit + predict; predict is a small share for every contender
                    value, seconds = score(y_test, pred), time.perf_counter() - start
            except Exception as error:  # a baseline failing must not hide the others
                rows.append([name, label, metric, f"failed: {error}"[:60], ""])
                failed[label] += 1
                continue
            total[label] += seconds
            if metric == "accuracy":
                accuracies[label].append(value)
            rows.append([name, label, metric, f"{value:.4f}", f"{seconds:.1f}"])
            print(" | ".join(map(str, rows[-1])), flush=True)
    rows += summary_rows(labels, accuracies, total, failed, len(args.sets))
    split = "validation split of _TRAIN (30%)" if args.validate else "_TEST files"
    print(
        f"\nScored on: {split}; threads: {threads or 'default'}; "
        f"skrnn's random_state: {args.random_state}"
    )
    print_table(["set", "contender", "metric", "score", "fit+predict s"], rows)


if __name__ == "__main__":
    main()
