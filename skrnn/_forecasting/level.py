"""Level-normalised windows: the global recipe for panels of positive series.

Each input window is divided by its *level*, the mean of its values, and
logged; the network forecasts ``log(y[t + h] / level)`` for every step ``h`` of
the horizon at once (direct), so ``level * exp(output)`` is the forecast. A
window of whole seasons is fed one season per step (168 hourly values as 7
steps of 24 features): a short recurrence that trains several times faster
than one value per step and forecasts better. Every window is weighted by
``level / scale``, where ``scale`` is its series' in-sample seasonal-naive mean
absolute error (one-step when the season is longer than the horizon, see
:func:`scale_lag`): with a mean absolute error loss on the log ratios, the loss
then approximates MASE and no series dominates by its size. Measured on M4
Hourly in ``research/m4_research.md`` (rows #18, #24, #29), and on M4 Weekly
(issue 20: the window, short series and the scale's lag).
"""

import numpy as np

from .covariates import assemble
from .seasonality import MIN_TRAINING_WINDOWS

# Training windows drawn per series (one fixed sample): long series do not
# outweigh short ones, and an epoch costs the same whatever the lengths.
WINDOWS_PER_SERIES = 64
# Encoded windows above this many bytes are encoded batch by batch instead of
# once (20,000 series of 500 hourly steps: 870 MB), their targets too (125 MB
# at horizon 24: LevelTargets), their levels LAZY_CHUNK windows at a time.
LAZY_BYTES = 64 * 2**20
LAZY_CHUNK = 8192


def extend_back(values, length):
    """``values`` with its first value repeated before it, to at least ``length``.

    A series shorter than the window (and its training targets) is read as if
    it had stayed at its first value before it started, so one short series
    does not shorten every series' window.
    """
    missing = length - len(values)
    if missing <= 0:
        return values
    return np.concatenate([np.full(missing, values[0]), values])


def input_layout(window, season_length):
    """``(steps, features)`` of a window: one season per step when it divides."""
    if season_length > 1 and window % season_length == 0:
        return (window // season_length, season_length)
    return (window, 1)


def window_levels(windows):
    """The level of each window ``(n, window)``: the mean of its values."""
    return windows.mean(axis=1)


def level_targets(following, levels):
    """``log(next values / level)``: the targets ``(n, horizon)`` of windows
    whose levels are ``levels`` and whose next values are ``following``."""
    return np.log(following / levels[:, np.newaxis]).astype(np.float32)


def encode(windows, layout):
    """Divide windows ``(n, window)`` by their level and log; return inputs, levels."""
    levels = window_levels(windows)
    ratios = np.maximum(windows / levels[:, np.newaxis], 1e-6)
    inputs = np.log(ratios).reshape((len(windows),) + layout).astype(np.float32)
    return inputs, levels


def extend_rows(rows, missing):
    """Covariate ``rows`` with their first row repeated ``missing`` times before
    them (the rows of a series extended back by :func:`extend_back`)."""
    if missing <= 0:
        return rows
    return np.concatenate([np.repeat(rows[:1], missing, axis=0), rows])


def encode_with_covariates(windows, covariates, spec, static, layout):
    """:func:`encode` with covariates: ``covariates`` ``(n, window + horizon,
    n_columns)`` of each window's steps and of those it forecasts, folded like
    the values (:func:`~skrnn._forecasting.covariates.assemble`); inputs and levels."""
    levels = window_levels(windows)
    ratios = np.log(np.maximum(windows / levels[:, np.newaxis], 1e-6))
    inputs = assemble(ratios[:, :, np.newaxis], covariates, spec, static, layout[1])
    return inputs, levels


def scale_lag(season_length, horizon):
    """The lag of the weights' error scale: the season when the horizon covers it, else 1.

    A season longer than the horizon (52 weeks, 13 ahead) makes the seasonal
    naive error a year-on-year change, which follows each series' trend more
    than what the forecast faces: the one-step change is used then, as M4's
    MASE does for weekly data (m = 1). M4 Hourly keeps 24 (horizon 48).
    """
    return season_length if season_length <= horizon else 1


def seasonal_naive_scale(values, season_length):
    """Mean absolute change over one season (MASE's scale); None if undefined."""
    lag = season_length if len(values) > season_length else 1
    if len(values) <= lag:
        return None
    scale = float(np.mean(np.abs(values[lag:] - values[:-lag])))
    return scale if scale > 0 else None


def check_positive(series_ids, arrays):
    for series_id, values in zip(series_ids, arrays, strict=True):
        if np.any(values <= 0):
            raise ValueError(
                f"normalize='level' needs strictly positive series; series "
                f"{series_id!r} has values <= 0. Use normalize='standard'."
            )


def window_counts(lengths, window, horizon):
    """Per series of ``lengths`` steps, as :class:`LevelWindows` samples them:
    the first start it trains from (after the extension of a short series),
    how many training windows it has, and how many it is given (at most
    :data:`WINDOWS_PER_SERIES` of them, and its last, held-out one)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    extended = np.maximum(lengths, window + 2 * horizon + MIN_TRAINING_WINDOWS - 1)
    firsts = np.maximum(extended - lengths - window, 0)
    n_trains = np.maximum(extended - window - 2 * horizon + 1 - firsts, 0)
    return firsts, n_trains, np.minimum(n_trains, WINDOWS_PER_SERIES) + 1


class LevelWindows:
    """Level-normalised training windows of several series, and their targets.

    Per series, up to :data:`WINDOWS_PER_SERIES` windows are drawn (once) among
    those whose targets end before the series' last ``horizon`` values; the
    series' last window (whose target is those values) comes last in its group,
    for early stopping to hold out. A series shorter than ``window + 2 *
    horizon + 7`` is first extended back with its first value
    (:func:`extend_back`; ``starts`` count in the extended series), and only
    the windows whose targets are its own values are trained on. Follows the protocol of
    :class:`~skrnn._inputs.Sequences` the training engine reads.

    Parameters
    ----------
    arrays : list of ndarray of shape (n_steps_i,)
        The positive series.
    window, horizon, season_length : int
    seed : int
        Seed of the window sample.

    Attributes
    ----------
    dense : ndarray of shape (n_windows, steps, features)
        The encoded windows, ``log(window / level)`` in the input layout.
    targets : ndarray of shape (n_windows, horizon), or LevelTargets
        ``log(next values / level)`` of each window (for a large panel, a
        :class:`LevelTargets` computing those asked for, batch by batch).
    weights : ndarray of shape (n_windows,)
        ``level / scale`` of each window, divided by their mean; ``scale`` is
        the series' mean absolute change over :func:`scale_lag` steps.
    groups : ndarray of shape (n_windows,)
        The series of each window.
    """

    pad_value = 0.0

    def __init__(
        self,
        arrays,
        window,
        horizon,
        season_length,
        *,
        seed,
        covariates=None,
        spec=None,
        static=None,
    ):
        rng = np.random.default_rng(seed)
        originals = list(arrays)
        self.window = window
        self.layout = input_layout(window, season_length)
        # A short series is extended back to hold 8 training windows; those whose
        # targets would fall in the extension are not trained on.
        arrays = [
            extend_back(values, window + 2 * horizon + MIN_TRAINING_WINDOWS - 1)
            for values in originals
        ]
        firsts, n_trains, counts = window_counts(
            [len(original) for original in originals], window, horizon
        )
        # Filled in place, as int32: 100,000 series give 6.5 million windows.
        self.groups = np.repeat(np.arange(len(arrays), dtype=np.int32), counts)
        self.starts = np.empty(int(counts.sum()), dtype=np.int32)
        end = 0
        for values, first, n_train, count in zip(
            arrays, firsts, n_trains, counts, strict=True
        ):
            chosen = self.starts[end : end + count - 1]
            if n_train > WINDOWS_PER_SERIES:
                chosen[:] = np.sort(
                    rng.choice(n_train, WINDOWS_PER_SERIES, replace=False)
                )
            else:
                chosen[:] = np.arange(n_train)
            chosen += first
            self.starts[end + count - 1] = len(values) - window - horizon
            end += count
        # Every window has the same length: one value, not one per window.
        self.lengths = np.broadcast_to(np.int64(self.layout[0]), self.starts.shape)
        self._arrays = None
        if spec is None and len(self.starts) * window * 4 > LAZY_BYTES:
            # A large panel: windows and their targets encoded batch by batch
            # (encode works row by row: the values are those _encode_all would
            # give), the levels only once, for the weights.
            self._arrays, self.dense = arrays, None
            self.targets = LevelTargets(self, horizon)
            levels = self._levels()
        else:
            levels = self._encode_all(
                arrays, originals, horizon, covariates, spec, static
            )
        lag = scale_lag(season_length, horizon)
        scales = [seasonal_naive_scale(values, lag) for values in originals]
        known = [scale for scale in scales if scale is not None]
        fallback = float(np.mean(known)) if known else 1.0
        scales = np.array([fallback if s is None else s for s in scales])
        weights = levels / scales[self.groups]
        self.weights = (weights / weights.mean()).astype(np.float32)

    def __len__(self):
        return len(self.starts)

    def _encode_all(self, arrays, originals, horizon, covariates, spec, static):
        """Encode every window once: set ``dense`` and ``targets``, return the
        windows' levels."""
        window = self.window
        spans = np.stack(  # each window and the values that follow it
            [
                arrays[s][t : t + window + horizon]
                for s, t in zip(self.groups, self.starts, strict=True)
            ]
        )
        # The sample is fixed and small (at most 65 windows a series): encode it
        # once, and batches are slices of one array.
        self.dense, levels = encode(spans[:, :window], self.layout)
        if spec is not None:  # the covariates of each window's steps and targets
            rows = [
                extend_rows(rows, len(values) - len(original))
                for rows, values, original in zip(
                    covariates, arrays, originals, strict=True
                )
            ]
            self.dense, levels = encode_with_covariates(
                spans[:, :window],
                np.stack(
                    [
                        rows[s][t : t + window + horizon]
                        for s, t in zip(self.groups, self.starts, strict=True)
                    ]
                ),
                spec,
                None if static is None else static[self.groups],
                self.layout,
            )
            self.lengths = np.full(len(self.starts), self.dense.shape[1])
        self.targets = level_targets(spans[:, window:], levels)
        return levels

    def _spans(self, arrays, indices, length):
        """Windows ``indices`` and the values that follow them, ``length`` in all."""
        return np.stack(
            [
                arrays[s][t : t + length]
                for s, t in zip(self.groups[indices], self.starts[indices], strict=True)
            ]
        )

    def _levels(self):
        """The windows' levels, :data:`LAZY_CHUNK` windows at a time."""
        levels = np.empty(len(self.starts))
        for begin in range(0, len(self.starts), LAZY_CHUNK):
            rows = np.arange(begin, min(begin + LAZY_CHUNK, len(self.starts)))
            levels[rows] = window_levels(self._spans(self._arrays, rows, self.window))
        return levels

    @property
    def sample_shape(self):
        """Shape of one step: ``(n_features,)`` of the input layout."""
        return self.layout[1:] if self.dense is None else self.dense.shape[2:]

    def batch(self, indices):
        if self.dense is None:
            spans = self._spans(self._arrays, np.asarray(indices), self.window)
            return encode(spans, self.layout)[0]
        return self.dense[indices]


class LevelTargets:
    """The targets of a :class:`LevelWindows` set encoded batch by batch:
    ``log(next values / level)`` of the windows asked for, computed when asked
    (``targets[indices]``), never held for the whole panel (20,000 series of
    65 windows at horizon 24 would hold 125 MB). ``np.asarray`` gives them all.
    """

    dtype = np.dtype(np.float32)
    ndim = 2

    def __init__(self, windows, horizon):
        self._windows, self.horizon = windows, horizon

    @property
    def shape(self):
        return (len(self._windows), self.horizon)

    def __len__(self):
        return len(self._windows)

    def __getitem__(self, indices):
        data, window = self._windows, self._windows.window
        if isinstance(indices, slice):
            rows = np.arange(*indices.indices(len(data)))
        else:
            rows = np.asarray(indices)
        spans = data._spans(data._arrays, np.atleast_1d(rows), window + self.horizon)
        targets = level_targets(spans[:, window:], window_levels(spans[:, :window]))
        return targets if rows.ndim else targets[0]

    def __array__(self, dtype=None, copy=None):
        out = np.empty(self.shape, np.float32)
        for begin in range(0, len(self), LAZY_CHUNK):
            out[begin : begin + LAZY_CHUNK] = self[begin : begin + LAZY_CHUNK]
        return out if dtype is None else out.astype(dtype)
