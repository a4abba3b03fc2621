"""Season length and the forecaster's "auto" choices, from the training data alone.

Every rule here reads only the series given to ``fit`` (never later data), so a
backtest with ``TimeSeriesSplit`` chooses them fold by fold, as a user would.
"""

import numpy as np
import pandas as pd

# Seasons of the common pandas frequencies: a year of months, quarters or
# weeks, a week of days or business days, a day of hours.
_SEASONS = {
    "M": 12,
    "MS": 12,
    "ME": 12,
    "Q": 4,
    "QS": 4,
    "QE": 4,
    "W": 52,
    "D": 7,
    "B": 5,
    "H": 24,
    "h": 24,
}

# Smallest autocorrelation that counts as a season when there is no index.
_MIN_SEASONAL_ACF = 0.3


def infer_season_length(values, index=None):
    """The number of steps in one season of a series.

    From the index's frequency when there is one (12 for monthly data, 24 for
    hourly, 7 for daily, 4 for quarterly, 52 for weekly); otherwise the lag of
    the highest autocorrelation peak (of the series' first differences) between
    2 and a third of its length, if it exceeds 0.3; else 1 (no season).
    """
    freq = getattr(index, "freq", None)
    if freq is not None:
        base = "".join(
            ch for ch in pd.tseries.frequencies.to_offset(freq).name if ch.isalpha()
        ).split("-")[0]
        for name in (base, base.rstrip("SE"), base.upper()):
            if name in _SEASONS and getattr(freq, "n", 1) == 1:
                return _SEASONS[name]
    return _season_from_acf(np.asarray(values, dtype=float).ravel())


def _season_from_acf(series):
    changes = np.diff(series)
    n = len(changes)
    if n < 8 or np.std(changes) == 0:
        return 1
    centred = changes - changes.mean()
    denominator = np.dot(centred, centred)
    lags = np.arange(2, max(3, n // 3))
    acf = np.array(
        [np.dot(centred[lag:], centred[:-lag]) / denominator for lag in lags]
    )
    peaks = [
        i
        for i in range(1, len(acf) - 1)
        if acf[i] >= acf[i - 1] and acf[i] >= acf[i + 1]
    ]
    if not peaks:
        return 1
    best = max(peaks, key=lambda i: acf[i])
    return int(lags[best]) if acf[best] > _MIN_SEASONAL_ACF else 1


def is_multiplicative(values, season_length):
    """Whether a positive series' seasonal swings grow with its level.

    Compares, season by season, the spread of the values with their mean: a
    correlation above 0.5 (the airline passengers: 0.9) means a log helps.
    """
    values = np.asarray(values, dtype=float).ravel()
    if np.any(values <= 0) or season_length < 2:
        return False
    n_seasons = len(values) // season_length
    if n_seasons < 3:
        return False
    blocks = values[-n_seasons * season_length :].reshape(n_seasons, season_length)
    means, spreads = blocks.mean(axis=1), blocks.std(axis=1)
    if np.std(means) == 0 or np.std(spreads) == 0:
        return False
    return bool(np.corrcoef(means, spreads)[0, 1] > 0.5)


def auto_differences(season_length):
    """First differences, then seasonal ones: trend and season removed."""
    return (1, season_length) if season_length > 1 else (1,)


def auto_window(season_length, n_steps, horizon, lost):
    """One season of inputs (12 when there is none), shortened to fit the data.

    The series must still leave at least 8 training windows.
    """
    window = season_length if season_length >= 4 else 12
    room = n_steps - lost - horizon - 8 + 1
    return int(max(1, min(window, room)))
