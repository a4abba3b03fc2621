"""Core skrnn benchmarks: predict latency, fit time and training speed against raw Keras.

Run from the repository root (about 12-15 minutes on 2 CPU cores; the training
speed section takes most of it)::

    python benchmarks/bench_core.py            # full run
    python benchmarks/bench_core.py --quick    # fewer calls, rounds, cells: ~3 minutes
    python benchmarks/bench_core.py --sections train --train-cells gru
    python benchmarks/bench_core.py --help     # all options

What is measured
----------------
1. Single-sample predict latency, on one sample ``x`` of shape (1, 24, 1) after
   ``--warmup`` untimed calls (default 100: once a predictor has served 50
   calls of one input shape, skrnn compiles its forward pass for that shape
   with XLA), over ``--calls`` calls (default 300): median and p90 in ms.
   Beside each skrnn figure, its calls 6-45 (the traced function, before
   anything is compiled) and the one-time cost of the call that compiles. Two
   skrnn regressors, fitted 1 epoch on random data of shape (256, 24, 1):

   * a named plain network, ``RNNRegressor(cell="lstm", units=32, epochs=1,
     n_networks=1, bidirectional=False, conv_filters=(), pooling="last",
     lr_schedule=None, scale_inputs=False, scale_targets=False)``. Target:
     median <= 2 ms. Beside it, the same fitted network through raw Keras:
     ``model.predict_on_batch(x)`` (issue 20 measured 1.3 ms for a plain Keras
     LSTM(32)) and ``model.predict(x, verbose=0)``;
   * the default recipe, ``RNNRegressor(epochs=1)`` (a convolutional front end,
     a bidirectional GRU, 2 networks averaged). Target: median <= 3 ms.
     Beside it, its network through ``model.predict_on_batch`` on a sample of
     the shape the network reads (the estimator's input encoding adds
     channels; the values do not matter to the time).

   When installed, scikeras' ``KerasRegressor`` with the plain
   architecture is fitted on the same data and timed too. Anchors measured
   earlier by the team on this kind of machine: Keras ``Model.predict`` ~50
   ms, scikeras ~58 ms.

2. Fit time against raw Keras. The same network (LSTM(32) -> Dense(1), Adam with
   learning rate 1e-3, mean squared error), the same data (2048 x 24 x 4,
   float32), 5 epochs, batch size 32, ``shuffle=True``, ``verbose=0``:
   ``RNNRegressor(...).fit(X, y)`` against building, compiling and fitting the
   Keras model by hand, both timed from model construction to the end of
   training. The contenders run once each per round, in alternating order,
   after one untimed warm-up round; ``keras.utils.set_random_seed`` is called
   with the same seed before each raw Keras (and scikeras) fit -- skrnn seeds
   its layers from ``random_state`` and sets no global seed -- and
   ``keras.backend.clear_session`` plus ``gc.collect`` run (untimed) between
   them. Reported: the median of the per-round wall-clock ratios skrnn / keras
   (and, beside it, the same ratio in process CPU time, steadier when other
   processes share the cores).
   Target: <= 1.05. Anchors: scikeras 1.22,
   ``keras.wrappers`` 1.32. scikeras (when installed) and ``RNNClassifier``
   against the equivalent raw Keras binary classifier are measured the same way.

3. Training speed against raw Keras defaults. For each cell (LSTM, GRU,
   SimpleRNN; ``--train-cells``) with 16 units -> Dense(1), Adam 1e-3, mean
   squared error, batch size 32, ``verbose=0``, on random float32 data with one
   feature (``--train-sizes``): *small*, 500 sequences x 12 steps, 30 epochs
   (the size of a notebook example) and *large*, 20,000 x 24, 2 epochs. Four
   contenders, each timed from model construction to the end of training:

   * ``keras``: the defaults a new user writes: ``keras.Sequential([Input,
     Cell(16), Dense(1)])``, ``compile(optimizer=Adam(1e-3), loss="mse")``,
     ``fit(X, y, batch_size=32, epochs=..., shuffle=True, verbose=0)``;
   * ``skrnn``: ``RNNRegressor(cell=..., units=16, epochs=..., batch_size=32,
     scale_inputs=False, scale_targets=False, random_state=0).fit(X, y)``;
   * ``keras spe=8``: raw Keras with ``compile(..., steps_per_execution=8)``
     (8 batches per compiled call);
   * ``keras jit``: raw Keras with ``compile(..., jit_compile=True)`` (XLA).

   After one untimed warm-up round, ``--train-rounds`` interleaved rounds
   (default 5). Reported: the wall-clock median, the median of per-round ratios
   to ``keras`` in wall clock (the target applies to it) and in CPU time, the
   final training loss, and for the raw Keras options, which start from the same
   global seed as ``keras``, the largest difference of their predictions on 256
   training sequences from ``keras``'s (0 when the option changes nothing but
   speed). Target (issue 10): skrnn fit <= 0.7x raw Keras on both sizes.

``--sections`` picks the sections (default all three). The script always exits
0 unless ``--strict`` is given, in which case a missed target exits 1.
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

# The plain recurrent network the raw Keras contenders build: no convolutional
# front end, one direction, the final state, no learning-rate schedule (the
# sequence estimators' defaults add all four since the UCR recipe).
SAME_NETWORK = dict(
    bidirectional=False, conv_filters=(), pooling="last", lr_schedule=None
)
SEED = 0
N_STEPS, N_FEATURES, UNITS = 24, 4, 32
LEARNING_RATE = 1e-3
BATCH_SIZE = 32

PREDICT_TARGET_MS = 2.0  # a named plain LSTM(32)
DEFAULT_PREDICT_TARGET_MS = 3.0  # the regressor's recipe (conv + BiGRU, 2 networks)
PREDICT_SAMPLES, PREDICT_FEATURES = 256, 1
FIT_RATIO_TARGET = 1.05
# Figures measured earlier by the team on this kind of machine (2 CPU cores).
ANCHOR_KERAS_PREDICT_MS = 50.0
ANCHOR_SCIKERAS_PREDICT_MS = 58.0
ANCHOR_SCIKERAS_FIT_RATIO = 1.22
ANCHOR_KERAS_WRAPPERS_FIT_RATIO = 1.32

# Section 3, training speed: (sequences, steps, epochs) per size, Keras layer per cell.
TRAIN_SIZES = {"small": (500, 12, 30), "large": (20_000, 24, 2)}
TRAIN_CELLS = {"lstm": "LSTM", "gru": "GRU", "simple": "SimpleRNN"}
TRAIN_UNITS = 16
TRAIN_RATIO_TARGET = 0.7
TRAIN_PROBE = 256  # training sequences whose predictions the Keras options compare
SECTIONS = ("predict", "fit", "train")


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
        default=100,
        help="untimed predict calls before timing (default 100: skrnn compiles "
        "the forward pass with XLA after 50 calls of one input shape)",
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
        "--sections",
        type=_choices(SECTIONS),
        default=list(SECTIONS),
        help="comma-separated sections to run: predict, fit, train (default all)",
    )
    parser.add_argument(
        "--train-cells",
        type=_choices(TRAIN_CELLS),
        default=None,
        help="training speed: comma-separated cells among lstm, gru, simple "
        "(default all; gru with --quick)",
    )
    parser.add_argument(
        "--train-sizes",
        type=_choices(TRAIN_SIZES),
        default=list(TRAIN_SIZES),
        help="training speed: small (500 x 12, 30 epochs), large (20000 x 24, "
        "2 epochs) or both (default)",
    )
    parser.add_argument(
        "--train-rounds",
        type=int,
        default=None,
        help="training speed: timed rounds per contender (default 5; 2 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 50/20 predict calls after 60 warm-up calls, 2 fit rounds, "
        "training speed of GRU only with 2 rounds",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a skrnn target is missed"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.baseline_calls, args.warmup, args.rounds = 50, 20, 60, 2
    if args.train_cells is None:
        args.train_cells = ["gru"] if args.quick else list(TRAIN_CELLS)
    if args.train_rounds is None:
        args.train_rounds = 2 if args.quick else 5
    if min(args.rounds, args.train_rounds) < 1:
        parser.error("--rounds and --train-rounds must be at least 1")
    return args


def _choices(allowed):
    """An argparse type: a comma-separated list of names from ``allowed``."""

    def parse(text):
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(allowed)}; got {text!r}"
            )
        return names

    return parse


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
def keras_network(n_outputs=1, activation=None, n_features=N_FEATURES):
    """The network skrnn builds, written by hand: LSTM(32) -> Dense(n_outputs)."""
    import keras

    inputs = keras.Input(shape=(N_STEPS, n_features))
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


def make_scikeras_regressor(wrappers, *, epochs, n_features=N_FEATURES):
    return wrappers.KerasRegressor(
        model=keras_network,
        model__n_features=n_features,
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
def make_predict_data(seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(PREDICT_SAMPLES, N_STEPS, PREDICT_FEATURES)).astype(np.float32)
    y = (X[:, -3:, 0].sum(axis=1) + 0.1 * rng.normal(size=PREDICT_SAMPLES)).astype(
        np.float32
    )
    return X, y


def bench_predict(args, scikeras):
    """Single-sample latency of a named plain LSTM(32) and of the default recipe."""
    import keras

    from skrnn import RNNRegressor

    X, y = make_predict_data(SEED)
    x = X[:1]
    # No scaling outside the network, so reg.predict and Model.predict compute
    # the same function (the sanity check at the end compares them).
    plain = RNNRegressor(
        cell="lstm",
        units=UNITS,
        epochs=1,
        n_networks=1,
        **SAME_NETWORK,
        scale_inputs=False,
        scale_targets=False,
        random_state=SEED,
    ).fit(X, y)
    log("  predict: fitting the default recipe RNNRegressor(epochs=1) ...")
    recipe = RNNRegressor(epochs=1, random_state=SEED).fit(X, y)
    # The recipe's network reads the estimator's encoding of x (instance
    # scaling adds channels): time it on a sample of that shape.
    recipe_model = recipe.model_
    _, steps, channels = recipe_model.input_shape
    recipe_x = (
        np.random.RandomState(SEED)
        .normal(size=(1, steps or N_STEPS, channels))
        .astype(np.float32)
    )

    def timed(function, n_calls):
        return summarize(time_calls(function, n_calls=n_calls, n_warmup=args.warmup))

    rows = []

    def row(name, stats, anchor, target=""):
        rows.append(
            [
                name,
                f"{stats.n}",
                fmt_ms(stats.median, 3),
                fmt_ms(stats.p90, 3),
                anchor,
                target,
            ]
        )

    def before_compiling(name, estimator):
        """Calls 6-45 (the traced function), then calls 46-60: the 51st
        compiles the forward pass, the slowest of them is its time."""
        first = summarize(time_calls(lambda: estimator.predict(x), n_calls=40))
        switch = time_calls(lambda: estimator.predict(x), n_calls=15, n_warmup=0)
        row(
            f"{name}: calls 6-45, before compiling",
            first,
            f"compiling: {switch.max():.2f} s once",
        )

    log(f"  predict: {args.calls} calls per contender ...")
    before_compiling(f"skrnn, named plain LSTM({UNITS})", plain)
    plain_stats = timed(lambda: plain.predict(x), args.calls)
    row(
        f"skrnn, named plain LSTM({UNITS}): reg.predict(x)",
        plain_stats,
        "-",
        f"<= {PREDICT_TARGET_MS:g} ms: "
        + verdict(plain_stats.median_ms, PREDICT_TARGET_MS),
    )
    model = plain.model_
    row(
        f"raw Keras, the same LSTM({UNITS}): model.predict_on_batch(x)",
        timed(lambda: model.predict_on_batch(x), args.calls),
        "1.3 ms (issue 20)",
    )
    before_compiling("skrnn, default recipe", recipe)
    recipe_stats = timed(lambda: recipe.predict(x), args.calls)
    row(
        "skrnn, default recipe RNNRegressor(): reg.predict(x)",
        recipe_stats,
        "-",
        f"<= {DEFAULT_PREDICT_TARGET_MS:g} ms: "
        + verdict(recipe_stats.median_ms, DEFAULT_PREDICT_TARGET_MS),
    )
    row(
        "raw Keras, the same network: model.predict_on_batch(x, encoded shape)",
        timed(lambda: recipe_model.predict_on_batch(recipe_x), args.calls),
        "-",
    )

    log(f"  predict: keras Model.predict x {args.baseline_calls} calls ...")
    row(
        f"raw Keras LSTM({UNITS}): model.predict(x, verbose=0)",
        timed(lambda: model.predict(x, verbose=0), args.baseline_calls),
        f"~{ANCHOR_KERAS_PREDICT_MS:g} ms",
    )

    if scikeras is not None:
        log(
            f"  predict: scikeras KerasRegressor.predict "
            f"x {args.baseline_calls} calls ..."
        )
        keras.utils.set_random_seed(SEED)
        sk = make_scikeras_regressor(
            scikeras, epochs=1, n_features=PREDICT_FEATURES
        ).fit(X, y)
        row(
            "scikeras KerasRegressor.predict",
            timed(lambda: sk.predict(x), args.baseline_calls),
            f"~{ANCHOR_SCIKERAS_PREDICT_MS:g} ms",
        )
    else:
        rows.append(
            [
                "scikeras KerasRegressor.predict",
                "-",
                "not installed",
                "-",
                f"~{ANCHOR_SCIKERAS_PREDICT_MS:g} ms",
                "",
            ]
        )

    # Sanity: the fast path and Model.predict agree.
    gap = float(
        np.max(np.abs(plain.predict(X[:8]) - model.predict(X[:8], verbose=0)[:, 0]))
    )
    missed = (
        plain_stats.median_ms > PREDICT_TARGET_MS
        or recipe_stats.median_ms > DEFAULT_PREDICT_TARGET_MS
    )
    return rows, missed, gap


# ----------------------------------------------------------------------- fit
def bench_fit(args, scikeras):
    import keras

    from skrnn import RNNClassifier, RNNRegressor

    X, y_reg, y_clf = make_data(args.fit_samples, SEED)
    epochs = args.fit_epochs

    # keras.utils.set_random_seed is for the raw Keras and scikeras contenders only:
    # skrnn seeds every layer from random_state and leaves the global seeds alone.
    def fit_skrnn_regressor():
        RNNRegressor(
            cell="lstm",
            units=UNITS,
            epochs=epochs,
            **SAME_NETWORK,
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
        RNNClassifier(
            cell="lstm",
            units=UNITS,
            epochs=epochs,
            **SAME_NETWORK,
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


# ------------------------------------------------------------ training speed
def make_train_data(n_samples, n_steps, seed):
    """Random sequences with one feature; the target is the sum of the last 3 steps."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_steps, 1)).astype(np.float32)
    y = (X[:, -3:, 0].sum(axis=1) + 0.1 * rng.normal(size=n_samples)).astype(np.float32)
    return X, y


TRAIN_CONTENDERS = {
    # name -> extra compile() arguments of a raw Keras contender (None: skrnn)
    "keras": {},
    "skrnn": None,
    "keras spe=8": {"steps_per_execution": 8},
    "keras jit": {"jit_compile": True},
}


def bench_train(args):
    """Training speed: skrnn and two Keras options against raw Keras defaults."""
    results = []
    for size in args.train_sizes:
        for cell in args.train_cells:
            results.extend(bench_train_case(args, size, cell))
    return results


def bench_train_case(args, size, cell):
    """Interleaved rounds of the four contenders on one data size and cell."""
    import keras

    from skrnn import RNNRegressor

    n_samples, n_steps, epochs = TRAIN_SIZES[size]
    X, y = make_train_data(n_samples, n_steps, SEED)
    probe = X[:TRAIN_PROBE]
    layer = getattr(keras.layers, TRAIN_CELLS[cell])
    fitted = {}  # name -> (Keras model or None, final training loss) of the last run

    def raw_keras(options):
        keras.utils.set_random_seed(SEED)  # the same start for every Keras option
        model = keras.Sequential(
            [keras.Input(shape=(n_steps, 1)), layer(TRAIN_UNITS), keras.layers.Dense(1)]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
            loss="mse",
            **options,
        )
        history = model.fit(
            X, y, batch_size=BATCH_SIZE, epochs=epochs, shuffle=True, verbose=0
        )
        return model, history.history["loss"][-1]

    def skrnn():
        reg = RNNRegressor(
            cell=cell,
            units=TRAIN_UNITS,
            epochs=epochs,
            **SAME_NETWORK,
            batch_size=BATCH_SIZE,
            scale_inputs=False,
            scale_targets=False,
            random_state=SEED,
        ).fit(X, y)
        return None, reg.history_["loss"][-1]

    def contender(name):
        options = TRAIN_CONTENDERS[name]

        def run():
            fitted[name] = skrnn() if options is None else raw_keras(options)

        return run

    losses = {name: [] for name in TRAIN_CONTENDERS}
    predictions = {name: [] for name in TRAIN_CONTENDERS}

    def progress(name, index, wall, cpu):
        # Untimed: read the loss, predict the probe, drop the model.
        model, loss = fitted.pop(name)
        if index >= 0:
            losses[name].append(float(loss))
            if model is not None:
                predictions[name].append(np.asarray(model(probe, training=False)))
        label = "warm-up" if index < 0 else f"round {index + 1}/{args.train_rounds}"
        log(
            f"  train: {size} {cell:<6} {label:>11}  {name:<11} "
            f"{wall:6.2f} s wall {cpu:6.2f} s cpu  loss {float(loss):.4f}"
        )

    timings = interleaved_rounds(
        {name: contender(name) for name in TRAIN_CONTENDERS},
        n_rounds=args.train_rounds,
        n_warmup=1,
        setup=fresh_state,
        progress=progress,
    )
    base = timings["keras"]
    results = []
    for name in TRAIN_CONTENDERS:
        gap = None
        if predictions[name]:
            gap = max(
                float(np.max(np.abs(pred - ref)))
                for pred, ref in zip(
                    predictions[name], predictions["keras"], strict=True
                )
            )
        results.append(
            {
                "data": f"{n_samples} x {n_steps}, {epochs} ep",
                "cell": TRAIN_CELLS[cell],
                "name": name,
                "median": summarize(timings[name].wall).median,
                "ratio": float(np.median(ratios(timings[name].wall, base.wall))),
                "cpu_ratio": float(np.median(ratios(timings[name].cpu, base.cpu))),
                "loss": float(np.median(losses[name])),
                "gap": gap,
                "target": TRAIN_RATIO_TARGET if name == "skrnn" else None,
            }
        )
    return results


def print_train_table(args, results, keras_version):
    rows = []
    for res in results:
        target, gap = "info", "-" if res["gap"] is None else f"{res['gap']:.1e}"
        if res["name"] == "keras":
            target, gap = "baseline", "0 (reference)"
        elif res["target"] is not None:
            target = f"<= {res['target']:g}: {verdict(res['ratio'], res['target'])}"
        rows.append(
            [
                res["data"],
                res["cell"],
                res["name"],
                fmt_s(res["median"]),
                f"{res['ratio']:.2f}",
                f"{res['cpu_ratio']:.2f}",
                f"{res['loss']:.4f}",
                gap,
                target,
            ]
        )
    print_table(
        [
            "data",
            "cell",
            "contender",
            "median s",
            "vs keras",
            "cpu ratio",
            "final loss",
            "max |pred - keras|",
            "target",
        ],
        rows,
        align="lllrrrrrl",
        title=(
            f"3. Training speed vs raw Keras defaults: cell({TRAIN_UNITS}) -> Dense(1), "
            f"Adam 1e-3, MSE, batch {BATCH_SIZE}, build+compile+fit, "
            f"{args.train_rounds} interleaved rounds after 1 warm-up, "
            f"keras {keras_version}"
        ),
    )
    print(
        "   vs keras / cpu ratio: median over rounds of (time / raw Keras defaults' "
        "time in\n   the same round), wall clock / process CPU time. final loss: "
        "median last-epoch\n   training loss. max |pred - keras|: largest prediction "
        f"difference on {TRAIN_PROBE}\n   training sequences from raw Keras defaults "
        "fitted from the same global seed\n   (skrnn seeds its own layers: not "
        "comparable, '-')."
    )
    print()


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
    predict_rows = fit_results = train_results = None
    if "predict" in args.sections:
        predict_rows, predict_missed, gap = bench_predict(args, scikeras)
    if "fit" in args.sections:
        fit_results = bench_fit(args, scikeras)
    if "train" in args.sections:
        train_results = bench_train(args)
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

    if predict_rows is not None:
        print_table(
            [
                f"predict(x), x of shape (1, {N_STEPS}, {PREDICT_FEATURES})",
                "calls",
                "median ms",
                "p90 ms",
                "anchor",
                "target",
            ],
            predict_rows,
            align="lrrrrl",
            title=(
                "1. Single-sample predict latency: networks fitted 1 epoch on "
                f"({PREDICT_SAMPLES}, {N_STEPS}, {PREDICT_FEATURES}); "
                f"{args.warmup} warm-up calls first"
            ),
        )
        print(
            "   max |skrnn.predict - Model.predict| on 8 samples (plain LSTM): "
            f"{gap:.2e}"
        )
        print()

    if fit_results is not None:
        rows = []
        for res in fit_results:
            if res.get("missing"):
                rows.append(
                    [
                        res["name"],
                        "-",
                        "-",
                        scikeras_reason,
                        "-",
                        "-",
                        res["anchor"],
                        "",
                    ]
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
    if train_results is not None:
        print_train_table(args, train_results, keras.__version__)
    if warning:
        print(warning)
    print(f"Total benchmark time: {elapsed:.0f} s; load average now: {load_average()}")

    missed = (predict_rows is not None and predict_missed) or any(
        res.get("target") is not None and res["ratio"] > res["target"]
        for res in (fit_results or []) + (train_results or [])
        if not res.get("missing")
    )
    if missed:
        print("At least one skrnn target was missed (see the 'target' columns).")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
