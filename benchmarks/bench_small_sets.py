"""Small synthetic sets shaped like the held-out ones: skrnn's defaults, two versions side by side.

Run from the repository root::

    python benchmarks/bench_small_sets.py                        # this tree's skrnn
    python benchmarks/bench_small_sets.py --checkouts ../old-tree # another beside it
    python benchmarks/bench_small_sets.py --cases gunpoint --rounds 2

Issue 22 measures the classifier on UCR sets kept outside the repository
(small: 50-300 training series of 24-1,000 steps; GunPoint, 50 series of 150
steps, is one). Their accuracy cannot be measured here, but their time can be
estimated: these cases have their shapes, and the ratio of two versions' times
on them, measured in one run, carries over to the filing machine's figures.
Each case is an easy two-class problem (a bump of height 2 in Gaussian noise of
scale 0.5, early or late, its start jittered by a tenth of the length), so the
accuracy printed only shows that both versions learned it.

Cases (training series x steps, test series):

* ``gunpoint`` -- 50 x 150, 150 (GunPoint's shape);
* ``short`` -- 300 x 24, 100;
* ``notebook`` -- 300 x 100, 100 (the issue's "notebook's first try", as in
  ``bench_backends.py``);
* ``long`` -- 100 x 600, 150.

Every fit runs ``RNNClassifier(random_state=0)`` in a fresh interpreter
(``bench_ucr.run_skrnn``, which also checks which tree's skrnn it imported);
the versions alternate within each case. Times are fit + predict seconds.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import print_table  # noqa: E402
from bench_ucr import add_checkouts_argument, run_skrnn  # noqa: E402

# name: (training series, steps, test series, bump width, the two bump starts)
CASES = {
    "gunpoint": (50, 150, 150, 25, (30, 90)),
    "short": (300, 24, 100, 4, (4, 14)),
    "notebook": (300, 100, 100, 10, (20, 70)),
    "long": (100, 600, 150, 60, (100, 400)),
}


def make_case(name, seed=0):
    """(X_train, y_train, X_test, y_test) of a case; string labels."""
    n_train, steps, n_test, width, starts = CASES[name]
    rng = np.random.RandomState(seed)
    n = n_train + n_test
    X = rng.normal(scale=0.5, size=(n, steps, 1)).astype(np.float32)
    y = rng.randint(2, size=n)
    jitter = rng.randint(-(steps // 10), steps // 10, size=n)
    for i, start in enumerate(np.where(y == 0, starts[0], starts[1]) + jitter):
        X[i, start : start + width, 0] += 2.0
    labels = np.array(["early", "late"])[y]
    return X[:n_train], labels[:n_train], X[n_train:], labels[n_train:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    add_checkouts_argument(parser)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)

    versions = [("this tree", None)] + [(Path(c).name, c) for c in args.checkouts]
    totals = {label: 0.0 for label, _ in versions}
    rows = []
    for name in args.cases:
        split = make_case(name)
        for round_ in range(args.rounds):
            order = versions if round_ % 2 == 0 else versions[::-1]
            for label, checkout in order:
                result = run_skrnn(split, "tensorflow", checkout)
                totals[label] += result["fit_s"]
                rows.append(
                    [name, label, f"{result['score']:.3f}", f"{result['fit_s']:.1f}"]
                )
                print(" | ".join(rows[-1]), flush=True)
    this = totals[versions[0][0]]
    for label, _ in versions:
        ratio = (
            ""
            if label == versions[0][0]
            else f" (this tree: {this / totals[label]:.2f}x)"
        )
        rows.append(["all cases", label, "", f"{totals[label]:.1f}{ratio}"])
    threads = os.environ.get("SKRNN_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    print(f"\nthreads: {threads or 'default'}; rounds: {args.rounds}")
    print_table(["case", "skrnn", "accuracy", "fit+predict s"], rows)


if __name__ == "__main__":
    main()
