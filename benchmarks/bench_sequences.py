"""Sequence benchmarks: length bucketing, truncated BPTT memory, ragged predict.

Run from the repository root (about 3-5 minutes on 2 CPU cores)::

    python benchmarks/bench_sequences.py            # full run
    python benchmarks/bench_sequences.py --quick    # smoke test, about 2-3 minutes
    python benchmarks/bench_sequences.py --help     # all options

What is measured
----------------
1. Length bucketing. 1024 sequences (``--n-sequences``) with lengths drawn
   uniformly from 10..400, 4 features, float32; the target is the mean of each
   sequence's first feature. ``RNNRegressor(units=32, epochs=3, batch_size=32,
   random_state=0, lr_schedule=None).fit(X_list, y)`` (``units`` named: the
   plain recurrent network, no convolutional front end) on the ragged list (skrnn batches sequences
   of similar length, pads each batch to its own longest member and masks the
   padding) against the same estimator fitted on the same sequences padded
   with 0 at the end to 400 steps, as one dense 3-D array, with
   ``mask_value=0.0`` (the same semantics: padding masked) and, for context,
   without a mask. Each fit is timed whole (build + trace + train) and per
   epoch (epochs 2.. leave the one-off tracing out). The contenders run once
   per round in alternating order, after an untimed warm-up fit of each on 64
   sequences. Reported: medians over rounds, and the median of the per-round
   ratios bucketed / padded. Target: bucketed / padded + mask <= 0.6 (ideally
   about 0.5). The theoretical ratio is the mean padded length of a batch
   cut from the length-sorted sequences, over 400: the ideal bucketing (skrnn
   varies its buckets from epoch to epoch, so its batches pad a little more).

2. Truncated BPTT memory. In a fresh subprocess per configuration (so that
   one configuration's peak does not hide the next one's): one long sequence,
   1 feature, per-step targets, ``RNNRegressor(units=16, epochs=1,
   return_sequences=True, tbptt_steps=T, batch_size=1)``. Each subprocess
   starts TensorFlow (one tiny operation, no fit: a warm-up fit would set a
   peak that the measured fit need not exceed), makes the data, then measures
   the growth of its peak resident set size (``ru_maxrss``) across ``fit``,
   and the fit time. Configurations: 100,000 steps with T in
   (200, 1000, 5000); full BPTT (no ``tbptt_steps``) on 1,000 (reference:
   building and tracing a network), 5,000 and 20,000 steps; and 20,000 steps
   with T=200. Targets: TBPTT memory does not grow with the sequence
   (100,000 steps vs 20,000 steps at T=200, within 10 MB), and stays below
   full BPTT on 20,000 steps. Each child is started by a shell rather than
   by this process, whose peak RSS it would otherwise inherit (see
   :func:`run_child`).

3. Predict on the 1024 ragged sequences, for information, with the models
   section 1 fitted last: skrnn predicts a network trained on ragged data in
   length-sorted chunks, padded and masked, against the padded estimator
   (``mask_value=0.0``) on the padded array. Beside it, the largest difference
   of the ragged predictions from predicting each sequence alone.

The script always exits 0 unless ``--strict`` is given, in which case a missed
target exits 1.
"""

import argparse
import contextlib
import gc
import json
import os
import resource
import subprocess
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
    verdict,
)

quiet_backend()

import numpy as np  # noqa: E402

SEED = 0
MB = 2**20

# 1. length bucketing
N_SEQUENCES = 1024
MIN_LENGTH, MAX_LENGTH = 10, 400
N_FEATURES, UNITS, BATCH_SIZE = 4, 32, 32
EPOCHS = 3
ROUNDS = 3
BUCKETING_TARGET = 0.6  # issue 20

# 2. truncated BPTT memory: (label, n_steps, tbptt_steps or None)
LONG_STEPS = 100_000
TBPTT_CHUNKS = (200, 1000, 5000)
FULL_BPTT_STEPS = (1_000, 5_000, 20_000)
SHORT_TBPTT_STEPS, SHORT_TBPTT_CHUNK = 20_000, 200
TBPTT_UNITS = 16
FLAT_TOLERANCE_MB = 10.0

# 3. predict
PREDICT_ROUNDS = 3

RESULT_MARK = "SKRNN-BENCH-RESULT "


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--n-sequences",
        type=int,
        default=N_SEQUENCES,
        help=f"ragged sequences of section 1 and 3 (default {N_SEQUENCES})",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=EPOCHS,
        help=f"epochs of each section-1 fit (default {EPOCHS})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help=f"timed fit rounds per contender (default {ROUNDS})",
    )
    parser.add_argument(
        "--long-steps",
        type=int,
        default=LONG_STEPS,
        help=f"steps of the long TBPTT sequence (default {LONG_STEPS:,})",
    )
    parser.add_argument(
        "--full-bptt-long",
        action="store_true",
        help="also run full BPTT on the long sequence (slow: 1-2 minutes more)",
    )
    parser.add_argument(
        "--sections",
        default="123",
        help="which sections to run, e.g. '13' (default '123')",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 256 sequences, 2 epochs, 1 round, fewer memory runs",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_sequences, args.epochs, args.rounds = 256, 2, 1
        args.long_steps = 20_000
    return args


def log(message):
    print(message, file=sys.stderr, flush=True)


def fresh_state():
    """Untimed, before each fit: drop Keras' global graph state and garbage."""
    import keras

    keras.backend.clear_session()
    gc.collect()


# --------------------------------------------------------------------- data
def make_ragged(n_sequences, seed=SEED):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(MIN_LENGTH, MAX_LENGTH + 1, size=n_sequences)
    X = [rng.normal(size=(n, N_FEATURES)).astype(np.float32) for n in lengths]
    y = np.array([x[:, 0].mean() for x in X], dtype=np.float32)
    return X, y, lengths


def pad(X, value, n_steps=MAX_LENGTH):
    """The sequences padded at the end to ``n_steps``: one dense 3-D array."""
    out = np.full((len(X), n_steps, N_FEATURES), value, dtype=np.float32)
    for row, x in enumerate(X):
        out[row, : len(x)] = x
    return out


def theoretical_ratio(lengths):
    """Mean padded length of ideal length buckets, and its ratio to MAX_LENGTH.

    The batches are cut from the lengths sorted, each padded to its longest
    member; the time of a fit would follow that ratio if it were proportional
    to the padded steps and nothing else differed.
    """
    ordered = np.sort(lengths)
    longest = [
        ordered[start : start + BATCH_SIZE].max()
        for start in range(0, len(ordered), BATCH_SIZE)
    ]
    mean = float(np.mean(longest))
    return mean, mean / MAX_LENGTH


@contextlib.contextmanager
def epoch_clock():
    """Record ``(wall, cpu)`` seconds of each epoch of the ``Model.fit`` calls inside.

    skrnn takes no callbacks, so ``keras.Model.fit`` is wrapped for the duration
    to append a timing callback; nothing else changes.
    """
    import keras

    durations = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            wall, cpu = self._start
            durations.append((time.perf_counter() - wall, time.process_time() - cpu))

    original = keras.Model.fit

    def fit(model, *args, **kwargs):
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [EpochTimer()]
        return original(model, *args, **kwargs)

    keras.Model.fit = fit
    try:
        yield durations
    finally:
        keras.Model.fit = original


# The same recurrent network for every contender: ``units`` is named, so the
# estimators build the plain GRU alone (no front end, which would resample
# ragged series instead of bucketing them); a constant learning rate as in Keras.
PLAIN = dict(lr_schedule=None)


# --------------------------------------------------------- 1. length bucketing
def bench_bucketing(args, X, y, lengths):
    from skrnn import RNNRegressor

    padded_zero = pad(X, 0.0)
    epochs = args.epochs

    def regressor(**params):
        return RNNRegressor(
            units=UNITS,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            random_state=SEED,
            **PLAIN,
            **params,
        )

    data = {
        "bucketed": (dict(), X),
        "padded + mask": (dict(mask_value=0.0), padded_zero),
        "padded, no mask": (dict(), padded_zero),
    }
    epoch_times = {name: [] for name in data}  # (wall, cpu) per round
    losses = {name: [] for name in data}
    fitted = {}

    def contender(name):
        params, inputs = data[name]

        def fit():
            with epoch_clock() as durations:
                reg = regressor(**params).fit(inputs, y)
            # Epochs 2..: the first one also traces the training step.
            later = np.array(durations[1:] or durations)
            epoch_times[name].append(np.median(later, axis=0))
            losses[name].append(reg.history_["loss"][-1])
            fitted[name] = reg

        return fit

    log("  bucketing: warm-up fits on 64 sequences ...")
    for params, inputs in data.values():
        fresh_state()
        RNNRegressor(
            units=UNITS, epochs=1, batch_size=BATCH_SIZE, **PLAIN, **params
        ).fit(inputs[:64], y[:64])

    def progress(name, index, wall, cpu):
        log(
            f"  bucketing: round {index + 1}/{args.rounds}  {name:<16} "
            f"{wall:6.2f} s wall {cpu:6.2f} s cpu"
        )

    timings = interleaved_rounds(
        {name: contender(name) for name in data},
        n_rounds=args.rounds,
        n_warmup=0,
        setup=fresh_state,
        progress=progress,
    )
    return timings, epoch_times, losses, fitted


def report_bucketing(args, lengths, timings, epoch_times, losses, fitted=None):
    mean_len, theory = theoretical_ratio(lengths)
    rows = []
    for name in timings:
        rows.append(
            [
                name,
                fmt_s(summarize(timings[name].wall).median),
                fmt_s(summarize(timings[name].cpu).median),
                fmt_s(float(np.median([t[0] for t in epoch_times[name]]))),
                fmt_s(float(np.median([t[1] for t in epoch_times[name]]))),
                f"{np.median(losses[name]):.4f}",
            ]
        )
    print_table(
        [
            "fit",
            "median s wall",
            "median s cpu",
            "epoch (2..) s wall",
            "epoch (2..) s cpu",
            "final loss",
        ],
        rows,
        align="lrrrrr",
        title=(
            f"1a. Fit times: RNNRegressor(units={UNITS}, epochs={args.epochs}, "
            f"batch_size={BATCH_SIZE}), {len(lengths)} sequences of "
            f"{MIN_LENGTH}..{MAX_LENGTH} x {N_FEATURES} float32, "
            f"{args.rounds} interleaved rounds"
        ),
    )

    results = []

    def ratio_row(num, den, target):
        wall = ratios(timings[num].wall, timings[den].wall)
        cpu = ratios(timings[num].cpu, timings[den].cpu)
        epoch_wall, epoch_cpu = (
            ratios([t[k] for t in epoch_times[num]], [t[k] for t in epoch_times[den]])
            for k in (0, 1)
        )
        value = float(np.median(wall))
        results.append((value, target))
        return [
            f"{num} / {den}",
            f"{value:.3f}",
            " ".join(f"{r:.2f}" for r in wall),
            f"{np.median(cpu):.3f}",
            f"{np.median(epoch_wall):.3f}",
            f"{np.median(epoch_cpu):.3f}",
            f"{theory:.3f}",
            "info" if target is None else f"<= {target:g}: {verdict(value, target)}",
        ]

    rows = [
        ratio_row("bucketed", "padded + mask", BUCKETING_TARGET),
        ratio_row("bucketed", "padded, no mask", None),
        ratio_row("padded + mask", "padded, no mask", None),
    ]
    print_table(
        [
            "ratio",
            "wall (fit)",
            "per-round wall",
            "cpu (fit)",
            "epoch wall",
            "epoch cpu",
            "theory",
            "target",
        ],
        rows,
        align="lrlrrrrl",
        title="1b. Bucketing ratios (median of per-round ratios)",
    )
    print(
        f"   theory: batches of {BATCH_SIZE} cut from the length-sorted sequences "
        f"are padded to {mean_len:.1f}\n   steps on average (skrnn varies its "
        f"buckets between epochs: a little more) against {MAX_LENGTH}\n   "
        f"padded: {mean_len:.1f} / {MAX_LENGTH} = "
        f"{theory:.3f}. The fit ratio also\n   carries the one-off cost of "
        "building and tracing the network, the same for all rows;\n   the epoch "
        "columns (median epoch time of epochs 2..) leave it out. cpu: process CPU "
        "time,\n   steadier than wall time when other processes share the cores."
    )
    print()
    return results


# ------------------------------------------------------- 2. truncated BPTT memory
def memory_configs(args):
    configs = [(args.long_steps, chunk) for chunk in TBPTT_CHUNKS]
    configs += [(n, None) for n in FULL_BPTT_STEPS if n <= args.long_steps]
    configs.append((min(SHORT_TBPTT_STEPS, args.long_steps), SHORT_TBPTT_CHUNK))
    if args.full_bptt_long and args.long_steps not in FULL_BPTT_STEPS:
        configs.append((args.long_steps, None))
    if args.quick:
        configs = [(1_000, None), (5_000, None), (5_000, 200), (args.long_steps, 200)]
    # Sorted so the table reads: full BPTT by length, then TBPTT.
    return sorted(set(configs), key=lambda c: (c[1] is not None, c[1] or 0, c[0]))


def current_rss():
    """This process's current resident set size in bytes."""
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss():
    """This process's peak resident set size in bytes (``ru_maxrss`` is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def own_peak_rss():
    """Peak resident set size of this program's own memory (``VmHWM``), in bytes.

    Unlike ``ru_maxrss`` it does not carry over a parent's peak (see
    :func:`run_child`); used only to check that the baseline was not inherited.
    """
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def long_sequence(n_steps, seed=SEED):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(1, n_steps, 1)).astype(np.float32)
    # A target that needs memory of the past: a leaky running sum of the input.
    y = np.empty((1, n_steps), dtype=np.float32)
    acc = 0.0
    for t, value in enumerate(x[0, :, 0]):
        acc = 0.9 * acc + value
        y[0, t] = acc
    return x, y


def child_memory(spec):
    """In a fresh process: fit one configuration and print its memory and time."""
    inherited = peak_rss() - own_peak_rss()  # ~0 when started through the shell
    from skrnn import RNNRegressor

    n_steps, chunk = (int(part) for part in spec.split(":"))
    chunk = chunk or None

    def regressor(tbptt_steps):
        return RNNRegressor(
            units=TBPTT_UNITS,
            epochs=1,
            return_sequences=True,
            tbptt_steps=tbptt_steps,
            batch_size=1,
            random_state=SEED,
        )

    # Start TensorFlow's runtime only: a warm-up fit would set a peak that the
    # measured fit need not exceed. Building and tracing the network is part of
    # every row, and is what the 1,000-step full-BPTT row measures. Keras is
    # imported here too, as skrnn's first fit would import it.
    import keras  # noqa: F401
    import tensorflow as tf

    float(tf.reduce_sum(tf.ones((8, 8)) @ tf.ones((8, 8))))
    x, y = long_sequence(n_steps)
    gc.collect()
    rss_before, peak_before = current_rss(), peak_rss()
    start = time.perf_counter()
    reg = regressor(chunk).fit(x, y)
    seconds = time.perf_counter() - start
    result = {
        "n_steps": n_steps,
        "chunk": chunk,
        "seconds": seconds,
        "peak_growth": peak_rss() - peak_before,
        "above_rss": peak_rss() - rss_before,
        "peak_after": peak_rss(),
        "inherited": inherited,
        "loss": reg.history_["loss"][-1],
    }
    print(RESULT_MARK + json.dumps(result), flush=True)


def run_child(spec):
    """Run ``--child spec`` in a fresh Python, started by a shell, not by this process.

    Linux carries a process's peak RSS (``ru_maxrss``) over ``fork`` and
    ``exec``: a Python started directly from this one, which holds TensorFlow
    and the data of section 1, would begin with this process's peak and show no
    growth. A shell that forks Python (the trailing ``exit`` keeps it from
    ``exec``-ing it) gives the child a fresh, small peak.
    """
    command = [
        "/bin/sh",
        "-c",
        '"$0" "$@"; exit $?',
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        spec,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    return {"error": f"exit {done.returncode}: " + " | ".join(tail)}


def bench_memory(args):
    results = []
    for n_steps, chunk in memory_configs(args):
        label = f"{n_steps:,} steps, " + (f"T={chunk}" if chunk else "full BPTT")
        log(f"  memory: {label} (fresh subprocess) ...")
        start = time.perf_counter()
        res = run_child(f"{n_steps}:{chunk or 0}")
        res.update(n_steps=n_steps, chunk=chunk, label=label)
        res["process_seconds"] = time.perf_counter() - start
        if "error" in res:
            log(f"  memory: {label} failed: {res['error']}")
        else:
            log(
                f"  memory: {label}: +{res['peak_growth'] / MB:.0f} MB, "
                f"fit {res['seconds']:.1f} s"
            )
        results.append(res)
    return results


def report_memory(args, results):
    ok = [r for r in results if "error" not in r]
    inherited = max((r["inherited"] for r in ok), default=0)
    full = sorted((r for r in ok if r["chunk"] is None), key=lambda r: r["n_steps"])
    reference = full[0] if full else None
    slope = None
    if len(full) >= 2:
        first, last = full[0], full[-1]
        slope = (last["peak_growth"] - first["peak_growth"]) / (
            last["n_steps"] - first["n_steps"]
        )

    rows = []
    for r in results:
        backprop = r["n_steps"] if r["chunk"] is None else r["chunk"]
        if "error" in r:
            rows.append([r["label"], f"{backprop:,}", "-", "-", "-", "-", r["error"]])
            continue
        n_updates = 1 if r["chunk"] is None else int(np.ceil(r["n_steps"] / r["chunk"]))
        above_ref = (
            f"{(r['peak_growth'] - reference['peak_growth']) / MB:+.0f}"
            if reference is not None
            else "-"
        )
        rows.append(
            [
                r["label"],
                f"{backprop:,}",
                str(n_updates),
                f"{r['peak_growth'] / MB:.0f}",
                above_ref,
                f"{r['above_rss'] / MB:.0f}",
                f"{r['seconds']:.1f}",
            ]
        )
    print_table(
        [
            "configuration",
            "backprop steps",
            "updates",
            "peak growth MB",
            "vs 1k full MB",
            "peak - rss MB",
            "fit s",
        ],
        rows,
        align="lrrrrrr",
        title=(
            f"2. Truncated BPTT memory: RNNRegressor(units={TBPTT_UNITS}, epochs=1, "
            "return_sequences=True, batch_size=1,\n   tbptt_steps=T), one sequence x "
            "1 feature, per-step targets; one fresh subprocess per row"
        ),
    )
    print(
        "   peak growth: ru_maxrss after fit minus before (fresh process, TensorFlow "
        "started, no fit yet);\n   peak - rss: the same peak minus the resident set "
        "just before fit (stricter).\n   'vs 1k full': above the full-BPTT fit of "
        "1,000 steps, i.e. what the long sequence adds\n   beyond building and "
        "tracing a network. backprop steps: how far gradients flow back."
    )
    if slope is not None:
        extrapolated = reference["peak_growth"] + slope * (
            args.long_steps - reference["n_steps"]
        )
        print(
            f"   full BPTT grows by {slope / 1024:.1f} KiB per backpropagated "
            f"step here; full BPTT on {args.long_steps:,} steps would\n   need about "
            f"{extrapolated / MB:.0f}"
            " MB (extrapolated"
            + (
                ", measured above"
                if any(r["n_steps"] == args.long_steps for r in full)
                else ", not run: --full-bptt-long runs it"
            )
            + ")."
        )
    if inherited > 20 * MB:
        print(
            f"   WARNING: a child started with a peak RSS {inherited / MB:.0f} MB above "
            "its own (inherited from\n   its parent): peak growth may read too low."
        )
    print(
        "   'Bounded' means: with tbptt_steps=T, a gradient step holds the "
        "activations of T steps only,\n   so peak memory is set by T (the chunk "
        "length), not by the sequence length: the same T\n   should cost the same "
        "on a short and a long sequence (checked in 2b). It is not a fixed\n"
        "   number of MB: a larger T needs more, as full BPTT over T steps would."
    )

    results_flat = []
    same_chunk = sorted(
        (r for r in ok if r["chunk"] == SHORT_TBPTT_CHUNK), key=lambda r: r["n_steps"]
    )
    short = same_chunk[0] if same_chunk else None
    long = same_chunk[-1] if same_chunk else None
    biggest_full = full[-1] if full else None
    checks = []
    if short is not None and long is not None and short is not long:
        gap = (long["peak_growth"] - short["peak_growth"]) / MB
        passed = gap <= FLAT_TOLERANCE_MB
        results_flat.append(passed)
        checks.append(
            [
                f"T={SHORT_TBPTT_CHUNK}: {args.long_steps:,} steps minus "
                f"{short['n_steps']:,} steps",
                f"{gap:+.0f} MB",
                f"<= {FLAT_TOLERANCE_MB:g} MB: {'PASS' if passed else 'MISS'}",
            ]
        )
    if long is not None and biggest_full is not None and biggest_full is not reference:
        passed = long["peak_growth"] < biggest_full["peak_growth"]
        results_flat.append(passed)
        checks.append(
            [
                f"T={SHORT_TBPTT_CHUNK} on {args.long_steps:,} steps vs full BPTT on "
                f"{biggest_full['n_steps']:,}",
                f"{long['peak_growth'] / MB:.0f} vs "
                f"{biggest_full['peak_growth'] / MB:.0f} MB",
                "below: " + ("PASS" if passed else "MISS"),
            ]
        )
    print()
    if checks:
        print_table(
            ["memory check", "value", "target"],
            checks,
            align="lrl",
            title="2b. Is TBPTT memory bounded by the chunk?",
        )
    return results_flat


# ---------------------------------------------------------------- 3. predict
def bench_predict(args, X, y, lengths, fitted=None):
    """Time predict with the models section 1 fitted (or fit them for 1 epoch)."""
    from skrnn import RNNRegressor

    padded_zero = pad(X, 0.0)
    if fitted and "bucketed" in fitted and "padded + mask" in fitted:
        reg, reg_padded = fitted["bucketed"], fitted["padded + mask"]
    else:
        log("  predict: fitting the two models (1 epoch) ...")
        fresh_state()
        reg = RNNRegressor(
            units=UNITS, epochs=1, batch_size=BATCH_SIZE, random_state=SEED
        ).fit(X, y)
        reg_padded = RNNRegressor(
            units=UNITS,
            epochs=1,
            batch_size=BATCH_SIZE,
            mask_value=0.0,
            random_state=SEED,
        ).fit(padded_zero, y)
    contenders = {
        "ragged list (skrnn: sorted, padded chunks)": lambda: reg.predict(X),
        "padded estimator (mask_value=0), padded array": lambda: reg_padded.predict(
            padded_zero
        ),
    }

    def progress(name, index, wall, cpu):
        label = "warm-up" if index < 0 else f"round {index + 1}/{PREDICT_ROUNDS}"
        log(f"  predict: {label:>11}  {name[:40]:<40} {wall:6.2f} s wall")

    timings = interleaved_rounds(
        contenders,
        n_rounds=PREDICT_ROUNDS if not args.quick else 1,
        n_warmup=1,
        setup=gc.collect,
        progress=progress,
    )
    # Padding and masking must not change a prediction: each sample alone.
    alone = np.concatenate([reg.predict([x]) for x in X])
    gaps = {
        "ragged list (skrnn: sorted, padded chunks)": float(
            np.max(np.abs(reg.predict(X) - alone))
        )
    }
    return timings, gaps, len(np.unique(lengths)), len(reg.history_["loss"])


def report_predict(args, timings, gaps, n_distinct, n_epochs, n_sequences):
    reference = summarize(timings["ragged list (skrnn: sorted, padded chunks)"].wall)
    rows = []
    for name, times in timings.items():
        stats = summarize(times.wall)
        rows.append(
            [
                name,
                fmt_ms(stats.median, 0),
                fmt_ms(summarize(times.cpu).median, 0),
                f"{stats.median / reference.median:.3f}",
                f"{gaps[name]:.1e}" if name in gaps else "-",
            ]
        )
    print_table(
        [
            f"predict({n_sequences} sequences)",
            "median ms wall",
            "ms cpu",
            "vs ragged",
            "max |diff|",
        ],
        rows,
        align="lrrrr",
        title=(
            f"3. Predict, for information: {n_sequences} sequences of "
            f"{MIN_LENGTH}..{MAX_LENGTH} steps ({n_distinct} distinct lengths), "
            f"models fitted {n_epochs} epoch(s)"
        ),
    )
    print(
        "   skrnn predicts a ragged list from a network trained on ragged data in "
        "length-sorted chunks,\n   padded and masked. max |diff|: largest difference "
        "from predicting each sequence alone\n   (0 or round-off: padding changes nothing). The "
        "padded estimator is the same network trained on the\n   zero-padded array "
        "with mask_value=0.0: one forward pass over 400 steps."
    )
    print()


# ---------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    if args.child:
        child_memory(args.child)
        return 0
    started = time.perf_counter()
    warning = busy_machine_warning()

    import keras

    import skrnn

    log("skrnn sequence benchmarks (python benchmarks/bench_sequences.py --help)")
    if warning:
        log("  " + warning)
    X, y, lengths = make_ragged(args.n_sequences)
    targets = []
    bucketing = memory = predict = None
    if "1" in args.sections:
        bucketing = bench_bucketing(args, X, y, lengths)
    if "2" in args.sections:
        memory = bench_memory(args)
    if "3" in args.sections:
        fitted = bucketing[-1] if bucketing is not None else None
        predict = bench_predict(args, X, y, lengths, fitted)
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
    if bucketing is not None:
        for value, target in report_bucketing(args, lengths, *bucketing):
            if target is not None:
                targets.append(value <= target)
    if memory is not None:
        targets += report_memory(args, memory)
        print()
    if predict is not None:
        report_predict(args, *predict, n_sequences=args.n_sequences)
    if warning:
        print(warning)
    print(f"Total benchmark time: {elapsed:.0f} s; load average now: {load_average()}")
    missed = not all(targets)
    if missed:
        print("At least one target was missed (see the 'target' columns).")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
