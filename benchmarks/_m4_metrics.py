"""M4 competition scores and benchmark forecasts, for ``bench_m4.py``.

NumPy only (no TensorFlow, no statsmodels). Definitions follow the M4 competition
(Makridakis, Spiliotis and Assimakopoulos, IJF 2020) and its published R code:

* :func:`smape` -- symmetric MAPE, in percent, of one forecast.
* :func:`mase` -- mean absolute error scaled by the in-sample mean absolute
  error of the seasonal naive forecast with period ``m``.
* :func:`msis` -- mean scaled interval score of a ``1 - alpha`` interval, scaled
  like MASE.
* :func:`owa` -- overall weighted average: the mean of sMAPE and MASE, each
  relative to Naive2's on the same forecasts.
* :func:`seasonal_naive`, :func:`naive2` -- the two benchmark forecasts.
* :func:`score_panel` -- mean sMAPE, MASE (and MSIS, coverage) over many series.
"""

import numpy as np


def smape(actual, forecast):
    """sMAPE in percent: mean of ``200 |y - f| / (|y| + |f|)`` over the horizon."""
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    return float(
        np.mean(200.0 * np.abs(actual - forecast) / (np.abs(actual) + np.abs(forecast)))
    )


def naive_scale(insample, m):
    """In-sample mean absolute error of the seasonal naive forecast of period m."""
    insample = np.asarray(insample, dtype=np.float64)
    return float(np.mean(np.abs(insample[m:] - insample[:-m])))


def mase(insample, actual, forecast, m):
    """MASE: mean absolute error over the seasonal naive in-sample error (period m)."""
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    return float(np.mean(np.abs(actual - forecast)) / naive_scale(insample, m))


def msis(insample, actual, lower, upper, m, alpha=0.05):
    """Mean scaled interval score of the ``1 - alpha`` interval [lower, upper].

    The width, plus ``2 / alpha`` times how far each actual value falls outside
    the interval, averaged over the horizon and scaled like MASE.
    """
    actual = np.asarray(actual, dtype=np.float64)
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    penalty = (2.0 / alpha) * (
        (lower - actual) * (actual < lower) + (actual - upper) * (actual > upper)
    )
    return float(np.mean(upper - lower + penalty) / naive_scale(insample, m))


def owa(smape_value, mase_value, smape_naive2, mase_naive2):
    """Overall weighted average relative to Naive2 (1.0: as good as Naive2)."""
    return 0.5 * (smape_value / smape_naive2 + mase_value / mase_naive2)


def seasonal_naive(insample, horizon, m):
    """Repeat the last season of ``insample`` over the horizon."""
    insample = np.asarray(insample, dtype=np.float64)
    last_season = insample[-m:]
    return np.resize(last_season, horizon)


def _acf(values, lag):
    centred = values - values.mean()
    return float(np.sum(centred[lag:] * centred[:-lag]) / np.sum(centred**2))


def is_seasonal(insample, m):
    """M4's 90% autocorrelation test for seasonality at lag ``m``."""
    insample = np.asarray(insample, dtype=np.float64)
    if m <= 1 or len(insample) < 3 * m:
        return False
    acfs = np.array([_acf(insample, lag) for lag in range(1, m + 1)])
    limit = 1.645 * np.sqrt((1.0 + 2.0 * np.sum(acfs[:-1] ** 2)) / len(insample))
    return bool(abs(acfs[-1]) > limit)


def seasonal_indices(insample, m):
    """Classical multiplicative decomposition: one index per position in the season.

    The trend is the centred moving average (2 x m for an even m); the index of
    a position is the mean ratio of the series to the trend at that position,
    normalised so the indices average 1. Index ``i`` belongs to the time steps
    ``t`` with ``t % m == i``.
    """
    insample = np.asarray(insample, dtype=np.float64)
    if m % 2 == 0:
        weights = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        weights = np.ones(m) / m
    trend = np.convolve(insample, weights, mode="valid")
    offset = (len(weights) - 1) // 2
    ratios = np.full(len(insample), np.nan)
    ratios[offset : offset + len(trend)] = (
        insample[offset : offset + len(trend)] / trend
    )
    indices = np.array([np.nanmean(ratios[i::m]) for i in range(m)])
    return indices / indices.mean()


def naive2(insample, horizon, m):
    """M4's Naive2: naive forecast of the seasonally adjusted series, reseasonalised.

    The series is seasonally adjusted by a classical multiplicative
    decomposition when :func:`is_seasonal` finds seasonality at lag ``m``;
    otherwise Naive2 is the plain naive forecast.
    """
    insample = np.asarray(insample, dtype=np.float64)
    n = len(insample)
    if not is_seasonal(insample, m):
        return np.full(horizon, insample[-1])
    indices = seasonal_indices(insample, m)
    level = insample[-1] / indices[(n - 1) % m]
    return level * indices[(n + np.arange(horizon)) % m]


def score_panel(insamples, actuals, forecasts, m, lowers=None, uppers=None, alpha=0.05):
    """Mean scores over many series (lists aligned by position).

    Returns a dict with ``smape`` and ``mase``; with ``lowers`` and ``uppers``
    also ``msis`` and ``coverage`` (the fraction of actual values inside).
    """
    scores = {
        "smape": float(
            np.mean([smape(a, f) for a, f in zip(actuals, forecasts, strict=True)])
        ),
        "mase": float(
            np.mean(
                [
                    mase(i, a, f, m)
                    for i, a, f in zip(insamples, actuals, forecasts, strict=True)
                ]
            )
        ),
    }
    if lowers is not None:
        scores["msis"] = float(
            np.mean(
                [
                    msis(i, a, lo, up, m, alpha)
                    for i, a, lo, up in zip(
                        insamples, actuals, lowers, uppers, strict=True
                    )
                ]
            )
        )
        inside = [
            np.mean((np.asarray(a) >= lo) & (np.asarray(a) <= up))
            for a, lo, up in zip(actuals, lowers, uppers, strict=True)
        ]
        scores["coverage"] = float(np.mean(inside))
    return scores
