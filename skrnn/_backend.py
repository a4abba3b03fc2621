"""Lazy access to Keras on whichever backend it runs, seeding, threads, and
the walk through a network's layers that the modules above share.

Nothing here imports TensorFlow, JAX, PyTorch or Keras at module import time:
``import skrnn`` stays instant, and the backend is loaded by the first call to
:func:`get_keras` (first ``fit``, ``predict`` or unpickling of a fitted
estimator), which also sets the backend up once (TensorFlow's thread pools
and notices, the workers a JAX process joins). Keras runs on the backend
``KERAS_BACKEND`` names, TensorFlow by default. This module imports no other
of skrnn's: what differs by backend is chosen in :mod:`skrnn._per_backend`,
what only TensorFlow has lives in :mod:`skrnn._tensorflow`.
"""

import contextlib
import gc
import logging
import os
import random
import signal
import sys
import threading

import numpy as np
from sklearn.utils import check_random_state

_LOCK = threading.Lock()
_KERAS = None

# Variables through which joblib/loky (and users) cap the threads of a worker.
_THREAD_VARS = ("SKRNN_NUM_THREADS", "OMP_NUM_THREADS")

# Batches of one sample are computed as two identical rows: matrix-vector kernels
# round differently from matrix-matrix ones, and a prediction must not depend on
# the size of the batch it is made in.
_MIN_BATCH = 2
_PREDICT_CHUNK = 1024


def get_keras():
    """Import Keras on its backend once, configured, and return it.

    A Ctrl-C (``SIGINT``) that arrives while the main thread imports is held
    back until the import is done, then raised: TensorFlow cannot be imported
    a second time in a process whose first import was cut short. If the import
    is cut short anyway (an interrupt raised in another way), every later call
    raises a :class:`RuntimeError` that says to restart the Python process,
    instead of TensorFlow's errors about half-initialised modules.
    """
    global _KERAS, _INTERRUPTED
    if _KERAS is None:
        with _LOCK:
            if _KERAS is None:
                if _INTERRUPTED is not None:
                    raise RuntimeError(_INTERRUPTED_MESSAGE) from _INTERRUPTED
                loaded = _backend_modules()
                held = _HeldInterrupts()
                try:
                    with held, _global_generators_kept():
                        keras = _import_keras()
                except Exception:
                    held.deliver()  # the user's Ctrl-C is not lost to an error
                    raise
                except BaseException as interrupt:  # KeyboardInterrupt, SystemExit
                    if _backend_modules() - loaded:  # left half-initialised
                        _INTERRUPTED = interrupt
                    raise
                _KERAS = keras
                held.deliver()  # a Ctrl-C during the import, now that it is done
    return _KERAS


_INTERRUPTED = None
_INTERRUPTED_MESSAGE = (
    "Importing TensorFlow was interrupted earlier in this process (Ctrl-C or "
    "another interrupt during the first fit, predict or load), which left "
    "TensorFlow half-initialised; it cannot be imported again in the same "
    "process. Restart the Python process (in a notebook: restart the kernel) "
    "and run this again."
)


class DefinedOnFirstUse:
    """skrnn's classes built on Keras (layers, losses): ``define(keras)``
    returns them by key, called once, on first use (``import skrnn`` imports
    no Keras). Calling the object returns that dict."""

    def __init__(self, define):
        self._define = define
        self._lock = threading.Lock()
        self._classes = {}

    def __call__(self):
        with self._lock:
            if not self._classes:
                self._classes.update(self._define(get_keras()))
            return self._classes

    def custom_objects(self):
        """The classes by the names Keras saves them under (``skrnn>Name``)."""
        return {f"skrnn>{cls.__name__}": cls for cls in self().values()}


def inner_layers(layer):
    """``layer`` and every layer inside it (wrappers, bidirectional halves,
    nested models), each once."""
    keras = get_keras()
    found, stack, seen = [], [layer], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        for name in ("layers", "forward_layer", "backward_layer", "layer"):
            inner = getattr(current, name, None)
            if isinstance(inner, (list, tuple)):
                stack.extend(inner)
            elif isinstance(inner, keras.layers.Layer):
                stack.append(inner)
    return found


def _backend_modules():
    """Names of the Keras and backend modules imported so far."""
    return {
        name
        for name in list(sys.modules)
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch")
    }


@contextlib.contextmanager
def _global_generators_kept():
    """Python's and NumPy's global random generators as they were before.

    Importing Keras (and its backend) draws from both, and the import happens
    in a user's first ``fit``: a user who seeded them would find other numbers
    after it than before.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def _import_keras():
    """Import and configure Keras on the backend Keras is set to; return it.

    Keras chooses: ``KERAS_BACKEND``, else ``~/.keras/keras.json``, else
    TensorFlow. A Keras the user imported before keeps its backend.
    """
    _limit_backend_threads(os.environ.get("KERAS_BACKEND", ""))
    # TensorFlow's C++ start-up lines (CUDA probing, oneDNN) ignore
    # TF_CPP_MIN_LOG_LEVEL: hidden unless the user asks for logs (0, 1).
    tf_logs = os.environ.get("TF_CPP_MIN_LOG_LEVEL") in ("0", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with contextlib.nullcontext() if tf_logs else _native_stderr_off():
        try:
            import keras
        except ModuleNotFoundError as error:
            if error.name not in ("tensorflow", "jax", "torch"):
                raise
            raise ImportError(
                f"Keras is set to the {error.name!r} backend, which is not "
                f"installed. Install it (pip install {error.name}), or set "
                "KERAS_BACKEND to an installed backend (tensorflow, jax or "
                "torch) before the first fit."
            ) from error

        name = keras.backend.backend()
        if name not in BACKENDS:
            raise ImportError(
                f"skrnn trains with Keras on {', '.join(BACKENDS)}, but Keras "
                f"was loaded with the {name!r} backend, which cannot train. Set "
                "KERAS_BACKEND to one of them before importing Keras (or "
                "skrnn's first fit)."
            )
        if name == "tensorflow":
            _configure_tensorflow()
        elif name == "jax":
            _join_workers(keras)  # before JAX's first computation
        elif name == "torch":
            n_threads = thread_limit()
            if n_threads is not None:
                import torch

                torch.set_num_threads(n_threads)
    return keras


class _RetracingFilter(logging.Filter):
    """Drop TensorFlow's retracing notice: each fitted model traces its own function."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def _configure_tensorflow():
    """Set TensorFlow up for skrnn, once, as Keras is imported on it.

    Caps the thread pools where the process was given a thread budget (joblib's
    process workers set ``OMP_NUM_THREADS`` to their share of the cores), probes
    the devices and spends oneDNN's one-time fallback notice (see below) while
    the caller has stderr silenced, and drops TensorFlow's retracing notices.
    """
    import tensorflow as tf

    n_threads = thread_limit()
    if n_threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n_threads)
            tf.config.threading.set_inter_op_parallelism_threads(min(n_threads, 2))
        except RuntimeError:  # the runtime was already initialised by the user
            pass
    tf.config.list_physical_devices()  # CUDA is probed here
    # Where oneDNN is on and the CPU lacks AVX-512, TensorFlow logs at ERROR
    # level, once per process, that the first op of a type oneDNN cannot run
    # there (bool, float16) falls back to Eigen: a masked fit's boolean mask
    # printed it. One boolean op here spends that one notice (and with it a
    # later float16 one) while stderr is silenced; nothing else is.
    tf.transpose(tf.zeros((1, 1), dtype=tf.bool))
    logging.getLogger("tensorflow").addFilter(_RetracingFilter())


# The number of worker processes joined as Keras was imported on JAX (0: the
# environment named none), read by skrnn._workers.
_WORKERS = [0]


def _join_workers(keras):
    """Join the other workers if the environment names several processes.

    Called once, as Keras is first imported on JAX: JAX must know its workers
    before its first computation (:mod:`skrnn._workers` trains across them).
    """
    count = os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "")
    if not count.isdigit() or int(count) < 1:
        return
    if int(count) > 1:  # a cluster of one is this process alone
        import jax

        if jax.config.jax_platforms in (None, "", "cpu"):
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        keras.distribution.initialize()
    _WORKERS[0] = int(count)


def joined_workers():
    """The number of worker processes joined as Keras was imported (0: none)."""
    get_keras()
    return _WORKERS[0]


# The Keras backends skrnn trains on; TensorFlow is the default and the tested
# install, JAX and PyTorch run the same code through Keras' own APIs.
BACKENDS = ("tensorflow", "jax", "torch")


def _limit_backend_threads(name):
    """Cap XLA's CPU threads for JAX where the process has a budget of one.

    JAX reads its flags when it is first imported, so this happens before the
    import (and does nothing if the user imported JAX already). XLA has no
    finer knob than one thread or all of them, and this one only keeps each
    operation on one thread: JAX's runtime still keeps a pool of one thread
    per core the process may run on (a process with a budget of one measured
    163-167% CPU on 2 cores). Only the process's CPU affinity bounds that
    (``taskset``; see the parallel guide).
    """
    if name != "jax" or thread_limit() != 1 or "jax" in sys.modules:
        return
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        os.environ["XLA_FLAGS"] = (
            f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        ).strip()


def backend_name():
    """The backend Keras runs on ("tensorflow", "jax" or "torch"), importing it."""
    return get_keras().backend.backend()


def to_numpy(value):
    """A copy of a Keras variable or a backend tensor as a NumPy array, without
    warnings.

    Keras' ``ops.convert_to_numpy`` calls ``np.array`` on it, and NumPy 2 warns
    (``DeprecationWarning``: the ``__array__`` of TensorFlow's and PyTorch's
    tensors and of Keras' variables takes no ``copy`` argument) once a call: a
    fit that copies its optimizer's variables out every epoch gave a user's
    test run tens of warnings a fit. A Keras variable is read through its
    backend value; TensorFlow's and PyTorch's tensors convert with their own
    ``numpy()``, JAX's arrays with Keras' conversion.
    """
    keras = get_keras()
    if isinstance(value, keras.Variable):
        value = value.value
    name = keras.backend.backend()
    if name == "tensorflow":
        return np.array(value.numpy())  # a copy, never a view of a variable
    if name == "torch":
        return np.array(value.detach().cpu().numpy())
    return keras.ops.convert_to_numpy(value)


def padded_steps(n_steps):
    """The length a batch of masked sequences of at most ``n_steps`` is padded to.

    TensorFlow's traced step takes any length: ``n_steps``. JAX compiles a
    program per input shape (a ragged fit compiled one per batch length: 20x
    slower than TensorFlow), so there the length is rounded up to the next of
    8, 12, 16, 24, 32, 48, ... (a power of two or one and a half times one):
    at most two shapes per doubling of the length, less than half the
    length more (masked) padding; lengths of 1 to 8 all take 8 (one program
    for the short peptides or words that would otherwise compile one each).
    """
    if backend_name() == "tensorflow":
        return n_steps
    return rounded_steps(n_steps)


def rounded_steps(n_steps):
    """``n_steps`` rounded up to 8, 12, 16, 24, 32, 48, ... (see :func:`padded_steps`)."""
    if n_steps <= 8:
        return 8
    power = 1 << (int(n_steps) - 1).bit_length()  # the power of two >= n_steps
    three_quarters = 3 * power // 4
    return three_quarters if n_steps <= three_quarters else power


def pad_steps(x, n_steps, pad_value):
    """``x`` (samples, steps, ...) padded at the end to ``n_steps`` steps."""
    if x.shape[1] >= n_steps:
        return x
    widths = [(0, 0), (0, n_steps - x.shape[1])] + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, widths, constant_values=pad_value)


def thread_limit():
    """The thread budget the process was given (joblib workers, users), or None."""
    for name in _THREAD_VARS:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def in_chunks(run, X):
    """``run`` on ``X`` in chunks of at most ``_PREDICT_CHUNK`` samples, joined."""
    if X.shape[0] <= _PREDICT_CHUNK:
        return run(X)
    chunks = [
        run(X[start : start + _PREDICT_CHUNK])
        for start in range(0, X.shape[0], _PREDICT_CHUNK)
    ]
    return np.concatenate(chunks, axis=0)


def at_least_min_batch(X):
    """``X`` repeated to at least ``_MIN_BATCH`` rows, and its own row count."""
    n_samples = X.shape[0]
    if n_samples < _MIN_BATCH:
        X = np.concatenate([X] * _MIN_BATCH, axis=0)
    return X, n_samples


class _HeldInterrupts:
    """Hold SIGINT (Ctrl-C) back while in the block; :meth:`deliver` it later.

    Only in the main thread (where Python runs signal handlers) and only where
    a Python handler is installed (the default one raises
    ``KeyboardInterrupt``); elsewhere the block runs as is. The handler is
    restored when the block ends, whatever happens in it.
    """

    def __init__(self):
        self.previous = None
        self.frames = []

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return self
        try:
            previous = signal.getsignal(signal.SIGINT)
        except (AttributeError, ValueError):
            return self
        if not callable(previous):  # SIG_IGN, SIG_DFL, or set outside Python
            return self
        try:
            signal.signal(
                signal.SIGINT, lambda signum, frame: self.frames.append(frame)
            )
        except (ValueError, OSError):
            return self
        self.previous = previous
        return self

    def __exit__(self, *exc_info):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False

    def deliver(self):
        """Run the handler for an interrupt held back (raises KeyboardInterrupt)."""
        if self.frames and self.previous is not None:
            frame, self.frames = self.frames[0], []
            self.previous(signal.SIGINT, frame)


@contextlib.contextmanager
def _native_stderr_off():
    """Point file descriptor 2 at the null device for the block.

    The lines TensorFlow's C++ code prints while it loads (before its logging is
    set up) go straight to the process' stderr, which notebooks show. Anything
    another thread writes to stderr during the block is lost too.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def resolve_seed(random_state):
    """Turn a scikit-learn ``random_state`` into one integer seed."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        return int(random_state) % (2**31 - 1)
    return int(check_random_state(random_state).randint(2**31 - 1))


_LIBC = []


def _libc():
    """glibc through ctypes, or None (another C library, another system)."""
    if not _LIBC:
        libc = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                libc = ctypes.CDLL("libc.so.6")
                libc.malloc_trim  # noqa: B018 -- absent from musl
            except (OSError, AttributeError):
                libc = None
        _LIBC.append(libc)
    return _LIBC[0]


def release_free_heap():
    """Hand the heap memory freed so far back to the operating system (glibc).

    A fit allocates and frees a few hundred MB in TensorFlow's threads (graph
    tracing, function instantiation), and a dropped estimator's network is
    freed only by Python's cyclic garbage collector, often many fits later.
    glibc keeps freed pages for reuse, so the resident size of a process that
    fits in a loop grew by tens of MB of free heap. ``malloc_trim`` returns
    them (a few milliseconds): now, and from the first call on after every
    full garbage collection (which frees the networks dropped since). Does
    nothing without glibc.
    """
    libc = _libc()
    if libc is None:
        return
    libc.malloc_trim(0)
    if _trim_after_full_collection not in gc.callbacks:
        gc.callbacks.append(_trim_after_full_collection)


def _trim_after_full_collection(phase, info):
    """A ``gc.callbacks`` hook: trim the heap once a full collection is done."""
    if phase == "stop" and info.get("generation") == 2:
        libc = _libc()
        if libc is not None:
            libc.malloc_trim(0)
