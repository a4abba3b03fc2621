"""The forecaster's networks: built from the plan, trained by the engine, combined.

:func:`train_networks` trains the ``n_networks`` networks of a plan on a
window set (:mod:`skrnn._forecast_windows`) as the sequence estimators do:
side by side in one Keras model (one graph, one trace, the same batches, each
network its own initial weights and its own loss), early stopping on their
mean validation loss. :func:`ensemble_forecast` combines their forecasts as
the forecast recipe says (:data:`~skrnn._recipes.ENSEMBLE_COMBINATION`: the
median, on the original scale).
"""

from . import _engine
from ._recipes import COMBINE, ENSEMBLE_COMBINATION, LOSSES


def network_spec(plan, params, data):
    """The :class:`~skrnn._engine.NetworkSpec` of the plan's networks.

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
        seed=plan.seed,
        cell=training["cell"],
        units=training["units"],
        bidirectional=training["bidirectional"],
        dropout=params["dropout"],
        recurrent_dropout=params["recurrent_dropout"],
        optimizer=params["optimizer"],
        learning_rate=training["learning_rate"],
        distribution=params["distribution"],
        builder=params["model"],
        n_members=training["n_networks"],
    )


def train_networks(plan, params, data, model=None, n_iter=0):
    """Train the plan's networks on ``data``: ``(model, engine result)``.

    ``model`` is the network to continue (a warm start, trained ``n_iter``
    epochs so far), else None: a new one is built.
    """
    training = plan.training
    spec = network_spec(plan, params, data)
    fresh = model is None
    model = _engine.build_model(spec) if fresh else model
    config = _engine.TrainingConfig(
        epochs=training["epochs"],
        batch_size=training["batch_size"],
        seed=int(plan.seed + n_iter),
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
        group_batches=params["distribution"] is None,
    )
    result = _engine.train(model, data, data.targets, data.weights, config, spec=spec)
    return model, result


def ensemble_forecast(normalization, predictor, n_members):
    """``forecast(histories, positions, n_steps, covariates=None)`` of the
    networks side by side in ``predictor``'s model: their forecasts combined
    (:data:`~skrnn._recipes.ENSEMBLE_COMBINATION`), ``(n_histories, n_steps,
    n_targets)`` on the original scale."""
    combine = COMBINE[ENSEMBLE_COMBINATION["forecast"]]

    def forecast(histories, positions, n_steps, covariates=None):
        members = normalization.forecast(
            predictor, histories, n_steps, positions, covariates, n_members
        )
        return combine(members, axis=0)

    return forecast
