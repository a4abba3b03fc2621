"""Season length and the forecaster's "auto" choices, from the training data alone.

Every rule here reads only the series given to ``fit`` (never later data), so a
backtest with ``TimeSeriesSplit`` chooses them fold by fold, as a user would.
"""

import numpy as np
import pandas as pd

# Training windows a series shorter than the window still gives (extended back).
MIN_TRAINING_WINDOWS = 8
# Seasons in an "auto" window (one week of hourly data).
SEASONS_PER_WINDOW = 7
# Values in an "auto" window at most: 7 seasons of weekly data (7 years) trained
# worse than 4 on M4 Weekly at both validation origins (research/m4_research.md).
MAX_WINDOW = 210

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
# The same for a panel, whose autocorrelations are averaged over its series:
# seasons that only some series share (most weekly sales series have none) pull
# the mean down, while noise averages out. M4 Weekly: 0.20 at lag 52.
_MIN_PANEL_ACF = 0.1


def infer_season_length(values, index=None):
    """The number of steps in one season of a series.

    From the index's frequency when there is one (12 for monthly data, 24 for
    hourly, 7 for daily, 4 for quarterly, 52 for weekly); otherwise the lag of
    the highest autocorrelation peak (of the series' first differences) between
    2 and a third of its length, if it exceeds 0.3; else 1 (no season). A
    season the index names counts only when the series holds two of them
    (40 weeks of data have no yearly season to learn or difference away).
    """
    values = np.asarray(values, dtype=float).ravel()
    season = _season_from_index(index)
    if season is not None:
        return season if len(values) >= 2 * season else 1
    return _season_from_acf(values)


def nominal_step(index):
    """The mean time between the stamps of a dated index, as a
    :class:`pandas.Timedelta` (a month about 30.4 days, whether month starts,
    ends or business month ends; a business day 1.4 days); None without
    time stamps or a frequency."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or not len(index):
        return None
    if len(index) >= 2:
        first, last, n_steps = index[0], index[-1], len(index) - 1
    elif index.freq is not None:
        first, last, n_steps = index[0], index[0] + index.freq, 1
    else:
        return None
    if isinstance(index, pd.PeriodIndex):
        first, last = first.to_timestamp(), last.to_timestamp()
    return (last - first) / n_steps


def _season_from_index(index):
    """The season of the index's frequency; None without a known one."""
    freq = getattr(index, "freq", None)
    if freq is not None:
        # "W-SUN" is weekly, "QE-DEC" quarterly: the anchor after "-" is dropped
        # before the letters are kept (the other way round, "WSUN" was unknown).
        # ``rule_code`` is the offset's name without its multiple (``name``,
        # the same string, is deprecated in pandas 3).
        name = pd.tseries.frequencies.to_offset(freq).rule_code.split("-")[0]
        base = "".join(ch for ch in name if ch.isalpha())
        for name in (base, base.rstrip("SE"), base.upper()):
            if name in _SEASONS and getattr(freq, "n", 1) == 1:
                return _SEASONS[name]
    return None


def infer_panel_season_length(panel, index=None):
    """The number of steps in one season of a panel of series (one network).

    From the index's frequency when there is one, as for one series; otherwise
    the lag of the highest peak of the autocorrelation of the series' first
    differences averaged over the series (a series counts at the lags under a
    third of its length), between 2 and a third of the median length, if it
    exceeds 0.1 (the shortest lag whose peak reaches 90% of the highest, so
    that a multiple of the season is not taken for it); else 1. M4 Weekly (no
    index): 52, mean autocorrelation 0.20 (the first series alone gives 26 or
    1, by where it is cut); M4 Hourly: 24.
    """
    panel = [np.asarray(values, dtype=float).ravel() for values in panel]
    season = _season_from_index(index)
    if season is not None:
        return season
    if len(panel) == 1:
        return _season_from_acf(panel[0])
    max_lag = int(np.median([len(values) for values in panel])) // 3
    if max_lag < 3:
        return 1
    total, count = np.zeros(max_lag), np.zeros(max_lag)
    for values in panel:
        lags = min(max_lag, len(values) // 3)
        if lags < 3:  # too short to tell a season
            continue
        acf = _acf_of_changes(values, lags)
        total[: len(acf)] += acf
        count[: len(acf)] += 1
    mean = np.where(count > 0, total / np.maximum(count, 1), -np.inf)
    peaks = [
        lag
        for lag in range(2, max_lag - 1)
        if mean[lag] >= mean[lag - 1] and mean[lag] >= mean[lag + 1]
    ]
    if not peaks:
        return 1
    highest = max(mean[lag] for lag in peaks)
    # Multiples of a season peak about as high as the season itself: the
    # shortest lag whose peak reaches 90% of the highest is the season.
    best = min(lag for lag in peaks if mean[lag] >= 0.9 * highest)
    return int(best) if mean[best] > _MIN_PANEL_ACF else 1


def _acf_of_changes(values, max_lag):
    """Autocorrelations of the first differences at lags ``0 .. max_lag - 1``.

    Zeros where the differences are constant (no information).
    """
    changes = np.diff(values)
    centred = changes - changes.mean()
    denominator = np.dot(centred, centred)
    if max_lag < 1 or denominator == 0:
        return np.zeros(max(max_lag, 0))
    size = 1 << int(2 * len(centred) - 1).bit_length()  # no circular overlap
    spectrum = np.fft.rfft(centred, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[:max_lag]
    return acov / denominator


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


def level_window(season_length, lengths, horizon):
    """The "auto" window: 7 seasons (12 steps without a season), fewer to fit.

    Whole seasons, at most 7 and at most :data:`MAX_WINDOW` (210) values; the
    median series (of ``lengths``) must hold the window, its training targets
    and the held-out last ``horizon`` values with room for 8 training windows.
    A shorter series is extended back with its first value
    (:func:`skrnn._forecasting.level.extend_back`) rather than shortening
    every series' window. M4 Hourly: 7 days of 24 hours (168); M4 Weekly: 4
    years of 52 weeks (208).
    """
    typical = int(np.median(lengths))
    room = typical - 2 * horizon - MIN_TRAINING_WINDOWS + 1  # the longest that fits
    if season_length > 1:
        seasons = min(SEASONS_PER_WINDOW, min(room, MAX_WINDOW) // season_length)
        if seasons >= 1:
            return int(seasons * season_length)
    return int(max(1, min(12, room)))


def auto_window(season_length, n_steps, horizon, lost):
    """One season of inputs (12 when there is none), shortened to fit the data.

    The series must still leave at least 8 training windows.
    """
    window = season_length if season_length >= 4 else 12
    room = n_steps - lost - horizon - 8 + 1
    return int(max(1, min(window, room)))
