"""Lazy access to Keras on whichever backend it runs, seeding, threads, predict.

Nothing here imports TensorFlow, JAX, PyTorch or Keras at module import time:
``import skrnn`` stays instant, and the backend is loaded by the first call to
:func:`get_keras` (first ``fit``, ``predict`` or unpickling of a fitted
estimator). Keras runs on the backend ``KERAS_BACKEND`` names, TensorFlow by
default. What only TensorFlow has lives in :mod:`skrnn._tensorflow`, reached
through the functions here (:func:`training_scope`, :func:`distribution_scope`,
:func:`make_predictor`, :func:`generator_dataset`), which use Keras' own
equivalents on the other backends.
"""

import contextlib
import gc
import os
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
                    with held:
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


def _backend_modules():
    """Names of the Keras and backend modules imported so far."""
    return {
        name
        for name in list(sys.modules)
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch")
    }


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
            from . import _tensorflow

            _tensorflow.configure()
        elif name == "jax":
            from . import _workers

            _workers.join_from_environment(keras)  # before JAX's first computation
        elif name == "torch":
            n_threads = thread_limit()
            if n_threads is not None:
                import torch

                torch.set_num_threads(n_threads)
    return keras


# The Keras backends skrnn trains on; TensorFlow is the default and the tested
# install, JAX and PyTorch run the same code through Keras' own APIs.
BACKENDS = ("tensorflow", "jax", "torch")


def _limit_backend_threads(name):
    """Cap XLA's CPU threads for JAX where the process has a budget of one.

    JAX reads its flags when it is first imported, so this happens before the
    import (and does nothing if the user imported JAX already). XLA has no
    finer knob than one thread or all of them.
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


def padded_steps(n_steps):
    """The length a batch of masked sequences of at most ``n_steps`` is padded to.

    TensorFlow's traced step takes any length: ``n_steps``. JAX compiles a
    program per input shape (a ragged fit compiled one per batch length: 20x
    slower than TensorFlow), so there the length is rounded up to the next of
    8, 12, 16, 24, 32, 48, ... (a power of two or one and a half times one):
    at most two shapes per doubling of the length, less than half the
    length more (masked) padding.
    """
    if backend_name() == "tensorflow":
        return n_steps
    return rounded_steps(n_steps)


def rounded_steps(n_steps):
    """``n_steps`` rounded up to 8, 12, 16, 24, 32, 48, ... (see :func:`padded_steps`)."""
    if n_steps <= 8:
        return n_steps
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


def _tensorflow():
    """:mod:`skrnn._tensorflow` if Keras runs on TensorFlow, else None."""
    if backend_name() != "tensorflow":
        return None
    from . import _tensorflow

    return _tensorflow


@contextlib.contextmanager
def training_scope(model):
    """Where ``model`` trains; yields a list for the generators of its datasets.

    On TensorFlow nothing of the fit outlives it in TensorFlow's process-wide
    registries (see :mod:`skrnn._tensorflow`): neither the traced step nor the
    datasets' generators with the data they hold. The other backends keep no
    such state.
    """
    tf_parts = _tensorflow()
    if tf_parts is None:
        yield []
        return
    with (
        tf_parts.released_custom_gradients(model),
        tf_parts.released_generator_datasets() as generators,
    ):
        yield generators


def distribution_scope(distribution):
    """The scope a network is built and compiled in (``tf.distribute`` only).

    None builds outside any strategy; "default" and "mirrored" are
    TensorFlow's (see :func:`skrnn._tensorflow.distribution_scope`);
    "multi_worker" builds the network itself outside any (it trains through a
    copy built under :func:`skrnn._workers.scope`).
    """
    if distribution is None or distribution == "multi_worker":
        return contextlib.nullcontext()  # the workers' trainer: skrnn._workers
    tf_parts = _tensorflow()
    if tf_parts is None:
        raise ValueError(
            f"distribution={distribution!r} trains through tf.distribute, which "
            f"needs the TensorFlow backend; Keras runs on {backend_name()!r}. "
            "Leave distribution=None, or set KERAS_BACKEND=tensorflow."
        )
    return tf_parts.distribution_scope(distribution)


def make_predictor(model):
    """A callable ``predictor(X, *, compile_hot=False)`` -> ``model``'s outputs.

    On TensorFlow a traced (and, when hot, XLA-compiled) forward pass
    (:class:`skrnn._tensorflow.CompiledPredictor`); elsewhere Keras' own
    compiled ``predict_on_batch`` (:class:`KerasPredictor`).
    """
    tf_parts = _tensorflow()
    if tf_parts is not None:
        return tf_parts.CompiledPredictor(model)
    return KerasPredictor(model)


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


class KerasPredictor:
    """``model.predict_on_batch`` on NumPy arrays, in chunks (JAX, PyTorch).

    Keras compiles the forward pass itself (``jax.jit`` on JAX); one call runs
    at a time (threads wait for each other). As on
    TensorFlow, a batch of one sample is computed as two identical rows, so a
    prediction does not depend on the size of the batch it is made in.
    """

    def __init__(self, model):
        keras = get_keras()
        self.model = model
        self._dtype = np.dtype(keras.backend.standardize_dtype(model.inputs[0].dtype))
        # Keras' JAX predict step donates the model's state buffers: two threads
        # predicting at once (dask's threaded scheduler) would read deleted ones.
        self._lock = threading.Lock()

    def __call__(self, X, *, compile_hot=False):
        return in_chunks(self._run, X)

    def _run(self, X):
        X, n_samples = at_least_min_batch(X)
        with self._lock:
            outputs = self.model.predict_on_batch(np.asarray(X, dtype=self._dtype))
        return np.asarray(outputs)[:n_samples]


def generator_dataset(passes, signature, *, rows, group=1, prefetch=2):
    """What Keras' ``fit`` reads from a generator of ``(x, y, w)`` batches.

    ``passes`` is a generator function; each item holds ``group`` batches of
    ``rows`` rows stacked (several batches handed over at once). ``signature``
    gives each array's ``(shape, dtype)`` with None for sizes that vary. On
    TensorFlow a ``tf.data`` pipeline (split into batches, prefetched); on the
    other backends a generator that yields the batches one by one.
    """
    tf_parts = _tensorflow()
    if tf_parts is not None:
        return tf_parts.generator_dataset(
            passes, signature, rows=rows, group=group, prefetch=prefetch
        )
    if group == 1:
        return passes()

    def batches():
        for stacked in passes():
            for start in range(0, len(stacked[0]), rows):
                yield tuple(part[start : start + rows] for part in stacked)

    return batches()


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
