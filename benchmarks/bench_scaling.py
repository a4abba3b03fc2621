"""Scaling benchmarks: parallel grid search, memory across many fits, a long series.

Run from the repository root (about 5-7 minutes on 2 CPU cores)::

    python benchmarks/bench_scaling.py            # full run
    python benchmarks/bench_scaling.py --quick    # smoke test, shorter everything
    python benchmarks/bench_scaling.py --help     # all options

What is measured
----------------
1. Parallel grid search speed-up. ``GridSearchCV(RNNRegressor(units=8, epochs=5,
   random_state=0), {"units": [8, 16], "learning_rate": [1e-3, 3e-3, 1e-2,
   3e-2]}, cv=2, refit=False)``: 8 candidates x 2 folds = 16 fits of about 1-2 s
   each, on 256 x 12 x 2 float32 samples (128 per fit). Wall time with
   ``n_jobs=1`` against ``n_jobs=2`` (joblib's loky process workers), after
   one untimed warm-up round (whose times are shown as "cold": the first
   ``n_jobs=2`` call pays for starting the workers and importing TensorFlow in
   each), then ``--rounds`` interleaved rounds. Ratio: median over rounds of
   ``n_jobs=2 / n_jobs=1``. Target: <= 0.75 (a speed-up of 1.33x or more). The
   best parameters must be the same. A small ``joblib.Parallel(n_jobs=2)`` then
   reports, inside the workers, ``OMP_NUM_THREADS`` and TensorFlow's thread
   pool sizes after a fit (skrnn caps them from ``OMP_NUM_THREADS``).

2. Memory across fits. In a fresh subprocess per variant: 10 warm-up fits,
   then 30 fits (``--memory-fits``), each with ``random_state=i``, followed by
   one ``predict`` of 3 samples, then the estimator is dropped; the process's
   *current* resident set size (``/proc/self/statm``, after ``gc.collect()``)
   is sampled after the warm-up and after every 10 fits. Target: growth after
   the warm-up <= 30 MB. Variants, on 200 x 24 x 1 float32 samples:
   ``RNNRegressor(epochs=1)`` (the default recipe: a convolutional front end,
   a bidirectional GRU, 2 networks), ``RNNRegressor(cell="lstm", units=8,
   epochs=1, n_networks=1, conv_filters=(), bidirectional=False,
   scale_inputs="standard")`` (a named plain network), the same plain network
   on a ragged list of 200 sequences of 12 to 24 steps (length buckets), and
   ``SequenceForecaster(window=12, units=16, epochs=2)`` on a 400-step series
   (its windows are a strided view of the series, cut batch by batch). Also
   shown: how many ``CustomGradient-*`` entries TensorFlow's global gradient
   registry holds.

3. Forecaster on a 1,000,000-step series, ``SequenceForecaster(window=128,
   horizon=1, units=4, epochs=1, batch_size=4096, random_state=0).fit(series)``
   (public API only), in a fresh subprocess after a tiny warm-up fit
   (TensorFlow imported and running): growth of the peak RSS across ``fit``
   (``ru_maxrss`` delta, and the high-water mark ``VmHWM`` reset just before
   ``fit``), and fit time. The fit includes the backtest that calibrates the
   forecast intervals (a second fit without the last steps). Target: < 256 MB;
   materialising the windows would take 512 MB (float32).

Section 3 runs first, before this process imports TensorFlow (a subprocess's
``ru_maxrss`` starts at its parent's peak), then section 1; neither overlaps
other work of the benchmark. The memory subprocesses of section 2 run side by
side at the end (their timings are not targets).

The script always exits 0 unless ``--strict`` is given, in which case a missed
target exits 1.
"""

import argparse
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
    fmt_s,
    interleaved_rounds,
    load_average,
    print_table,
    quiet_backend,
    ratios,
    reset_vm_hwm,
    verdict,
    vm_status,
)

quiet_backend()

import numpy as np  # noqa: E402

SEED = 0
MB = 2**20

# 1. grid search
GRID_SAMPLES, GRID_STEPS, GRID_FEATURES = 256, 12, 2
GRID_EPOCHS = 5
GRID = {"units": [8, 16], "learning_rate": [1e-3, 3e-3, 1e-2, 3e-2]}
GRID_CV = 2
SPEEDUP_TARGET = 0.75

# 2. memory across fits
MEMORY_WARMUP_FITS = 10
MEMORY_FITS = 30
MEMORY_SAMPLE_EVERY = 10
MEMORY_TARGET_MB = 30.0
MEMORY_SAMPLES, MEMORY_STEPS = 200, 24
# The plain network the issue measured, named explicitly (defaults change).
NAMED_NETWORK = dict(
    cell="lstm",
    units=8,
    n_networks=1,
    conv_filters=(),
    bidirectional=False,
    scale_inputs="standard",
)
MEMORY_VARIANTS = {
    "default": "RNNRegressor(epochs=1): default recipe, (200, 24, 1) array",
    "named": "RNNRegressor(cell='lstm', units=8, plain), (200, 24, 1) array",
    "ragged": "the same plain network, 200 sequences of 12..24 steps",
    "forecaster": "SequenceForecaster(window=12, units=16, epochs=2), 400 steps",
}

# 3. long series
LONG_LENGTH = 1_000_000
LONG_WINDOW = 128
LONG_BATCH = 4096
LONG_TARGET_MB = 256.0

RESULT_MARK = "SKRNN-BENCH-RESULT "


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="timed grid-search rounds per n_jobs, after 1 warm-up (default 2)",
    )
    parser.add_argument(
        "--memory-fits",
        type=int,
        default=MEMORY_FITS,
        help=f"fits after the warm-up in each memory subprocess (default {MEMORY_FITS})",
    )
    parser.add_argument(
        "--length",
        type=int,
        default=LONG_LENGTH,
        help=f"steps of the long series (default {LONG_LENGTH:,})",
    )
    parser.add_argument(
        "--memory-variants",
        default=",".join(MEMORY_VARIANTS),
        help="comma-separated memory variants (default all: "
        + ", ".join(MEMORY_VARIANTS)
        + ")",
    )
    parser.add_argument(
        "--sections",
        default="123",
        help="which sections to run, e.g. '13' (default '123')",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 1 round, 10 memory fits, a 200,000-step series",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed"
    )
    # Internal: run one measurement in this (fresh) process and print its result.
    parser.add_argument("--child", choices=["memory", "long"], help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.memory_fits, args.length = 1, 10, 200_000
    return args


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------- processes
def current_rss():
    """This process's current resident set size in bytes (not the peak)."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def peak_rss():
    """This process's peak resident set size in bytes (``ru_maxrss`` is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def custom_gradient_entries():
    """Entries TensorFlow's ``tf.custom_gradient`` left in its global gradient registry.

    Diagnostic only (private TensorFlow API): every traced training step registers
    one, and the entry keeps that step's whole graph alive. None if unavailable.
    """
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry
    except Exception:  # private API moved
        return None
    return sum(1 for name in list(registry) if name.startswith("CustomGradient-"))


def tree_cpu_seconds():
    """CPU seconds (user + system) of this process and each live descendant, by pid."""
    import psutil

    me = psutil.Process()
    seconds = {}
    for proc in [me] + me.children(recursive=True):
        try:
            times = proc.cpu_times()
        except psutil.Error:  # exited meanwhile
            continue
        seconds[proc.pid] = times.user + times.system
    return seconds


def cpu_delta(before, after):
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def run_child(argv, env=None):
    """Start ``python bench_scaling.py --child ...``; returns the Popen."""
    command = [sys.executable, os.path.abspath(__file__)] + argv
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def child_result(proc):
    """Wait for a child and parse its result line (raises with its stderr tail)."""
    stdout, stderr = proc.communicate()
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    tail = "\n".join(stderr.strip().splitlines()[-15:])
    raise RuntimeError(
        f"benchmark subprocess {' '.join(proc.args[2:])} failed "
        f"(exit {proc.returncode}):\n{tail}"
    )


def emit(result):
    print(RESULT_MARK + json.dumps(result), flush=True)


# ----------------------------------------------------- 1. parallel grid search
def grid_data():
    rng = np.random.RandomState(SEED)
    X = rng.normal(size=(GRID_SAMPLES, GRID_STEPS, GRID_FEATURES)).astype(np.float32)
    y = (X[:, -3:, 0].sum(axis=1) + 0.1 * rng.normal(size=GRID_SAMPLES)).astype(
        np.float32
    )
    return X, y


def thread_report():
    """Runs in any process: thread settings after a tiny skrnn fit."""
    import psutil

    from skrnn import RNNRegressor

    X = np.random.RandomState(0).normal(size=(8, 4, 1)).astype(np.float32)
    RNNRegressor(units=2, epochs=1, random_state=0).fit(X, X[:, -1, 0])
    import tensorflow as tf  # configured by the fit above

    return {
        "pid": os.getpid(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "SKRNN_NUM_THREADS": os.environ.get("SKRNN_NUM_THREADS"),
        "intra": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter": tf.config.threading.get_inter_op_parallelism_threads(),
        "os_threads": psutil.Process().num_threads(),
    }


def bench_grid(args):
    from joblib import Parallel, delayed
    from sklearn.model_selection import GridSearchCV

    from skrnn import RNNRegressor

    X, y = grid_data()
    n_candidates = int(np.prod([len(v) for v in GRID.values()]))
    n_fits = n_candidates * GRID_CV

    # TensorFlow imported and traced once in this process, untimed.
    main_threads = thread_report()

    outcome = {1: [], 2: []}
    tree_cpu = {1: [], 2: []}

    def search(n_jobs):
        def run():
            before = tree_cpu_seconds()
            start = time.perf_counter()
            gs = GridSearchCV(
                RNNRegressor(units=8, epochs=GRID_EPOCHS, random_state=SEED),
                GRID,
                cv=GRID_CV,
                n_jobs=n_jobs,
                refit=False,
            ).fit(X, y)
            wall = time.perf_counter() - start
            tree_cpu[n_jobs].append((cpu_delta(before, tree_cpu_seconds()), wall))
            outcome[n_jobs].append((gs.best_params_, float(gs.best_score_)))

        return run

    cold = {}

    def progress(name, index, wall, cpu):
        if index < 0:
            cold[name] = wall
        log(
            f"  grid search {name}: {'warm-up' if index < 0 else f'round {index + 1}'}"
            f" {wall:.1f} s"
        )

    log(
        f"1. grid search: {n_fits} fits per search, 1 warm-up + {args.rounds} rounds "
        "..."
    )
    # Warm-up round runs reversed (index -1 is odd): n_jobs=2 first, from cold workers.
    timings = interleaved_rounds(
        {"n_jobs=1": search(1), "n_jobs=2": search(2)},
        n_rounds=args.rounds,
        n_warmup=1,
        setup=gc.collect,
        progress=progress,
    )
    per_round = ratios(timings["n_jobs=2"].wall, timings["n_jobs=1"].wall)
    ratio = float(np.median(per_round))

    workers = Parallel(n_jobs=2)(delayed(thread_report)() for _ in range(4))
    unique = {w["pid"]: w for w in workers}
    return {
        "n_fits": n_fits,
        "n_candidates": n_candidates,
        "timings": timings,
        "cold": cold,
        "tree_cpu": tree_cpu,
        "per_round": per_round,
        "ratio": ratio,
        "outcome": outcome,
        "threads": [("main process", main_threads)]
        + [(f"loky worker {i + 1}", w) for i, w in enumerate(unique.values())],
    }


def print_grid(res):
    t1, t2 = res["timings"]["n_jobs=1"], res["timings"]["n_jobs=2"]
    n_rounds = len(t1.wall)
    # tree CPU lists hold the warm-up round first.
    rows = []
    for name, times, n_jobs in (("n_jobs=1", t1, 1), ("n_jobs=2 (loky)", t2, 2)):
        best_params, best_score = res["outcome"][n_jobs][-1]
        timed = res["tree_cpu"][n_jobs][1:]  # the warm-up round comes first
        rows.append(
            [
                name,
                fmt_s(float(np.median(times.wall))),
                " ".join(f"{w:.1f}" for w in times.wall),
                fmt_s(res["cold"]["n_jobs=1" if n_jobs == 1 else "n_jobs=2"]),
                fmt_s(float(np.median([cpu for cpu, _ in timed]))),
                f"{np.median([cpu / wall for cpu, wall in timed]):.2f}",
                fmt_s(float(np.median(times.cpu))),
                ", ".join(f"{k}={v:g}" for k, v in sorted(best_params.items())),
                f"{best_score:.4f}",
            ]
        )
    rows.append(
        [
            "ratio n_jobs=2 / n_jobs=1",
            f"{res['ratio']:.3f}",
            " ".join(f"{r:.2f}" for r in res["per_round"]),
            f"{res['cold']['n_jobs=2'] / res['cold']['n_jobs=1']:.3f}",
            "",
            "",
            "",
            f"speed-up {1 / res['ratio']:.2f}x",
            f"<= {SPEEDUP_TARGET:g}: {verdict(res['ratio'], SPEEDUP_TARGET)}",
        ]
    )
    print_table(
        [
            "GridSearchCV",
            "median wall s",
            "per-round wall s",
            "cold wall s",
            "cpu s, all procs",
            "cores busy",
            "cpu s, main",
            "best params",
            "best score",
        ],
        rows,
        align="lrlrrrrll",
        title=(
            f"1. Parallel grid search: {res['n_candidates']} candidates x cv={GRID_CV} "
            f"= {res['n_fits']} fits of RNNRegressor(epochs={GRID_EPOCHS}) on "
            f"{GRID_SAMPLES} x {GRID_STEPS} x {GRID_FEATURES}, refit=False; "
            f"{n_rounds} interleaved rounds after 1 warm-up"
        ),
    )
    all_params = [p for n in (1, 2) for p, _ in res["outcome"][n]]
    same = all(p == all_params[0] for p in all_params)
    print(
        f"   best params identical across n_jobs and rounds: {'yes' if same else 'NO'}"
    )
    print(
        "   cold: the warm-up round (n_jobs=2 ran first: loky starts its workers and\n"
        "   each imports TensorFlow); cpu s, all procs: this process plus its loky\n"
        "   workers (psutil); cores busy: that CPU time / wall time, median over the\n"
        "   timed rounds (about 2 for n_jobs=2 when both cores are free; well below\n"
        "   when other processes take CPU time); cpu s, main: this process only."
    )
    print()
    rows = [
        [
            name,
            str(info["pid"]),
            str(info["OMP_NUM_THREADS"]),
            str(info["SKRNN_NUM_THREADS"]),
            str(info["intra"]),
            str(info["inter"]),
            str(info["os_threads"]),
        ]
        for name, info in res["threads"]
    ]
    print_table(
        [
            "process",
            "pid",
            "OMP_NUM_THREADS",
            "SKRNN_NUM_THREADS",
            "TF intra-op",
            "TF inter-op",
            "OS threads",
        ],
        rows,
        title=(
            "   Threads after a fit (joblib.Parallel(n_jobs=2), 4 tasks; "
            "TF 0 = TensorFlow's default, one per core)"
        ),
    )
    return same


# -------------------------------------------------------- 2. memory across fits
def memory_child(variant, n_fits):
    """Fit many small estimators in this fresh process; emit the RSS samples."""
    from skrnn import RNNRegressor, SequenceForecaster

    rng = np.random.RandomState(SEED)
    shape = (MEMORY_SAMPLES, MEMORY_STEPS, 1)
    if variant == "forecaster":
        t = np.arange(400)
        series = np.sin(t / 6.0) + 0.1 * rng.normal(size=len(t))

        def one_fit(seed):
            est = SequenceForecaster(
                window=12, units=16, epochs=2, random_state=seed
            ).fit(series)
            est.predict()
            del est

    else:
        if variant == "ragged":
            lengths = rng.randint(12, MEMORY_STEPS + 1, size=MEMORY_SAMPLES)
            X = [rng.normal(size=(n, 1)).astype(np.float32) for n in lengths]
            y = np.array([x[-3:, 0].sum() for x in X])
        else:
            X = rng.normal(size=shape).astype(np.float32)
            y = X[:, -3:, 0].sum(axis=1)
        params = {} if variant == "default" else NAMED_NETWORK

        def one_fit(seed):
            est = RNNRegressor(epochs=1, random_state=seed, **params).fit(X, y)
            est.predict(X[:3])
            del est

    def sample(label):
        gc.collect()
        samples.append([label, current_rss(), custom_gradient_entries()])

    samples = []
    sample("after import")
    started = time.perf_counter()
    for i in range(MEMORY_WARMUP_FITS):
        one_fit(10_000 + i)
    sample(f"after {MEMORY_WARMUP_FITS} warm-up fits")
    for i in range(n_fits):
        one_fit(i)
        if (i + 1) % MEMORY_SAMPLE_EVERY == 0 or i + 1 == n_fits:
            sample(f"+{i + 1} fits")
    emit(
        {
            "variant": variant,
            "samples": samples,
            "seconds": time.perf_counter() - started,
            "n_fits": n_fits,
        }
    )


def memory_variants(args):
    names = [name.strip() for name in args.memory_variants.split(",") if name.strip()]
    unknown = [name for name in names if name not in MEMORY_VARIANTS]
    if unknown:
        raise SystemExit(
            f"unknown memory variants {unknown}; choose from {list(MEMORY_VARIANTS)}"
        )
    return {name: MEMORY_VARIANTS[name] for name in names}


def bench_memory(args):
    variants = memory_variants(args)
    log(
        f"2. memory: {len(variants)} subprocesses side by side x "
        f"({MEMORY_WARMUP_FITS} + {args.memory_fits}) fits ..."
    )
    running = []
    for variant in variants:
        argv = ["--child", "memory", "--variant", variant]
        argv += ["--memory-fits", str(args.memory_fits)]
        running.append((variant, run_child(argv)))
    results = {}
    for variant, proc in running:
        results[variant] = child_result(proc)
        log(f"  memory {variant}: done in {results[variant]['seconds']:.0f} s")
    return results


def print_memory(results, variants):
    missed = False
    rows = []
    for variant, description in variants.items():
        res = results[variant]
        samples = res["samples"]
        base = samples[1][1]
        growth = (samples[-1][1] - base) / MB
        missed |= growth > MEMORY_TARGET_MB
        series = " -> ".join(f"{rss / MB:.0f}" for _, rss, _ in samples[1:])
        per_fit_kb = (samples[-1][1] - base) / 1024 / res["n_fits"]
        entries = [count for _, _, count in samples[1:]]
        registry = (
            "n/a"
            if None in entries
            else f"{entries[0]} -> {entries[-1]} (+{entries[-1] - entries[0]})"
        )
        rows.append(
            [
                description,
                f"{samples[0][1] / MB:.0f}",
                series,
                f"{growth:+.1f}",
                f"{per_fit_kb:+.0f}",
                registry,
                f"{res['seconds']:.0f}",
                f"<= {MEMORY_TARGET_MB:g} MB: "
                + ("PASS" if growth <= MEMORY_TARGET_MB else "MISS"),
            ]
        )
    first = results[next(iter(variants))]
    labels = " -> ".join(label for label, _, _ in first["samples"][1:])
    print_table(
        [
            "variant",
            "import MB",
            "RSS MB (" + labels + ")",
            "growth MB",
            "KB/fit",
            "TF CustomGradient entries",
            "s",
            "target",
        ],
        rows,
        align="lrlrrlrl",
        title=(
            "2. Memory across fits: current RSS (/proc/self/statm after gc.collect())"
            " in a fresh subprocess per variant; random_state=i; each fit also"
            " predicts once, then the estimator is dropped"
        ),
    )
    print(
        "   growth: last sample minus the sample after the warm-up fits; KB/fit: "
        "that growth\n   per fit after warm-up. TF CustomGradient entries: "
        "'CustomGradient-*' names in TensorFlow's global gradient\n   registry "
        "(tensorflow.python.framework.ops._gradient_registry), after warm-up -> "
        "at\n   the end; each entry pins the graph of one traced training step "
        "(diagnostic)."
    )
    print()
    return missed


# ------------------------------------------------------------- 3. long series
def long_child(length):
    """Fit the forecaster on a long series in this fresh process; emit the figures."""
    from skrnn import SequenceForecaster

    rng = np.random.RandomState(SEED)
    # Warm-up: TensorFlow imported, runtime and thread pools started, one fit traced.
    short = np.sin(np.arange(300) / 6.0)
    SequenceForecaster(window=16, units=4, epochs=1, random_state=SEED).fit(short)

    t = np.arange(length)
    series = np.sin(t / 20.0) + 0.1 * rng.normal(size=length)
    gc.collect()
    hwm_reset = reset_vm_hwm()
    rss_before = current_rss()
    peak_before = peak_rss()
    cpu_start = time.process_time()
    start = time.perf_counter()
    fc = SequenceForecaster(
        window=LONG_WINDOW,
        horizon=1,
        units=4,
        epochs=1,
        batch_size=LONG_BATCH,
        random_state=SEED,
    ).fit(series)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_after = peak_rss()
    hwm_after = vm_status("VmHWM") if hwm_reset else None
    gc.collect()
    rss_after = current_rss()
    n_windows = length - LONG_WINDOW
    emit(
        {
            "length": length,
            "n_windows": n_windows,
            "windows_mb": n_windows * LONG_WINDOW * 4 / MB,
            "rss_before": rss_before,
            "peak_before": peak_before,
            "peak_after": peak_after,
            "hwm_after": hwm_after,
            "rss_after": rss_after,
            "wall": wall,
            "cpu": cpu,
            "loss": fc.history_["loss"][-1],
            "forecast": float(np.asarray(fc.predict())[0]),
        }
    )


def bench_long(args):
    log(f"3. long series: {args.length:,} steps, window {LONG_WINDOW} ...")
    res = child_result(run_child(["--child", "long", "--length", str(args.length)]))
    log(f"  long series: fit {res['wall']:.0f} s")
    return res


def print_long(res):
    delta = (res["peak_after"] - res["peak_before"]) / MB
    hwm = res["hwm_after"]
    hwm_delta = None if hwm is None else (hwm - res["rss_before"]) / MB
    worst = delta if hwm_delta is None else max(delta, hwm_delta)
    rows = [
        ["windows", f"{res['n_windows']:,} x {LONG_WINDOW} x 1", ""],
        [
            "windows if materialised (float32)",
            f"{res['windows_mb']:.0f} MB",
            "reference",
        ],
        ["RSS just before fit", f"{res['rss_before'] / MB:.0f} MB", ""],
        ["peak RSS before fit (ru_maxrss)", f"{res['peak_before'] / MB:.0f} MB", ""],
        ["peak RSS after fit (ru_maxrss)", f"{res['peak_after'] / MB:.0f} MB", ""],
        [
            "peak growth over fit (ru_maxrss delta)",
            f"{delta:.0f} MB",
            f"< {LONG_TARGET_MB:g} MB: "
            + ("PASS" if delta < LONG_TARGET_MB else "MISS"),
        ],
        [
            "peak during fit above RSS before (VmHWM reset)",
            "n/a" if hwm_delta is None else f"{hwm_delta:.0f} MB",
            "n/a"
            if hwm_delta is None
            else f"< {LONG_TARGET_MB:g} MB: "
            + ("PASS" if hwm_delta < LONG_TARGET_MB else "MISS"),
        ],
        [
            "RSS after fit (gc.collect())",
            f"{res['rss_after'] / MB:.0f} MB "
            f"({(res['rss_after'] - res['rss_before']) / MB:+.0f})",
            "",
        ],
        ["fit wall time", f"{res['wall']:.1f} s", "info"],
        ["fit CPU time (process)", f"{res['cpu']:.1f} s", "info"],
        ["training loss (1 epoch)", f"{res['loss']:.4f}", ""],
    ]
    print_table(
        ["item", "value", "target"],
        rows,
        align="lrl",
        title=(
            f"3. SequenceForecaster(window={LONG_WINDOW}, horizon=1, units=4, "
            f"epochs=1, batch_size={LONG_BATCH}).fit(series), series of "
            f"{res['length']:,} float64 "
            "steps, fresh subprocess after a tiny warm-up fit"
        ),
    )
    print(
        "   ru_maxrss delta: peak RSS after fit minus peak before (both ru_maxrss; "
        "this\n   subprocess is started before the benchmark process imports "
        "TensorFlow, as a\n   spawned process's ru_maxrss starts at its parent's "
        "peak). VmHWM reset: the\n   high-water mark reset through "
        "/proc/self/clear_refs just before fit, minus the\n   RSS then: the "
        "fit's own peak growth, unaffected by earlier peaks."
    )
    print()
    return worst >= LONG_TARGET_MB


# -------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    if args.child == "memory":
        memory_child(args.variant, args.memory_fits)
        return 0
    if args.child == "long":
        long_child(args.length)
        return 0

    started = time.perf_counter()
    warning = busy_machine_warning()
    log("skrnn scaling benchmarks (python benchmarks/bench_scaling.py --help)")
    if warning:
        log("  " + warning)
    # Section 3 first: its subprocess's ru_maxrss starts at this process's peak,
    # which stays small until TensorFlow is imported here.
    long_res = bench_long(args) if "3" in args.sections else None
    import keras

    import skrnn

    grid = bench_grid(args) if "1" in args.sections else None
    memory = bench_memory(args) if "2" in args.sections else None
    elapsed = time.perf_counter() - started

    print()
    print_table(
        ["item", "value"],
        environment_rows(
            [
                ("skrnn", skrnn.__version__),
                ("keras (imported)", keras.__version__),
                ("joblib", __import__("joblib").__version__),
            ]
        ),
        align="ll",
        title="Environment",
    )
    missed = False
    if grid is not None:
        same = print_grid(grid)
        missed |= grid["ratio"] > SPEEDUP_TARGET or not same
    if memory is not None:
        missed |= print_memory(memory, memory_variants(args))
    if long_res is not None:
        missed |= print_long(long_res)
    if warning:
        print(warning)
    print(f"Total benchmark time: {elapsed:.0f} s; load average now: {load_average()}")
    if missed:
        print("At least one target was missed (see the 'target' columns).")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
