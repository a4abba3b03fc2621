"""Time series bookkeeping for forecasting: pandas indexes, frequencies, continuity."""

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset


def series_index(data):
    """Return the pandas index of ``data`` if it carries a time axis, else None.

    DatetimeIndex and PeriodIndex need a regular frequency (given, or inferred
    from the values). An integer index of evenly spaced, increasing steps (a
    RangeIndex, as pandas gives by default) is kept as a RangeIndex and
    continued by counting; any other index is not a time axis.
    """
    index = getattr(data, "index", None)
    if not isinstance(index, pd.Index) or len(index) == 0:
        return None
    if isinstance(index, pd.RangeIndex):
        return index if index.step > 0 else None
    if pd.api.types.is_integer_dtype(index.dtype) and not isinstance(
        index, pd.MultiIndex
    ):
        step = int(index[1] - index[0]) if len(index) > 1 else 1
        expected = pd.RangeIndex(index[0], index[0] + step * len(index), step)
        if step > 0 and np.array_equal(index, expected):
            return pd.RangeIndex(expected.start, expected.stop, step, name=index.name)
        return None
    if isinstance(index, pd.DatetimeIndex):
        return with_frequency(index)
    if isinstance(index, pd.PeriodIndex):
        expected = pd.period_range(index[0], periods=len(index), freq=index.freq)
        if not index.equals(expected):
            raise ValueError(
                "The series' PeriodIndex is not regular: periods are missing, repeated "
                "or out of order."
            )
        return index
    return None


def with_frequency(index):
    """A DatetimeIndex with its regular frequency set (inferred if missing).

    PeriodIndexes carry theirs; an irregular DatetimeIndex is an error.
    """
    if isinstance(index, pd.PeriodIndex) or index.freq is not None:
        return index
    freq = _infer_freq(index)
    if freq is None:
        raise ValueError(
            "The series' DatetimeIndex has no regular frequency (irregular or "
            "missing time stamps). Resample it, e.g. series.asfreq('MS'), and "
            "fill the gaps first."
        )
    return pd.DatetimeIndex(index, freq=freq)


def _infer_freq(index):
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3 warns that infer_freq will return an offset instead of a string;
        # to_offset accepts both.
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(index)
    return None if freq is None else to_offset(freq)


def continue_index(index, n_steps, offset=0):
    """The ``n_steps`` time stamps following ``index`` (after skipping ``offset``)."""
    if index is None:
        return None
    if isinstance(index, pd.RangeIndex):
        start = index[-1] + (offset + 1) * index.step
        return pd.RangeIndex(
            start, start + n_steps * index.step, index.step, name=index.name
        )
    start = index[-1] + (offset + 1) * index.freq
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(start, periods=n_steps, freq=index.freq, name=index.name)
    return pd.date_range(start, periods=n_steps, freq=index.freq, name=index.name)


def steps_after(index, new_index):
    """How many steps lie between the end of ``index`` and the start of ``new_index``.

    0 means ``new_index`` starts right after ``index``; any gap is allowed
    (``TimeSeriesSplit(gap=...)``), as long as it is on the index's frequency.
    """
    if index is None or not _continues(index, new_index):
        return 0
    first = new_index[0]
    if first <= index[-1]:
        raise ValueError(
            f"The new data starts at {first}, which is not after the end of the data "
            f"seen so far ({index[-1]})."
        )
    if isinstance(index, pd.RangeIndex):
        gap, rest = divmod(first - index[-1], index.step)
        if rest:
            raise ValueError(
                f"The new data's index ({first}) is not on the series' steps of "
                f"{index.step} after {index[-1]}."
            )
        return int(gap) - 1
    if isinstance(index, pd.PeriodIndex):
        span = pd.period_range(index[-1], first, freq=index.freq)
    else:
        span = pd.date_range(index[-1], first, freq=index.freq)
    if len(span) < 2 or span[-1] != first:
        raise ValueError(
            f"The new data's index ({first}) is not on the series' frequency "
            f"({index.freq})."
        )
    return len(span) - 2


def extended_index(index, new_index, n_new):
    """The time index of a history after ``n_new`` observations are appended."""
    if index is None:
        return None
    if not _continues(index, new_index):  # plain values: right after the history
        new_index = continue_index(index, n_new)
    elif steps_after(index, new_index) != 0:
        raise ValueError(
            f"update() needs the steps right after {index[-1]}; the new data starts "
            f"at {new_index[0]}."
        )
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(
            index.start, index.stop + n_new * index.step, index.step, name=index.name
        )
    extended = index.append(new_index)
    if not isinstance(extended, pd.PeriodIndex):
        extended = pd.DatetimeIndex(extended, freq=index.freq)
    return extended


def _continues(index, new_index):
    """Whether ``new_index`` places new data on the time axis of ``index``.

    Plain values carry no index; a RangeIndex from 0 is pandas' default one (a
    ``pd.Series(values)``), and integer steps against time stamps say nothing
    either: such data is read as the steps right after the history.
    """
    if new_index is None:
        return False
    if isinstance(new_index, pd.RangeIndex):
        return isinstance(index, pd.RangeIndex) and new_index.start != 0
    return not isinstance(index, pd.RangeIndex)
