"""Fitted encodings between the user's data and what the network reads and yields.

* :class:`InputEncoder` scales the input channels with statistics of the
  training data ("standard": per channel; "instance": each series
  z-normalised, its level and spread kept as extra channels), resamples series
  of different lengths to one length where the network cannot mask padding,
  folds long series, and marks padding: masked inputs gain a last channel that
  is 1 on real steps and 0 on padding, with padded steps all zeros, so a
  ``Masking(0.0)`` layer skips exactly the padding -- the mask comes from the
  lengths, never from a magic value a real measurement could take.
* :class:`TargetScaler` standardises numeric targets (and undoes it), so targets
  of any scale train with the default learning rate.

Both hold only NumPy arrays and plain values: they pickle and save with
:func:`skrnn.save_estimator`.
"""

import numpy as np

from ._inputs import DTYPE, Sequences


def _steps(data, weights):
    """All steps of the samples as one ``(n_steps_total, n_channels)`` array.

    Returns the steps and each step's weight (its sample's), or None.
    """
    lengths = data.lengths
    if data.is_dense:
        steps = data.dense.reshape(-1, data.dense.shape[-1])
    else:
        steps = np.concatenate(data.items)
    if weights is not None:
        weights = np.repeat(weights, lengths)
    return steps, weights


def _weighted_mean_and_std(values, weights):
    """Per-column mean and standard deviation, weighted."""
    mean = np.average(values, axis=0, weights=weights)
    return mean, np.sqrt(np.average((values - mean) ** 2, axis=0, weights=weights))


def _weighted_mean_and_scale(values, weights):
    """Per-column mean and standard deviation (1 where it is 0), weighted."""
    mean, std = _weighted_mean_and_std(values, weights)
    return mean, np.where(std > 0, std, 1.0)


# Level channels that carry nothing: on sets z-normalised at the source every
# series has (nearly) one mean and one spread, and their spread across the
# training series is rounding noise. Such a channel (spread below these
# thresholds) is set to 0 on every series, its scale infinite: dividing by the
# tiny spread would blow the noise up into features, and a floored scale left a
# channel that never moved in training free to move by whole units on a series
# normalised slightly differently at prediction (research log, round 17).
_MEAN_SPREAD_THRESHOLD = 0.01  # times the raw channel's standard deviation
_LOG_STD_SPREAD_THRESHOLD = 0.01
_LOG_STD_EPSILON = 1e-6


class InputEncoder:
    """Scaling, resampling, folding and padding marks for numeric sequences.

    Parameters
    ----------
    scale : {"instance", "standard"} or None
        "standard" standardises each channel with the training mean and standard
        deviation. "instance" first z-normalises each series and channel over
        its own real steps and appends the series' mean and log standard
        deviation of each channel as constant channels (``3 * n_channels`` in
        all), then standardises every channel with training statistics (level
        channels that barely vary across the training series are set to 0).
        None leaves values as they are. True means "standard".
    masked : bool
        Append the "real step" channel (variable-length data, or ``mask_value``).
    mask_value : float or None
        Steps of dense input whose features all equal this value are padding.
    max_steps : int or None
        Fold runs of ``fold_`` consecutive steps into one step (their features
        side by side) so that the median training sequence has at most about
        this many steps; None never folds.
    resample : bool
        When fitted on series of different lengths, resample every series
        linearly to the median training length (``resample_to_``), so they
        batch without padding.
    pool : bool
        Leave the reduction to the network: it max-pools runs of
        ``pool_size_`` steps after its first convolution, which reads every
        step. Only series longer than ``_POOL_READS * max_steps`` are folded
        first, by ``fold_``, which bounds that convolution's memory.
    """

    def __init__(
        self,
        scale="standard",
        masked=False,
        mask_value=None,
        max_steps=None,
        resample=False,
        pool=False,
    ):
        self.scale = scale
        self.masked = masked
        self.mask_value = mask_value
        self.max_steps = max_steps
        self.resample = resample
        self.pool = pool

    @property
    def _instance(self):
        return self.scale == "instance"

    def fit(self, data, sample_weight=None):
        """Learn the scaling statistics, length and reduction of ``data``.

        Steps are weighted by their sample's weight: a sample of weight 0 does
        not move the statistics.
        """
        self.mean_ = self.scale_ = None
        self.fold_ = self.pool_size_ = 1
        lengths = data.lengths
        self.resample_to_ = None
        if self.resample and len(np.unique(lengths)) > 1:
            self.resample_to_ = int(np.median(lengths))
            lengths = np.full_like(lengths, self.resample_to_)
        if self.max_steps is not None:
            median = float(np.median(lengths))
            if self.pool:
                self.fold_ = _reduction(median, _POOL_READS * self.max_steps)
                self.pool_size_ = _reduction(median / self.fold_, self.max_steps)
            else:
                self.fold_ = _reduction(median, self.max_steps)
        if not self.scale:
            return self
        raw, weights = _steps(data, sample_weight)
        raw = raw.astype(np.float64)
        real = None
        if self.mask_value is not None:
            real = ~np.all(raw == self.mask_value, axis=1)
        if self._instance:
            steps = np.concatenate(
                [_instance_channels(item, self.mask_value) for item in _samples(data)]
            )
        else:
            steps = raw
        if real is not None:
            steps, raw = steps[real], raw[real]
            weights = None if weights is None else weights[real]
        if len(steps) and (weights is None or weights.sum() > 0):
            self.mean_, std = _weighted_mean_and_std(steps, weights)
            self.scale_ = np.where(std > 0, std, 1.0)
            if self._instance:
                _drop_flat_level_channels(self.scale_, std, raw, weights)
        return self

    @property
    def n_added_channels(self):
        return int(self.masked)

    def transform(self, data):
        """Encoded :class:`Sequences` (a copy where anything changes)."""
        resample_to = getattr(self, "resample_to_", None)
        if (
            not self.masked
            and self.mean_ is None
            and self.fold_ == 1
            and resample_to is None
        ):
            return data
        if resample_to is not None:
            return Sequences(
                dense=np.stack(
                    [
                        self._encode(item, resample_to=resample_to)
                        for item in _samples(data)
                    ]
                ),
                pad_value=0.0,
            )
        if data.is_dense:
            return Sequences(dense=self._encode(data.dense), pad_value=0.0)
        return Sequences(
            items=[self._encode(item) for item in data.items], pad_value=0.0
        )

    def _encode(self, values, resample_to=None):
        padding = None
        if self.mask_value is not None:
            padding = np.all(values == self.mask_value, axis=-1)
        if self._instance and self.mean_ is not None:
            values = _instance_channels(values, self.mask_value)
        if self.mean_ is not None:
            values = ((values - self.mean_) / self.scale_).astype(DTYPE)
        if resample_to is not None and len(values) != resample_to:
            values = _resample(values, resample_to)
        if self.masked:
            real = np.ones(values.shape[:-1] + (1,), dtype=DTYPE)
            if padding is not None:
                values = np.where(padding[..., np.newaxis], 0.0, values).astype(DTYPE)
                real[padding] = 0.0
            values = np.concatenate([values, real], axis=-1)
        return _fold(values, self.fold_)


# With ``pool``, the first convolution reads at most this many times
# ``max_steps`` steps (512 by default): longer series are folded down first,
# which bounds its time and memory. On ACSF1 (1,460 steps) folding by 3 then
# pooling by 4 scored between folding alone and pooling alone in 5-fold
# cross-validation (research/ucr_research.md, round 3).
_POOL_READS = 4


def _reduction(n_steps, at_most):
    """The factor that brings ``n_steps`` down to about ``at_most``."""
    return max(1, int(np.ceil(n_steps / at_most)))


def _samples(data):
    """The samples of ``data`` one by one (views of a dense array)."""
    return list(data.dense) if data.is_dense else data.items


def _instance_channels(values, mask_value=None):
    """Each series z-normalised over its real steps, then its levels as channels.

    ``values`` is ``(..., n_steps, c)``; returns ``(..., n_steps, 3 * c)``: the
    z-normalised channels (a constant channel becomes 0), each channel's mean
    and ``log(std + 1e-6)``, repeated on every step. Steps whose features all
    equal ``mask_value`` are left out of the statistics.
    """
    values = np.nan_to_num(np.asarray(values, np.float64))
    real = np.ones(values.shape[:-1] + (1,))
    if mask_value is not None:
        real = (~np.all(values == mask_value, axis=-1, keepdims=True)).astype(float)
    count = np.maximum(real.sum(axis=-2, keepdims=True), 1.0)
    mean = (values * real).sum(axis=-2, keepdims=True) / count
    std = np.sqrt((((values - mean) * real) ** 2).sum(axis=-2, keepdims=True) / count)
    z = (values - mean) / np.where(std > 0, std, 1.0)
    level = np.concatenate([mean, np.log(std + _LOG_STD_EPSILON)], axis=-1)
    level = np.broadcast_to(level, values.shape[:-1] + (level.shape[-1],))
    return np.concatenate([z, level], axis=-1)


def _drop_flat_level_channels(scale, std, raw, weights):
    """Set to infinity, in place, the scales of the level channels whose training
    spread ``std`` is below the thresholds above (the channels become 0)."""
    n = raw.shape[1]
    _, raw_scale = _weighted_mean_and_scale(raw, weights)
    flat = np.concatenate(
        [
            np.zeros(n, bool),
            std[n : 2 * n] < _MEAN_SPREAD_THRESHOLD * raw_scale,
            std[2 * n :] < _LOG_STD_SPREAD_THRESHOLD,
        ]
    )
    scale[flat] = np.inf


def _resample(values, n_steps):
    """Linear interpolation of one ``(n_steps_i, c)`` series onto ``n_steps`` points."""
    old = np.linspace(0.0, 1.0, len(values))
    new = np.linspace(0.0, 1.0, n_steps)
    return np.stack(
        [np.interp(new, old, values[:, c]) for c in range(values.shape[1])], axis=-1
    ).astype(DTYPE)


def _fold(values, k):
    """Runs of ``k`` steps side by side: ``(..., n, c)`` -> ``(..., ceil(n/k), k*c)``.

    The last step is repeated to fill the final run.
    """
    if k == 1:
        return values
    n_steps = values.shape[-2]
    missing = -n_steps % k
    if missing:
        last = np.take(values, [-1], axis=-2)
        values = np.concatenate([values] + [last] * missing, axis=-2)
    shape = values.shape[:-2] + ((n_steps + missing) // k, k * values.shape[-1])
    return np.ascontiguousarray(values).reshape(shape)


class TargetScaler:
    """Standardise numeric targets per output; ``inverse`` maps predictions back.

    Parameters
    ----------
    scale : bool
        Whether to standardise; otherwise both directions are the identity.
    """

    def __init__(self, scale=True):
        self.scale = scale

    def fit(self, targets, sample_weight=None):
        """Learn each output's mean and scale (over samples and steps), weighted."""
        self.mean_ = self.scale_ = None
        if self.scale:
            flat, weights = _flat_outputs(targets, sample_weight)
            self.mean_, self.scale_ = _weighted_mean_and_scale(flat, weights)
        return self

    def transform(self, targets):
        if self.mean_ is None:
            return targets
        if isinstance(targets, list):
            return [self.transform(item) for item in targets]
        return ((targets - self.mean_) / self.scale_).astype(DTYPE)

    def inverse(self, outputs):
        if self.mean_ is None:
            return outputs
        if isinstance(outputs, list):
            return [self.inverse(item) for item in outputs]
        return outputs * self.scale_ + self.mean_


def _flat_outputs(targets, weights):
    """Targets as ``(n_rows, n_outputs)`` float64, and each row's weight."""
    if isinstance(targets, list):
        lengths = [len(item) for item in targets]
        flat = np.concatenate([np.asarray(item, np.float64) for item in targets])
    else:
        flat = np.asarray(targets, np.float64)
        lengths = [flat.shape[1] if flat.ndim == 3 else 1] * len(flat)
        flat = flat.reshape(-1, flat.shape[-1])
    if weights is not None:
        weights = np.repeat(weights, lengths)
    return flat, weights
