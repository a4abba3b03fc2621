"""The forecaster's training windows, one protocol for every normalisation.

A window set follows the training engine's data protocol
(:class:`~skrnn._training_data.TrainingData`: ``len``, ``lengths``,
``batch(indices)``, ``dense``, ``pad_value``), has the ``sample_shape`` a
network is built for, and holds what the forecaster trains on:

* ``targets``: ``(n_windows, n_outputs)`` float32, the values each window is
  followed by, on the network's scale;
* ``weights``: ``(n_windows,)`` float32 or None, each window's weight;
* ``groups``: ``(n_windows,)`` int, the series each window was cut from (early
  stopping holds out the latest windows of each).

:class:`StandardWindows` (``normalize="standard"``) cuts every window of
transformed series; :class:`~skrnn._forecasting.level.LevelWindows`
(``normalize="level"``) a fixed sample of level-normalised windows.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .covariates import assemble


class StandardWindows:
    """Every window of several series (and covariates), pooled, never copied.

    Window ``i`` is ``window`` consecutive rows of the inputs of series
    ``groups[i]`` starting at row ``starts[i]``; its target the ``horizon``
    rows of that series' outputs that follow. Each series stays one array, read
    through a strided view: :meth:`batch` copies only the windows of a batch, so
    a long series is streamed to the network, never materialised as windows.

    Parameters
    ----------
    inputs : list of ndarray of shape (n_steps_i, n_features)
        Per series, the network's input at each step.
    outputs : list of ndarray of shape (n_steps_i, n_targets)
        Per series, the values to forecast at each step (same rows as inputs).
    window, horizon : int
        Steps per window and per target.
    """

    pad_value = 0.0
    weights = None

    def __init__(self, inputs, outputs, window, horizon):
        self.window, self.horizon = window, horizon
        self._views = [
            sliding_window_view(np.asarray(x, np.float32), window, axis=0).transpose(
                0, 2, 1
            )
            for x in inputs
        ]
        counts = [len(y) - window - horizon + 1 for y in outputs]
        self.groups = np.repeat(np.arange(len(outputs)), counts)
        self.starts = np.concatenate([np.arange(count) for count in counts])
        self.lengths = np.full(len(self.groups), window)
        # One series: its windows are one strided view (the engine may slice it).
        self.dense = self._views[0][: counts[0]] if len(inputs) == 1 else None
        n_targets = outputs[0].shape[1]
        self.targets = np.empty((len(self.groups), horizon * n_targets), np.float32)
        offset = 0
        for y, count in zip(outputs, counts, strict=True):
            following = sliding_window_view(y[window:], horizon, axis=0)[:count]
            self.targets[offset : offset + count] = following.transpose(
                0, 2, 1
            ).reshape(count, -1)
            offset += count

    def __len__(self):
        return len(self.groups)

    @property
    def sample_shape(self):
        """Shape of one step: ``(n_features,)``."""
        return self._views[0].shape[2:]

    def batch(self, indices):
        indices = np.asarray(indices)
        if self.dense is not None:
            return np.ascontiguousarray(self.dense[indices])
        groups, starts = self.groups[indices], self.starts[indices]
        out = np.empty((len(indices), self.window) + self.sample_shape, np.float32)
        for group in np.unique(groups):
            rows = groups == group
            out[rows] = self._views[group][starts[rows]]
        return out


class CovariateWindows(StandardWindows):
    """Windows of the direct strategy with covariates: each window's steps and
    the ``horizon`` steps it forecasts, assembled per batch
    (:func:`~skrnn._forecasting.covariates.assemble`): past steps read their value and
    covariates, forecast steps their known covariates.

    Parameters
    ----------
    outputs : list of ndarray of shape (n_steps_i, n_targets)
        Per series, the values on the network's scale.
    covariates : list of ndarray of shape (n_steps_i, n_columns)
        Per series, the scaled covariates of the same steps.
    static : ndarray of shape (n_series, n_static) or None
        Each series' encoded static covariates.
    window, horizon : int
    spec : CovariateSpec
    """

    def __init__(self, outputs, covariates, static, window, horizon, spec):
        super().__init__(outputs, outputs, window, horizon)
        self.dense = None
        self.spec, self.static = spec, static
        self._rows = [
            sliding_window_view(
                np.asarray(rows, np.float32), window + horizon, axis=0
            ).transpose(0, 2, 1)
            for rows in covariates
        ]
        n_static = 0 if static is None else static.shape[1]
        self._shape = (spec.n_features(outputs[0].shape[1]) + n_static,)
        self.lengths = np.full(len(self.groups), window + horizon)

    @property
    def sample_shape(self):
        return self._shape

    def batch(self, indices):
        groups, starts = self.groups[indices], self.starts[indices]
        values = np.empty((len(groups), self.window) + self._views[0].shape[2:])
        rows = np.empty(
            (len(groups), self.window + self.horizon, self._rows[0].shape[2])
        )
        for group in np.unique(groups):
            chosen = groups == group
            values[chosen] = self._views[group][starts[chosen]]
            rows[chosen] = self._rows[group][starts[chosen]]
        static = None if self.static is None else self.static[groups]
        return assemble(values, rows, self.spec, static)
