"""What the forecaster reads and returns: series, covariates, forecasts.

Validation of the observations passed to ``fit``, ``update``, ``score`` and
``predict`` (one series, several columns, or a target with covariates), and
forecasts shaped like the fitted series (1-D, 2-D, pandas with its index).
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array, validate_data

from ._series import series_index


class ForecastIOMixin:
    """The input/output half of :class:`~skrnn.SequenceForecaster`."""

    def _check_differences(self):
        lags = tuple(self.differences)
        if not all(
            isinstance(lag, (Integral, np.integer))
            and not isinstance(lag, (bool, np.bool_))
            and lag >= 1
            for lag in lags
        ):
            raise ValueError(
                f"differences must be a tuple of positive ints, got {self.differences!r}."
            )
        return tuple(int(lag) for lag in lags)

    def _validate_target(self, y, *, reset, input_name):
        """Validate a target series; return (values of shape (n, k), time index)."""
        index = series_index(y)
        values = check_array(
            y, ensure_2d=False, dtype=np.float64, input_name=input_name, estimator=self
        )
        if values.ndim not in (1, 2):
            raise ValueError(
                f"The series must be 1-D or 2-D; got shape {values.shape}."
            )
        kind = _kind_of(y, values.ndim)
        if values.ndim == 1:
            values = values[:, np.newaxis]
        if reset:
            self.n_targets_ = values.shape[1]
            self._target_kind = kind
            self._target_columns = getattr(y, "columns", None)
            self._target_name = getattr(y, "name", None)
        elif values.shape[1] != self.n_targets_:
            raise ValueError(
                f"The series has {values.shape[1]} columns, but {type(self).__name__} "
                f"was fitted on {self.n_targets_}."
            )
        return values, index

    def _validate_observations(self, X, y, *, reset, method="fit"):
        """Validate a stretch of observations: ``(covariates or None, target, index)``.

        Without covariates X is the series itself; with them X holds the
        covariates of each step of the target y.
        """
        if not reset and self._with_covariates and y is None:
            raise ValueError(f"This forecaster has covariates: call {method}(X, y).")
        if not reset and not self._with_covariates and y is not None:
            raise ValueError(
                f"This forecaster has no covariates: call {method}(new_values)."
            )
        if y is None:
            validate_data(self, _as_2d(X), reset=reset, dtype=np.float64)
            target, index = self._validate_target(X, reset=reset, input_name="X")
            return None, target, index
        covariates = validate_data(self, X, reset=reset, dtype=np.float64)
        target, index = self._validate_target(y, reset=reset, input_name="y")
        if len(covariates) != len(target):
            raise ValueError(
                f"X and y have different numbers of steps: {len(covariates)} and "
                f"{len(target)}; X must hold the covariates of each step of y."
            )
        return covariates, target, index

    def _check_length(self, n_steps, window, step_out, lags):
        needed = window + step_out + sum(lags)
        if n_steps < needed:
            raise ValueError(
                f"{type(self).__name__} needs a series of at least {needed} steps "
                f"(window={window} + {step_out} target step(s) + differencing "
                f"{sum(lags)}), but got n_samples = {n_steps}."
            )

    def _check_future_covariates(self, X):
        if not self._with_covariates:
            if X is not None:
                raise ValueError(
                    f"This {type(self).__name__} was fitted without covariates: call "
                    "predict() without X. To add new observations use update()."
                )
            return None
        if X is None:
            raise ValueError(
                "This forecaster was fitted with covariates: pass their future values "
                "as X, one row per step to forecast."
            )
        return validate_data(self, X, reset=False, dtype=np.float64)

    def _wrap(self, values, index):
        kind = self._target_kind
        if kind == "frame":
            return pd.DataFrame(values, index=index, columns=self._target_columns)
        if kind == "series":
            return pd.Series(values[:, 0], index=index, name=self._target_name)
        return values[:, 0] if kind == "1d" else values


def _kind_of(data, ndim):
    """How forecasts are returned: like the fitted target's type and shape."""
    if isinstance(data, pd.DataFrame):
        return "frame"
    if isinstance(data, pd.Series):
        return "series"
    return "1d" if ndim == 1 else "2d"


def _as_2d(data):
    """A 1-D series as one column, so validate_data records one feature."""
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, pd.DataFrame):
        return data
    values = np.asarray(data)
    return values.reshape(-1, 1) if values.ndim == 1 else values
