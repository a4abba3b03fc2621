"""The training engine: build, train and snapshot a Keras network on encoded data.

The estimators validate and encode their inputs, then hand the engine plain
values: the encoded samples (any object of the
:class:`~skrnn._training_data.TrainingData` protocol, such as
:class:`~skrnn._inputs.Sequences`), targets as the network's last layer yields
them, sample weights, a :class:`NetworkSpec` and a :class:`TrainingConfig`. The
engine knows nothing of estimators and never calls back into one. Its steps
each have one name:

* :func:`build_model` -- the network, compiled, from a spec (or a user callable);
* :class:`ValidationSplit` -- which samples early stopping holds out;
* :func:`~skrnn._batching.sequence_dataset` -- the batches of one pass (length
  buckets, never a copy of the whole data);
* :func:`train` -- the fit loop: callbacks, early stopping, divergence, interrupts,
  truncated backpropagation through time.

State is never half-updated: at every epoch end whose loss is finite the engine
records the weights and the optimizer's variables. A non-finite loss restores
the state from before the call and raises :class:`TrainingDivergedError`; a
``KeyboardInterrupt`` keeps the network as of the last completed epoch (or, if
none completed, as before the call) with history and epoch count to match.
"""

import collections
import contextlib
import dataclasses
import math
import threading
import weakref
from collections.abc import Callable

import numpy as np
from sklearn.model_selection import train_test_split

from . import _trainers, _workers
from ._backend import (
    backend_name,
    get_keras,
    inner_layers,
    release_free_heap,
    to_numpy,
)
from ._batching import sequence_batches, sequence_dataset
from ._layers import compile_training_loops
from ._losses import smoothed_loss
from ._network import (
    build_custom_network,
    build_network,
    join_members,
    make_optimizer,
)
from ._per_backend import (
    distribution_scope,
    fused_optimizer,
    generator_dataset,
    training_scope,
)
from ._progress import keras_callbacks
from ._training_data import check_padding, check_targets, check_training_data

# Largest batch of the early-stopping hold-out (forward passes only).
_VALIDATION_BATCH = 4096
# Samples read at once to recompute the batch normalisations' statistics.
_STATISTICS_CHUNK = 256

# A fit of at least this many recurrent steps (epochs x batches x the median
# sample's length) trains skrnn's GRU and LSTM layers through compiled loops
# (skrnn._layers; TensorFlow on a CPU). Compiling them costs a fit ~0.3 s
# (per batch shape), and they save ~50 us per layer and step: a GRU(16) on
# 500 series, 30 epochs of 10 batches, lost 0.3 s at 12 steps and gained
# 0.5 s at 48 (2 cores, 2026-12-06).
COMPILE_LOOPS_AFTER = 10_000
# ... in batches of at most this many samples: the compiled loop's small
# matrix products are slower than TensorFlow's at larger batches. The recipe
# on PLAID (batches of 54, 100 steps): 10 epochs 47.9 s compiled against
# 39.2 s with Keras' loops; on OSULeaf (batches of 20) 26 s against 48 s; a
# named LSTM(32) in batches of 30 alike (10.3 s against 10.1 s), 2026-12-06.
COMPILE_LOOPS_MAX_BATCH = 32
# ... for at most this many kinds of fit (network, batch size, length) in a
# process: TensorFlow keeps every program it compiled until the process ends
# (~10 MB a new GRU size: 15 sizes fitted compiled grew the process by 161
# MB, by 33 MB with Keras' loops), so a search over many network sizes would
# grow without bound (up to ~80 MB here). Later kinds train with Keras' loops.
COMPILE_LOOPS_KINDS = 8


class _CompiledShapes:
    """The kinds of fit that trained through compiled loops in this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kinds = set()

    def admits(self, kind):
        """Whether a fit of ``kind`` may compile: a kind compiled before, or a
        new one while fewer than COMPILE_LOOPS_KINDS have been."""
        with self._lock:
            if kind in self._kinds:
                return True
            if len(self._kinds) >= COMPILE_LOOPS_KINDS:
                return False
            self._kinds.add(kind)
            return True


_COMPILED_SHAPES = _CompiledShapes()


class TrainingDivergedError(ValueError):
    """The training loss became NaN or infinite; the estimator was left as before.

    Raised by ``fit``, ``partial_fit`` and ``SequenceForecaster.fit`` instead of
    returning a network whose predictions would be NaN. Lower the learning rate
    or scale the data (the estimators standardise inputs and targets by
    default).

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor, TrainingDivergedError
    >>> X = np.random.RandomState(0).rand(20, 4, 1)
    >>> reg = RNNRegressor(optimizer="sgd", learning_rate=1e6, scale_targets=False,
    ...                    units=4, epochs=2, random_state=0)
    >>> try:
    ...     reg.fit(X, 1e18 * X[:, -1, 0])
    ... except TrainingDivergedError as error:
    ...     print(str(error)[:34])
    Training diverged: the loss became
    """


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """What the network looks like and how it is compiled.

    ``builder`` is a user callable ``builder(input_shape=..., n_outputs=...,
    output_activation=...)`` returning an uncompiled ``keras.Model``; without
    it the other architecture fields are used.
    """

    input_shape: tuple
    n_outputs: int
    output_activation: str | None
    loss: str
    seed: int
    cell: str = "lstm"
    units: tuple = (32,)
    bidirectional: bool = False
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    masked: bool = False
    vocabulary_size: int | None = None
    embedding_dim: int = 16
    return_sequences: bool = False
    conv_filters: tuple = ()
    conv_kernel_size: int = 8
    conv_pool_size: int = 1
    pooling: str = "last"
    # Fraction of their length training series are shifted by at random (0: off).
    random_shift: float = 0.0
    # The classifier's labels smoothed by this much in its loss (0: Keras' own
    # loss, ``loss``).
    label_smoothing: float = 0.0
    # Independent networks in one model, outputs stacked on axis 1 (see
    # build_network); :func:`train` repeats the targets once per member.
    n_members: int = 1
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    distribution: str | None = None
    # Batches per compiled call. Keras runs whole executions, so with more than
    # one an epoch no longer ends where the data does: kept at 1 (exact).
    steps_per_execution: int = 1
    # XLA on TensorFlow: slower on CPU for the small data of notebooks (compile
    # time), see bench_core.py; kept off. The other backends take Keras'
    # "auto": JAX compiles its train step with XLA (its eager mode dispatches
    # every operation of every recurrent step: ten times slower), PyTorch runs
    # eagerly.
    jit_compile: bool = False
    builder: Callable | None = None

    def __post_init__(self):
        # Python numbers for Keras, which refuses NumPy scalars (a grid of
        # np.arange values, np.float32 rates) in layers and optimizers.
        for name, kind in (
            ("learning_rate", float),
            ("dropout", float),
            ("recurrent_dropout", float),
            ("random_shift", float),
            ("label_smoothing", float),
            ("embedding_dim", int),
            ("conv_kernel_size", int),
            ("conv_pool_size", int),
        ):
            object.__setattr__(self, name, kind(getattr(self, name)))

    def layers(self):
        """Keyword arguments of :func:`~skrnn._network.build_network`."""
        return dict(
            input_shape=self.input_shape,
            n_outputs=self.n_outputs,
            output_activation=self.output_activation,
            cell=self.cell,
            units=self.units,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            # Masked inputs end in a "real step" channel: padding is all zeros,
            # the encoder's pad_value (train checks that the data's agrees).
            mask_value=0.0 if self.masked else None,
            vocabulary_size=self.vocabulary_size,
            embedding_dim=self.embedding_dim,
            return_sequences=self.return_sequences,
            conv_filters=self.conv_filters,
            conv_kernel_size=self.conv_kernel_size,
            conv_pool_size=self.conv_pool_size,
            pooling=self.pooling,
            random_shift=self.random_shift,
            n_members=self.n_members,
            seed=self.seed,
        )


@dataclasses.dataclass(frozen=True)
class ValidationSplit:
    """The samples early stopping holds out.

    Parameters
    ----------
    fraction : float
        Share of the samples held out.
    shuffle : bool
        Draw them at random (True) or take the last ones (False: windows cut
        from one series, where the latest windows are the honest hold-out).
    stratify : ndarray or None
        Labels whose proportions the split keeps.
    groups : ndarray or None
        With ``shuffle=False``, the group (series) of each sample: the last
        ``fraction`` of every group is held out (windows of a panel of series).
    seed : int or None
        Seeds the random draw; None takes the training call's seed.
    """

    fraction: float
    shuffle: bool = True
    stratify: np.ndarray | None = None
    groups: np.ndarray | None = None
    seed: int | None = None

    def split(self, n_samples, seed):
        if self.seed is not None:
            seed = self.seed
        indices = np.arange(n_samples)
        if self.groups is not None and not self.shuffle:
            # One sort, not one scan per group: panels have 100,000s of series.
            order = np.argsort(self.groups, kind="stable")
            _, starts, counts = np.unique(
                self.groups[order], return_index=True, return_counts=True
            )
            n_held = np.maximum(1, np.round(self.fraction * counts).astype(int))
            first_held = np.repeat(starts + counts - n_held, counts)
            held_out = np.zeros(n_samples, dtype=bool)
            held_out[order] = np.arange(n_samples) >= first_held
            return indices[~held_out], indices[held_out]
        stratify = self.stratify if self.shuffle else None
        if stratify is not None:
            counts = np.unique(stratify, return_counts=True)[1]
            n_held = math.ceil(self.fraction * n_samples)
            # A class of one sample, or more classes than either side holds,
            # cannot be split in proportion: a plain random split then.
            if counts.min() < 2 or min(n_held, n_samples - n_held) < len(counts):
                stratify = None
        n_held = math.ceil(self.fraction * n_samples)
        if n_held < 1 or n_samples - n_held < 1:
            raise ValueError(
                f"Early stopping holds out validation_fraction={self.fraction} of "
                f"the {n_samples} training samples: {n_held} held out, "
                f"{n_samples - n_held} to train on. Both need at least one: "
                "set early_stopping=False, or another validation_fraction."
            )
        return train_test_split(
            indices,
            test_size=self.fraction,
            random_state=seed if self.shuffle else None,
            shuffle=self.shuffle,
            stratify=stratify,
        )


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """How long and how the network trains."""

    epochs: int
    batch_size: int
    seed: int
    early_stopping: bool = False
    validation: ValidationSplit | None = None
    n_iter_no_change: int = 10
    tbptt_steps: int | None = None
    # "plateau": halve the learning rate when the training loss has not improved
    # for 10 epochs (down to 1e-5); "cosine": from the initial rate down to 1e-5
    # along half a cosine over ``epochs``; None keeps it constant.
    lr_schedule: str | None = None
    # With "plateau": stop once the learning rate has reached its floor and the
    # loss has stalled ``patience`` more epochs (the schedule is spent; the
    # epochs left would move the weights by at most 1e-5 a step). For
    # ``epochs="auto"``, where ``epochs`` is an upper bound.
    stop_at_floor: bool = False
    # End training once the training loss has stayed below this for
    # ``stop_patience`` epochs (the training set is fitted); None never.
    stop_below: float | None = None
    stop_patience: int = 5
    # 1 or 2: a line per epoch (skrnn._progress), into ``progress`` when given
    # (a Progress counting the networks of an ensemble); Keras' own bar is off.
    verbose: int = 0
    progress: object = None
    # False under a tf.distribute strategy, which splits the batches itself.
    group_batches: bool = True
    # The learning rate training starts at, where a warm start names a new one
    # (fine-tuning); None continues at the optimizer's own (a schedule may have
    # lowered it).
    learning_rate: float | None = None


@dataclasses.dataclass
class TrainingResult:
    """What one call of :func:`train` did."""

    history: dict
    n_epochs: int
    interrupted: bool = False
    # Indices of the samples early stopping held out of training, or None.
    held_out: np.ndarray | None = None


# --------------------------------------------------------------------- build
def build_model(spec):
    """Build and compile the network described by ``spec``.

    skrnn's own layers and the optimizer carry explicit names (see
    :func:`~skrnn._network.build_network`): every network of a spec has the
    same variable names, and TensorFlow reuses, instead of adding to, the
    kernels cached for the variables of earlier fits. A user's ``builder``
    names its layers as it would anywhere else.
    """
    with distribution_scope(spec.distribution):
        model = _build_uncompiled(spec)
        compile_model(model, spec)
    return model


def _build_uncompiled(spec):
    if spec.builder is None:
        return build_network(**spec.layers())
    members = [
        build_custom_network(
            spec.builder,
            input_shape=spec.input_shape,
            n_outputs=spec.n_outputs,
            output_activation=spec.output_activation,
            return_sequences=spec.return_sequences,
            masked=spec.masked,
            vocabulary_size=spec.vocabulary_size,
        )
        for _ in range(spec.n_members)
    ]
    if spec.n_members == 1:
        return members[0]
    return join_members(members, spec.input_shape, spec.n_outputs)


def compile_model(model, spec):
    model.compile(
        optimizer=fused_optimizer(make_optimizer(spec.optimizer, spec.learning_rate)),
        loss=smoothed_loss(spec.loss, spec.label_smoothing),
        steps_per_execution=spec.steps_per_execution,
        jit_compile=spec.jit_compile if backend_name() == "tensorflow" else "auto",
    )
    # Keras creates the optimizer's slots on the first training step, inside the
    # traced function, and TensorFlow then traces that function a second time
    # (its first trace cannot create variables): building them here halves the
    # tracing, most of the time of a small fit.
    model.optimizer.build(model.trainable_variables)


# ------------------------------------------------------------------- batches
def repeat_targets(targets, n_members):
    """Targets of a network of ``n_members`` members: one copy per member."""
    if n_members == 1:
        return targets
    return np.repeat(np.asarray(targets)[:, np.newaxis], n_members, axis=1)


def _per_step_weights(weights, targets):
    if weights is not None and targets.ndim == 3:  # one weight per step
        return np.repeat(weights[:, np.newaxis], targets.shape[1], axis=1)
    return weights


# ------------------------------------------------------------------ snapshots
class _State:
    """Weights and optimizer variables of a model, copied out."""

    def __init__(self, model):
        self.weights = [to_numpy(w) for w in model.weights]
        optimizer = getattr(model, "optimizer", None)
        variables = optimizer.variables if optimizer is not None else []
        self.optimizer = [to_numpy(v) for v in variables]

    def restore(self, model):
        model.set_weights(self.weights)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and len(optimizer.variables) == len(self.optimizer):
            for variable, value in zip(
                optimizer.variables, self.optimizer, strict=True
            ):
                variable.assign(value)


class _TracedSteps:
    """Keep the traced training step of the latest trained network only.

    Keras keeps a model's traced training (and validation) step on the model
    for its next ``fit``: about 7 MB, several times the network itself. A
    fitted estimator seldom trains again, so once a network has trained, the
    step of the one trained before it is dropped -- unless that one is
    training at the moment -- and is traced anew if it ever trains again. A
    loop of ``partial_fit`` calls on one estimator keeps reusing its step; a
    loop of fits holds one step, not one per fitted estimator.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._running = collections.Counter()
        self._last = None

    @contextlib.contextmanager
    def training(self, model):
        key = id(model)
        with self._lock:
            self._running[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]
                previous = self._last() if self._last is not None else None
                if previous is not None and previous is not model:
                    if id(previous) not in self._running:
                        _drop_traced_steps(previous)
                self._last = weakref.ref(model)


def _drop_traced_steps(model):
    """Free ``model``'s traced training and validation steps (Keras retraces them)."""
    for name in ("train_function", "test_function"):
        if getattr(model, name, None) is not None:
            setattr(model, name, None)


_TRACED_STEPS = _TracedSteps()

_CALLBACKS = {}


def _callback_classes():
    """The engine's Keras callback classes, defined once Keras is imported."""
    if not _CALLBACKS:
        keras = get_keras()

        class Snapshot(keras.callbacks.Callback):
            """Record each finished epoch's logs and state; stop at a non-finite loss.

            ``source`` is the model whose state is recorded (the estimator's,
            also when a stateful copy trains); ``record`` a dict to fill.
            """

            def __init__(self, source, record):
                super().__init__()
                self.source, self.record = source, record

            def on_epoch_end(self, epoch, logs=None):
                logs = {name: float(value) for name, value in (logs or {}).items()}
                if not math.isfinite(logs.get("loss", 0.0)):
                    self.record["diverged"] = (epoch, logs.get("loss"))
                    self.model.stop_training = True
                    return
                self.record["epochs"].append(logs)
                self.record["state"] = _State(self.source)

        class PlateauSchedule(keras.callbacks.Callback):
            """Keras' ``ReduceLROnPlateau(monitor="loss", factor=0.5,
            patience=10, min_lr=1e-5)``, step for step (its ``min_delta`` of
            1e-4, compared in float32 as Keras' ``ops.less`` does), which can end
            training once the floor is reached and the loss stalls again: where
            Keras would halve the rate but cannot.

            Not Keras' callback itself: it reads the rate with ``np.array`` on a
            Keras variable, one NumPy ``DeprecationWarning`` every epoch of every
            fit (``__array__`` without ``copy``); a test checks that the two
            give the same rates and stops.
            """

            factor, patience, min_lr, min_delta = 0.5, 10, 1e-5, 1e-4

            def __init__(self, stop_at_floor):
                super().__init__()
                self.stop_at_floor = stop_at_floor
                self.best, self.wait = None, 0

            def on_train_begin(self, logs=None):
                self.best, self.wait = None, 0

            def on_epoch_end(self, epoch, logs=None):
                optimizer = self.model.optimizer
                rate = float(to_numpy(optimizer.learning_rate))
                logs = logs or {}
                logs["learning_rate"] = rate  # as Keras' callback adds it
                loss = logs["loss"]
                improved = self.best is None or (
                    np.float32(loss + self.min_delta) < np.float32(self.best)
                )
                if improved:
                    self.best, self.wait = loss, 0
                else:
                    self.wait += 1
                    if self.wait >= self.patience and rate > np.float32(self.min_lr):
                        optimizer.learning_rate = max(rate * self.factor, self.min_lr)
                        self.wait = 0
                if not self.stop_at_floor or self.wait < self.patience:
                    return
                if float(to_numpy(optimizer.learning_rate)) <= np.float32(self.min_lr):
                    self.model.stop_training = True

        class FittedStop(keras.callbacks.Callback):
            """End training once the training loss has stayed below ``below``
            for ``patience`` consecutive epochs."""

            def __init__(self, below, patience):
                super().__init__()
                self.below, self.patience, self.run = below, patience, 0

            def on_epoch_end(self, epoch, logs=None):
                loss = (logs or {}).get("loss")
                self.run = self.run + 1 if loss is not None and loss < self.below else 0
                if self.run >= self.patience:
                    self.model.stop_training = True

        class Validation(keras.callbacks.Callback):
            """Put each epoch's ``val_loss`` in its logs, before the callbacks
            that read it: the mean loss of the held-out batches ``passes()``
            yields (NumPy), each through the model's traced test step.

            Keras' own mean over batches of equal rows: the exact mean over the
            samples where they fit in one batch, as ``validation_data`` gives.
            """

            def __init__(self, passes):
                super().__init__()
                self.passes = passes

            def on_epoch_end(self, epoch, logs=None):
                losses = [
                    self.model.test_on_batch(x, y, w, return_dict=True)["loss"]
                    for x, y, w in self.passes()
                ]
                if logs is not None:
                    logs["val_loss"] = float(np.mean(np.float32(losses)))

        class CopyWeights(keras.callbacks.Callback):
            """Copy the training model's weights into ``target`` after each epoch."""

            def __init__(self, target):
                super().__init__()
                self.target = target

            def on_epoch_end(self, epoch, logs=None):
                self.target.set_weights(self.model.get_weights())

        _CALLBACKS.update(
            Snapshot=Snapshot,
            Validation=Validation,
            CopyWeights=CopyWeights,
            PlateauSchedule=PlateauSchedule,
            FittedStop=FittedStop,
        )
    return _CALLBACKS


# ---------------------------------------------------------------------- train
def train(model, data, targets, weights, config, *, spec=None):
    """Train ``model`` in place; return a :class:`TrainingResult`.

    Parameters
    ----------
    model : keras.Model
        A compiled network, fresh from :func:`build_model` or trained before.
    data : TrainingData
        Encoded samples (:class:`~skrnn._training_data.TrainingData`).
    targets : ndarray or list of ndarray
        Targets as the network yields them, one row (or per-step array) per sample.
    weights : ndarray of shape (n_samples,) or None
        Sample weights of the loss.
    config : TrainingConfig
        Epochs, batches, early stopping, truncated backpropagation.
    spec : NetworkSpec, default=None
        The spec ``model`` was built from. With it, the targets of an ensemble
        (``n_members > 1``) are repeated here once per member, and the data's
        ``pad_value`` is checked against what the network masks. Truncated
        backpropagation needs it (it trains a stateful copy of skrnn's own
        network, built from the spec). Without it, the targets must already
        fit the network's output: an ensemble's unrepeated targets are refused.

    Raises
    ------
    TypeError
        If ``data`` lacks a member of the ``TrainingData`` protocol.
    ValueError
        If the targets do not fit the network's output, the data's padding is
        not what the network masks, or ``tbptt_steps`` is set without a spec of
        skrnn's own network. Nothing has trained then.
    TrainingDivergedError
        If the loss becomes NaN or infinite; ``model`` is then as before the call.
    """
    check_training_data(data)
    if spec is not None:
        check_padding(data, spec)
        targets = repeat_targets(targets, spec.n_members)
    check_targets(model, targets, spec)
    if config.tbptt_steps is not None and (spec is None or spec.builder is not None):
        raise ValueError(
            "tbptt_steps: truncated backpropagation trains a stateful copy of "
            "skrnn's own network, built from its spec; call train with "
            "spec=<the NetworkSpec of the model>, one without a builder."
        )
    if spec is not None and spec.distribution == "multi_worker":
        if config.tbptt_steps is not None:
            raise ValueError(
                "distribution='multi_worker' does not train with truncated "
                "backpropagation (tbptt_steps): leave one of them unset."
            )
        # The workers train a copy built under their data parallelism; ``model``
        # takes its state however this ends.
        with _trainers.worker_training(model, spec, build_model) as trainer:
            return _train(trainer, data, targets, weights, config, spec, own=False)
    # The step is traced on a pooled trainer of the same network (skrnn._trainers),
    # reused by later fits; ``model`` takes the trainer's state however this ends.
    pooled_spec = spec if config.tbptt_steps is None else None
    with _trainers.POOL.training(model, pooled_spec, build_model) as trainer:
        return _train(
            trainer, data, targets, weights, config, spec, own=trainer is model
        )


def _train(model, data, targets, weights, config, spec, *, own):
    """:func:`train` on ``model``: the network itself (``own``) or a trainer."""
    keras = get_keras()
    start = _State(model)
    record = {"epochs": [], "state": start, "diverged": None, "held_out": None}
    callbacks = [_callback_classes()["Snapshot"](model, record)]
    callbacks += keras_callbacks(config.verbose, config.epochs, config.progress)
    if config.stop_below is not None:
        callbacks.insert(
            0,
            _callback_classes()["FittedStop"](config.stop_below, config.stop_patience),
        )
    if config.lr_schedule == "plateau":
        callbacks.insert(0, _plateau_schedule(config.stop_at_floor))
    elif config.lr_schedule == "cosine":
        initial = (
            spec.learning_rate
            if spec is not None
            else float(to_numpy(model.optimizer.learning_rate))
        )
        callbacks.insert(
            0,
            keras.callbacks.LearningRateScheduler(
                lambda epoch, rate: cosine_rate(epoch, config.epochs, initial)
            ),
        )
    # skrnn's own network, trained whole in this process: its batch
    # normalisations take their inputs' statistics once trained.
    own_network = (
        spec is not None
        and spec.builder is None
        and spec.distribution != "multi_worker"
        and config.tbptt_steps is None
    )
    try:
        if config.learning_rate is not None:
            _restart_rate(model, config.learning_rate)
        # Nothing of the fit outlives it in the backend's global state: neither
        # the traced step nor the datasets' generators with the data they hold.
        with (
            _TRACED_STEPS.training(model) if own else contextlib.nullcontext(),
            training_scope(model) as generators,
        ):
            if config.tbptt_steps is not None:
                _train_truncated(
                    model, data, targets, weights, config, spec, callbacks, generators
                )
            else:
                record["held_out"] = _train_batches(
                    keras,
                    model,
                    data,
                    targets,
                    weights,
                    config,
                    callbacks,
                    generators,
                    spec,
                )
    except KeyboardInterrupt:
        record["state"].restore(model)
        if not record["epochs"]:
            raise
        if own_network:
            _recompute_batch_statistics(model, data)
        return TrainingResult(
            _history(record), len(record["epochs"]), True, record["held_out"]
        )
    except BaseException:
        start.restore(model)
        raise
    finally:
        callbacks.clear()  # no cycle through the callbacks outlives the fit
        release_free_heap()  # what tracing freed, not kept for the next fit
    if record["diverged"] is not None:
        start.restore(model)
        epoch, loss = record["diverged"]
        raise TrainingDivergedError(
            f"Training diverged: the loss became {loss} in epoch {epoch + 1}. The "
            "network was left as it was before this fit. Lower learning_rate, or "
            "scale the inputs and targets (large values overflow float32)."
        )
    if own_network:
        _recompute_batch_statistics(model, data)
    return TrainingResult(
        _history(record), len(record["epochs"]), held_out=record["held_out"]
    )


def _recompute_batch_statistics(model, data):
    """Set each batch normalisation's moving statistics to those of its inputs
    over the training samples, as the trained network computes them.

    Keras' moving averages (momentum 0.99) trail the weights: after a short
    fit they still hold much of their initial values and of earlier weights'
    activations. The recipe's front end fitted 10 epochs on OSULeaf (10
    batches an epoch) predicted one class for all 200 training series (0.145
    accuracy) with them, 0.815 with its inputs' own statistics. Layer by layer
    in the network's order, each reading the statistics just set before it;
    the samples in chunks, sums in float64. Only equal-length samples (the
    front end reads no padding), batch normalisations of the top-level
    network over the last axis.
    """
    keras = get_keras()
    if data.dense is None or len(model.inputs) != 1:
        return
    samples = data.dense
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization) or (
            layer.axis not in (-1, len(layer.input.shape) - 1)
        ):
            continue
        reader = keras.Model(model.inputs[0], layer.input)
        total = squares = 0.0
        count = 0
        for start in range(0, len(samples), _STATISTICS_CHUNK):
            chunk = samples[start : start + _STATISTICS_CHUNK]
            values = to_numpy(reader(chunk, training=False))
            values = values.reshape(-1, values.shape[-1]).astype(np.float64)
            total = total + values.sum(axis=0)
            squares = squares + np.square(values).sum(axis=0)
            count += values.shape[0]
        mean = total / count
        variance = np.maximum(squares / count - np.square(mean), 0.0)
        layer.moving_mean.assign(mean.astype(layer.moving_mean.dtype))
        layer.moving_variance.assign(variance.astype(layer.moving_variance.dtype))


def _restart_rate(model, rate):
    """Set the optimizer's learning rate (a warm start that names a new one)."""
    try:
        model.optimizer.learning_rate = rate
    except TypeError as error:  # the optimizer follows a LearningRateSchedule
        raise ValueError(
            "learning_rate changed since the network was fitted, but its "
            "optimizer follows a learning-rate schedule, which a new rate cannot "
            f"replace ({error}). Set learning_rate back, or fit a new network."
        ) from None


def _plateau_schedule(stop_at_floor=False):
    """Halve the learning rate when the training loss stalls for 10 epochs.

    The training loss, not a hold-out's: small sets have too few samples to
    hold out (research/ucr_research.md). With ``stop_at_floor``, training
    ends once the rate is at its floor (1e-5) and the loss has stalled 10
    more epochs.
    """
    return _callback_classes()["PlateauSchedule"](stop_at_floor)


def cosine_rate(epoch, epochs, initial, floor=1e-5):
    """The cosine schedule's rate in ``epoch`` (0-based) of ``epochs``: ``initial``
    in the first, approaching ``floor`` in the last."""
    if initial <= floor or epochs <= 1:
        return float(initial)
    return float(
        floor + 0.5 * (initial - floor) * (1 + math.cos(math.pi * epoch / epochs))
    )


def _history(record):
    history = {}
    for logs in record["epochs"]:
        for name, value in logs.items():
            if name != "learning_rate":
                history.setdefault(name, []).append(value)
    return history


def _train_batches(
    keras, model, data, targets, weights, config, callbacks, generators, spec
):
    """Train on batches; return the indices early stopping held out, or None.

    ``generators`` is the list of :func:`~skrnn._per_backend.training_scope`.
    Under ``distribution="multi_worker"`` this worker trains on its part of
    every batch (:func:`~skrnn._batching.sequence_batches`' ``shard``).
    """
    multi_worker = spec is not None and spec.distribution == "multi_worker"
    shard = _workers.shard() if multi_worker else None
    indices, val = np.arange(len(data)), None
    if config.early_stopping and config.validation is not None:
        indices, val = config.validation.split(len(data), config.seed)
        callbacks.insert(
            0,
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=config.n_iter_no_change,
                restore_best_weights=True,
            ),
        )
    options = dict(
        batch_size=config.batch_size,
        seed=config.seed,
        group_batches=config.group_batches,
        generators=generators,
        shard=shard,
    )
    dataset, steps = sequence_dataset(
        data, targets, weights, indices, shuffle=True, **options
    )
    median_steps = float(np.median(data.lengths))
    compiled = (
        config.epochs * steps * median_steps >= COMPILE_LOOPS_AFTER
        and config.batch_size <= COMPILE_LOOPS_MAX_BATCH
        and _COMPILED_SHAPES.admits(
            (_trainers.pool_key(spec), config.batch_size, median_steps)
        )
    )
    if compile_training_loops(inner_layers(model), compiled):
        _drop_traced_steps(model)  # traced with the other loops
    validation_data = validation_steps = None
    if val is not None:
        # Batches of the fixed training size would pad the last one and weigh its
        # samples more in Keras' mean over batches: validate in one batch where
        # it fits, so val_loss is the exact mean over the held-out samples.
        size = max(config.batch_size, min(len(val), _VALIDATION_BATCH))
        if shard is not None:  # equal parts for the workers
            size = -(-size // shard[1]) * shard[1]
        held_out = dict(shuffle=False, batch_size=size, seed=config.seed, shard=shard)
        if shard is None:
            # Straight from NumPy to the traced test step (Validation, below):
            # Keras' validation_data starts a new iterator over its dataset
            # every epoch, 15-20 ms on TensorFlow (and under a tf.distribute
            # strategy its one pass ran out: a bare StopIteration). A
            # strategy's replicas each compute the whole held-out batch.
            passes, *_ = sequence_batches(
                data, targets, weights, val, group_batches=False, **held_out
            )
            callbacks.insert(0, _callback_classes()["Validation"](passes))
        else:  # each worker computes its part of every held-out batch
            validation_data, validation_steps = sequence_dataset(
                data,
                targets,
                weights,
                val,
                group_batches=config.group_batches,
                generators=generators,
                **held_out,
            )
    model.fit(
        dataset,
        epochs=config.epochs,
        steps_per_epoch=steps,
        validation_data=validation_data,
        validation_steps=validation_steps,
        callbacks=callbacks,
        shuffle=False,  # the dataset reshuffles itself every pass, from the seed
        verbose=0,
    )
    return val


def _reset_states(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def _train_truncated(
    model, data, targets, weights, config, spec, callbacks, generators
):
    """Truncated backpropagation through time on equal-length samples.

    A stateful copy of the network reads the sequences chunk by chunk, in order,
    carrying its recurrent state from one chunk to the next, while gradients flow
    back only within a chunk: the memory of a step is bounded by the chunk.
    """
    keras = get_keras()
    if data.dense is None or isinstance(targets, list):
        raise ValueError(
            "tbptt_steps needs sequences of equal length (for instance one long "
            "sequence); got sequences of different lengths."
        )
    dense, n_samples, n_steps = data.dense, len(data), data.dense.shape[1]
    chunk = config.tbptt_steps
    # The stateful copy masks the data's own padding (train checked that the
    # network of the spec masks the same value).
    layers = {**spec.layers(), "mask_value": data.pad_value if spec.masked else None}
    with distribution_scope(spec.distribution):
        stateful = build_network(**layers, batch_size=n_samples, stateful=True)
        compile_model(stateful, dataclasses.replace(spec, steps_per_execution=1))
    stateful.set_weights(model.get_weights())
    # The optimizer's state carries across calls (warm start, partial_fit), as
    # for every other network: in and, after training, back out.
    _trainers.copy_optimizer_state(model, stateful)
    weights = _per_step_weights(weights, targets)

    def chunks():
        while True:  # one pass per epoch, in order: the state carries across chunks
            for begin in range(0, n_steps, chunk):
                part = (
                    dense[:, begin : begin + chunk],
                    targets[:, begin : begin + chunk],
                )
                if weights is not None:
                    part += (weights[:, begin : begin + chunk],)
                yield part

    def spec_of(array):
        return (n_samples, None) + array.shape[2:], array.dtype

    signature = (spec_of(dense), spec_of(targets))
    if weights is not None:
        signature += (((n_samples, None), weights.dtype),)
    dataset = generator_dataset(
        chunks, signature, rows=n_samples, prefetch=0, generators=generators
    )
    reset = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda *_: _reset_states(stateful)
    )

    with training_scope(stateful):  # its datasets are in the caller's `generators`
        try:
            stateful.fit(
                dataset,
                epochs=config.epochs,
                steps_per_epoch=math.ceil(n_steps / chunk),
                callbacks=[
                    reset,
                    _callback_classes()["CopyWeights"](model),
                    *callbacks,
                ],
                shuffle=False,
                verbose=0,
            )
        finally:
            _trainers.copy_optimizer_state(stateful, model)
