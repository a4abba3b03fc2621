"""Lazy access to Keras (TensorFlow backend), seeding, threads and fast predict.

Nothing here imports TensorFlow or Keras at module import time: ``import skrnn``
stays instant, and the backend is loaded by the first call to :func:`get_keras`
(first ``fit``, ``predict`` or unpickling of a fitted estimator).
"""

import contextlib
import logging
import os
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
    """Import Keras with the TensorFlow backend once, configured, and return it."""
    global _KERAS
    if _KERAS is None:
        with _LOCK:
            if _KERAS is None:
                os.environ.setdefault("KERAS_BACKEND", "tensorflow")
                # TensorFlow's C++ start-up lines (CUDA probing, oneDNN) ignore
                # TF_CPP_MIN_LOG_LEVEL: hidden unless the user asks for logs (0, 1).
                tf_logs = os.environ.get("TF_CPP_MIN_LOG_LEVEL") in ("0", "1")
                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
                with contextlib.nullcontext() if tf_logs else _native_stderr_off():
                    import keras

                    if keras.backend.backend() != "tensorflow":
                        raise ImportError(
                            "skrnn needs Keras with the TensorFlow backend, but Keras "
                            f"was loaded with the {keras.backend.backend()!r} backend. "
                            "Set KERAS_BACKEND=tensorflow before importing Keras."
                        )
                    _configure_threads()
                    import tensorflow as tf

                    tf.config.list_physical_devices()  # CUDA is probed here
                _quiet_retracing_warnings()
                _KERAS = keras
    return _KERAS


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


def get_tf():
    """Return the ``tensorflow`` module (importing Keras first)."""
    get_keras()
    import tensorflow

    return tensorflow


class _RetracingFilter(logging.Filter):
    """Drop TensorFlow's retracing notice: each fitted model traces its own function."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def _quiet_retracing_warnings():
    logging.getLogger("tensorflow").addFilter(_RetracingFilter())


def _thread_limit():
    for name in _THREAD_VARS:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def _configure_threads():
    """Cap TensorFlow's thread pools where the process was given a thread budget.

    joblib's process workers set ``OMP_NUM_THREADS`` to their share of the cores;
    honouring it keeps parallel grid searches from oversubscribing the machine.
    """
    n_threads = _thread_limit()
    if n_threads is None:
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n_threads)
        tf.config.threading.set_inter_op_parallelism_threads(min(n_threads, 2))
    except RuntimeError:  # the runtime was already initialised by the user
        pass


def resolve_seed(random_state):
    """Turn a scikit-learn ``random_state`` into one integer seed."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        return int(random_state) % (2**31 - 1)
    return int(check_random_state(random_state).randint(2**31 - 1))


def _gradient_registry():
    """TensorFlow's global registry of gradient functions (private), or None."""
    try:
        from tensorflow.python.framework import ops

        return ops._gradient_registry._registry
    except (ImportError, AttributeError):
        return None


# tensorflow/tensorflow#97697: every tf.custom_gradient traced in graph mode stays
# in a global registry forever, and with it the whole traced training step (its
# gradient closure captures the forward results). The fix (tensorflow#109334:
# the closure no longer captures them) is merged upstream; 2.21 still leaks. The
# workaround is off from this version on, and also wherever an entry's closure
# holds no forward results (the fixed layout): it then finds nothing to remove.
_REGISTRY_LEAK_FIXED_IN = (2, 22)


def _tf_version():
    tf = get_tf()
    return tuple(int(part) for part in tf.__version__.split(".")[:2] if part.isdigit())


def _graphs_of(entry):
    """The graph of a custom-gradient entry's forward results and its outer graphs.

    Anything unexpected (another TensorFlow layout) yields nothing, so the entry
    is kept.
    """
    try:
        outer = entry["type"]
        cells = dict(zip(outer.__code__.co_freevars, outer.__closure__, strict=True))
        tape_grad_fn = cells["tape_grad_fn"].cell_contents
        cells = dict(
            zip(
                tape_grad_fn.__code__.co_freevars, tape_grad_fn.__closure__, strict=True
            )
        )
        result = cells["result"].cell_contents
        graph = result[0].graph if result else None
    except Exception:
        return []
    graphs = []
    while graph is not None:
        graphs.append(graph)
        graph = getattr(graph, "outer_graph", None)
    return graphs


def _variable_ids(model):
    """Identities of the TensorFlow variables of a Keras model and its optimizer."""
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(optimizer.variables)
    return {id(getattr(variable, "value", variable)) for variable in variables}


def _belongs_to(entry, variable_ids):
    """Whether a registry entry was traced for a step that uses these variables."""
    for graph in _graphs_of(entry):
        used = getattr(graph, "variables", None) or ()
        if any(id(variable) in variable_ids for variable in used):
            return True
    return False


def registry_workaround_active():
    """Whether this TensorFlow needs :func:`released_custom_gradients` to act."""
    return _gradient_registry() is not None and _tf_version() < _REGISTRY_LEAK_FIXED_IN


@contextlib.contextmanager
def released_custom_gradients(model):
    """Free the custom-gradient registry entries of ``model``'s training once done.

    In graph mode every ``tf.custom_gradient`` (Keras' optimizer uses one to sum
    gradients across replicas) registers a gradient function in a global
    registry that is never emptied, and it keeps the whole traced training step
    alive: about 10 MB per fit, forever (tensorflow/tensorflow#97697). This
    removes the entries that were registered during the block AND whose traced
    step uses ``model``'s variables -- never an entry of another thread's fit. It
    relies on TensorFlow internals, does nothing where they differ, and nothing
    on a TensorFlow that carries the upstream fix.
    """
    if not registry_workaround_active():
        yield
        return
    registry = _gradient_registry()
    before = set(registry)
    try:
        yield
    finally:
        ours = _variable_ids(model)
        for key in set(registry) - before:
            entry = registry.get(key)
            if key.startswith("CustomGradient-") and entry is not None:
                if _belongs_to(entry, ours):
                    registry.pop(key, None)


def distribution_scope(distribution):
    """The ``tf.distribute`` scope a network is built and compiled in.

    None builds outside any strategy; "default" uses TensorFlow's current
    strategy (the default one unless the caller entered another); "mirrored"
    replicates the network on every visible GPU (or the CPU) with
    ``tf.distribute.MirroredStrategy``, splitting each batch across them.
    """
    if distribution is None:
        return contextlib.nullcontext()
    tf = get_tf()
    if distribution == "mirrored":
        return tf.distribute.MirroredStrategy().scope()
    return tf.distribute.get_strategy().scope()


class CompiledPredictor:
    """A traced forward pass of a Keras model, called directly on NumPy arrays.

    ``Model.predict`` builds a dataset and a progress loop per call (tens of
    milliseconds); this calls one ``tf.function`` per chunk instead, so a single
    sample costs well under a millisecond on a CPU.
    """

    def __init__(self, model):
        tf = get_tf()
        self.model = model
        signature = [
            tf.TensorSpec([None] + list(tensor.shape[1:]), tensor.dtype)
            for tensor in model.inputs
        ]
        self._function = tf.function(
            lambda inputs: model(inputs, training=False),
            input_signature=signature,
            reduce_retracing=True,
            autograph=False,  # a plain forward pass: nothing to convert
        )

    def __call__(self, X):
        n_samples = X.shape[0]
        if n_samples <= _PREDICT_CHUNK:
            return self._run(X)
        chunks = [
            self._run(X[start : start + _PREDICT_CHUNK])
            for start in range(0, n_samples, _PREDICT_CHUNK)
        ]
        return np.concatenate(chunks, axis=0)

    def _run(self, X):
        n_samples = X.shape[0]
        if n_samples < _MIN_BATCH:
            padded = np.concatenate([X] * _MIN_BATCH, axis=0)
            return self._function(padded).numpy()[:n_samples]
        return self._function(X).numpy()
