"""Panels: many series forecast by one network, in the containers users hold them in.

A panel arrives as

* a dict ``{series_id: pandas.Series or 1-D array}``,
* a list (or tuple) of pandas Series or 1-D arrays (ids are the positions), or
* a pandas Series (or one-column DataFrame) with a two-level MultiIndex
  ``(series_id, time)``: the long format of other Python forecasting tools.

Series may have different lengths and start dates. :func:`read_panel` turns any
of them into a :class:`Panel` (ids, per-series values and time indexes) and
:func:`panel_like` turns per-series results back into the container that came
in, so a dict in gives a dict out.
"""

import dataclasses

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from ._series import series_index


@dataclasses.dataclass
class Panel:
    """Series of a panel, in the order they came.

    ``values[i]`` is series ``ids[i]`` as a float64 ``(n_steps_i, 1)`` array and
    ``indexes[i]`` its time index (or None); ``kind`` says which container
    they came in ("dict", "list" or "long") and ``name`` the long Series' name.
    """

    ids: list
    values: list
    indexes: list
    kind: str
    name: object = None
    level_names: tuple = (None, None)


def is_panel(data):
    """Whether ``data`` holds several series (rather than one series)."""
    if isinstance(data, dict):
        return True
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return isinstance(data.index, pd.MultiIndex)
    if isinstance(data, (list, tuple)) and len(data) > 0:
        return all(
            isinstance(item, pd.Series) or np.ndim(item) == 1 for item in data
        ) and not all(np.ndim(item) == 0 for item in data)
    return False


def read_panel(data, *, estimator, input_name="y"):
    """Validate a panel and return a :class:`Panel`."""
    level_names = (None, None)
    if isinstance(data, dict):
        kind, items = "dict", list(data.items())
        name = None
    elif isinstance(data, (pd.Series, pd.DataFrame)):
        kind, items, name = "long", _long_items(data, input_name), _long_name(data)
        level_names = tuple(data.index.names)
    else:
        kind, items, name = "list", list(enumerate(data)), None
    if not items:
        raise ValueError(f"The panel {input_name} holds no series.")
    ids, values, indexes = [], [], []
    for series_id, series in items:
        where = f"{input_name}[{series_id!r}]"
        array = check_array(
            series,
            ensure_2d=False,
            dtype=np.float64,
            input_name=where,
            estimator=estimator,
        )
        if array.ndim != 1:
            raise ValueError(
                f"Each series of a panel must be 1-D; {where} has shape {array.shape}."
            )
        ids.append(series_id)
        values.append(array[:, np.newaxis])
        indexes.append(series_index(series))
    return Panel(ids, values, indexes, kind, name, level_names)


def _long_items(data, input_name):
    if isinstance(data, pd.DataFrame):
        if data.shape[1] != 1:
            raise ValueError(
                f"A long-format panel {input_name} must have one value column; got "
                f"{data.shape[1]}. Pass the column, e.g. frame['sales']."
            )
        data = data.iloc[:, 0]
    if data.index.nlevels != 2:
        raise ValueError(
            f"A long-format panel needs a two-level MultiIndex (series id, time); "
            f"{input_name} has {data.index.nlevels} levels."
        )
    items = []
    for series_id, series in data.groupby(level=0, sort=False):
        series = series.droplevel(0).sort_index()
        index = series.index
        if isinstance(index, pd.DatetimeIndex) and index.freq is None:
            series.index = index  # the frequency is inferred by series_index
        items.append((series_id, series))
    return items


def _long_name(data):
    if isinstance(data, pd.DataFrame):
        return data.columns[0]
    return data.name


def panel_like(panel, results, indexes):
    """Per-series 1-D results in the container the panel came in.

    Parameters
    ----------
    panel : Panel
        The fitted panel's description (ids, kind, name).
    results : list of ndarray of shape (n_i,)
        One result per series, in ``panel.ids`` order.
    indexes : list of pandas.Index or None
        The time index of each result, or None for plain positions.
    """
    series = [
        pd.Series(values, index=index, name=panel.name) if index is not None else values
        for values, index in zip(results, indexes, strict=True)
    ]
    if panel.kind == "dict":
        return dict(zip(panel.ids, series, strict=True))
    if panel.kind == "list":
        return series
    frames = {
        series_id: pd.Series(
            values, index=index if index is not None else np.arange(len(values))
        )
        for series_id, values, index in zip(panel.ids, results, indexes, strict=True)
    }
    long = pd.concat(frames, names=list(panel.level_names))
    long.name = panel.name
    return long


class WindowSet:
    """The training windows of several series, pooled, without copying the series.

    Window ``i`` is ``window`` consecutive rows of series ``series[i]``, starting
    at row ``starts[i]``, and its target the ``horizon`` rows that follow. Each
    series stays one array; :meth:`batch` copies only the windows of a batch.
    It follows the protocol of :class:`~skrnn._inputs.Sequences` the training
    engine reads (``lengths``, ``batch``, ``sample_shape``, ``dense``).

    Parameters
    ----------
    arrays : list of ndarray of shape (n_steps_i, n_features)
        The (transformed) series.
    window : int
        Steps per window.
    horizon : int
        Steps per target.
    """

    dense = None
    items = None
    is_dense = False
    pad_value = 0.0

    def __init__(self, arrays, window, horizon):
        self.arrays = arrays
        self.window, self.horizon = window, horizon
        counts = [len(array) - window - horizon + 1 for array in arrays]
        self.series = np.repeat(np.arange(len(arrays)), counts)
        self.starts = np.concatenate([np.arange(count) for count in counts])
        self.lengths = np.full(len(self.series), window)

    def __len__(self):
        return len(self.series)

    @property
    def sample_shape(self):
        return self.arrays[0].shape[1:]

    def batch(self, indices):
        return np.stack(
            [
                self.arrays[s][t : t + self.window]
                for s, t in zip(self.series[indices], self.starts[indices], strict=True)
            ]
        )

    def targets(self):
        """Every window's following ``horizon`` rows, flattened: ``(n_windows, h*k)``."""
        out = np.empty((len(self), self.horizon * self.arrays[0].shape[1]), np.float32)
        offset = 0
        for array in self.arrays:
            following = np.lib.stride_tricks.sliding_window_view(
                array[self.window :], self.horizon, axis=0
            )  # (n_windows, k, horizon)
            following = following.transpose(0, 2, 1).reshape(len(following), -1)
            out[offset : offset + len(following)] = following
            offset += len(following)
        return out
