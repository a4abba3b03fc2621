"""Shared helpers of the skrnn benchmark scripts: quiet backend, timing loops, tables.

Import from a script in this folder (``from _timing import ...``); the scripts
are run directly, e.g. ``python benchmarks/bench_core.py``, so this folder is on
``sys.path``. Nothing here imports TensorFlow or Keras except
:func:`environment_rows`, which reports their versions.

* :func:`quiet_backend` -- select the TensorFlow backend and silence its C++ logs.
* :func:`time_calls` -- time one callable many times after warm-up calls.
* :func:`interleaved_rounds` -- time several contenders round after round,
  alternating their order, so slow drifts of the machine hit them all alike.
  Each run is timed in wall-clock and in process CPU seconds.
* :func:`summarize`, :func:`ratios` -- medians, percentiles and per-round ratios.
* :func:`environment_rows`, :func:`busy_machine_warning` -- versions, cores, load.
* :func:`format_table`, :func:`print_table` -- plain-text tables.
* :func:`vm_status`, :func:`reset_vm_hwm` -- this process' resident and peak
  memory (Linux ``/proc``), the peak resettable.
* :class:`RssSampler` -- the peaks of the anonymous and the file-backed parts
  of the resident set (``RssAnon``, ``RssFile``), sampled in a thread: pages
  of memory-mapped files count in the resident set, but the system can drop
  them, anonymous memory it cannot.
"""

import gc
import os
import platform
import sys
import time
from dataclasses import dataclass

import numpy as np


def quiet_backend():
    """Use Keras' TensorFlow backend and keep TensorFlow's start-up logs short.

    Call before anything imports TensorFlow; variables already set are kept.
    """
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Tensorflow and absl write start-up notices (oneDNN, CUDA probing) to stderr.
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


def vm_status(field):
    """A memory field of ``/proc/self/status`` ("VmRSS", "VmHWM"), in bytes, or None.

    ``VmHWM``, the peak resident size, does not start from the peak of the
    parent process a subprocess was spawned from (unlike ``ru_maxrss``), and
    :func:`reset_vm_hwm` can reset it.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class RssSampler:
    """Sample ``RssAnon`` and ``RssFile`` every ``interval`` seconds in a thread.

    Use as a context manager; ``anon_peak`` and ``file_peak`` hold the highest
    values seen (bytes), ``anon_start`` and ``file_start`` the sizes at entry.
    """

    def __init__(self, interval=0.01):
        self.interval = interval
        self.anon_start = self.anon_peak = None
        self.file_start = self.file_peak = None

    def _sample(self):
        anon, file = vm_status("RssAnon"), vm_status("RssFile")
        if anon is not None:
            self.anon_peak = max(self.anon_peak or 0, anon)
            self.file_peak = max(self.file_peak or 0, file)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        import threading

        self.anon_start = vm_status("RssAnon")
        self.file_start = vm_status("RssFile")
        self._sample()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()
        return False


def reset_vm_hwm():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


# ----------------------------------------------------------------- statistics
@dataclass(frozen=True)
class Summary:
    """Robust statistics of repeated timings, in seconds."""

    n: int
    median: float
    p10: float
    p90: float
    mean: float
    minimum: float

    @property
    def median_ms(self):
        return self.median * 1e3

    @property
    def p90_ms(self):
        return self.p90 * 1e3


def summarize(samples):
    """Return a :class:`Summary` of timings given in seconds."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ValueError("No timings to summarize.")
    return Summary(
        n=int(values.size),
        median=float(np.median(values)),
        p10=float(np.percentile(values, 10)),
        p90=float(np.percentile(values, 90)),
        mean=float(values.mean()),
        minimum=float(values.min()),
    )


def ratios(numerator, denominator):
    """Per-round ratios of two equally long lists of timings."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if num.shape != den.shape:
        raise ValueError(f"Rounds differ in number: {num.shape} and {den.shape}.")
    return num / den


# --------------------------------------------------------------------- timing
def time_calls(func, *, n_calls, n_warmup=5, collect=True):
    """Time ``func()`` ``n_calls`` times after ``n_warmup`` untimed calls.

    Returns an array of ``n_calls`` durations in seconds. The garbage collector
    runs once before the timed loop (``collect=True``) and stays enabled in it, as
    it would be in a serving process.
    """
    if n_calls < 1:
        raise ValueError("n_calls must be at least 1.")
    for _ in range(n_warmup):
        func()
    if collect:
        gc.collect()
    clock = time.perf_counter_ns
    durations = np.empty(n_calls)
    for i in range(n_calls):
        start = clock()
        func()
        durations[i] = clock() - start
    return durations * 1e-9


@dataclass
class RoundTimes:
    """Wall-clock and process CPU seconds of one contender, one entry per round.

    CPU time counts all threads of this process; it is less sensitive than wall
    time to other processes competing for the cores, so when the machine is busy
    a CPU-time ratio is the steadier of the two.
    """

    wall: list
    cpu: list


def time_once(func, *, setup=None):
    """Run ``setup()`` untimed (when given), then time ``func()``.

    Returns ``(wall_seconds, cpu_seconds)``; CPU seconds are this process's user
    and system time over all its threads.
    """
    if setup is not None:
        setup()
    cpu_start = time.process_time_ns()
    start = time.perf_counter_ns()
    func()
    wall = (time.perf_counter_ns() - start) * 1e-9
    cpu = (time.process_time_ns() - cpu_start) * 1e-9
    return wall, cpu


def interleaved_rounds(contenders, *, n_rounds, n_warmup=1, setup=None, progress=None):
    """Time each contender once per round, alternating their order between rounds.

    Parameters
    ----------
    contenders : dict of str to callable
        The calls to compare, each timed as a whole (e.g. build + compile + fit).
    n_rounds : int
        Timed rounds; each contender runs once per round.
    n_warmup : int
        Untimed rounds first (imports, first tracing of shared code paths).
    setup : callable or None
        Called untimed before every run (e.g. ``gc.collect`` and
        ``keras.backend.clear_session``).
    progress : callable or None
        Called as ``progress(name, round_index, wall_seconds, cpu_seconds)`` after
        each run; ``round_index`` is negative for warm-up rounds.

    Returns
    -------
    timings : dict of str to RoundTimes
        Seconds per timed round for each contender, in round order.
    """
    names = list(contenders)
    timings = {name: RoundTimes(wall=[], cpu=[]) for name in names}
    for index in range(-n_warmup, n_rounds):
        # Forward order on even rounds, reversed on odd ones (A B, B A, A B, ...).
        order = names if index % 2 == 0 else names[::-1]
        for name in order:
            wall, cpu = time_once(contenders[name], setup=setup)
            if index >= 0:
                timings[name].wall.append(wall)
                timings[name].cpu.append(cpu)
            if progress is not None:
                progress(name, index, wall, cpu)
    return timings


# --------------------------------------------------------------------- tables
def format_table(headers, rows, *, align=None, title=None):
    """Render rows of cells as a plain-text table.

    ``align`` is a string of ``"l"``/``"r"`` per column (default: first column
    left, the others right). Cells are converted with ``str``.
    """
    cells = [[str(cell) for cell in row] for row in rows]
    headers = [str(h) for h in headers]
    n_cols = len(headers)
    for row in cells:
        if len(row) != n_cols:
            raise ValueError(f"Row {row!r} has {len(row)} cells; expected {n_cols}.")
    if align is None:
        align = "l" + "r" * (n_cols - 1)
    widths = [
        max([len(headers[c])] + [len(row[c]) for row in cells]) for c in range(n_cols)
    ]

    def line(values):
        parts = [
            value.ljust(width) if how == "l" else value.rjust(width)
            for value, width, how in zip(values, widths, align, strict=True)
        ]
        return "| " + " | ".join(parts) + " |"

    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = []
    if title:
        out.append(title)
    out += [rule, line(headers), rule.replace("-", "=")]
    out += [line(row) for row in cells]
    out.append(rule)
    return "\n".join(out)


def print_table(headers, rows, *, align=None, title=None):
    """Print :func:`format_table` followed by a blank line, flushing stdout."""
    print(format_table(headers, rows, align=align, title=title))
    print(flush=True)


def fmt_ms(seconds, digits=2):
    """Seconds as milliseconds, e.g. ``"1.23"``."""
    return f"{seconds * 1e3:.{digits}f}"


def fmt_s(seconds, digits=2):
    """Seconds, e.g. ``"4.56"``."""
    return f"{seconds:.{digits}f}"


def verdict(value, target):
    """``"PASS"`` when ``value <= target``, else ``"MISS"``."""
    return "PASS" if value <= target else "MISS"


# ---------------------------------------------------------------- environment
def package_version(name):
    """Installed version of a distribution, or ``"not installed"``."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average():
    """The 1, 5 and 15 minute load averages as text, or ``"n/a"``."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def busy_machine_warning(threshold=0.5):
    """A warning line when other work loads the CPUs, else ``None``.

    The 1-minute load average includes this process; more than ``threshold``
    busy cores beyond it at the start of a run mean timings will be noisy.
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    if load > threshold:
        return (
            f"WARNING: load average {load:.2f} on {os.cpu_count()} cores before the "
            "run: other processes compete for the CPUs, timings will be noisy "
            "(compare the CPU-time ratios, or rerun on an idle machine)."
        )
    return None


def environment_rows(extra=()):
    """``(name, value)`` rows describing the machine and library versions."""
    rows = [
        ("python", platform.python_version()),
        ("platform", platform.platform(terse=True)),
        ("cpu cores (os.cpu_count)", str(os.cpu_count())),
        ("load average (1, 5, 15 min)", load_average()),
    ]
    for name in ("numpy", "scikit-learn", "tensorflow", "keras", "scikeras"):
        rows.append((name, package_version(name)))
    if "keras" in sys.modules:
        rows.append(("keras backend", sys.modules["keras"].backend.backend()))
    for var in ("OMP_NUM_THREADS", "SKRNN_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        if os.environ.get(var):
            rows.append((var, os.environ[var]))
    rows.extend(extra)
    return rows
