"""Target transforms for forecasting: log, differencing and scaling, and their inverse.

Trending, seasonal series (the airline passengers) are hard for a recurrent
network on the raw scale: it learns little more than "repeat the last value".
Taking logs turns multiplicative seasonality additive, differencing at lag 1 or
at the season length removes trend and seasonality, and scaling puts the result
near unit variance. All three are fitted on the training part only.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler


class TargetTransform:
    """Invertible ``log -> difference(lags...) -> standardise`` of a 2-D series.

    Parameters
    ----------
    log : bool
        Take natural logarithms first (values must be strictly positive).
    differences : tuple of int
        Lags to difference at, in order, e.g. ``(12,)`` or ``(1, 12)``.
    scale : bool
        Standardise the differenced series to zero mean, unit variance.
    """

    def __init__(self, log=False, differences=(), scale=True):
        self.log = log
        self.differences = tuple(differences)
        self.scale = scale

    @property
    def n_lost(self):
        """Number of leading rows that differencing consumes."""
        return sum(self.differences)

    def _levels(self, series):
        """The series after log and after each differencing stage."""
        values = series
        if self.log:
            if np.any(series <= 0):
                raise ValueError(
                    "log=True needs strictly positive values, but the series has "
                    "values <= 0."
                )
            values = np.log(series)
        levels = [values]
        for lag in self.differences:
            levels.append(levels[-1][lag:] - levels[-1][:-lag])
        return levels

    def fit(self, series):
        """Fit the scaler on the differenced ``series`` of shape (n_steps, n_targets)."""
        differenced = self._levels(series)[-1]
        self.scaler_ = StandardScaler().fit(differenced) if self.scale else None
        return self

    def transform(self, series):
        """Return the transformed series, ``n_lost`` rows shorter."""
        differenced = self._levels(series)[-1]
        if self.scaler_ is None:
            return differenced
        return self.scaler_.transform(differenced)

    def inverse(self, future, history):
        """Map transformed future values back to the original scale.

        Parameters
        ----------
        future : ndarray of shape (n_future, n_targets)
            Values on the transformed scale following ``history``.
        history : ndarray of shape (n_steps, n_targets)
            The original-scale series the future continues.

        Returns
        -------
        ndarray of shape (n_future, n_targets)
        """
        values = (
            future if self.scaler_ is None else self.scaler_.inverse_transform(future)
        )
        levels = self._levels(history)
        # Undo the differences last-in first-out: each future value adds back the
        # value `lag` steps earlier, which may itself be a future value.
        for lag, base in zip(
            reversed(self.differences), reversed(levels[:-1]), strict=True
        ):
            extended = np.concatenate([base[-lag:], np.empty_like(values)])
            for step in range(len(values)):
                extended[lag + step] = values[step] + extended[step]
            values = extended[lag:]
        return np.exp(values) if self.log else values
