"""Traced training steps reused across fits of the same network.

Most of a small fit is the backend tracing (or compiling) its training step:
0.5-1 s for a small recurrent network, whatever the data. A grid search, an
estimator check, a forecaster's backtest or its ensemble refit the same network
again and again: each fit traced the same step anew.

Here a fit trains a pooled *trainer*, a compiled copy of the network built
from the same :class:`~skrnn._engine.NetworkSpec`, whose traced step Keras
keeps from one ``fit`` to the next. The estimator's own network is never
traced: its state (weights, random-seed state, optimizer slots, step count and
learning rate) is copied into the trainer before training and back after it,
in every outcome (finished, stopped, diverged, interrupted, failed). The
trainer runs the same operations on the same values as the network would, so
a fit gives the same numbers with or without a pooled trainer.

The pool holds at most :data:`POOL_SIZE` trainers, the most recently used, so a
search over hundreds of fits holds a few traced steps, not hundreds. A trainer
serves one fit at a time: a fit in another thread that finds none free builds
its own.

Not pooled (trained as before, on the network itself): networks of a user's
``builder`` (a callable may build another network each call), ``tf.distribute``
strategies, and truncated backpropagation (a stateful copy of its own).
"""

import contextlib
import dataclasses

from . import _workers
from ._backend import to_numpy
from ._per_backend import forget_compiled_programs
from ._pools import FreeLists

# Trainers kept, most recently used first out: a few networks of a grid search
# alternate (an estimator and its calibration clone, a classifier and a
# regressor).
POOL_SIZE = 4


def pool_key(spec):
    """What a trainer is reused for: the network's spec up to what is copied.

    The seed only sets initial values and the learning rate is an optimizer
    variable: both are copied into the trainer, so neither is in the key.
    None if the spec cannot be pooled (a user's builder, a distribution
    strategy) or is not hashable.
    """
    if spec is None or spec.builder is not None or spec.distribution is not None:
        return None
    key = dataclasses.replace(spec, seed=0, learning_rate=0.0)
    try:
        hash(key)
    except TypeError:  # e.g. a loss object that is not hashable
        return None
    return key


def _state_variables(model):
    """The variables a fit reads and changes: the network's and its optimizer's."""
    variables = list(model.variables)  # weights, non-trainable state, seeds
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(optimizer.variables)  # slots, step count, learning rate
    return variables


def _compatible(source, target):
    a, b = _state_variables(source), _state_variables(target)
    return len(a) == len(b) and all(
        tuple(x.shape) == tuple(y.shape) and x.dtype == y.dtype
        for x, y in zip(a, b, strict=True)
    )


def copy_state(source, target, *, via_host=False):
    """Assign every state variable of ``source`` to ``target``'s (same network).

    ``via_host``: through NumPy arrays, for a ``source`` whose variables span
    other processes (:func:`worker_training`).
    """
    for origin, destination in zip(
        _state_variables(source), _state_variables(target), strict=True
    ):
        destination.assign(to_numpy(origin) if via_host else origin)


def copy_optimizer_state(source, target):
    """Assign ``source``'s optimizer variables (step count, learning rate,
    slots) to ``target``'s: two networks of the same trainable weights, such
    as a network and its stateful copy for truncated backpropagation."""
    origins, destinations = source.optimizer.variables, target.optimizer.variables
    if len(origins) != len(destinations) or any(
        tuple(a.shape) != tuple(b.shape)
        for a, b in zip(origins, destinations, strict=True)
    ):
        raise RuntimeError("the two networks' optimizers hold other variables")
    # Through NumPy: on JAX the two would otherwise share buffers, which a
    # training step of either donates (and deletes) under the other.
    for origin, destination in zip(origins, destinations, strict=True):
        destination.assign(to_numpy(origin))


class TrainerPool(FreeLists):
    """Compiled trainers by :func:`pool_key`, one fit at a time each."""

    def __init__(self, size=POOL_SIZE):
        super().__init__(size)

    def _give_back(self, key, trainer):
        if self.give_back(key, trainer):
            forget_compiled_programs()

    @contextlib.contextmanager
    def training(self, model, spec, build):
        """Yield the model to train in ``model``'s place.

        ``build(spec)`` builds and compiles a trainer when none is free. The
        yielded trainer holds ``model``'s state on entry; ``model`` holds the
        trainer's on exit, however the block ends. Where ``spec`` cannot be
        pooled, ``model`` itself is yielded.
        """
        key = pool_key(spec)
        if key is None:
            yield model
            return
        trainer = self.take(key)
        if trainer is None or not _compatible(model, trainer):
            trainer = build(spec)
            if not _compatible(model, trainer):  # another network after all
                yield model
                return
        copy_state(model, trainer)
        try:
            yield trainer
        finally:
            copy_state(trainer, model)
            self._give_back(key, trainer)


POOL = TrainerPool()


@contextlib.contextmanager
def worker_training(model, spec, build):
    """Yield a copy of ``model`` built under the workers' data parallelism.

    ``distribution="multi_worker"`` (:mod:`skrnn._workers`): the copy's
    variables are replicated across the workers and it trains inside their
    scope; ``model`` (built in this process alone, so that it predicts, saves
    and pickles as any other) takes the copy's state on exit, however the block
    ends. Never pooled: the copy is released with the fit.
    """
    with _workers.scope():
        trainer = build(spec)
        _workers.average_once_per_step(trainer)
        copy_state(model, trainer)
        try:
            yield trainer
        finally:
            copy_state(trainer, model, via_host=True)
