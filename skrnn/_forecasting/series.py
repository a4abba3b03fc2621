"""Time series bookkeeping for forecasting: pandas indexes, frequencies, continuity."""

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset


def series_index(data, *, short=False):
    """Return the pandas index of ``data`` if it carries a time axis, else None.

    DatetimeIndex and PeriodIndex need a regular frequency (given, or inferred
    from the values). An integer index of evenly spaced, increasing steps (a
    RangeIndex, as pandas gives by default) is kept as a RangeIndex and
    continued by counting; any other index is not a time axis. ``short``: new
    observations of a fitted series, whose time stamps continue the fitted
    frequency -- one or two increasing stamps, too few to infer a frequency
    from, are returned as they are (checked against the fitted frequency
    where they are appended).
    """
    index = getattr(data, "index", None)
    if not isinstance(index, pd.Index) or len(index) == 0:
        return None
    if isinstance(index, pd.RangeIndex):
        return index if index.step > 0 else None
    if pd.api.types.is_integer_dtype(index.dtype) and not isinstance(
        index, pd.MultiIndex
    ):
        if integer_index_break(data) is not None:
            return None
        step = int(index[1] - index[0]) if len(index) > 1 else 1
        start = int(index[0])
        return pd.RangeIndex(start, start + step * len(index), step, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        if short and len(index) < 3 and index.freq is None:
            if not (index.is_unique and index.is_monotonic_increasing):
                raise ValueError(
                    "The series' time stamps are repeated or out of order."
                )
            return index
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


def integer_index_break(data):
    """The first two labels where the integer index of ``data`` stops being
    evenly spaced, increasing steps (what :func:`series_index` keeps as a time
    axis); None for any other index, or an even one."""
    index = getattr(data, "index", None)
    if not isinstance(index, pd.Index) or isinstance(index, pd.MultiIndex):
        return None
    if isinstance(index, pd.RangeIndex):
        return None if index.step > 0 or len(index) < 2 else (index[0], index[1])
    if len(index) < 2 or not pd.api.types.is_integer_dtype(index.dtype):
        return None
    labels = np.asarray(index)
    steps = np.diff(labels)
    if steps[0] > 0 and (steps == steps[0]).all():
        return None
    at = 1 if steps[0] <= 0 else 1 + int(np.argmax(steps != steps[0]))
    return labels[at - 1].item(), labels[at].item()


def is_time_axis(index):
    """Whether ``index`` is a time axis in the form :func:`series_index` keeps:
    a RangeIndex of positive step, a DatetimeIndex with a frequency, or a
    PeriodIndex (what forecasts continue)."""
    return (
        (isinstance(index, pd.RangeIndex) and index.step > 0)
        or (isinstance(index, pd.DatetimeIndex) and index.freq is not None)
        or isinstance(index, pd.PeriodIndex)
    )


def with_frequency(index):
    """A DatetimeIndex with its regular frequency set (inferred if missing).

    PeriodIndexes carry theirs; an irregular DatetimeIndex, or one whose
    stamps do not increase, is an error.
    """
    if isinstance(index, pd.PeriodIndex):
        return index
    if len(index) > 1 and not (index.is_monotonic_increasing and index.is_unique):
        raise ValueError(
            "The series' time stamps do not increase (they are in reverse order, "
            "out of order or repeated): sort the series by time, e.g. "
            "series.sort_index()."
        )
    if index.freq is not None:
        return index
    if len(index) < 3:
        raise ValueError(
            f"The series' DatetimeIndex has {len(index)} time stamp(s): too few to "
            "infer its frequency from (3 at least); give the index its "
            "frequency, e.g. pd.date_range(start, periods=n, freq='h')."
        )
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


def steps_after(index, new_index, *, explicit=False):
    """How many steps lie between the end of ``index`` and the start of ``new_index``.

    0 means ``new_index`` starts right after ``index``; any gap is allowed
    (``TimeSeriesSplit(gap=...)``), as long as it is on the index's frequency.
    ``explicit``: ``new_index`` came from a time column or index level (a
    long panel), never pandas' default index.
    """
    if index is None or not _continues(index, new_index, explicit):
        return 0
    new_index = _in_zone(index, new_index)
    first = new_index[0]
    if first <= index[-1]:
        raise ValueError(
            f"The new data starts at {first}, which is not after the end of the data "
            f"seen so far ({index[-1]})."
        )
    if isinstance(index, pd.RangeIndex):
        if len(new_index) > 1 and new_index.step != index.step:
            raise ValueError(
                f"The new data's steps (every {new_index.step}) are not the "
                f"series' (every {index.step})."
            )
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


def extended_index(index, new_index, n_new, *, explicit=False):
    """The time index of a history after ``n_new`` observations are appended
    (``explicit`` as for :func:`steps_after`)."""
    if index is None:
        return None
    if not _continues(index, new_index, explicit):  # plain values: right after
        new_index = continue_index(index, n_new)
    elif steps_after(index, new_index, explicit=explicit) != 0:
        raise ValueError(
            f"update() needs the steps right after {index[-1]}; the new data starts "
            f"at {new_index[0]}."
        )
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(
            index.start, index.stop + n_new * index.step, index.step, name=index.name
        )
    extended = index.append(_in_zone(index, new_index))
    if not isinstance(extended, pd.PeriodIndex):
        try:
            extended = pd.DatetimeIndex(extended, freq=index.freq)
        except ValueError:
            raise ValueError(
                f"The new data's time stamps are not on the series' frequency "
                f"({index.freq}) after {index[-1]}."
            ) from None
    return extended


def _continues(index, new_index, explicit=False):
    """Whether ``new_index`` places new data on the time axis of ``index``.

    Plain values carry no index; a RangeIndex from 0 is pandas' default one (a
    ``pd.Series(values)``) unless ``explicit`` (a long panel's time column or
    level), and integer steps against time stamps say nothing either: such
    data is read as the steps right after the history.
    """
    if new_index is None:
        return False
    if isinstance(new_index, pd.RangeIndex):
        return isinstance(index, pd.RangeIndex) and (explicit or new_index.start != 0)
    if isinstance(index, pd.RangeIndex):
        return False
    if type(new_index) is not type(index):  # time stamps against periods
        raise ValueError(
            f"The new data's time axis ({type(new_index).__name__}) is not the "
            f"series' ({type(index).__name__})."
        )
    if isinstance(index, pd.PeriodIndex) and new_index.freqstr != index.freqstr:
        raise ValueError(
            f"The new data's periods ({new_index.freqstr}) are not the series' "
            f"({index.freqstr})."
        )
    if isinstance(index, pd.DatetimeIndex) and (new_index.tz is None) != (
        index.tz is None
    ):  # instants against wall-clock times: no conversion is right

        def zone(tz):
            return "without a time zone" if tz is None else f"in time zone {tz}"

        raise ValueError(
            f"The new data's time stamps are {zone(new_index.tz)}, the series' "
            f"{zone(index.tz)}: localize them (tz_localize) to the series' time "
            "zone, or drop it (tz_localize(None))."
        )
    return True


def _in_zone(index, new_index):
    """``new_index`` in the time zone of ``index``, where both have one: the
    same instants, in the series' zone (stamps of another zone, of dateutil or
    zoneinfo alike)."""
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        return new_index.tz_convert(index.tz)
    return new_index


def for_series(series_id, function, *args, **kwargs):
    """``function(*args, **kwargs)``, its ValueError naming the series of a
    panel (``series_id`` None: one series, the error as it is)."""
    try:
        return function(*args, **kwargs)
    except ValueError as error:
        if series_id is None:
            raise
        raise ValueError(f"Series {series_id!r}: {error}") from None


def on_fitted_axis(fitted, index):
    """``index``, of new observations of a series fitted on the index
    ``fitted``, on the fitted time axis: its frequency (a business-day series
    whose new stamps are five weekdays in a row stays on business days), or
    an error where the stamps are not on it."""
    if fitted is None or index is None:
        return index
    if isinstance(fitted, pd.RangeIndex):
        if not isinstance(index, pd.RangeIndex) or index.step != fitted.step:
            raise ValueError(
                f"its time steps are not the fitted series' (integers every "
                f"{fitted.step})."
            )
        return index
    kind = type(fitted)
    if not isinstance(index, kind):
        raise ValueError(
            f"its time axis ({type(index).__name__}) is not the fitted series' "
            f"({kind.__name__})."
        )
    if index.freq == fitted.freq:
        return index
    try:
        return kind(index, freq=fitted.freq)
    except ValueError:
        raise ValueError(
            f"its time stamps are not on the fitted series' frequency ({fitted.freq})."
        ) from None
