"""What differs by backend in training and predicting, chosen here.

TensorFlow's parts come from :mod:`skrnn._tensorflow` (the workarounds for
its process-wide registries, ``tf.distribute`` scopes, ``tf.data`` pipelines,
the traced predictor); JAX and PyTorch use Keras' own equivalents. The engine
and the estimators call the functions here and never ask which backend runs.
"""

import contextlib
import threading

import numpy as np

from ._backend import at_least_min_batch, backend_name, get_keras, in_chunks


def _tensorflow():
    """:mod:`skrnn._tensorflow` if Keras runs on TensorFlow, else None."""
    if backend_name() != "tensorflow":
        return None
    from . import _tensorflow

    return _tensorflow


def forget_compiled_programs():
    """Drop the compiled programs of networks no longer trained.

    JAX keeps every program it compiled in process-wide caches, those of
    networks long dropped included: each fit of a new network shape held
    about 24 MB more (20 fits of GRUs of other sizes: +367 MB). Called when
    the trainer pool drops a network (:mod:`skrnn._trainers`): a search over
    network shapes keeps a bounded memory, and fits of one shape, which the
    pool serves, keep their compiled step. Networks still in use compile
    their step or forward pass again on their next call. TensorFlow frees a
    network's traced functions with the network, but not the kernels it
    instantiated to run them (:func:`skrnn._tensorflow.dropped_traced_function`);
    PyTorch compiles nothing.
    """
    if backend_name() == "jax":
        import jax

        jax.clear_caches()
        return
    tf_parts = _tensorflow()
    if tf_parts is not None:
        tf_parts.dropped_traced_function()


def fused_optimizer(optimizer):
    """``optimizer``, with TensorFlow's fused Adam update on TensorFlow.

    See :func:`skrnn._tensorflow.fuse_adam_updates`; the other backends run
    Keras' own update (JAX compiles the whole step with XLA, which fuses it).
    """
    tf_parts = _tensorflow()
    if tf_parts is not None:
        tf_parts.fuse_adam_updates(optimizer)
    return optimizer


def compiled_training_recurrence():
    """``f(layer, sequences)``: a training GRU's or LSTM's output with its
    recurrence compiled (:func:`skrnn._tensorflow.training_recurrence`), or
    None where Keras' own loop serves: JAX compiles the whole step with XLA
    already, PyTorch runs eagerly, and on a GPU Keras runs cuDNN's kernels.
    """
    tf_parts = _tensorflow()
    if tf_parts is None or tf_parts.has_gpu():
        return None
    return tf_parts.training_recurrence


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


def recurrent_layer_options(cell, stateful):
    """Extra keyword arguments of a Keras recurrent layer, by backend.

    On PyTorch, a stateful GRU or LSTM runs Keras' PyTorch GRU/LSTM function
    (cuDNN on a GPU, a loop of its own on a CPU), which reads the initial
    state without copying it, and Keras then assigns the layer's new state in
    place: ``backward`` fails ("modified by an inplace operation":
    keras-team/keras#23462, reported for CUDA; on a CPU too with Keras
    3.15.1). Keras' generic recurrent loop copies the states first: truncated
    backpropagation (the only stateful network skrnn builds) takes it there.
    """
    if stateful and cell in ("gru", "lstm") and backend_name() == "torch":
        return {"use_cudnn": False}
    return {}


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


def generator_dataset(passes, signature, *, rows, group=1, prefetch=2, generators=None):
    """What Keras' ``fit`` reads from a generator of ``(x, y, w)`` batches.

    ``passes`` is a generator function; each item holds ``group`` batches of
    ``rows`` rows stacked (several batches handed over at once). ``signature``
    gives each array's ``(shape, dtype)`` with None for sizes that vary. On
    TensorFlow a ``tf.data`` pipeline (split into batches, prefetched), a kept
    one of the same signature where ``generators`` (the list
    :func:`training_scope` yields) is given: it reads ``passes`` until the
    scope ends. On the other backends a generator that yields the batches one
    by one.
    """
    tf_parts = _tensorflow()
    if tf_parts is not None:
        return tf_parts.generator_dataset(
            passes,
            signature,
            rows=rows,
            group=group,
            prefetch=prefetch,
            generators=generators,
        )
    if group == 1:
        return passes()

    def batches():
        for stacked in passes():
            for start in range(0, len(stacked[0]), rows):
                yield tuple(part[start : start + rows] for part in stacked)

    return batches()
