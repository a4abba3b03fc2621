"""Prediction intervals by split conformal calibration on out-of-sample errors.

The method (issue 14). A forecaster's errors are collected where the network
never saw the values as training targets, from every forecast origin in the last
``c`` steps of each series, for each step ``k`` of the horizon; each error is
divided by its series' scale (the in-sample seasonal-naive mean absolute error,
as MASE does), so that errors of series of any size pool into one sample. The
interval of step ``k`` is the forecast plus the conformal quantiles of the
scaled errors of step ``k``, times the series' scale. This keeps the
scikit-learn contract (no change to the network or its loss), is
distribution-free, and its width grows with the step because errors do.

Where the errors come from:

* ``"holdout"``: the windows the fit already held out. With
  ``normalize="level"`` and early stopping the targets of every training window
  end before each series' last ``horizon`` values, so forecasts of those values
  from origins inside them are out of sample (early stopping chose the epoch on
  them: a small optimism). No extra cost.
* ``"backtest"``: one more forecaster, with the same parameters and layout,
  fitted on each series minus its last ``c`` steps (``c`` is twice the horizon,
  at least 50, at most half the training windows), forecasting from each of the
  last ``c`` origins. It doubles the cost of ``fit``.

A step with fewer than ``MIN_STEP_ERRORS`` errors uses the errors of every
step pooled, each divided by ``k ** beta``, the growth of the mean absolute
error with the step fitted on the calibrated steps (``beta`` between 0 and 1;
at least 0.5, a random walk's, for a differenced series, whose forecast errors
accumulate); steps beyond those calibrated grow at least like a random walk's
errors.
"""

import dataclasses

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._level import seasonal_naive_scale
from ._series import continue_index

# The least growth k ** beta of the errors of pooled steps beyond the calibrated
# ones, and of every step of a differenced series: a random walk's (errors of
# an integrated forecast accumulate; an extrapolated error never stops growing).
EXTRAPOLATED_BETA = 0.5
# Errors a step needs for quantiles of its own; a step with fewer uses the
# errors of all steps pooled (one sample for every level, so intervals nest).
MIN_STEP_ERRORS = 100
# Origins a backtest forecasts from, per series: at least this many.
MIN_BACKTEST_ORIGINS = 50


# ----------------------------------------------------------------- levels
def check_levels(values, name, *, interval):
    """A float or list of floats in (0, 1): return (list of floats, was a list)."""
    many = isinstance(values, (list, tuple, np.ndarray))
    levels = [float(v) for v in np.atleast_1d(values)]
    if not levels or not all(0 < level < 1 for level in levels):
        raise ValueError(
            f"{name} must be a float or a list of floats strictly between 0 and 1; "
            f"got {values!r}."
        )
    if interval:
        return levels, many
    return sorted(set(levels)), True


def interval_levels(coverages):
    """The quantile levels of each interval: ``(1 - c) / 2`` and ``(1 + c) / 2``."""
    return [level for c in coverages for level in ((1 - c) / 2, (1 + c) / 2)]


def order_statistic(values, level):
    """The conformal quantile of ``level`` of the errors, or NaN with too few.

    Below the median the ``floor(level (n + 1))``-th smallest, above it the
    ``ceil(level (n + 1))``-th: the finite-sample choice that keeps coverage at
    least nominal when the new error is exchangeable with the calibration ones.
    """
    n = len(values)
    rank = (
        np.floor(level * (n + 1)) if level < 0.5 else np.ceil(level * (n + 1))
    ).astype(int)
    if rank < 1 or rank > n:
        return np.nan
    return float(np.sort(values)[rank - 1])


def absolute_quantile(errors, coverage):
    """Per column of absolute errors ``(n, n_outputs)``, the ``coverage``
    conformal quantile (the ``ceil(coverage (n + 1))``-th smallest)."""
    half = np.array([order_statistic(column, coverage) for column in errors.T])
    if np.isnan(half).any():
        raise ValueError(
            f"{len(errors)} held-out errors are too few for coverage {coverage}: "
            f"it needs at least {int(np.ceil(coverage / (1 - coverage)))}; raise "
            "validation_fraction or ask for a lower coverage."
        )
    return half


def growth_exponent(scores, least=0.0):
    """``beta`` of ``mean |error of step k| ~ k ** beta``, between least and 1."""
    counts = np.sum(~np.isnan(scores), axis=0)
    steps = np.flatnonzero(counts > 0)
    if len(steps) < 2:
        return EXTRAPOLATED_BETA
    mean_abs = np.array([np.nanmean(np.abs(scores[:, k])) for k in steps])
    keep = mean_abs > 0
    if keep.sum() < 2:
        return EXTRAPOLATED_BETA
    x, y = np.log(steps[keep] + 1.0), np.log(mean_abs[keep])
    beta = np.polyfit(x, y, 1, w=np.sqrt(counts[steps[keep]]))[0]
    return float(np.clip(beta, least, 1.0))


def step_growth(scores, n_steps, least):
    """How errors grow with the step: ``k ** beta`` up to the last calibrated
    step ``K``, then at least like a random walk's, ``(k / K) ** 0.5``."""
    beta = growth_exponent(scores, least)
    steps = np.arange(1, n_steps + 1.0)
    calibrated = np.flatnonzero(np.any(~np.isnan(scores), axis=0))
    last = float(calibrated[-1] + 1) if calibrated.size else 1.0
    beyond = max(beta, EXTRAPOLATED_BETA)
    return np.where(
        steps <= last,
        steps**beta,
        last**beta * (steps / last) ** beyond,
    )


def conformal_offsets(scores, levels, n_steps, least_growth=0.0):
    """Scaled offsets from the forecast, ``(len(levels), n_steps)``.

    ``scores`` holds the scaled errors, one row per (series, origin) and one
    column per step, NaN where the step lies beyond the series' end.
    ``least_growth`` bounds ``beta`` of the pooled steps from below.
    """
    offsets = np.full((len(levels), n_steps), np.nan)
    for k in range(min(n_steps, scores.shape[1])):
        column = scores[:, k]
        column = column[~np.isnan(column)]
        if len(column) >= MIN_STEP_ERRORS:
            offsets[:, k] = [order_statistic(column, level) for level in levels]
    missing = np.isnan(offsets)
    if missing.any():
        growth = step_growth(scores, max(n_steps, scores.shape[1]), least_growth)
        pooled = scores / growth[: scores.shape[1]]
        pooled = pooled[~np.isnan(pooled)]
        quantiles = np.array([order_statistic(pooled, level) for level in levels])
        if np.isnan(quantiles).any():
            raise ValueError(
                f"The forecaster holds {len(pooled)} calibration errors, too few "
                f"for the quantiles {levels}: ask for a lower coverage (levels "
                "closer to 0.5), or fit on a longer series."
            )
        extrapolated = np.outer(quantiles, growth[:n_steps])
        offsets[missing] = extrapolated[missing]
    return offsets


# ------------------------------------------------------------- error scale
def error_space(forecaster):
    """``(log, positive)``: errors as log ratios; lower bounds kept above 0."""
    level = forecaster.normalize_ == "level"
    return (not level and bool(forecaster.log_)), level


def series_scales(histories, season_length, log):
    """Each series' seasonal-naive MAE per column, ``(n_series, n_targets)``."""
    scales = np.array(
        [
            [
                seasonal_naive_scale(
                    np.log(history[:, j]) if log else history[:, j], season_length
                )
                or np.nan
                for j in range(history.shape[1])
            ]
            for history in histories
        ],
        dtype=np.float64,
    )
    known = scales[np.isfinite(scales)]
    return np.where(np.isfinite(scales), scales, known.mean() if known.size else 1.0)


def scaled_errors(actual, forecast, scale, log):
    if log:
        return (np.log(actual) - np.log(forecast)) / scale
    return (actual - forecast) / scale


def bounds(forecast, offsets, scale, log, positive):
    """Forecast quantiles from scaled offsets ``(n_levels, n_steps)``: same shape
    plus the forecast's target axis."""
    offsets = offsets[:, :, np.newaxis] * scale
    if log:
        return forecast * np.exp(offsets)
    values = forecast + offsets
    return np.maximum(values, 0.0) if positive else values


# ------------------------------------------------------------- calibration
@dataclasses.dataclass(frozen=True)
class CalibrationPlan:
    """Where a fit's calibration errors will come from.

    ``method`` is "holdout", "backtest" or None (then ``note`` says why);
    ``n_origins`` the forecast origins per series.
    """

    method: str | None
    n_origins: int = 0
    note: str = ""


def plan_calibration(forecaster):
    """Resolve ``calibration`` for a forecaster whose layout is fitted, before
    its networks train: an explicit choice that cannot apply is an error then,
    not after the training."""
    method = forecaster.calibration
    if method is None:
        return CalibrationPlan(None, note="it was fitted with calibration=None")
    if forecaster._with_covariates:
        return CalibrationPlan(
            None,
            note="intervals are not available yet for forecasters with covariates",
        )
    holdout = (
        forecaster.normalize_ == "level"
        and forecaster.training_params_["early_stopping"]
    )
    if method == "auto":
        method = "holdout" if holdout else "backtest"
    if method == "holdout":
        if not holdout:
            raise ValueError(
                "calibration='holdout' needs the windows a fit holds out: "
                "normalize='level' with early_stopping=True. Use "
                "calibration='backtest'."
            )
        return CalibrationPlan("holdout", forecaster._network_steps)
    n_origins = _backtest_origins(forecaster, _histories(forecaster)[1])
    if n_origins < 1:
        note = (
            "its series were too short for a backtest (an extra fit on each "
            "series minus its last steps needs two training windows or more)"
        )
        if forecaster.calibration == "backtest":
            raise ValueError(f"calibration='backtest' cannot run: {note}.")
        return CalibrationPlan(None, note=note)
    return CalibrationPlan("backtest", n_origins)


def calibrate(forecaster, plan):
    """Set the calibration attributes of a just-fitted forecaster, as planned.

    ``calibration_method_`` ("holdout", "backtest" or None),
    ``calibration_scores_`` (scaled errors, ``(n_errors, horizon)``) and
    ``calibration_scales_`` (``(n_series, n_targets)``).
    """
    forecaster.calibration_method_ = None
    forecaster.calibration_scores_ = None
    forecaster.calibration_scales_ = None
    forecaster._calibration_note = plan.note
    if plan.method is None:
        return
    ids, histories = _histories(forecaster)
    if plan.method == "holdout":
        source, transforms = forecaster, [None] * len(histories)
    else:
        source = _backtest_fit(forecaster, ids, histories, plan.n_origins)
        transforms = _transforms(source, len(histories))
    log, _ = error_space(forecaster)
    scales = series_scales(histories, forecaster.season_length_, log)
    forecaster.calibration_scores_ = _errors(
        source, histories, transforms, scales, plan.n_origins, forecaster.horizon, log
    )
    forecaster.calibration_scales_ = scales
    forecaster.calibration_method_ = plan.method


def _histories(forecaster):
    if forecaster._panel_kind is None:
        return [None], [forecaster.y_]
    ids = list(forecaster.series_ids_)
    return ids, [forecaster.y_[series_id] for series_id in ids]


def _transforms(source, n_series):
    if source.normalize_ == "level":
        return [None] * n_series
    if source._panel_kind is None:
        return [source.target_transform_]
    return list(source.target_transforms_)


def _backtest_origins(forecaster, histories):
    """Steps held out of the backtest fit: at most half its training windows."""
    shortest = min(len(history) for history in histories)
    steps = forecaster._network_steps
    if forecaster.normalize_ == "level":
        n_windows = shortest - forecaster.window_ - 2 * steps + 1
    else:
        n_windows = shortest - sum(forecaster.differences_) - forecaster.window_
        n_windows -= steps - 1
    wanted = max(2 * forecaster.horizon, MIN_BACKTEST_ORIGINS)
    return int(min(wanted, n_windows // 2))


def _backtest_fit(forecaster, ids, histories, n_origins):
    """The same forecaster, layout fixed, fitted without each series' last steps."""
    backtest = clone(forecaster).set_params(
        **forecaster.training_params_,
        window=forecaster.window_,
        season_length=forecaster.season_length_,
        strategy=forecaster.strategy_,
        log=forecaster.log_,
        differences=forecaster.differences_,
        normalize=forecaster.normalize_,
        random_state=forecaster._seed,
        calibration=None,
        warm_start=False,
    )
    shorter = [history[:-n_origins] for history in histories]
    if forecaster._panel_kind is None:
        return backtest.fit(shorter[0])
    return backtest.fit({i: h[:, 0] for i, h in zip(ids, shorter, strict=True)})


def _errors(source, histories, transforms, scales, n_origins, horizon, log):
    """Scaled errors of forecasts from each of the last ``n_origins`` origins."""
    rows, actuals, scale_rows = [], [], []
    for history, transform, scale in zip(histories, transforms, scales, strict=True):
        for origin in range(len(history) - n_origins, len(history)):
            rows.append((history[:origin], transform))
            actuals.append(history[origin : origin + horizon])
            scale_rows.append(scale)
    forecasts = source._forecast_many(
        [h for h, _ in rows], [t for _, t in rows], horizon
    )
    n_targets = histories[0].shape[1]
    scores = np.full((len(rows), n_targets, horizon), np.nan)
    for i, (actual, forecast, scale) in enumerate(
        zip(actuals, forecasts, scale_rows, strict=True)
    ):
        done = len(actual)
        scores[i, :, :done] = scaled_errors(actual, forecast[:done], scale, log).T
    return scores.reshape(-1, horizon)


def check_calibrated(forecaster):
    if forecaster.calibration_scores_ is None:
        raise ValueError(
            f"This {type(forecaster).__name__} holds no out-of-sample errors to "
            f"calibrate intervals on: {forecaster._calibration_note}. Fit it with "
            "calibration='backtest' (an extra fit on each series minus its last "
            "steps), or with normalize='level' and early_stopping=True, whose "
            "held-out windows calibrate at no extra cost."
        )


# ------------------------------------------------------------------ output
def quantile_frames(forecaster, levels, columns_of):
    """One DataFrame of forecast quantiles per series (one for a single series).

    ``columns_of(values)`` turns the quantiles ``(n_levels, n_steps, n_targets)``
    into a dict of columns.
    """
    check_calibrated(forecaster)
    n_steps = forecaster.horizon
    least = EXTRAPOLATED_BETA if forecaster.differences_ else 0.0
    offsets = conformal_offsets(forecaster.calibration_scores_, levels, n_steps, least)
    log, positive = error_space(forecaster)
    ids, histories = _histories(forecaster)
    forecasts = forecaster._forecast_many(
        histories, _transforms(forecaster, len(histories)), n_steps
    )
    frames = []
    for series_id, forecast, scale in zip(
        ids, forecasts, forecaster.calibration_scales_, strict=True
    ):
        index = forecaster.index_ if series_id is None else forecaster.index_[series_id]
        index = continue_index(index, n_steps)
        index = pd.RangeIndex(n_steps) if index is None else index
        values = bounds(forecast, offsets, scale, log, positive)
        frames.append(pd.DataFrame(columns_of(values), index=index))
    return ids, frames


def interval_columns(coverages, many, targets):
    """Columns "lower", "upper", under a level per coverage (many) and per target."""

    def columns_of(values):
        columns = {}
        for i, coverage in enumerate(coverages):
            for t, target in enumerate(targets):
                for j, bound in enumerate(("lower", "upper")):
                    key = (coverage,) * many + (target,) * (len(targets) > 1)
                    key += (bound,)
                    columns[key if len(key) > 1 else bound] = values[2 * i + j, :, t]
        return columns

    return columns_of


def quantile_columns(levels, targets):
    """One column per quantile level (under a level per target)."""

    def columns_of(values):
        return {
            (target, level) if len(targets) > 1 else level: values[i, :, t]
            for t, target in enumerate(targets)
            for i, level in enumerate(levels)
        }

    return columns_of


def predict_frames(forecaster, levels, columns_of):
    """Quantile frames shaped like ``predict()``: a frame, or a panel of frames."""
    ids, frames = quantile_frames(forecaster, levels, columns_of)
    if forecaster._panel_kind is None:
        return frames[0]
    panel = forecaster._panel_description()
    if panel.kind == "dict":
        return dict(zip(ids, frames, strict=True))
    if panel.kind == "list":
        return frames
    names = list(panel.level_names)
    return pd.concat(dict(zip(ids, frames, strict=True)), names=names)


def target_names(forecaster):
    columns = getattr(forecaster, "_target_columns", None)
    n_targets = forecaster.n_targets_
    return list(range(n_targets)) if columns is None else list(columns)
