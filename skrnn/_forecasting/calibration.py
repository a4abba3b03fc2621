"""Where a forecaster's out-of-sample errors come from, for its intervals.

The errors are collected where the networks never saw the values as training
targets, from every forecast origin in the last ``c`` steps of each series
(at most :data:`MAX_ORIGINS` origins in all: beyond, a random sample of them),
for each step of the horizon, each divided by its series' scale
(:func:`series_scales`):

* ``"holdout"``: the windows the fit already held out. With
  ``normalize="level"`` and early stopping the targets of every training window
  end before each series' last ``horizon`` values, so forecasts of those values
  from origins inside them are out of sample (early stopping chose the epoch on
  them: a small optimism). No extra cost.
* ``"backtest"``: the same plan trained once more on each series minus its
  last ``c`` steps (``c`` is twice the horizon, at least 50, at most half the
  training windows), forecasting from each of the last ``c`` origins. It
  doubles the cost of ``fit``.

Everything here takes values: the plan, the histories, and functions that
forecast (and, for a backtest, train); it never reads an estimator.
"""

import dataclasses

import numpy as np

from .._conformal import scaled_errors
from .level import seasonal_naive_scale

# Origins a backtest forecasts from, per series: at least this many.
MIN_BACKTEST_ORIGINS = 50
# Forecast origins per call of the forecast function (see out_of_sample_errors).
ORIGINS_PER_CALL = 8192
# Forecast origins whose errors a fit keeps, at most: beyond, this many drawn at
# random (the plan's seed). The intervals read quantiles of the errors pooled
# over the series, per step ahead; 200,000 errors put a 97.5% quantile within
# 0.04 percentage points of coverage (binomial standard error), as
# scikit-learn's KBinsDiscretizer subsamples 200,000 rows for its quantiles.
# A million series at horizon 24 (24,000,000 hold-out origins) would otherwise
# hold 2.1 GiB of errors and forecast every origin.
MAX_ORIGINS = 200_000
# The calibration errors' dtype. The intervals read order statistics of them
# (elements, whose order float32 rounding keeps): float32 gives the float64
# intervals within float32 rounding, at half the memory (100,000 series at
# horizon 24 hold 57.6 million errors: 220 MiB, not 440 MiB).
SCORE_DTYPE = np.float32


@dataclasses.dataclass(frozen=True)
class CalibrationPlan:
    """Where a fit's calibration errors will come from.

    ``method`` is "holdout", "backtest" or None (then ``note`` says why);
    ``n_origins`` the forecast origins per series.
    """

    method: str | None
    n_origins: int = 0
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Calibration:
    """A fit's calibration: the fitted attributes of the same names, with a
    trailing underscore (``method`` is ``calibration_method_``)."""

    method: str | None
    scores: np.ndarray | None
    scales: np.ndarray | None
    note: str

    def attributes(self):
        return {
            "calibration_method_": self.method,
            "calibration_scores_": self.scores,
            "calibration_scales_": self.scales,
            "_calibration_note": self.note,
        }


def plan_calibration(calibration, plan, histories, horizon):
    """Resolve the ``calibration`` parameter for a plan, before anything trains:
    an explicit choice that cannot apply is an error then, not after training."""
    if calibration is None:
        return CalibrationPlan(None, note="it was fitted with calibration=None")
    holdout = plan.normalize == "level" and plan.training["early_stopping"]
    method = calibration
    if method == "auto":
        method = "holdout" if holdout else "backtest"
    if method == "holdout":
        if not holdout:
            raise ValueError(
                "calibration='holdout' needs the windows a fit holds out: "
                "normalize='level' with early_stopping=True. Use "
                "calibration='backtest'."
            )
        return CalibrationPlan("holdout", plan.network_steps)
    n_origins = backtest_origins(plan, histories, horizon)
    if n_origins < 1:
        note = (
            "its series were too short for a backtest (an extra fit on each "
            "series minus its last steps needs two training windows or more)"
        )
        if calibration == "backtest":
            raise ValueError(f"calibration='backtest' cannot run: {note}.")
        return CalibrationPlan(None, note=note)
    return CalibrationPlan("backtest", n_origins)


def backtest_origins(plan, histories, horizon):
    """Steps held out of the backtest fit: at most half its training windows."""
    shortest = min(len(history) for history in histories)
    steps = plan.network_steps
    if plan.normalize == "level":
        n_windows = shortest - plan.window - 2 * steps + 1
    else:
        n_windows = shortest - sum(plan.differences) - plan.window - (steps - 1)
    wanted = max(2 * horizon, MIN_BACKTEST_ORIGINS)
    return int(min(wanted, n_windows // 2))


def calibrate(
    plan, calibration, histories, *, forecast, fit, horizon, log, covariates=None
):
    """Out-of-sample errors as planned; a :class:`Calibration`.

    Parameters
    ----------
    plan : ForecastPlan
    calibration : CalibrationPlan
    histories : list of ndarray of shape (n_steps_i, n_targets)
        The training series.
    forecast : callable
        ``forecast(histories, positions, n_steps)``: the fitted networks'
        forecasts after each history (of fitted series ``positions``).
    fit : callable
        ``fit(shorter_histories)``: trains the plan anew on them and returns
        such a ``forecast`` function (for "backtest").
    horizon : int
        Steps ahead to calibrate.
    log : bool
        Errors as log ratios.
    covariates : list of ndarray or None
        Each series' covariates (its steps' rows): the forecasts from each
        origin read those of the steps they forecast.
    """
    if calibration.method is None:
        return Calibration(None, None, None, calibration.note)
    if calibration.method == "backtest":
        forecast = fit([history[: -calibration.n_origins] for history in histories])
    scales = series_scales(histories, plan.season_length, log)
    scores = out_of_sample_errors(
        forecast,
        histories,
        scales,
        calibration.n_origins,
        horizon,
        log,
        covariates,
        sample=(MAX_ORIGINS, plan.seed),
    )
    return Calibration(calibration.method, scores, scales, calibration.note)


def out_of_sample_errors(
    forecast, histories, scales, n_origins, horizon, log, covariates=None, sample=None
):
    """Scaled errors of forecasts from each of the last ``n_origins`` origins,
    ``(n_series * n_origins * n_targets, horizon)`` of :data:`SCORE_DTYPE`
    (computed in float64, then rounded), NaN beyond a series' end.

    With ``covariates``, the forecast from each origin reads the covariates of
    the steps it forecasts (past the series' end, copies of its last step).
    With ``sample=(most, seed)`` and more origins than ``most``, only ``most``
    origins drawn at random with ``seed`` are forecast, in their order: the
    rows are ``most * n_targets``."""
    # Origin i is step ``len - n_origins + i % n_origins`` of series
    # ``i // n_origins``. A chunk of origins at a time: the windows a forecast
    # encodes, and the origins' views, stay a few MB however many series (a
    # multiple of the predictors' own batches, so the forecasts are those of
    # one call).
    n_targets = histories[0].shape[1]
    total = len(histories) * n_origins
    chosen = range(total)
    if sample is not None and total > sample[0]:
        rng = np.random.default_rng(sample[1])
        chosen = np.sort(rng.choice(total, sample[0], replace=False))
    scores = np.full((len(chosen), n_targets, horizon), np.nan, dtype=SCORE_DTYPE)
    for begin in range(0, len(scores), ORIGINS_PER_CALL):
        origins, positions, actuals, scale_rows, known = [], [], [], [], []
        for i in chosen[begin : begin + ORIGINS_PER_CALL]:
            position, back = divmod(int(i), n_origins)
            history = histories[position]
            origin = len(history) - n_origins + back
            origins.append(history[:origin])
            positions.append(position)
            actuals.append(history[origin : origin + horizon])
            scale_rows.append(scales[position])
            if covariates is not None:
                known.append(covariates[position][: origin + horizon])
        if covariates is None:
            forecasts = forecast(origins, positions, horizon)
        else:
            forecasts = forecast(origins, positions, horizon, known)
        for i, (actual, predicted, scale) in enumerate(
            zip(actuals, forecasts, scale_rows, strict=True), begin
        ):
            done = len(actual)
            scores[i, :, :done] = scaled_errors(actual, predicted[:done], scale, log).T
    return scores.reshape(-1, horizon)


def series_scales(histories, season_length, log):
    """Each series' seasonal-naive MAE per column, ``(n_series, n_targets)``.

    Where it is 0 (a constant or exactly periodic column): the naive (lag 1)
    MAE; where that is 0 too, the other series' typical scale relative to
    their level, times this column's level -- a scale in the column's own
    units, never another series' (a constant series of 5 beside one of
    millions took the latter's interval) -- and the others' mean scale only
    for a column of zeros. With ``log`` the errors are relative already: the
    others' median scale (of log values) as it is.
    """
    scales, levels = [], []
    for history in histories:
        row, level = [], []
        for j in range(history.shape[1]):
            values = np.log(history[:, j]) if log else history[:, j]
            scale = seasonal_naive_scale(values, season_length)
            if scale is None:
                scale = seasonal_naive_scale(values, 1)
            row.append(np.nan if scale is None else scale)
            level.append(float(np.mean(np.abs(values))) if len(values) else 0.0)
        scales.append(row)
        levels.append(level)
    scales = np.array(scales, dtype=np.float64)
    levels = np.array(levels, dtype=np.float64)
    known = np.isfinite(scales)
    if known.all():
        return scales
    if not known.any():
        return np.ones_like(scales)
    if log:
        return np.where(known, scales, float(np.median(scales[known])))
    relative = known & (levels > 0)
    typical = np.median(scales[relative] / levels[relative]) if relative.any() else 0.0
    fallback = typical * levels
    fallback[fallback <= 0] = scales[known].mean()
    return np.where(known, scales, fallback)
