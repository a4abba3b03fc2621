"""The forecaster's plan: every "auto" choice resolved from the training data, once.

:func:`resolve_plan` is one pure step from the parameters and the training
series to a frozen :class:`ForecastPlan` (normalisation, season, strategy, log,
differences, window, the seed, and the network and training parameters that
:func:`resolve_training` resolved for its normalisation); nothing after it
decides anything. Every rule reads only the series given to ``fit``
(:mod:`skrnn._forecasting.seasonality`, :mod:`skrnn._forecasting.level`), so a
backtest with ``TimeSeriesSplit`` plans fold by fold, as a user would.
"""

import dataclasses
from numbers import Integral

import numpy as np

from .._backend import resolve_seed
from .._params import check_units
from .._recipes import (
    FORECAST_ARCHITECTURE,
    FORECAST_RECIPES,
    refuse_changed_network,
    refuse_named_with_model,
    resolve_forecast_params,
)
from .covariates import CovariateSpec, resolve_covariates
from .seasonality import (
    auto_differences,
    auto_window,
    infer_panel_season_length,
    infer_season_length,
    is_multiplicative,
    level_window,
)


@dataclasses.dataclass(frozen=True)
class ForecastPlan:
    """What a forecaster's networks are trained for, fixed at a fresh ``fit``.

    ``network_steps`` is the number of steps a network outputs at once (1 for
    the recursive strategy, the fitted ``horizon`` for the direct one);
    ``training`` the network and training parameters (``training_params_``).
    """

    normalize: str
    season_length: int
    strategy: str
    network_steps: int
    log: bool
    differences: tuple
    scale: bool
    window: int
    training: dict
    seed: int
    n_targets: int
    with_covariates: bool
    # What the network reads beside the series (None: the series alone).
    covariates: CovariateSpec | None = None

    @classmethod
    def of(cls, forecaster):
        """The plan a fitted forecaster holds (its fitted attributes)."""
        return cls(
            normalize=forecaster.normalize_,
            season_length=forecaster.season_length_,
            strategy=forecaster.strategy_,
            network_steps=forecaster._network_steps,
            log=forecaster.log_,
            differences=tuple(forecaster.differences_),
            scale=forecaster.scale,
            window=forecaster.window_,
            training=dict(forecaster.training_params_),
            seed=forecaster._seed,
            n_targets=forecaster.n_targets_,
            with_covariates=forecaster._with_covariates,
            covariates=CovariateSpec.from_dict(
                getattr(forecaster, "_covariates", None)
            ),
        )

    def attributes(self):
        """The fitted attributes that record the plan."""
        return {
            "normalize_": self.normalize,
            "season_length_": self.season_length,
            "strategy_": self.strategy,
            "_network_steps": self.network_steps,
            "log_": self.log,
            "differences_": self.differences,
            "window_": self.window,
            "training_params_": dict(self.training),
            "_seed": self.seed,
            "n_targets_": self.n_targets,
            "_with_covariates": self.with_covariates,
            "_covariates": None
            if self.covariates is None
            else self.covariates.to_dict(),
            "calendar_features_": None
            if self.covariates is None
            else list(self.covariates.calendar),
        }


def resolve_training(params, *, estimator):
    """The network and training parameters for each normalisation.

    The recipe of each normalisation (:data:`~skrnn._recipes.FORECAST_RECIPES`)
    with what ``params`` name (:func:`~skrnn._recipes.resolve_forecast_params`),
    ``units`` checked: resolved from the parameters alone, before any data is
    read, so that a bad value is refused before a large panel is read. The
    plan takes the entry of the normalisation the data call for.
    """
    refuse_named_with_model(params)
    resolved = {}
    for normalize in FORECAST_RECIPES:
        training = resolve_forecast_params(params, normalize)
        if params["model"] is None:
            training["units"] = check_units(estimator, training["units"])
        else:  # recorded as what the user's network is
            training.update(cell=None, units=None, bidirectional=None)
        resolved[normalize] = training
    return resolved


def resolve_plan(params, observations, training, *, estimator):
    """The plan of a fresh fit: ``params`` (``get_params()``) resolved on the data.

    ``observations`` are the training series (:class:`~skrnn._forecasting.data.
    Observations`); ``training`` maps each normalisation to its network and
    training parameters (:func:`resolve_training`); ``estimator`` is named in
    error messages. Impossible combinations and series too short for the plan
    are refused here, before anything trains.
    """
    targets = observations.targets
    panel = observations.container.is_panel
    covariates = observations.covariates is not None
    normalize = params["normalize"]
    if normalize == "auto":
        positive = all(np.all(series > 0) for series in targets)
        normalize = "level" if panel and positive else "standard"
    if normalize == "level" and targets[0].shape[1] != 1:
        raise ValueError(
            "normalize='level' forecasts series of one column each; use "
            "normalize='standard'."
        )
    spec = resolve_covariates(
        params,
        observations,
        static_width=0 if observations.static is None else observations.static.shape[1],
    )
    strategy = params["strategy"]
    if normalize == "level" and strategy == "recursive":
        raise ValueError(
            "normalize='level' forecasts the whole horizon at once: use "
            "strategy='direct' or 'auto'."
        )
    if strategy == "auto":
        strategy = "direct"
    if spec is not None and spec.past and strategy == "recursive":
        raise ValueError(
            "past_covariates need strategy='direct': a recursive forecaster would "
            "need their values at the steps it forecasts, which are not observed."
        )
    training = dict(training[normalize])
    if params["season_length"] is not None:
        season = int(params["season_length"])
    elif panel and normalize == "level":  # one season for the whole panel
        season = infer_panel_season_length(
            [series[:, 0] for series in targets], observations.indexes[0]
        )
    else:
        season = infer_season_length(targets[0][:, 0], observations.indexes[0])
    steps = 1 if strategy == "recursive" else params["horizon"]
    if normalize == "level":  # log ratios to the window's level, no differences
        log, differences = True, ()
        window = (
            level_window(season, [len(s) for s in targets], params["horizon"])
            if isinstance(params["window"], str)
            else int(params["window"])
        )
    else:
        differences = (
            auto_differences(season)
            if isinstance(params["differences"], str)
            else check_differences(params["differences"])
        )
        log = (
            bool(params["log"])
            if not isinstance(params["log"], str)
            else all(
                is_multiplicative(series[:, column], season)
                for series in targets
                for column in range(series.shape[1])
            )
        )
        window = (
            auto_window(season, min(len(s) for s in targets), steps, sum(differences))
            if isinstance(params["window"], str)
            else int(params["window"])
        )
    plan = ForecastPlan(
        normalize=normalize,
        season_length=season,
        strategy=strategy,
        network_steps=steps,
        log=log,
        differences=differences,
        scale=params["scale"],
        window=window,
        training=training,
        seed=resolve_seed(params["random_state"]),
        n_targets=targets[0].shape[1],
        with_covariates=covariates,
        covariates=spec,
    )
    check_lengths(plan, observations, estimator=estimator)
    return plan


def continued_plan(plan, params, observations, training, *, estimator):
    """The plan a warm start continues: the fitted one, if ``params`` (and
    ``training``, as :func:`resolve_training` resolves them) still describe
    it; a changed network, window or normalisation is refused."""
    fitted = {name: plan.training[name] for name in FORECAST_ARCHITECTURE}
    fitted.update(window=plan.window, normalize=plan.normalize)
    wanted = {name: training[plan.normalize][name] for name in FORECAST_ARCHITECTURE}
    wanted.update(
        window=plan.window if isinstance(params["window"], str) else params["window"],
        normalize=plan.normalize
        if params["normalize"] == "auto"
        else params["normalize"],
    )
    refuse_changed_network(fitted, wanted)
    check_lengths(plan, observations, estimator=estimator)
    # How long and in what batches this call trains: as the parameters say now.
    now = training[plan.normalize]
    return dataclasses.replace(
        plan, training={**plan.training, **{name: now[name] for name in _CONTINUED}}
    )


# Training parameters a warm start takes as they are at its call (a new
# learning rate restarts the optimizer's at it: fine-tuning).
_CONTINUED = (
    "epochs",
    "batch_size",
    "early_stopping",
    "n_iter_no_change",
    "learning_rate",
)


def check_differences(differences):
    lags = tuple(differences)
    if not all(
        isinstance(lag, (Integral, np.integer))
        and not isinstance(lag, (bool, np.bool_))
        and lag >= 1
        for lag in lags
    ):
        raise ValueError(
            f"differences must be a tuple of positive ints, got {differences!r}."
        )
    return tuple(int(lag) for lag in lags)


def check_lengths(plan, observations, *, estimator):
    """Every training series long enough for the plan, or an error naming it."""
    panel = observations.container.is_panel
    for series_id, values in zip(observations.ids, observations.targets, strict=True):
        where = f"Series {series_id!r}: " if panel else ""
        n_steps = len(values)
        if plan.normalize == "level":
            # A series shorter than the window is extended back with its first
            # value (skrnn._forecasting.level.extend_back); it needs its own
            # training target and the held-out last one, and one value before
            # them.
            needed = 2 * plan.network_steps + 1
            if n_steps < needed:
                raise ValueError(
                    f"{where}normalize='level' needs at least {needed} steps "
                    f"(2 x {plan.network_steps}: a training target and the "
                    f"held-out last one, and one value before them), but got "
                    f"{n_steps}."
                )
            if np.any(values <= 0):
                raise ValueError(
                    "normalize='level' needs strictly positive series; "
                    f"{'series ' + repr(series_id) if panel else 'the series'} "
                    "has values <= 0. Use normalize='standard'."
                )
            continue
        lost = sum(plan.differences)
        needed = plan.window + plan.network_steps + lost
        if n_steps < needed:
            raise ValueError(
                f"{where}{type(estimator).__name__} needs a series of at least "
                f"{needed} steps (window={plan.window} + {plan.network_steps} "
                f"target step(s) + differencing {lost}), but got n_samples = "
                f"{n_steps}."
            )


def check_forecast_histories(plan, ids, histories):
    """Histories a fitted plan forecasts from (``predict`` of a panel source):
    long enough for its window and differencing, positive under
    normalize='level'; or an error naming the series."""
    needed = 1 if plan.normalize == "level" else plan.window + sum(plan.differences)
    for series_id, values in zip(ids, histories, strict=True):
        if len(values) < needed:
            raise ValueError(
                f"Series {series_id!r}: forecasting needs the last {needed} "
                f"values of a series (window={plan.window}, differencing "
                f"{sum(plan.differences)}); got {len(values)}."
            )
        if plan.normalize == "level" and np.any(values <= 0):
            raise ValueError(
                f"Series {series_id!r} has values <= 0: normalize='level' "
                "forecasts strictly positive series."
            )
