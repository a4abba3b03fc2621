"""The forecaster's networks: built from the plan, trained by the engine, combined.

:func:`train_networks` trains the ``n_networks`` networks of a plan on a
window set (:mod:`skrnn._forecasting.windows`), one after another, each with
its own seed derived from the plan's (its own initial weights, its own batch
order, its own early stopping). :func:`ensemble_forecast` combines their
forecasts as the forecast recipe says
(:data:`~skrnn._recipes.ENSEMBLE_COMBINATION`: the median, on the original
scale).

Trained side by side in one Keras model instead, as the sequence estimators'
networks are (one graph, one trace, the same batches, early stopping on their
mean), the five networks of the M4 recipe scored worse on both M4 validation
sets, in one run each: Hourly MASE 0.841 against 0.809 (sMAPE 10.14 against
10.17, MSIS 8.04 against 7.85), Weekly sMAPE 7.25 / MASE 2.328 against
7.10 / 2.225 -- the networks that share every batch agree more, and their
median gains less. So the forecaster keeps separate networks.
"""

import gc

import numpy as np

from .. import _engine
from .._per_backend import make_predictor
from .._progress import Progress, last_logs
from .._recipes import COMBINE, ENSEMBLE_COMBINATION, LOSSES


def network_spec(plan, params, data, member=0):
    """The :class:`~skrnn._engine.NetworkSpec` of network ``member``.

    ``params`` are the estimator's parameters (``get_params()``): those the
    plan does not resolve (dropout, optimizer, loss, ``model``, distribution).
    """
    training = plan.training
    level = plan.normalize == "level"
    loss = "absolute_error" if level and params["loss"] == "auto" else params["loss"]
    return _engine.NetworkSpec(
        input_shape=(None,) + tuple(data.sample_shape),
        n_outputs=data.targets.shape[1],
        output_activation=None,
        loss=LOSSES[loss],
        seed=member_seed(plan.seed, member),
        cell=training["cell"],
        units=training["units"],
        bidirectional=training["bidirectional"],
        dropout=params["dropout"],
        recurrent_dropout=params["recurrent_dropout"],
        optimizer=params["optimizer"],
        learning_rate=training["learning_rate"],
        distribution=params["distribution"],
        builder=params["model"],
    )


def member_seed(seed, member):
    """Network ``member``'s seed, derived from the plan's."""
    return (seed + 7919 * member) % (2**31 - 1)


def train_networks(
    plan, params, data, models=None, n_iter=0, *, label="network", restart_rate=None
):
    """Train the plan's networks on ``data``; a list of (model, engine result).

    ``models`` are networks to continue (a warm start, trained ``n_iter``
    epochs so far, their optimizers restarted at ``restart_rate`` if not
    None), else None: new networks are built. With ``verbose``, one
    line per epoch and per network, the networks called ``label``
    (:mod:`skrnn._progress`).
    """
    training = plan.training
    if models is None:
        models = [None] * training["n_networks"]
    progress = None
    if params["verbose"]:
        progress = Progress(training["epochs"], len(models), label=label)
    trained = []
    for member, model in enumerate(models):
        if progress is not None:
            progress.start_network(member)
        spec = network_spec(plan, params, data, member)
        fresh = model is None
        model = _engine.build_model(spec) if fresh else model
        config = _engine.TrainingConfig(
            epochs=training["epochs"],
            batch_size=training["batch_size"],
            seed=int(spec.seed + (0 if fresh else n_iter)),
            early_stopping=training["early_stopping"],
            # The latest windows (of each series) are the honest hold-out; with
            # level windows, exactly each series' last one (fraction 0: one each).
            validation=_engine.ValidationSplit(
                0.0 if plan.normalize == "level" else params["validation_fraction"],
                shuffle=False,
                groups=data.groups,
            ),
            n_iter_no_change=training["n_iter_no_change"],
            verbose=params["verbose"],
            progress=progress,
            group_batches=params["distribution"] is None,
            learning_rate=None if fresh else restart_rate,
        )
        result = _engine.train(
            model, data, data.targets, data.weights, config, spec=spec
        )
        if progress is not None:
            progress.end_network(result.n_epochs, last_logs(result.history))
        trained.append((model, result))
    return trained


# Window sets of at least this many windows are collected right after training
# (a full collection costs ~0.2 s with TensorFlow loaded).
COLLECTED_WINDOWS = 100_000


def release_windows(n_windows):
    """Free a large window set once trained on, before the hold-out forecasts.

    TensorFlow's generator datasets keep the training data in reference
    cycles, which only a collection frees: the windows of 20,000 series hold
    ~80 MB (their starts, groups, lengths, weights and the batches' indices)
    until then. The caller drops its own reference first.
    """
    if n_windows >= COLLECTED_WINDOWS:
        gc.collect()


def extended_histories(histories, members):
    """Each network's ``history`` with the epochs of its training added.

    ``members`` are the (model, engine result) pairs of :func:`train_networks`;
    ``histories`` those of the networks a warm start continued, else None.
    """
    if histories is None:
        histories = [None] * len(members)
    extended = []
    for history, (_, result) in zip(histories, members, strict=True):
        history = {name: list(values) for name, values in (history or {}).items()}
        for name, values in result.history.items():
            history.setdefault(name, []).extend(values)
        extended.append(history)
    return extended


# Series forecast per call of the networks: their encoded windows and each
# network's forecasts stay a few MB however large the panel (a multiple of the
# predictors' own batches, so the forecasts are those of one call).
SERIES_PER_CALL = 8192


def ensemble_forecast(normalization, predictors):
    """``forecast(histories, positions, n_steps, covariates=None)`` of the
    networks of ``predictors`` (one traced forward pass each): their forecasts
    combined (:data:`~skrnn._recipes.ENSEMBLE_COMBINATION`), ``(n_histories,
    n_steps, n_targets)`` on the original scale."""
    combine = COMBINE[ENSEMBLE_COMBINATION["forecast"]]

    def forecast_chunk(histories, positions, n_steps, covariates):
        each = [
            normalization.forecast(predictor, histories, n_steps, positions, covariates)
            for predictor in predictors
        ]
        return combine(each, axis=0)

    def forecast(histories, positions, n_steps, covariates=None):
        if len(histories) <= SERIES_PER_CALL:
            return forecast_chunk(histories, positions, n_steps, covariates)
        positions = list(positions)
        return np.concatenate(
            [
                forecast_chunk(
                    histories[begin : begin + SERIES_PER_CALL],
                    positions[begin : begin + SERIES_PER_CALL],
                    n_steps,
                    None
                    if covariates is None
                    else covariates[begin : begin + SERIES_PER_CALL],
                )
                for begin in range(0, len(histories), SERIES_PER_CALL)
            ]
        )

    return forecast


def predictors_of(models):
    """One traced forward pass per network."""
    return [make_predictor(model) for model in models]
