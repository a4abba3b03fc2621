"""What the forecaster returns: per-series results in the container the data came in.

:func:`forecasts_like` and :func:`frames_like` turn per-series forecasts (and
interval or quantile frames) back into the container of the fitted data
(:class:`~skrnn._forecasting.data.Container`), the time index continued
(:func:`future_index`): a dict of Series in, a dict of Series out; a panel
source (Parquet, Arrow, dask) in, a long frame of the same columns out.
"""

import pandas as pd

from . import sources
from .series import continue_index


def future_index(index, n_seen, n_steps):
    """The index of the ``n_steps`` after a history: its time index continued,
    else positions counted on from the ``n_seen`` steps seen."""
    index = continue_index(index, n_steps)
    return pd.RangeIndex(n_seen, n_seen + n_steps) if index is None else index


def future_indexes(indexes, lengths, n_steps):
    """:func:`future_index` of each series, made once per distinct history
    index and length: series on one time grid share one index object, and so
    do their forecasts' (a million series' own indexes took 1.2 GB)."""
    made = {}
    future = []
    for index, n_seen in zip(indexes, lengths, strict=True):
        key = (id(index), n_seen)
        if key not in made:
            made[key] = future_index(index, n_seen, n_steps)
        future.append(made[key])
    return future


def forecasts_like(container, ids, forecasts, indexes):
    """Per-series forecasts ``(n_steps, n_targets)`` in the fitted container.

    ``indexes`` are the forecasts' indexes (:func:`future_index`).
    """
    if not container.is_panel:
        values, index = forecasts[0], indexes[0]
        if container.kind == "frame":
            return pd.DataFrame(values, index=index, columns=container.columns)
        if container.kind == "series":
            return pd.Series(values[:, 0], index=index, name=container.name)
        return values[:, 0] if container.kind == "1d" else values
    if container.kind == "long":
        return _long(container, ids, [f[:, 0] for f in forecasts], indexes)
    if container.kind in sources.SOURCE_KINDS:
        return _source_frame(container, ids, [f[:, 0] for f in forecasts], indexes)
    series = [
        pd.Series(values[:, 0], index=index, name=container.name)
        if container.pandas
        else values[:, 0]
        for values, index in zip(forecasts, indexes, strict=True)
    ]
    return dict(zip(ids, series, strict=True)) if container.kind == "dict" else series


def frames_like(container, ids, frames):
    """One DataFrame per series (intervals, quantiles) in the fitted container."""
    if not container.is_panel:
        return frames[0]
    if container.kind == "dict":
        return dict(zip(ids, frames, strict=True))
    if container.kind == "list":
        return frames
    if container.kind in sources.SOURCE_KINDS:
        indexes = [frame.index for frame in frames]
        return _source_frame(container, ids, frames, indexes)
    return pd.concat(
        dict(zip(ids, frames, strict=True)), names=list(container.level_names)
    )


def _source_frame(container, ids, results, indexes):
    """Results of a panel source: a long frame (dask for dask) named like it."""
    id_column, time_column = container.level_names
    columns = sources.LongColumns(id_column, time_column, container.name)
    frame = sources.long_frame(columns, ids, results, indexes)
    return sources.as_kind(frame, container.kind)


def _long(container, ids, results, indexes):
    frames = {
        series_id: pd.Series(values, index=index)
        for series_id, values, index in zip(ids, results, indexes, strict=True)
    }
    long = pd.concat(frames, names=list(container.level_names))
    long.name = container.name
    return long
