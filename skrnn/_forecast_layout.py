"""What the forecaster's network is trained on, fixed at a fresh ``fit``.

The "auto" parameters resolved from the training data alone (normalisation,
season, strategy, log, differences, window), the fitted target and covariate
transforms, and the training windows cut from the transformed series.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.preprocessing import StandardScaler

from . import _backend
from ._level import LevelWindows, check_positive, level_window
from ._params import check_units
from ._recipes import (
    FORECAST_ARCHITECTURE,
    refuse_changed_network,
    resolve_forecast_params,
)
from ._seasonality import (
    auto_differences,
    auto_window,
    infer_panel_season_length,
    infer_season_length,
    is_multiplicative,
)
from ._target import TargetTransform
from ._windows import make_windows


class ForecastLayoutMixin:
    """The layout half of :class:`~skrnn.SequenceForecaster`."""

    def _resolve_training(self):
        """Record ``training_params_``: the "auto" parameters resolved for ``normalize_``."""
        params = resolve_forecast_params(self.get_params(deep=False), self.normalize_)
        params["units"] = check_units(self, params["units"])
        self.training_params_ = params

    def _fit_layout(self, targets, index, *, covariates, panel):
        """Record what the network is trained for; fixed until the next reset.

        ``targets`` are the training series (one, or a panel's); the "auto"
        parameters are resolved from them alone (:mod:`skrnn._seasonality`).
        """
        normalize = self.normalize
        if normalize == "auto":
            positive = all(np.all(series > 0) for series in targets)
            normalize = "level" if panel and positive else "standard"
        if normalize == "level" and (covariates or targets[0].shape[1] != 1):
            raise ValueError(
                "normalize='level' forecasts series without covariates, one "
                "column each; use normalize='standard'."
            )
        if normalize == "level" and self.strategy == "recursive":
            raise ValueError(
                "normalize='level' forecasts the whole horizon at once: use "
                "strategy='direct' or 'auto'."
            )
        self.normalize_ = normalize
        self._resolve_training()
        first = targets[0]
        if self.season_length is not None:
            self.season_length_ = int(self.season_length)
        elif panel and normalize == "level":  # one season for the whole panel
            self.season_length_ = infer_panel_season_length(
                [series[:, 0] for series in targets], index
            )
        else:
            self.season_length_ = infer_season_length(first[:, 0], index)
        strategy = self.strategy
        if strategy == "auto":
            strategy = "recursive" if covariates else "direct"
        if covariates and strategy != "recursive":
            raise ValueError(
                "Covariates need strategy='recursive': a direct forecaster would "
                "not see the covariates of the steps after the first."
            )
        self.strategy_ = strategy
        # Steps the network outputs at once; fixed once it is trained.
        self._network_steps = 1 if strategy == "recursive" else self.horizon
        shortest = min(len(series) for series in targets)
        if normalize == "level":  # log ratios to the window's level, no differences
            self.differences_, self.log_ = (), True
            self.window_ = (
                level_window(
                    self.season_length_,
                    [len(series) for series in targets],
                    self.horizon,
                )
                if isinstance(self.window, str)
                else int(self.window)
            )
        else:
            self._fit_standard_layout(targets, shortest)
        self._with_covariates = covariates
        self._panel_kind = None
        self._seed = _backend.resolve_seed(self.random_state)
        self.n_targets_ = first.shape[1]

    def _fit_standard_layout(self, targets, shortest):
        """Log, differences and window of ``normalize="standard"``, "auto" resolved."""
        self.differences_ = (
            auto_differences(self.season_length_)
            if isinstance(self.differences, str)
            else self._check_differences()
        )
        self.log_ = (
            bool(self.log)
            if not isinstance(self.log, str)
            else all(
                is_multiplicative(series[:, column], self.season_length_)
                for series in targets
                for column in range(series.shape[1])
            )
        )
        self.window_ = (
            auto_window(
                self.season_length_,
                shortest,
                self._network_steps,
                sum(self.differences_),
            )
            if isinstance(self.window, str)
            else int(self.window)
        )

    def _new_target_transform(self):
        return TargetTransform(self.log_, self.differences_, self.scale)

    def _fit_transforms(self, X, y):
        """Record the fitted layout and fit the target and covariate transforms."""
        covariates, target, index = self._validate_observations(X, y, reset=True)
        self._fit_layout([target], index, covariates=y is not None, panel=False)
        self.covariate_scaler_ = None
        self.target_transform_ = None
        if self.normalize_ == "level":
            return
        lags = self.differences_
        self._check_length(len(target), self.window_, self._network_steps, lags)
        self.target_transform_ = self._new_target_transform().fit(target)
        if covariates is not None and self.scale:
            self.covariate_scaler_ = StandardScaler().fit(covariates)

    def _check_warm_start(self):
        """A warm start continues the fitted networks: refuse changed parameters."""
        fitted = {name: self.training_params_[name] for name in FORECAST_ARCHITECTURE}
        fitted.update(window=self.window_, normalize=self.normalize_)
        self._resolve_training()
        wanted = {name: self.training_params_[name] for name in FORECAST_ARCHITECTURE}
        wanted.update(
            window=self.window_ if isinstance(self.window, str) else int(self.window),
            normalize=self.normalize_ if self.normalize == "auto" else self.normalize,
        )
        refuse_changed_network(fitted, wanted)

    def _level_windows(self, series_ids, series):
        """The level-normalised training windows of positive series (and checks)."""
        arrays = [values[:, 0] for values in series]
        check_positive(series_ids, arrays)
        # A series shorter than the window is extended back with its first value
        # (skrnn._level.extend_back); it needs its own training target and the
        # held-out last one, and one value before them.
        needed = 2 * self._network_steps + 1
        for series_id, values in zip(series_ids, arrays, strict=True):
            if len(values) < needed:
                where = "" if series_id is None else f"Series {series_id!r}: "
                raise ValueError(
                    f"{where}normalize='level' needs at least {needed} steps "
                    f"(2 x {self._network_steps}: a training target and the held-out "
                    f"last one, and one value before them), but got {len(values)}."
                )
        return LevelWindows(
            arrays,
            self.window_,
            self._network_steps,
            self.season_length_,
            seed=self._seed,
        )

    def _scale_covariates(self, covariates):
        if self.covariate_scaler_ is None:
            return covariates
        return self.covariate_scaler_.transform(covariates)

    def _network_inputs(self, target, covariates):
        """Per-step network inputs: the transformed target and the next step's covariates.

        Row j holds the transformed target of step j (counted after the rows that
        differencing consumes) and the covariates of the step after it, so the last
        row of a window carries the covariates of the step being forecast.
        """
        transformed = self.target_transform_.transform(target)
        if covariates is None:
            return transformed
        following = self._scale_covariates(covariates)[
            self.target_transform_.n_lost + 1 :
        ]
        rows = min(len(transformed), len(following))
        return np.hstack([transformed[:rows], following[:rows]])

    def _training_windows(self, target, covariates):
        """Windows of network inputs and the transformed values that follow each."""
        inputs = self._network_inputs(target, covariates).astype(np.float32)
        transformed = self.target_transform_.transform(target)
        _, next_values = make_windows(
            transformed, self.window_, horizon=self._network_steps
        )
        windows = sliding_window_view(inputs, self.window_, axis=0).transpose(0, 2, 1)
        n_windows = len(next_values)
        next_values = next_values.reshape(n_windows, -1).astype(np.float32)
        return windows[:n_windows], next_values
