"""Large panels from Parquet: peak memory above baseline, time per epoch, windows/s.

Run from the repository root (needs pyarrow: ``pip install -e ".[parquet]"``)::

    python benchmarks/bench_panel_scale.py                  # 10k and 20k x 500
    python benchmarks/bench_panel_scale.py --sizes 100000x1000  # the large one
    # (about 10 minutes on 2 cores: 450 MB of Parquet, 2 GB of memory)
    python benchmarks/bench_panel_scale.py --sizes 2000x500     # a smoke test
    # series of their own starts and lengths (200 to 1,000 steps):
    python benchmarks/bench_panel_scale.py --sizes 20000x1000 --staggered
    # the in-memory dict beside Parquet, and ten times the series, in one run:
    python benchmarks/bench_panel_scale.py --sizes 10000x400 100000x400 \\
        1000000x400 --dict 10000x400 100000x400
    # the values held in memory (default) and on disk (value_store="disk"):
    python benchmarks/bench_panel_scale.py --sizes 20000x500 100000x1000 \\
        --disk 20000x500 100000x1000

What is measured
----------------
For each size ``n_series x n_steps``, a synthetic panel of positive hourly
series (a daily season of random amplitude and phase, a random trend, noise,
levels spread over two orders of magnitude) is written to Parquet in the long
format (``unique_id`` str, ``ds`` timestamp, ``y`` float32), 1,000 series per
row group. Then, in a fresh subprocess per size (TensorFlow imported and one
tiny fit done first), ``SequenceForecaster(horizon=24, season_length=24,
epochs=1, n_networks=1, verbose=1, random_state=0).fit(path)`` -- the panel
recipe (``normalize="level"``: a 7-day window, up to 65 windows per series,
the last one held out for early stopping and the intervals):

* peak RSS above baseline: the high-water mark (``VmHWM``, reset just before
  ``fit``) minus the resident set just before ``fit``. Required: <= 400 MB for
  20,000 x 500 (issue 24); <= 1 GB for 100,000 x 1,000. Measured on 2 cores
  (docs/user_guide/large_panels.rst, stage by stage): 256 MB for 20,000 x
  500, met; 895 MB for 100,000 x 1,000, met. With ``--staggered`` (series
  of their own starts and 200-1,000 steps): 274 MB for 20,000, 826 MB for
  100,000 (1,327 MB before the series' time indexes became views of one),
  7,336 MB for 1,000,000 (``--sizes 1000000x1000 --staggered``: a 3.9 GB
  file, a 94-minute epoch; the values are held in memory).
* time per epoch (from the ``verbose=1`` line), and training windows per
  second of that epoch; the whole ``fit`` (reading, plan, windows, the epoch,
  the hold-out forecasts) and ``predict()`` are timed too, with the peak
  RSS of ``predict()`` above the resident set just before it (the long
  DataFrame of every series' forecasts).
* the peaks of the process's anonymous memory ("anonymous": its own, which
  the system cannot drop) and of its pages of mapped files ("mapped": the
  values of ``value_store="disk"``, which the system drops under memory
  pressure), above their sizes just before ``fit``, sampled every 10 ms.
  Measured 2026-12-06: 100,000 x 1,000 held 870 MB anonymous with the values
  in memory, 547 MB (and 400 MB mapped) with ``--disk``; the same losses.
* what the materialised windows would take (float32), for reference.

The script prints what it ran and exits 0.
"""

import argparse
import contextlib
import gc
import io
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import RssSampler, quiet_backend, reset_vm_hwm, vm_status  # noqa: E402

MB = 2**20
RESULT_MARK = "RESULT "
HORIZON = 24
SEASON = 24
LIMITS_MB = {(20_000, 500): 400, (100_000, 1_000): 1024}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["10000x500", "20000x500"],
        help="panel sizes as n_series x n_steps",
    )
    parser.add_argument("--folder", help="where to write the Parquet files")
    parser.add_argument(
        "--dict",
        nargs="*",
        default=[],
        metavar="SIZE",
        help="sizes also fitted from an in-memory dict of pandas Series "
        "(the Parquet file read into memory before the baseline)",
    )
    parser.add_argument(
        "--disk",
        nargs="*",
        default=[],
        help="sizes also fitted from Parquet with value_store='disk' (the values "
        "in memory-mapped temporary files)",
    )
    parser.add_argument(
        "--staggered",
        action="store_true",
        help="series that start at their own hour of a year and have their own "
        "length, between 200 and n_steps (the same sizes, other files)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def write_panel(path, n_series, n_steps, seed=0, block=1000, staggered=False):
    """Write the synthetic panel to ``path``, ``block`` series per row group.

    ``staggered``: each series starts at its own hour of one year and has its
    own length, drawn between ``min(200, n_steps)`` and ``n_steps`` (the
    issue's 200-1,000 steps), as the products of a retailer would; otherwise
    every series has ``n_steps`` steps from the same first hour.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    first_hour = np.datetime64("2020-01-01T00:00", "ns")
    schema = pa.schema(
        [("unique_id", pa.string()), ("ds", pa.timestamp("ns")), ("y", pa.float32())]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for first in range(0, n_series, block):
            k = min(block, n_series - first)
            level = np.exp(rng.uniform(np.log(10), np.log(1000), (k, 1)))
            season = rng.uniform(0.05, 0.3, (k, 1)) * np.sin(
                2 * np.pi * (t + rng.integers(0, SEASON, (k, 1))) / SEASON
            )
            trend = rng.uniform(-0.3, 0.6, (k, 1)) * t / n_steps
            noise = rng.normal(0, 0.05, (k, n_steps))
            values = level * np.exp(season + trend + noise)
            if staggered:
                lengths = rng.integers(min(200, n_steps), n_steps + 1, k)
                starts = rng.integers(0, 365 * 24, k)
            else:
                lengths, starts = np.full(k, n_steps), np.zeros(k, dtype=int)
            keep = t < lengths[:, None]  # each series' first ``length`` steps
            hours = (starts[:, None] + t)[keep]
            ids = np.repeat([f"s{first + i:07d}" for i in range(k)], lengths)
            table = pa.table(
                {
                    "unique_id": ids,
                    "ds": first_hour + hours.astype("timedelta64[h]"),
                    "y": values[keep].astype(np.float32),
                },
                schema=schema,
            )
            writer.write_table(table)


def read_dict(path):
    """The Parquet panel as a dict of float32 Series indexed by their times."""
    import pandas as pd

    frame = pd.read_parquet(path)
    ids, starts = np.unique(frame["unique_id"].to_numpy(), return_index=True)
    bounds = list(starts[1:]) + [len(frame)]
    times, values = frame["ds"].to_numpy(), frame["y"].to_numpy()
    return {
        i: pd.Series(values[a:b], index=pd.DatetimeIndex(times[a:b], freq="h"))
        for i, a, b in zip(ids, starts, bounds, strict=True)
    }


def child(path, n_series, n_steps, source="parquet"):
    quiet_backend()
    from skrnn import SequenceForecaster

    data = path
    if source == "dict":
        data = read_dict(path)

    params = dict(
        horizon=HORIZON,
        season_length=SEASON,
        epochs=1,
        n_networks=1,
        random_state=0,
    )
    warm = {f"w{i}": 10 + np.sin(np.arange(400) / 4) + i for i in range(3)}
    SequenceForecaster(**params).fit(warm)  # TensorFlow imported, one fit traced
    if source == "disk":
        params["value_store"] = "disk"
    gc.collect()
    hwm_reset = reset_vm_hwm()
    baseline = vm_status("VmRSS")
    lines = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(lines), RssSampler() as sampled:
        fc = SequenceForecaster(**params, verbose=1).fit(data)
    fit_seconds = time.perf_counter() - start
    peak = vm_status("VmHWM") if hwm_reset else None
    gc.collect()
    predict_reset = reset_vm_hwm()
    predict_baseline = vm_status("VmRSS")
    start = time.perf_counter()
    forecast = fc.predict()
    predict_seconds = time.perf_counter() - start
    predict_peak = vm_status("VmHWM") if predict_reset else None
    epoch = re.search(r"epoch 1/1 - .* - ([\d.:]+s?)/epoch", lines.getvalue())
    n_windows = level_windows(fc)
    print(
        RESULT_MARK
        + json.dumps(
            {
                "n_series": n_series,
                "n_steps": n_steps,
                "source": source,
                "window": int(fc.window_),
                "n_windows": n_windows,
                "n_train_windows": n_windows - n_series,
                "baseline_mb": baseline / MB,
                "peak_above_mb": None if peak is None else (peak - baseline) / MB,
                "anon_peak_above_mb": None
                if sampled.anon_peak is None
                else (sampled.anon_peak - sampled.anon_start) / MB,
                "file_peak_above_mb": None
                if sampled.file_peak is None
                else (sampled.file_peak - sampled.file_start) / MB,
                "epoch": epoch.group(1) if epoch else None,
                "fit_s": fit_seconds,
                "predict_s": predict_seconds,
                "predict_peak_above_mb": None
                if predict_peak is None
                else (predict_peak - predict_baseline) / MB,
                "n_forecasts": len(forecast),
                "progress": lines.getvalue().strip(),
            }
        ),
        flush=True,
    )


def level_windows(fc):
    """The training and held-out windows of the panel recipe's fit (up to 64
    sampled and the last one per series, as the forecaster draws them)."""
    from skrnn._forecasting.level import window_counts

    lengths = [len(values) for values in fc.y_.values()]
    return int(window_counts(lengths, fc.window_, HORIZON)[2].sum())


def _mb(value):
    return "n/a" if value is None else f"{value:.0f} MB"


def seconds(text):
    if text.endswith("s"):
        return float(text[:-1])
    parts = [int(p) for p in text.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        path, n_series, n_steps, source = args.child.split(",")
        return child(path, int(n_series), int(n_steps), source)
    folder = args.folder or tempfile.mkdtemp(prefix="skrnn-panels-")
    os.makedirs(folder, exist_ok=True)
    print(f"panels written to {folder}; sizes {', '.join(args.sizes)}", flush=True)
    rows = []
    runs = [(size, "parquet") for size in args.sizes]
    runs += [(size, "dict") for size in args.dict]
    runs += [(size, "disk") for size in args.disk]
    runs.sort(key=lambda run: tuple(int(v) for v in run[0].lower().split("x")))
    for size, source in runs:
        n_series, n_steps = (int(v) for v in size.lower().split("x"))
        kind = "staggered_" if args.staggered else ""
        path = os.path.join(folder, f"panel_{kind}{n_series}x{n_steps}.parquet")
        start = time.perf_counter()
        if not os.path.exists(path):
            write_panel(path, n_series, n_steps, staggered=args.staggered)
        print(
            f"{size}: Parquet {os.path.getsize(path) / MB:.0f} MB, written in "
            f"{time.perf_counter() - start:.0f} s; fitting from {source} ...",
            flush=True,
        )
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                f"{path},{n_series},{n_steps},{source}",
            ],
            capture_output=True,
            text=True,
        )
        result = [
            json.loads(line[len(RESULT_MARK) :])
            for line in proc.stdout.splitlines()
            if line.startswith(RESULT_MARK)
        ]
        if not result:
            print(proc.stderr[-3000:])
            continue
        result = result[0]
        print("  " + result["progress"].replace("\n", "\n  "), flush=True)
        shown = {k: v for k, v in result.items() if k != "progress"}
        print("  " + json.dumps(shown), flush=True)  # kept if a later size fails
        rows.append(result)
    print()
    header = (
        f"{'panel':>14} {'from':>7} {'windows':>10} {'peak above base':>16} "
        f"{'anonymous':>10} {'mapped':>8} {'limit':>7} "
        f"{'epoch':>8} {'windows/s':>10} {'fit':>7} {'predict':>8} "
        f"{'predict peak':>13} {'windows if materialised':>24}"
    )
    print(header)
    for r in rows:
        limit = None
        if r["source"] in ("parquet", "disk"):
            limit = LIMITS_MB.get((r["n_series"], r["n_steps"]))
        epoch = seconds(r["epoch"]) if r["epoch"] else float("nan")
        peak = r["peak_above_mb"]
        predict_peak = r.get("predict_peak_above_mb")
        materialised = r["n_windows"] * r["window"] * 4 / MB
        print(
            f"{r['n_series']:>7,} x {r['n_steps']:<4} {r['source']:>7} "
            f"{r['n_windows']:>10,} "
            f"{'n/a' if peak is None else f'{peak:.0f} MB':>16} "
            f"{_mb(r.get('anon_peak_above_mb')):>10} {_mb(r.get('file_peak_above_mb')):>8} "
            f"{'' if limit is None else f'{limit} MB':>7} {epoch:>7.1f}s "
            f"{r['n_train_windows'] / epoch:>10,.0f} {r['fit_s']:>6.0f}s "
            f"{r['predict_s']:>7.1f}s "
            f"{'n/a' if predict_peak is None else f'{predict_peak:.0f} MB':>13} "
            f"{materialised:>21,.0f} MB"
        )
        if limit is not None and peak is not None:
            verdict = "met" if peak <= limit else "MISSED"
            print(f"{'':>14} required <= {limit} MB above baseline: {verdict}")
    parquet = [r for r in rows if r["source"] == "parquet" and r["epoch"]]
    if not parquet:
        parquet = [r for r in rows if r["source"] == "disk" and r["epoch"]]
    for first, last in itertools.pairwise(parquet):
        ratio = seconds(last["epoch"]) / seconds(first["epoch"])
        windows = last["n_windows"] / first["n_windows"]
        print(
            f"epoch time {first['n_series']:,} -> {last['n_series']:,} series: "
            f"{ratio:.2f}x for {windows:.2f}x the windows (linear: equal)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
