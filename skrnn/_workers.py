"""Data-parallel training across processes: ``distribution="multi_worker"``.

Every worker (one process per machine, or several on one) runs the same
script: it reads the same data, resolves the same plan and builds the same
network from the same seed. Training is Keras' data parallelism on the JAX
backend (:class:`keras.distribution.DataParallel`): each batch of
``batch_size`` samples is cut into one equal part per worker, each worker
computes the gradients of its part, and the gradients are averaged across the
workers (an all-reduce) before every step, so every worker holds the same
network after each step, the one a single process would hold up to the
order of float32 sums. Everything else (early stopping's hold-out, the
forecasts, the intervals) each worker computes alike.

The workers find each other through the environment, as
:func:`keras.distribution.initialize` reads it:
``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (the coordinator's ``host:port`` first,
or every worker's, comma-separated), ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and
``KERAS_DISTRIBUTION_PROCESS_ID`` (0 for the coordinator). On CPUs the
workers exchange gradients with gloo.

TensorFlow's ``MultiWorkerMirroredStrategy`` is not used: Keras 3's ``fit``
does not run under it (keras-team/keras#20585: "Attempt to convert a value
(PerReplica ...)"; reproduced with Keras 3.13 / TensorFlow 2.21).
"""

import contextlib
import os
import threading

from ._backend import backend_name, get_keras, joined_workers

ENVIRONMENT = (
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
)

_LOCK = threading.Lock()
_DISTRIBUTION = []  # the process's one DataParallel distribution, once built


def _start():
    """The process's distribution across the workers joined when Keras was
    imported, or an error saying why there is none."""
    keras = get_keras()
    if backend_name() != "jax":
        raise ValueError(
            "distribution='multi_worker' trains with Keras' data parallelism on the "
            f"JAX backend; Keras runs on {backend_name()!r}. Set KERAS_BACKEND=jax "
            "(pip install 'skrnn[jax]'). TensorFlow's MultiWorkerMirroredStrategy "
            "does not run under Keras 3's fit."
        )
    if not joined_workers():
        missing = [name for name in ENVIRONMENT if not os.environ.get(name)]
        raise ValueError(
            "distribution='multi_worker' needs the workers' addresses in the "
            "environment before Keras is imported (the first fit): "
            + (
                f"{', '.join(missing)} not set"
                if missing
                else "they were set after Keras was imported"
            )
            + ". Every worker runs the same script with its own "
            "KERAS_DISTRIBUTION_PROCESS_ID (see the parallel guide)."
        )
    with _LOCK:
        if not _DISTRIBUTION:
            distribution = keras.distribution.DataParallel(
                devices=keras.distribution.list_devices()
            )
            # Each worker hands over its own part of every batch.
            distribution.auto_shard_dataset = False
            _DISTRIBUTION.append(distribution)
    return _DISTRIBUTION[0]


def shard():
    """``(worker index, number of workers)`` of this process."""
    import jax

    _start()
    return jax.process_index(), jax.process_count()


@contextlib.contextmanager
def scope():
    """Build and train under the workers' data parallelism."""
    with _start().scope():
        yield
