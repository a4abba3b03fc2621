"""Training on several workers: one process against two, same panel, same seed.

Run from the repository root (needs JAX: ``pip install -e ".[jax]"``)::

    python benchmarks/bench_workers.py                       # 2,000 x 500
    python benchmarks/bench_workers.py --series 500 --steps 300   # a smoke test
    # reading a Parquet panel: one process against two workers, each its shard
    python benchmarks/bench_workers.py --read --series 100000 --steps 500

What is measured
----------------
A synthetic panel of positive hourly series (a daily season, a trend, noise)
is fitted by ``SequenceForecaster(horizon=24, season_length=24, n_networks=1,
epochs=EPOCHS, batch_size=BATCH, verbose=1, random_state=0)`` on the JAX
backend, first in one process, then in two worker processes on this machine
(``distribution="multi_worker"``, the workers found through
``KERAS_DISTRIBUTION_*``), each process with one thread
(``OMP_NUM_THREADS=1``). Printed: the mean time of an epoch after the first
(from the ``verbose=1`` lines; the first epoch compiles), its ratio two
workers / one, whole fit times, and the largest relative difference between
the forecasts of the two runs (the same network up to float32 sums).

With ``--read``, the panel is written to Parquet (1,000 series per row
group) and only its reading is timed -- what ``fit`` does before its plan --
with ``value_store="disk"``: one process reads the whole file; two workers
(``distribution="multi_worker"``) each read their shard (every other row
group) and map the other's. Printed: each process's reading time, the
anonymous memory it holds once read, and whether the workers' panels equal
the one process's.

The script prints what it ran and exits 0.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap

_WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    import numpy as np
    from skrnn import SequenceForecaster

    n_series, n_steps, epochs, batch_size, out = sys.argv[1:6]
    n_series, n_steps = int(n_series), int(n_steps)
    rng = np.random.default_rng(0)
    t = np.arange(n_steps)
    panel = {
        f"s{k}": 100 * np.exp(rng.normal(0, 1))
        * (1 + 0.2 * np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6)))
        * (1 + rng.normal(0, 0.0005) * t)
        + rng.normal(0, 1, n_steps)
        + 50
        for k in range(n_series)
    }
    several = int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1
    fc = SequenceForecaster(
        horizon=24, season_length=24, n_networks=1, epochs=int(epochs),
        batch_size=int(batch_size), verbose=1, random_state=0,
        distribution="multi_worker" if several else None,
    )
    start = time.perf_counter()
    fc.fit(panel)
    fit = time.perf_counter() - start
    forecast = fc.predict()
    json.dump(
        {
            "fit": fit,
            "loss": [float(v) for v in fc.history_["loss"]],
            "forecast": np.concatenate([forecast[k] for k in sorted(forecast)]).tolist(),
        },
        open(out, "w"),
    )
    """
)


_READER = textwrap.dedent(
    """
    import hashlib, json, os, sys, time
    import numpy as np
    from skrnn import SequenceForecaster
    from skrnn._forecasting.data import read_source_observations

    path, benchmarks, out = sys.argv[1], sys.argv[2], sys.argv[-1]
    sys.path.insert(0, benchmarks)
    from _timing import vm_status

    def anon():
        return vm_status("RssAnon") or 0

    several = int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1
    fc = SequenceForecaster(
        value_store="disk", distribution="multi_worker" if several else None
    )
    if several:  # the workers joined and waiting for each other: clocks start
        from skrnn._workers import _barrier, shard
        shard()
        _barrier("start")
    before = anon()
    start = time.perf_counter()
    panel = read_source_observations(path, fc, shared=True)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256()
    for values in panel.targets:
        digest.update(np.ascontiguousarray(values).tobytes())
    json.dump(
        {
            "read": seconds,
            "anon_mb": (anon() - before) / 2**20,
            "n_series": len(panel.ids),
            "digest": digest.hexdigest(),
        },
        open(out, "w"),
    )
    """
)


def _read(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_panel_scale import write_panel

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "panel.parquet")
        write_panel(path, args.series, args.steps)
        print(f"Parquet: {os.path.getsize(path) / 2**20:.0f} MB", flush=True)
        rows = []
        for n_workers in (1, 2, 1, 2):  # alternated
            arguments = (path, os.path.dirname(os.path.abspath(__file__)))
            results = run_workers(folder, _READER, n_workers, arguments, args.pin)
            rows.append((n_workers, [result for _, result in results]))
    digests = {r["digest"] for _, results in rows for r in results}
    print(f"{'processes':>9s} {'read s (each)':>16s} {'anonymous MB (each)':>22s}")
    for n_workers, results in rows:
        reads = " ".join(f"{r['read']:.1f}" for r in results)
        anons = " ".join(f"{r['anon_mb']:.0f}" for r in results)
        print(f"{n_workers:>9d} {reads:>16s} {anons:>22s}")
    print(f"every process holds the same panel: {len(digests) == 1}")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def run_workers(folder, script, n_workers, arguments=(), pin=False):
    """Run ``script`` (Python source) in ``n_workers`` processes as workers.

    Each process gets ``KERAS_BACKEND=jax``, one thread, and (for more than one)
    the ``KERAS_DISTRIBUTION_*`` variables of a localhost cluster; its
    arguments are ``arguments`` and the path of a JSON file it writes. With
    ``pin``, worker ``k`` runs on the ``k``-th core of this process's cores
    alone (Linux): JAX's CPU runtime keeps a thread pool of one thread per
    core it may run on, whatever ``OMP_NUM_THREADS`` and ``XLA_FLAGS`` say (a
    "one-thread" process measured 163-167% CPU), so a core of its own is the
    only way to give a process one core. Returns ``(output, result)`` per
    worker: what it printed and the JSON it wrote.
    """
    cores = sorted(os.sched_getaffinity(0)) if pin else []
    path = os.path.join(folder, "worker.py")
    with open(path, "w") as handle:
        handle.write(script)
    port = _free_port()
    runs = []
    for index in range(n_workers):
        env = dict(os.environ, KERAS_BACKEND="jax", OMP_NUM_THREADS="1")
        if n_workers > 1:
            env.update(
                KERAS_DISTRIBUTION_JOB_ADDRESSES=f"localhost:{port}",
                KERAS_DISTRIBUTION_NUM_PROCESSES=str(n_workers),
                KERAS_DISTRIBUTION_PROCESS_ID=str(index),
            )
        out = os.path.join(folder, f"out_{n_workers}_{index}.json")
        core = cores[index % len(cores)] if cores else None
        process = subprocess.Popen(
            [sys.executable, path, *map(str, arguments), out],
            preexec_fn=None if core is None else _pinned_to(core),
            env=env,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        runs.append((process, out))
    results = []
    for process, out in runs:
        output, _ = process.communicate(timeout=3600)
        if process.returncode:
            raise RuntimeError(
                f"a worker failed (exit {process.returncode}):\n{output[-3000:]}"
            )
        with open(out) as handle:
            results.append((output, json.load(handle)))
    return results


def _pinned_to(core):
    def pin():  # in the child, before it starts Python
        os.sched_setaffinity(0, {core})

    return pin


def _run(folder, n_workers, args):
    arguments = (args.series, args.steps, args.epochs, args.batch_size)
    output, result = run_workers(folder, _WORKER, n_workers, arguments, args.pin)[0]
    result["epochs"] = [float(t) for t in re.findall(r"([0-9.]+)s/epoch", output)]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="let every process run on every core (by default each runs on a "
        "core of its own: the one process on the first, worker k on the k-th)",
    )
    parser.add_argument(
        "--read",
        action="store_true",
        help="time reading a Parquet panel (value_store='disk'), not training",
    )
    args = parser.parse_args()
    args.pin = args.pin and hasattr(os, "sched_setaffinity")
    if args.read:
        return _read(args)
    print(
        f"panel {args.series} x {args.steps}, epochs={args.epochs}, "
        f"batch_size={args.batch_size}, JAX backend, "
        + ("one core per process" if args.pin else "processes not pinned to cores")
    )
    with tempfile.TemporaryDirectory() as folder:
        one = _run(folder, 1, args)
        two = _run(folder, 2, args)
    import numpy as np

    def epoch(result):
        later = result["epochs"][1:] or result["epochs"]
        return float(np.mean(later)) if later else float("nan")

    a, b = np.asarray(one["forecast"]), np.asarray(two["forecast"])
    print(f"{'':10s} {'s/epoch':>8s} {'fit s':>7s}")
    print(f"{'1 worker':10s} {epoch(one):8.2f} {one['fit']:7.1f}")
    print(f"{'2 workers':10s} {epoch(two):8.2f} {two['fit']:7.1f}")
    print(f"epoch time, 2 workers / 1: {epoch(two) / epoch(one):.2f}")
    print(
        "training loss per epoch, 1 worker: "
        + " ".join(f"{v:.6g}" for v in one["loss"])
    )
    print(
        "training loss per epoch, 2 workers: "
        + " ".join(f"{v:.6g}" for v in two["loss"])
    )
    print(
        f"forecasts, largest relative difference: {np.max(np.abs(a - b) / np.abs(a)):.1e}"
    )


if __name__ == "__main__":
    main()
