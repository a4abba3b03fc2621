"""skrnn's own fits on each Keras backend, side by side in one run (issue 22).

Run from the repository root::

    python benchmarks/bench_backends.py                       # tensorflow, jax
    python benchmarks/bench_backends.py --backends tensorflow jax torch
    python benchmarks/bench_backends.py --cases named_gru --rounds 3

Every case runs in a fresh interpreter per backend (``KERAS_BACKEND`` set
before anything imports Keras), and the backends alternate round after round,
so a slow drift of the machine hits them alike. Times are wall-clock seconds
of ``fit`` (tracing and compiling included: what a user waits for) and of
``predict``; the first fit of a process also pays the backend's import, timed
separately. Scores show that the backends learn alike (the same seed gives
different numbers on each backend: their kernels and random streams differ).

Cases:

* ``named_gru`` -- ``RNNRegressor(cell="gru", units=16, epochs=30)`` on 500
  samples x 12 steps x 1 feature (y: the sum of the last three steps).
* ``default_classifier`` -- ``RNNClassifier()`` (the recipe: three networks,
  convolutional front end, bidirectional GRU) on 300 sequences x 100 steps of
  an easy two-class problem (a bump in the first or the second half): the
  issue's "notebook's first try".
* ``ragged_lstm`` -- ``RNNClassifier(cell="lstm", units=32, epochs=10)`` on 400
  sequences of 20-200 steps (their mean's sign): length buckets, a new batch
  shape per bucket.
* ``forecaster`` -- ``SequenceForecaster(horizon=12)`` on the airline series.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import print_table  # noqa: E402

CASES = ("named_gru", "default_classifier", "ragged_lstm", "forecaster")


def _case(name):
    """(estimator, X_train, y_train, X_test, y_test) of a case."""
    import numpy as np

    rng = np.random.RandomState(0)
    if name == "named_gru":
        from skrnn import RNNRegressor

        X = rng.normal(size=(600, 12, 1)).astype(np.float32)
        y = X[:, -3:, 0].sum(axis=1)
        est = RNNRegressor(cell="gru", units=16, epochs=30, random_state=0)
        return est, X[:500], y[:500], X[500:], y[500:]
    if name == "default_classifier":
        from skrnn import RNNClassifier

        n, steps = 400, 100
        X = rng.normal(scale=0.5, size=(n, steps, 1)).astype(np.float32)
        y = rng.randint(2, size=n)
        where = np.where(y == 0, 20, 70) + rng.randint(-10, 10, size=n)
        for i, start in enumerate(where):
            X[i, start : start + 10, 0] += 2.0
        est = RNNClassifier(random_state=0)
        return est, X[:300], y[:300], X[300:], y[300:]
    if name == "ragged_lstm":
        from skrnn import RNNClassifier

        seqs = [
            rng.normal(loc=rng.choice([-0.3, 0.3]), size=(rng.randint(20, 201), 1))
            for _ in range(500)
        ]
        y = np.array([int(s.mean() > 0) for s in seqs])
        est = RNNClassifier(cell="lstm", units=32, epochs=10, random_state=0)
        return est, seqs[:400], y[:400], seqs[400:], y[400:]
    if name == "forecaster":
        from skrnn import SequenceForecaster
        from skrnn.datasets import load_airline

        series = load_airline()
        est = SequenceForecaster(horizon=12, random_state=0)
        return est, series[:-12], None, None, series[-12:]
    raise ValueError(name)


def _child(name):
    """Run one case in this (fresh) process; print a JSON line."""
    import numpy as np

    started = time.perf_counter()
    from skrnn._backend import get_keras

    keras = get_keras()
    imported = time.perf_counter() - started
    est, X, y, X_test, y_test = _case(name)
    started = time.perf_counter()
    if y is None:
        est.fit(X)
    else:
        est.fit(X, y)
    fit = time.perf_counter() - started
    started = time.perf_counter()
    if X_test is None:  # the forecaster: sMAPE of the held-out horizon
        forecast = np.asarray(est.predict(), dtype=float).ravel()
        actual = np.asarray(y_test, dtype=float).ravel()
        score = float(
            np.mean(
                200 * np.abs(forecast - actual) / (np.abs(forecast) + np.abs(actual))
            )
        )
    else:
        score = float(est.score(X_test, y_test))
    predict = time.perf_counter() - started
    print(
        json.dumps(
            dict(
                backend=keras.backend.backend(),
                imported=imported,
                fit=fit,
                predict=predict,
                score=score,
            )
        )
    )


def _run(name, backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, __file__, "--child", name],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not lines:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)}
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    runs = {}
    for round_ in range(args.rounds):
        order = args.backends if round_ % 2 == 0 else args.backends[::-1]
        for name in args.cases:
            for backend in order:
                runs.setdefault((name, backend), []).append(_run(name, backend))
    rows = []
    for name in args.cases:
        for backend in args.backends:
            results = runs[(name, backend)]
            errors = [r["error"] for r in results if "error" in r]
            if errors:
                rows.append([name, backend, "failed", errors[0][:60], "", ""])
                continue
            fits = sorted(r["fit"] for r in results)
            rows.append(
                [
                    name,
                    backend,
                    f"{fits[len(fits) // 2]:.1f}",
                    f"{results[0]['predict']:.2f}",
                    f"{results[0]['score']:.3f}",
                    f"{results[0]['imported']:.1f}",
                ]
            )
    print_table(
        ["case", "backend", "fit s (median)", "predict s", "score", "import s"], rows
    )
    print("score: R^2 (named_gru), accuracy (classifiers), sMAPE % (forecaster)")


if __name__ == "__main__":
    main()
