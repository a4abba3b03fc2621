"""Core skrnn benchmarks: single-sample predict latency and fit time against raw Keras.

Run from the repository root (about 2-3 minutes on 2 CPU cores)::

    python benchmarks/bench_core.py            # full run
    python benchmarks/bench_core.py --quick    # fewer calls and rounds, a smoke test
    python benchmarks/bench_core.py --help     # all options

What is measured
----------------
1. Single-sample predict latency. ``RNNRegressor(cell="lstm", units=32, epochs=1,
   random_state=0)`` is fitted on random data of shape (256, 24, 4); then
   ``reg.predict(x)`` is timed for one sample ``x`` of shape (1, 24, 4), after
   warm-up calls, over ``--calls`` calls (default 300): median and p90 in ms.
   Beside it, the same fitted network through ``reg.model_.predict(x,
   verbose=0)`` (plain Keras) and, when installed, scikeras' ``KerasRegressor``
   with the same architecture fitted on the same data.
   Target: skrnn median <= 2 ms. Anchors measured earlier by the team on this
   kind of machine: Keras ``Model.predict`` ~50 ms, scikeras ~58 ms.

2. Fit time against raw Keras. The same network (LSTM(32) -> Dense(1), Adam with
   learning rate 1e-3, mean squared error), the same data (2048 x 24 x 4,
   float32), 5 epochs, batch size 32, ``shuffle=True``, ``verbose=0``:
   ``RNNRegressor(...).fit(X, y)`` against building, compiling and fitting the
   Keras model by hand, both timed from model construction to the end of
   training. The contenders run once each per round, in alternating order,
   after one untimed warm-up round; ``keras.utils.set_random_seed`` is called
   with the same seed before each, and ``keras.backend.clear_session`` plus
   ``gc.collect`` run (untimed) between them. Reported: the median of the
   per-round wall-clock ratios skrnn / keras (and, beside it, the same ratio in
   process CPU time, steadier when other processes share the cores).
   Target: <= 1.05. Anchors: scikeras 1.22,
   ``keras.wrappers`` 1.32. scikeras (when installed) and ``RNNClassifier``
   against the equivalent raw Keras binary classifier are measured the same way.

The script always exits 0 unless ``--strict`` is given, in which case a missed
target exits 1.
"""

import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import (  # noqa: E402
    busy_machine_warning,
    environment_rows,
    fmt_ms,
    fmt_s,
    interleaved_rounds,
    load_average,
    print_table,
    quiet_backend,
    ratios,
    summarize,
    time_calls,
    verdict,
)

quiet_backend()

import numpy as np  # noqa: E402

SEED = 0
N_STEPS, N_FEATURES, UNITS = 24, 4, 32
LEARNING_RATE = 1e-3
BATCH_SIZE = 32

PREDICT_TARGET_MS = 2.0
FIT_RATIO_TARGET = 1.05
# Figures measured earlier by the team on this kind of machine (2 CPU cores).
ANCHOR_KERAS_PREDICT_MS = 50.0
ANCHOR_SCIKERAS_PREDICT_MS = 58.0
ANCHOR_SCIKERAS_FIT_RATIO = 1.22
ANCHOR_KERAS_WRAPPERS_FIT_RATIO = 1.32


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--calls", type=int, default=300, help="timed skrnn predict calls (default 300)"
    )
    parser.add_argument(
        "--baseline-calls",
        type=int,
        default=100,
        help="timed calls of the ~50 ms baselines (default 100)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="untimed predict calls before timing (default 10)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=9,
        help="timed fit rounds per contender (default 9)",
    )
    parser.add_argument("--fit-samples", type=int, default=2048)
    parser.add_argument("--fit-epochs", type=int, default=5)
    parser.add_argument(
        "--no-scikeras",
        action="store_true",
        help="leave scikeras out even when installed",
    )
    parser.add_argument(
        "--no-classifier", action="store_true", help="skip the RNNClassifier fit ratio"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 50/20 predict calls, 2 fit rounds",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a skrnn target is missed"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.baseline_calls, args.warmup, args.rounds = 50, 20, 3, 2
    return args


def import_scikeras(disabled):
    """Return scikeras.wrappers, or None with a reason when it cannot be used."""
    if disabled:
        return None, "skipped (--no-scikeras)"
    try:
        from scikeras import wrappers
    except Exception as exc:  # ImportError, or a broken install raising anything
        name = type(exc).__name__
        reason = (
            "not installed"
            if isinstance(exc, ImportError)
            else f"import failed ({name})"
        )
        return None, reason
    return wrappers, None


# ------------------------------------------------------------------ networks
def keras_network(n_outputs=1, activation=None):
    """The network skrnn builds, written by hand: LSTM(32) -> Dense(n_outputs)."""
    import keras

    inputs = keras.Input(shape=(N_STEPS, N_FEATURES))
    hidden = keras.layers.LSTM(UNITS)(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=activation)(hidden)
    return keras.Model(inputs, outputs)


def keras_classifier_network():
    return keras_network(1, "sigmoid")


def fit_raw_keras(X, y, *, epochs, loss="mean_squared_error", activation=None):
    import keras

    keras.utils.set_random_seed(SEED)
    model = keras_network(1, activation)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss=loss
    )
    model.fit(X, y, epochs=epochs, batch_size=BATCH_SIZE, shuffle=True, verbose=0)
    return model


def make_scikeras_regressor(wrappers, *, epochs):
    return wrappers.KerasRegressor(
        model=keras_network,
        optimizer="adam",
        optimizer__learning_rate=LEARNING_RATE,
        loss="mean_squared_error",
        epochs=epochs,
        batch_size=BATCH_SIZE,
        shuffle=True,
        verbose=0,
        random_state=SEED,
    )


def make_data(n_samples, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, N_STEPS, N_FEATURES)).astype(np.float32)
    signal = X[:, -3:, 0].sum(axis=1)
    y_reg = (signal + 0.1 * rng.normal(size=n_samples)).astype(np.float32)
    y_clf = (X[:, :, 1].sum(axis=1) > 0).astype(np.int64)
    return X, y_reg, y_clf


def fresh_state():
    """Untimed, before each fit: drop Keras' global graph state and garbage."""
    import keras

    keras.backend.clear_session()
    gc.collect()


def log(message):
    print(message, flush=True)


# ------------------------------------------------------------------- predict
def bench_predict(args, scikeras):
    import keras

    from skrnn import RNNRegressor

    X, _, _ = make_data(256, SEED)
    y = np.random.RandomState(SEED + 1).normal(size=256).astype(np.float32)
    x = X[:1]

    reg = RNNRegressor(cell="lstm", units=UNITS, epochs=1, random_state=SEED).fit(X, y)
    log(f"  predict: skrnn.predict x {args.calls} calls ...")
    rows = []
    skrnn_stats = summarize(
        time_calls(lambda: reg.predict(x), n_calls=args.calls, n_warmup=args.warmup)
    )

    def row(name, stats, anchor, target=""):
        rows.append(
            [
                name,
                f"{stats.n}",
                fmt_ms(stats.median, 3),
                fmt_ms(stats.p90, 3),
                f"{stats.median / skrnn_stats.median:.1f}x",
                anchor,
                target,
            ]
        )

    row(
        "skrnn RNNRegressor.predict",
        skrnn_stats,
        "-",
        f"<= {PREDICT_TARGET_MS:g} ms: "
        + verdict(skrnn_stats.median_ms, PREDICT_TARGET_MS),
    )

    # Where the time goes inside skrnn: the traced forward pass alone (private API,
    # shown only while it exists under this name).
    predictor = reg._compiled_predictor()
    if predictor is not None:
        inner = summarize(
            time_calls(lambda: predictor(x), n_calls=args.calls, n_warmup=args.warmup)
        )
        row("  of which CompiledPredictor (internal)", inner, "-")

    log(f"  predict: keras Model.predict x {args.baseline_calls} calls ...")
    model = reg.model_
    keras_stats = summarize(
        time_calls(
            lambda: model.predict(x, verbose=0),
            n_calls=args.baseline_calls,
            n_warmup=args.warmup,
        )
    )
    row(
        "keras Model.predict (same network)",
        keras_stats,
        f"~{ANCHOR_KERAS_PREDICT_MS:g} ms",
    )

    if scikeras is not None:
        log(
            f"  predict: scikeras KerasRegressor.predict "
            f"x {args.baseline_calls} calls ..."
        )
        keras.utils.set_random_seed(SEED)
        sk = make_scikeras_regressor(scikeras, epochs=1).fit(X, y)
        sk_stats = summarize(
            time_calls(
                lambda: sk.predict(x), n_calls=args.baseline_calls, n_warmup=args.warmup
            )
        )
        row(
            "scikeras KerasRegressor.predict",
            sk_stats,
            f"~{ANCHOR_SCIKERAS_PREDICT_MS:g} ms",
        )
    else:
        rows.append(
            [
                "scikeras KerasRegressor.predict",
                "-",
                "not installed",
                "-",
                "-",
                f"~{ANCHOR_SCIKERAS_PREDICT_MS:g} ms",
                "",
            ]
        )

    # Sanity: the fast path and Model.predict agree.
    gap = float(
        np.max(np.abs(reg.predict(X[:8]) - model.predict(X[:8], verbose=0)[:, 0]))
    )
    return rows, skrnn_stats, gap


# ----------------------------------------------------------------------- fit
def bench_fit(args, scikeras):
    import keras

    from skrnn import RNNClassifier, RNNRegressor

    X, y_reg, y_clf = make_data(args.fit_samples, SEED)
    epochs = args.fit_epochs

    def fit_skrnn_regressor():
        keras.utils.set_random_seed(SEED)
        RNNRegressor(
            cell="lstm",
            units=UNITS,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            optimizer="adam",
            learning_rate=LEARNING_RATE,
            random_state=SEED,
        ).fit(X, y_reg)

    def fit_keras_regressor():
        fit_raw_keras(X, y_reg, epochs=epochs)

    def fit_scikeras_regressor():
        keras.utils.set_random_seed(SEED)
        make_scikeras_regressor(scikeras, epochs=epochs).fit(X, y_reg)

    def fit_skrnn_classifier():
        keras.utils.set_random_seed(SEED)
        RNNClassifier(
            cell="lstm",
            units=UNITS,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            optimizer="adam",
            learning_rate=LEARNING_RATE,
            random_state=SEED,
        ).fit(X, y_clf)

    def fit_keras_classifier():
        fit_raw_keras(
            X,
            y_clf.astype(np.float32),
            epochs=epochs,
            loss="binary_crossentropy",
            activation="sigmoid",
        )

    def progress(name, index, wall, cpu):
        label = "warm-up" if index < 0 else f"round {index + 1}/{args.rounds}"
        log(f"  fit: {label:>11}  {name:<16} {wall:6.2f} s wall {cpu:6.2f} s cpu")

    contenders = {"skrnn": fit_skrnn_regressor, "keras": fit_keras_regressor}
    if scikeras is not None:
        contenders["scikeras"] = fit_scikeras_regressor
    timings = interleaved_rounds(
        contenders,
        n_rounds=args.rounds,
        n_warmup=1,
        setup=fresh_state,
        progress=progress,
    )

    results = []

    def result(name, num, den, anchor, target):
        wall = ratios(timings[num].wall, timings[den].wall)
        cpu = ratios(timings[num].cpu, timings[den].cpu)
        results.append(
            {
                "name": name,
                "num": summarize(timings[num].wall).median,
                "den": summarize(timings[den].wall).median,
                "ratio": float(np.median(wall)),
                "rounds": wall,
                "cpu_ratio": float(np.median(cpu)),
                "anchor": anchor,
                "target": target,
            }
        )

    anchors = (
        f"scikeras {ANCHOR_SCIKERAS_FIT_RATIO:g}, "
        f"keras.wrappers {ANCHOR_KERAS_WRAPPERS_FIT_RATIO:g}"
    )
    result("RNNRegressor.fit / keras", "skrnn", "keras", anchors, FIT_RATIO_TARGET)
    if scikeras is not None:
        result(
            "scikeras KerasRegressor.fit / keras",
            "scikeras",
            "keras",
            f"{ANCHOR_SCIKERAS_FIT_RATIO:g}",
            None,
        )
    else:
        results.append(
            {
                "name": "scikeras KerasRegressor.fit / keras",
                "missing": True,
                "anchor": f"{ANCHOR_SCIKERAS_FIT_RATIO:g}",
            }
        )

    if not args.no_classifier:
        clf_contenders = {
            "skrnn classifier": fit_skrnn_classifier,
            "keras classifier": fit_keras_classifier,
        }
        timings.update(
            interleaved_rounds(
                clf_contenders,
                n_rounds=args.rounds,
                n_warmup=1,
                setup=fresh_state,
                progress=progress,
            )
        )
        result(
            "RNNClassifier.fit / keras (binary)",
            "skrnn classifier",
            "keras classifier",
            "-",
            FIT_RATIO_TARGET,
        )
    return results


# ---------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    warning = busy_machine_warning()
    scikeras, scikeras_reason = import_scikeras(args.no_scikeras)

    import keras  # after quiet_backend(): TensorFlow backend

    import skrnn

    log("skrnn core benchmarks (python benchmarks/bench_core.py --help for options)")
    log(f"  scikeras: {'used' if scikeras is not None else scikeras_reason}")
    if warning:
        log("  " + warning)
    predict_rows, skrnn_predict, gap = bench_predict(args, scikeras)
    fit_results = bench_fit(args, scikeras)
    elapsed = time.perf_counter() - started

    print()
    print_table(
        ["item", "value"],
        environment_rows(
            [("skrnn", skrnn.__version__), ("keras (imported)", keras.__version__)]
        ),
        align="ll",
        title="Environment",
    )

    print_table(
        [
            "predict(x), x of shape (1, 24, 4)",
            "calls",
            "median ms",
            "p90 ms",
            "vs skrnn",
            "anchor",
            "target",
        ],
        predict_rows,
        align="lrrrrrl",
        title=(
            f"1. Single-sample predict latency: LSTM(32) fitted 1 epoch on "
            f"(256, 24, 4); {args.warmup} warm-up calls first"
        ),
    )
    print(f"   max |skrnn.predict - Model.predict| on 8 samples: {gap:.2e}")
    print()

    rows = []
    for res in fit_results:
        if res.get("missing"):
            rows.append(
                [res["name"], "-", "-", scikeras_reason, "-", "-", res["anchor"], ""]
            )
            continue
        target = (
            "info"
            if res["target"] is None
            else f"<= {res['target']:g}: {verdict(res['ratio'], res['target'])}"
        )
        rows.append(
            [
                res["name"],
                fmt_s(res["num"]),
                fmt_s(res["den"]),
                f"{res['ratio']:.3f}",
                " ".join(f"{r:.2f}" for r in res["rounds"]),
                f"{res['cpu_ratio']:.3f}",
                res["anchor"],
                target,
            ]
        )
    print_table(
        [
            "fit time ratio",
            "median s",
            "keras s",
            "wall ratio",
            "per-round wall ratios",
            "cpu ratio",
            "anchor",
            "target",
        ],
        rows,
        align="lrrrlrll",
        title=(
            f"2. Fit time vs raw Keras: LSTM(32) -> Dense(1), Adam 1e-3, "
            f"{args.fit_samples} x {N_STEPS} x {N_FEATURES} float32, "
            f"{args.fit_epochs} epochs, batch {BATCH_SIZE}, build+compile+fit, "
            f"{args.rounds} interleaved rounds after 1 warm-up, "
            f"keras {keras.__version__}"
        ),
    )
    print(
        "   ratio = median over rounds of (contender time / raw Keras time in the same "
        "round);\n   wall: wall-clock (the target), cpu: process CPU time (steadier "
        "when other\n   processes share the cores). median s: wall-clock medians."
    )
    print()
    if warning:
        print(warning)
    print(f"Total benchmark time: {elapsed:.0f} s; load average now: {load_average()}")

    missed = skrnn_predict.median_ms > PREDICT_TARGET_MS or any(
        res.get("target") is not None and res["ratio"] > res["target"]
        for res in fit_results
        if not res.get("missing")
    )
    if missed:
        print("At least one skrnn target was missed (see the 'target' columns).")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
