"""Data-parallel training across processes: ``distribution="multi_worker"``.

Every worker (one process per machine, or several on one) runs the same
script: it reads the same data, resolves the same plan and builds the same
network from the same seed (a panel source read to disk,
``value_store="disk"``, the workers read together, each its shard, into a
folder they share: :class:`SharedReading`). Training is Keras' data
parallelism on the JAX backend (:class:`keras.distribution.DataParallel`):
each batch of ``batch_size`` samples is cut into one equal part per worker,
each worker computes the gradients of its part, and the gradients are
averaged across the workers before every step (one all-reduce,
:func:`average_once_per_step`), so every worker holds the same network after
each step, the one a single process would hold up to the order of float32
sums. Everything else (early stopping's hold-out, the forecasts, the
intervals) each worker computes alike.

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
import functools
import os
import pickle
import socket
import tempfile
import threading

from ._backend import backend_name, get_keras, inner_layers, joined_workers

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


class SharedReading:
    """A panel source that the workers read together, each its own shard.

    Worker ``index`` of ``count`` reads every ``count``-th row group (dask:
    partition) of the source, from the ``index``-th, and writes the values
    it reads to a folder that every worker shares (made by worker 0 in its
    ``tempfile.gettempdir()``, ``TMPDIR``, and named to the others): the
    workers then exchange what each read -- the series' pieces, their first
    stamps and steps, where their values lie -- and each maps the values of
    every piece, so every worker holds the whole panel (as one process reading
    it would) having read a share of it. A worker's reading error is every
    worker's error (none is left waiting for the others).
    """

    def __init__(self):
        self.index, self.count = shard()
        folder = tempfile.mkdtemp(prefix="skrnn-values-") if self.index == 0 else ""
        self.folder = _broadcast_text(folder)
        self._hosts = None

    def gather(self, payload):
        """Every worker's ``payload`` (a picklable object), in worker order."""
        path = os.path.join(self.folder, f"read-{self.index}.pkl")
        with open(path, "wb") as file:
            pickle.dump((socket.gethostname(), payload), file, protocol=5)
        _barrier("skrnn-read")
        gathered = []
        for worker in range(self.count):
            if worker == self.index:  # its own, as it is
                gathered.append((socket.gethostname(), payload))
                continue
            # Written by the workers of this fit into the folder worker 0 made
            # (mkdtemp: only this user may write there).
            with open(os.path.join(self.folder, f"read-{worker}.pkl"), "rb") as file:
                gathered.append(pickle.load(file))
        self._hosts = {host for host, _ in gathered}
        return [payload for _, payload in gathered]

    def finish(self, store):
        """Once every worker has mapped what it reads: each removes the files
        it wrote, then worker 0 the folder. Workers on several machines (a
        shared file system, where a file removed by one is gone for the
        others) leave the folder to the job's end."""
        _barrier("skrnn-mapped")
        if self._hosts is None or len(self._hosts) > 1:
            store.seal()
            return
        store.close(remove_folder=False)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(self.folder, f"read-{self.index}.pkl"))
        _barrier("skrnn-removed")
        if self.index == 0:
            with contextlib.suppress(OSError):
                os.rmdir(self.folder)


def _barrier(name):
    """Wait until every worker gets here."""
    from jax.experimental import multihost_utils

    multihost_utils.sync_global_devices(name)


def _broadcast_text(text, size=4096):
    """Worker 0's ``text``, on every worker."""
    import numpy as np
    from jax.experimental import multihost_utils

    raw = np.zeros(size, np.uint8)
    encoded = text.encode()
    if len(encoded) > size:
        raise ValueError(f"The temporary folder's path is too long: {text!r}.")
    raw[: len(encoded)] = np.frombuffer(encoded, np.uint8)
    received = np.asarray(multihost_utils.broadcast_one_to_all(raw))
    return bytes(received).rstrip(b"\0").decode()


@contextlib.contextmanager
def scope():
    """Build and train under the workers' data parallelism."""
    with _start().scope():
        yield


def average_once_per_step(model):
    """Give ``model`` a training step that exchanges the gradients once.

    Under :class:`keras.distribution.DataParallel`, Keras jit-compiles its own
    training step over batches sharded across the workers and lets XLA
    partition it; XLA then exchanges values inside the recurrent loop, at
    every time step (a GRU's step on two processes took 79 ms against 16 ms in
    one). This step computes each worker's loss and gradients on its own part
    of the batch alone (``shard_map``) and averages them across the workers in
    one all-reduce; the optimizer's update, the same on every worker, runs on
    the averaged gradients. The parts are equal (:mod:`skrnn._batching`), so the
    average of the parts' mean losses is the batch's mean loss: the gradients
    a single process computes, up to the order of float32 sums; the logged
    loss is the batch's.

    A network with batch normalisation or with dropout keeps Keras' step: its
    layers normalise each batch by the statistics of the whole batch, or draw
    their masks for the whole batch, which one worker's part alone would not
    give. Returns whether the step was replaced.
    """
    keras = get_keras()
    if _needs_whole_batch(model, keras) or not _has_stateless_parts(model):
        return False
    import jax
    from jax.sharding import PartitionSpec

    mesh = model.trainable_variables[0].value.sharding.mesh
    axis = mesh.axis_names[0]
    if hasattr(jax, "shard_map"):
        shard_map = functools.partial(jax.shard_map, mesh=mesh, check_vma=False)
    else:  # jax < 0.6
        from jax.experimental.shard_map import shard_map as experimental

        shard_map = functools.partial(experimental, mesh=mesh, check_rep=False)
    replicated, split = PartitionSpec(), PartitionSpec(axis)

    def part_gradients(trainable, non_trainable, metrics, optimizer, x, y, weight):
        gradient = jax.value_and_grad(model.compute_loss_and_updates, has_aux=True)
        (_, (loss, y_pred, non_trainable, _)), grads = gradient(
            trainable,
            non_trainable,
            metrics,
            x,
            y,
            weight,
            training=True,
            optimizer_variables=optimizer,
        )
        grads, loss = jax.lax.pmean((grads, loss), axis)
        return grads, loss, y_pred, non_trainable

    def train_step(state, data):
        trainable, non_trainable, optimizer, metrics = state
        x, y, weight = keras.utils.unpack_x_y_sample_weight(data)
        grads, loss, y_pred, non_trainable = shard_map(
            part_gradients,
            in_specs=(replicated,) * 4 + (split,) * 3,
            out_specs=(replicated, replicated, split, replicated),
        )(trainable, non_trainable, metrics, optimizer, x, y, weight)
        trainable, optimizer = model.optimizer.stateless_apply(
            optimizer, grads, trainable
        )
        logs, metrics = model._update_metrics_variables(
            metrics, loss, x, y, y_pred, weight
        )
        return logs, (trainable, non_trainable, optimizer, metrics)

    model.train_step = train_step
    return True


def _has_stateless_parts(model):
    """Whether this Keras exposes the parts of its JAX step the step reuses
    (Keras 3.15's; an older Keras keeps its own step)."""
    import inspect

    losses = getattr(model, "compute_loss_and_updates", None)
    return (
        losses is not None
        and "optimizer_variables" in inspect.signature(losses).parameters
        and hasattr(model, "_update_metrics_variables")
    )


def _needs_whole_batch(model, keras):
    """Whether a layer of ``model`` normalises by the batch's statistics or
    draws random numbers in training (dropout, noise)."""
    return any(
        isinstance(layer, keras.layers.BatchNormalization)
        or any(
            (getattr(layer, name, 0) or 0) > 0
            for name in ("rate", "stddev", "dropout", "recurrent_dropout")
        )
        for layer in inner_layers(model)
    )
