"""Fitted encodings between the user's data and what the network reads and yields.

* :class:`InputEncoder` standardises each input channel with statistics of the
  training data, and marks padding: masked inputs gain a last channel that is 1
  on real steps and 0 on padding, with padded steps all zeros, so a
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


def _weighted_mean_and_scale(values, weights):
    """Per-column mean and standard deviation (1 where it is 0), weighted."""
    mean = np.average(values, axis=0, weights=weights)
    std = np.sqrt(np.average((values - mean) ** 2, axis=0, weights=weights))
    return mean, np.where(std > 0, std, 1.0)


class InputEncoder:
    """Per-channel standardisation and padding marks for numeric sequences.

    Parameters
    ----------
    scale : bool
        Standardise each channel to zero mean and unit variance.
    masked : bool
        Append the "real step" channel (variable-length data, or ``mask_value``).
    mask_value : float or None
        Steps of dense input whose features all equal this value are padding.
    max_steps : int or None
        Fold runs of ``fold_`` consecutive steps into one step (their features
        side by side) so that the median training sequence has at most about
        this many steps; None never folds.
    """

    def __init__(self, scale=True, masked=False, mask_value=None, max_steps=None):
        self.scale = scale
        self.masked = masked
        self.mask_value = mask_value
        self.max_steps = max_steps

    def fit(self, data, sample_weight=None):
        """Learn the channels' means and scales from the real steps of ``data``.

        Steps are weighted by their sample's weight: a sample of weight 0 does
        not move the statistics.
        """
        self.mean_ = self.scale_ = None
        self.fold_ = 1
        if self.max_steps is not None:
            median = float(np.median(data.lengths))
            self.fold_ = max(1, int(np.ceil(median / self.max_steps)))
        if not self.scale:
            return self
        steps, weights = _steps(data, sample_weight)
        steps = steps.astype(np.float64)
        if self.mask_value is not None:
            real = ~np.all(steps == self.mask_value, axis=1)
            steps = steps[real]
            weights = None if weights is None else weights[real]
        if len(steps) and (weights is None or weights.sum() > 0):
            self.mean_, self.scale_ = _weighted_mean_and_scale(steps, weights)
        return self

    @property
    def n_added_channels(self):
        return int(self.masked)

    def transform(self, data):
        """Encoded :class:`Sequences` (a copy where anything changes)."""
        if not self.masked and self.mean_ is None and self.fold_ == 1:
            return data
        if data.is_dense:
            return Sequences(dense=self._encode(data.dense), pad_value=0.0)
        return Sequences(
            items=[self._encode(item) for item in data.items], pad_value=0.0
        )

    def _encode(self, values):
        padding = None
        if self.mask_value is not None:
            padding = np.all(values == self.mask_value, axis=-1)
        if self.mean_ is not None:
            values = ((values - self.mean_) / self.scale_).astype(DTYPE)
        if self.masked:
            real = np.ones(values.shape[:-1] + (1,), dtype=DTYPE)
            if padding is not None:
                values = np.where(padding[..., np.newaxis], 0.0, values).astype(DTYPE)
                real[padding] = 0.0
            values = np.concatenate([values, real], axis=-1)
        return _fold(values, self.fold_)


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
