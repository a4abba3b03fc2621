"""Split conformal arithmetic: quantiles of out-of-sample errors, as arrays.

Pure functions of errors, scales and levels, shared by
:meth:`RNNRegressor.predict_interval <skrnn.RNNRegressor.predict_interval>`
(absolute errors of held-out samples) and the forecaster's intervals (scaled
errors per step ahead; where they come from is :mod:`skrnn._forecasting.calibration`).

A forecast error is divided by its series' scale (the in-sample
seasonal-naive mean absolute error, as MASE does), so that errors of series of
any size pool into one sample; the interval of step ``k`` is the forecast plus
the conformal quantiles of the scaled errors of step ``k``, times the series'
scale. A step with fewer than ``MIN_STEP_ERRORS`` errors uses the errors of
every step pooled, each divided by ``k ** beta``, the growth of the mean
absolute error with the step fitted on the calibrated steps (``beta`` between
0 and 1; at least 0.5, a random walk's, for a differenced series, whose
forecast errors accumulate); steps beyond those calibrated grow at least like
a random walk's errors.
"""

from numbers import Real

import numpy as np

# The least growth k ** beta of the errors of pooled steps beyond the calibrated
# ones, and of every step of a differenced series: a random walk's (errors of
# an integrated forecast accumulate; an extrapolated error never stops growing).
EXTRAPOLATED_BETA = 0.5
# Errors a step needs for quantiles of its own; a step with fewer uses the
# errors of all steps pooled (one sample for every level, so intervals nest).
MIN_STEP_ERRORS = 100


# ----------------------------------------------------------------- levels
def check_levels(values, name, *, interval):
    """A float or list of floats in (0, 1): return (list of floats, was a list)."""
    many = isinstance(values, (list, tuple, np.ndarray))
    array = np.asarray(values, dtype=object)
    items = list(np.atleast_1d(array))
    if array.ndim > 1 or not all(
        isinstance(v, (Real, np.floating, np.integer)) and not isinstance(v, bool)
        for v in items
    ):  # None, strings ("0.9" is not read as a number), nested lists
        raise ValueError(
            f"{name} must be a float or a list of floats strictly between 0 and 1; "
            f"got {values!r}."
        )
    levels = [float(v) for v in items]
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


def _rank(n, level, upper=None):
    """The 1-based rank of the conformal quantile of ``level`` among ``n`` errors.

    ``level (n + 1)`` is rounded first to 9 decimals: a level computed as
    ``(1 - 0.9) / 2`` is 0.04999999999999999, and ``floor`` of it times 20 would
    take the rank below the one 0.05 names. ``upper``: round up (an upper
    bound, such as a quantile of absolute errors, at any level); by default
    below the median down, above it up.
    """
    position = round(level * (n + 1), 9)
    if upper is None:
        upper = level >= 0.5
    return int(np.ceil(position) if upper else np.floor(position))


def order_statistic(values, level):
    """The conformal quantile of ``level`` of the errors, or NaN with too few.

    Below the median the ``floor(level (n + 1))``-th smallest, above it the
    ``ceil(level (n + 1))``-th: the finite-sample choice that keeps coverage at
    least nominal when the new error is exchangeable with the calibration ones.
    """
    return float(order_statistics(values, [level])[0])


def order_statistics(values, levels, upper=None):
    """:func:`order_statistic` of each level, ``(len(levels),)`` float64, from
    one partial sort of ``values`` (any float dtype: the same ranks, so the
    same elements, as a full sort gives). ``upper``: as in :func:`_rank`."""
    n = len(values)
    ranks = [_rank(n, level, upper) for level in levels]
    inside = sorted({rank - 1 for rank in ranks if 1 <= rank <= n})
    if not inside:
        return np.full(len(levels), np.nan)
    ordered = np.partition(values, inside)
    return np.array(
        [float(ordered[rank - 1]) if 1 <= rank <= n else np.nan for rank in ranks]
    )


def absolute_quantile(errors, coverage):
    """Per column of absolute errors ``(n, n_outputs)``, the ``coverage``
    conformal quantile (the ``ceil(coverage (n + 1))``-th smallest, at any
    coverage: the bound of an interval's half-width)."""
    half = np.array(
        [order_statistics(column, [coverage], upper=True)[0] for column in errors.T]
    )
    if np.isnan(half).any():
        # ceil(coverage (n + 1)) <= n needs n >= coverage / (1 - coverage).
        needed = max(1, int(np.ceil(round(coverage / (1 - coverage), 9))))
        raise ValueError(
            f"{len(errors)} held-out errors are too few for coverage {coverage}: "
            f"it needs at least {needed}; raise validation_fraction or ask for a "
            "lower coverage."
        )
    return half


def growth_exponent(scores, least=0.0):
    """``beta`` of ``mean |error of step k| ~ k ** beta``, between least and 1."""
    counts = np.sum(~np.isnan(scores), axis=0)
    steps = np.flatnonzero(counts > 0)
    if len(steps) < 2:
        return EXTRAPOLATED_BETA
    # Means in float64 whatever the scores' dtype (float32 as fitted).
    mean_abs = np.array(
        [np.nanmean(np.abs(scores[:, k]), dtype=np.float64) for k in steps]
    )
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
    """Scaled offsets from the forecast, ``(len(levels), n_steps)``, float64.

    ``scores`` holds the scaled errors, one row per (series, origin) and one
    column per step, NaN where the step lies beyond the series' end; float32
    (as fitted, :mod:`skrnn._forecasting.calibration`) or float64. An offset
    is one of the errors (order statistics pick elements, and rounding to
    float32 keeps their order), so float32 errors give the float64 ones'
    offsets rounded to float32; pooled offsets divide the errors by their
    step's growth in float64. Memory: a column at a time, and the pooled
    errors only when a step has too few of its own.
    ``least_growth`` bounds ``beta`` of the pooled steps from below.
    """
    offsets = np.full((len(levels), n_steps), np.nan)
    for k in range(min(n_steps, scores.shape[1])):
        column = scores[:, k]
        column = column[~np.isnan(column)]
        if len(column) >= MIN_STEP_ERRORS:
            offsets[:, k] = order_statistics(column, levels)
    missing = np.isnan(offsets)
    if missing.any():
        growth = step_growth(scores, max(n_steps, scores.shape[1]), least_growth)
        pooled = np.concatenate(
            [
                scores[:, k][~np.isnan(scores[:, k])] / growth[k]
                for k in range(scores.shape[1])
            ]
        )
        quantiles = order_statistics(pooled, levels)
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
