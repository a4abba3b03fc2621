"""SequenceForecaster: fit a series, forecast its future, update, backtest."""

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _backend, _engine, _intervals
from ._inputs import Sequences
from ._level import (
    LevelWindows,
    check_positive,
    input_layout,
    level_forecast,
    level_window,
)
from ._model_state import KerasModelMixin
from ._panel import Panel, WindowSet, is_panel, panel_like, read_panel
from ._params import SHARED_PARAMS, architecture, check_units, constraints
from ._regressor import _LOSSES
from ._seasonality import (
    auto_differences,
    auto_window,
    infer_season_length,
    is_multiplicative,
)
from ._series import continue_index, series_index, steps_after
from ._target import TargetTransform
from ._windows import make_windows


class SequenceForecaster(KerasModelMixin, RegressorMixin, BaseEstimator):
    """Forecast a time series with a recurrent network.

    ``fit(series)`` cuts the series into windows of ``window`` steps, each followed
    by the values to predict, and trains an :class:`RNNRegressor` on them.
    ``predict()`` then forecasts the ``horizon`` steps after the data seen so far;
    ``update(new_values)`` appends observations without refitting. With covariates,
    ``fit(X, y)`` forecasts ``y`` from its past and from ``X``, known at every step
    including the future ones passed to ``predict(X)``.

    Parameters
    ----------
    window : int or "auto", default="auto"
        Number of past steps the network reads for each forecast. "auto": one
        season (``season_length_``; 12 when there is no season), shortened if
        the training data would leave fewer than 8 windows.
    horizon : int, default=1
        Number of steps ``predict()`` forecasts.
    season_length : int or None, default=None
        Steps in one season. None infers it from the training data: from the
        index's frequency (12 monthly, 4 quarterly, 52 weekly, 7 daily, 24
        hourly), else from the autocorrelation of the series' changes (1 when
        no lag stands out).
    strategy : {"auto", "recursive", "direct"}, default="auto"
        "recursive" trains a one-step network and feeds its forecasts back in;
        "direct" (MIMO) trains a network with ``horizon`` outputs that forecasts
        the whole horizon at once (its errors do not compound). "auto" is
        "direct", or "recursive" with covariates, which need it. A direct
        network forecasts in blocks of the horizon it was fitted with: setting
        a smaller ``horizon`` after fitting keeps a block's first steps, a
        larger one feeds whole blocks back in.
    log : bool or "auto", default="auto"
        Model the logarithm of the series (multiplicative trend or
        seasonality). "auto": when every series is positive and its seasonal
        swings grow with its level.
    differences : tuple of int or "auto", default="auto"
        Lags at which to difference the (log) series before scaling, in order,
        e.g. ``(12,)`` for monthly data with a yearly season, ``(1,)`` for a
        trend. "auto": ``(1, season_length_)``, or ``(1,)`` without a season.
    scale : bool, default=True
        Standardise the (differenced) series and the covariates, with statistics
        of the training data only.
    normalize : {"auto", "standard", "level"}, default="auto"
        How series are put on the network's scale. "standard": per series,
        ``log``, ``differences`` and ``scale`` above. "level" (the global
        recipe for many related positive series): each window is divided by
        its level (its mean) and logged, the network forecasts the log ratio
        of the next ``horizon`` values to that level (direct), a window of
        whole seasons is fed one season per step (168 hourly values as 7 steps
        of 24), and each window is weighted by its level over its series'
        seasonal-naive mean absolute error (so that, with ``loss="auto"``,
        here the mean absolute error, training approximates MASE and large
        series do not dominate). A fixed sample of up to 64 windows per
        series is trained on; with early stopping, each series' last window
        is held out. ``log``, ``differences`` and ``scale`` do not apply, and
        "auto" ``window`` is 7 seasons (shortened to fit the shortest series).
        "auto": "level" for a panel of positive series, else "standard".
    n_networks : int, default=1
        Networks trained (seeds derived from ``random_state``); the forecast is
        the median of theirs, on the original scale. Fitting and forecasting
        cost ``n_networks`` times as much. On M4 Hourly (``normalize="level"``)
        the median of 5 scored sMAPE 10.17 / MASE 0.809 against 10.42 / 0.850
        for one network (``benchmarks/bench_m4_forecaster.py``).
    calibration : {"auto", "holdout", "backtest"} or None, default="auto"
        Where the out-of-sample errors that calibrate :meth:`predict_interval`
        and :meth:`predict_quantiles` come from. "holdout": the windows the fit
        holds out (``normalize="level"`` with ``early_stopping=True``; no extra
        cost). "backtest": one more forecaster with the same parameters, fitted
        on each series minus its last steps (twice the horizon, at least 50, at
        most half the training windows) and forecasting from each of those
        origins: ``fit`` costs twice as much. "auto": "holdout" where the fit
        holds windows out, else "backtest" (skipped, without error, when the
        series are too short for it). None: no intervals.
    cell, units, bidirectional, dropout, recurrent_dropout, model, epochs, \
batch_size, optimizer, learning_rate, loss, early_stopping, validation_fraction, \
n_iter_no_change, warm_start, distribution, random_state, verbose :
        Network and training parameters, as in :class:`RNNRegressor`. Early
        stopping holds out the latest windows. With ``warm_start=True`` a fitted
        forecaster's ``fit`` continues training its network on the windows of
        the new series, with the transforms fitted the first time. (The
        sequence-input parameters of :class:`RNNRegressor` -- ``mask_value``,
        ``embedding_dim``, ``return_sequences``, ``tbptt_steps``,
        ``scale_inputs``, ``max_steps`` -- do not apply: the forecaster cuts its
        own equal-length numeric windows of ``window_`` steps and scales them
        with ``scale`` or ``normalize``.)

    Attributes
    ----------
    model_ : keras.Model
        The network trained on the windows (the first of ``models_``).
    models_ : list of keras.Model
        The ``n_networks`` networks whose forecasts are combined.
    normalize_ : str
        "standard" or "level": ``normalize`` with "auto" resolved.
    window_ : int
        The ``window`` the network was trained with; forecasts use it even if
        the parameter is changed afterwards.
    season_length_ : int
        The season length used (given, or inferred).
    strategy_, log_, differences_ :
        The strategy, log and differences used, "auto" resolved.
    history_ : dict of str to list of float
        Training loss (and ``val_loss`` with early stopping) per epoch, of the
        first network.
    histories_ : list of dict
        The history of each network of ``models_``.
    n_iter_ : int
        Number of epochs the first network trained.
    calibration_method_ : str or None
        "holdout" or "backtest": where the errors of ``calibration_scores_``
        come from; None when there are none.
    calibration_scores_ : ndarray of shape (n_errors, horizon) or None
        Out-of-sample forecast errors, one row per series, origin (and target
        column), one column per step ahead, each divided by its series' scale
        (NaN where the step lies beyond the series' end); as log ratios for
        ``log_`` series with ``normalize="standard"``.
    calibration_scales_ : ndarray of shape (n_series, n_targets) or None
        Each series' scale: the in-sample mean absolute error of the seasonal
        naive forecast (of the log series for log ratios), as MASE scales.
    n_features_in_ : int
        Number of columns of X seen in ``fit``: series columns, or covariates.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X with string column names.
    n_targets_ : int
        Number of target series forecast together.
    y_ : ndarray of shape (n_steps, `n_targets_`)
        The target history forecasts continue from (grows with ``update``).
    index_ : pandas.Index or None
        Time index of ``y_`` when the data was pandas with a time axis.

    See Also
    --------
    RNNRegressor : The network it trains, for data already cut into windows.
    make_windows : Cut a series into (window, next values) samples yourself.

    Examples
    --------
    >>> from skrnn import SequenceForecaster
    >>> from skrnn.datasets import load_airline
    >>> y = load_airline()
    >>> fc = SequenceForecaster(window=12, horizon=3, log=True, differences=(12,),
    ...                         epochs=5, random_state=0).fit(y)
    >>> forecast = fc.predict()
    >>> forecast.index.astype(str).tolist()
    ['1961-01', '1961-02', '1961-03']
    """

    _parameter_constraints = {
        "window": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "season_length": [Interval(Integral, 1, None, closed="left"), None],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions({"auto", "recursive", "direct"})],
        "log": ["boolean", StrOptions({"auto"})],
        "differences": [tuple, list, StrOptions({"auto"})],
        "scale": ["boolean"],
        "normalize": [StrOptions({"auto", "standard", "level"})],
        "n_networks": [Interval(Integral, 1, None, closed="left")],
        "calibration": [StrOptions({"auto", "holdout", "backtest"}), None],
        "loss": [StrOptions(set(_LOSSES))],
        **constraints(SHARED_PARAMS),
    }

    def __init__(
        self,
        window="auto",
        horizon=1,
        *,
        season_length=None,
        strategy="auto",
        log="auto",
        differences="auto",
        scale=True,
        normalize="auto",
        n_networks=1,
        calibration="auto",
        cell="lstm",
        units=32,
        bidirectional=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        model=None,
        epochs=100,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        warm_start=False,
        distribution=None,
        random_state=None,
        verbose=0,
    ):
        self.window = window
        self.horizon = horizon
        self.season_length = season_length
        self.strategy = strategy
        self.log = log
        self.differences = differences
        self.scale = scale
        self.normalize = normalize
        self.n_networks = n_networks
        self.calibration = calibration
        self.cell = cell
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.model = model
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.distribution = distribution
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ validation
    def _check_differences(self):
        lags = tuple(self.differences)
        if not all(
            isinstance(lag, (Integral, np.integer)) and lag >= 1 for lag in lags
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

    # -------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the network on a series, or on a target series and its covariates.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_series)
            The series to forecast when ``y`` is None (numpy, pandas Series or
            DataFrame; a DatetimeIndex or PeriodIndex is kept). Otherwise the
            covariates, one row per step of ``y``.
        y : array-like of shape (n_steps,) or (n_steps, n_targets), default=None
            The target series, when X holds covariates.

        Returns
        -------
        self : SequenceForecaster
            The fitted forecaster.
        """
        reset = not (self.warm_start and hasattr(self, "model_"))
        est = self._scratch(reset)
        units = check_units(est)
        if y is None and is_panel(X):
            data, targets, groups = est._fit_panel(X, reset=reset, units=units)
        else:
            data, targets = est._fit_series(X, y, reset=reset, units=units)
            groups = getattr(data, "groups", None)
        models = (
            [None] * self.n_networks
            if reset
            else est.__dict__.get("models_", [est.model_])
        )
        results = [
            est._train(data, targets, groups, units, model=model, member=member)
            for member, model in enumerate(models)
        ]
        trained = [model for model, _ in results]
        est.histories_ = [
            _extended_history({} if reset else previous, result)
            for previous, (_, result) in zip(
                [{}] * len(results) if reset else est.histories_, results, strict=True
            )
        ]
        est.models_ = trained
        self._commit(est, trained[0], results[0][1], reset=reset)
        self._compiled_predictors()  # built now: predict leaves the estimator as is
        _intervals.calibrate(self)
        return self

    def _fit_series(self, X, y, *, reset, units):
        """Validate one series (and covariates); return its windows and targets."""
        if reset:
            self._fit_transforms(X, y)
        else:
            self._check_warm_start(units)
            if self._panel_kind is not None:
                raise ValueError(
                    "This forecaster was fitted on a panel of series; warm_start "
                    "continues it with a panel of the same series."
                )
        covariates, target, index = self._validate_observations(
            X, y, reset=reset, method="fit"
        )
        self.y_ = target
        self.X_ = covariates
        self.index_ = index
        if self.normalize_ == "level":
            data = self._level_windows([None], [target])
            return data, data.targets
        self._check_length(
            len(target),
            self.window_,
            self._network_steps,
            self.target_transform_.differences,
        )
        windows, next_values = self._training_windows(target, covariates)
        # The windows are a strided view of the series: a long series is streamed
        # to the network batch by batch, never copied whole.
        return Sequences(dense=windows), next_values

    def _fit_panel(self, X, *, reset, units):
        """Validate a panel; return the windows pooled from all series, and targets."""
        panel = read_panel(X, estimator=self, input_name="X")
        if reset:
            self._fit_layout(
                panel.values, panel.indexes[0], covariates=False, panel=True
            )
            self._panel_kind, self._panel_name = panel.kind, panel.name
            self._panel_levels = list(panel.level_names)
            self.series_ids_ = list(panel.ids)
        else:
            self._check_warm_start(units)
            if panel.ids != self.series_ids_:
                raise ValueError(
                    "warm_start continues a panel with the same series, in the same "
                    "order; got other series ids."
                )
        self.y_ = dict(zip(panel.ids, panel.values, strict=True))
        self.index_ = dict(zip(panel.ids, panel.indexes, strict=True))
        self.X_ = None
        if self.normalize_ == "level":
            self.target_transforms_ = [None] * len(panel.ids)
            data = self._level_windows(panel.ids, panel.values)
            return data, data.targets, data.groups
        lags = self.differences_
        for series_id, values in zip(panel.ids, panel.values, strict=True):
            try:
                self._check_length(len(values), self.window_, self._network_steps, lags)
            except ValueError as error:
                raise ValueError(f"Series {series_id!r}: {error}") from None
        if reset:
            self.target_transforms_ = [
                self._new_target_transform().fit(values) for values in panel.values
            ]
        inputs = [
            transform.transform(values).astype(np.float32)
            for transform, values in zip(
                self.target_transforms_, panel.values, strict=True
            )
        ]
        data = WindowSet(inputs, self.window_, self._network_steps)
        return data, data.targets(), data.series

    def _level_windows(self, series_ids, series):
        """The level-normalised training windows of positive series (and checks)."""
        arrays = [values[:, 0] for values in series]
        check_positive(series_ids, arrays)
        needed = self.window_ + 2 * self._network_steps
        for series_id, values in zip(series_ids, arrays, strict=True):
            if len(values) < needed:
                where = "" if series_id is None else f"Series {series_id!r}: "
                raise ValueError(
                    f"{where}normalize='level' needs at least {needed} steps "
                    f"(window={self.window_} + 2 x {self._network_steps}: training "
                    f"targets and the held-out last ones), but got {len(values)}."
                )
        return LevelWindows(
            arrays,
            self.window_,
            self._network_steps,
            self.season_length_,
            seed=self._seed,
        )

    def _train(self, data, targets, groups, units, *, model, member):
        """Build (when ``model`` is None) and train network number ``member``.

        Returns the network and the engine's result. Network ``member`` of an
        ensemble has its own seed, derived from ``random_state``.
        """
        seed = (self._seed + 7919 * member) % (2**31 - 1)
        level = isinstance(data, LevelWindows)
        loss = "absolute_error" if level and self.loss == "auto" else self.loss
        spec = _engine.NetworkSpec(
            input_shape=(None,) + data.sample_shape,
            n_outputs=targets.shape[1],
            output_activation=None,
            loss=_LOSSES[loss],
            seed=seed,
            cell=self.cell,
            units=units,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            distribution=self.distribution,
            builder=self.model,
        )
        reset = model is None
        model = _engine.build_model(spec) if reset else model
        config = _engine.TrainingConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            seed=int(seed + (0 if reset else self.n_iter_)),
            early_stopping=self.early_stopping,
            # The latest windows (of each series) are the honest hold-out; with
            # level windows, exactly each series' last one (fraction 0: one each).
            validation=_engine.ValidationSplit(
                0.0 if level else self.validation_fraction,
                shuffle=False,
                groups=groups,
            ),
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            group_batches=self.distribution is None,
        )
        weights = data.weights if level else None
        return model, _engine.train(model, data, targets, weights, config)

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
        first = targets[0]
        self.season_length_ = (
            int(self.season_length)
            if self.season_length is not None
            else infer_season_length(first[:, 0], index)
        )
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
                level_window(self.season_length_, shortest, self.horizon)
                if isinstance(self.window, str)
                else int(self.window)
            )
        else:
            self._fit_standard_layout(targets, shortest)
        self._with_covariates = covariates
        self._panel_kind = None
        self._seed = _backend.resolve_seed(self.random_state)
        self._architecture = architecture(self, check_units(self))
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

    def _check_warm_start(self, units):
        also = []
        if not isinstance(self.window, str) and int(self.window) != self.window_:
            also.append(f"window={self.window_!r}")
        if self.n_networks != len(self.__dict__.get("models_", [self.model_])):
            also.append("n_networks")
        if self.normalize not in ("auto", self.normalize_):
            also.append(f"normalize={self.normalize_!r}")
        self._refuse_changed_network(units, also)

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

    # ---------------------------------------------------------- forecasting
    def _forecast_many(self, histories, transforms, n_steps):
        """Forecast ``n_steps`` after each history, all series in one batch.

        Returns one ``(n_steps, n_targets)`` array per history, on its scale:
        the median of the forecasts of the networks of ``models_``.
        """
        if self.normalize_ == "level":
            layout = input_layout(self.window_, self.season_length_)
            series = [history[:, 0] for history in histories]
            forecasts = [
                level_forecast(
                    predictor,
                    series,
                    self.window_,
                    layout,
                    self._network_steps,
                    n_steps,
                )[..., np.newaxis]
                for predictor in self._compiled_predictors()
            ]
        else:
            forecasts = [
                self._standard_forecast(predictor, histories, transforms, n_steps)
                for predictor in self._compiled_predictors()
            ]
        return list(np.median(forecasts, axis=0))

    def _standard_forecast(self, predictor, histories, transforms, n_steps):
        """One network's forecasts of ``n_steps`` after each history, in one batch."""
        windows = np.stack(
            [
                transform.transform(history)[-self.window_ :]
                for history, transform in zip(histories, transforms, strict=True)
            ]
        ).astype(np.float32)
        blocks, done = [], 0
        while done < n_steps:
            block = predictor(windows).reshape(
                len(histories), self._network_steps, self.n_targets_
            )
            blocks.append(block.astype(np.float64))
            done += self._network_steps
            windows = np.concatenate([windows, block], axis=1)[:, -self.window_ :]
        future = np.concatenate(blocks, axis=1)[:, :n_steps]
        return np.stack(
            [
                transform.inverse(values, history)
                for values, transform, history in zip(
                    future, transforms, histories, strict=True
                )
            ]
        )

    def _forecast(self, n_steps, future_covariates=None):
        """Forecast ``n_steps`` steps after ``y_``; returns (n_steps, n_targets)."""
        target = self.y_
        if future_covariates is None:
            return self._forecast_many([target], [self.target_transform_], n_steps)[0]
        forecasts = [
            self._covariate_forecast(predictor, n_steps, future_covariates)
            for predictor in self._compiled_predictors()
        ]
        return np.median(forecasts, axis=0)

    def _covariate_forecast(self, predictor, n_steps, future_covariates):
        """One network's recursive forecast, fed the future covariates."""
        target = self.y_
        scaled = self._scale_covariates(future_covariates)
        known = np.concatenate([self.X_, future_covariates[:1]])
        inputs = self._network_inputs(target, known)
        window = inputs[-self.window_ :].astype(np.float32)
        step_out = self._network_steps
        forecasts = []
        while sum(len(block) for block in forecasts) < n_steps:
            block = predictor(window[np.newaxis]).astype(np.float64)
            block = block.reshape(step_out, self.n_targets_)
            forecasts.append(block)
            done = sum(len(b) for b in forecasts)
            if done >= n_steps:
                break
            block = np.hstack([block, scaled[done : done + 1]])
            window = np.concatenate([window, block])[-self.window_ :]
        future = np.concatenate(forecasts)[:n_steps]
        return self.target_transform_.inverse(future, target)

    def predict(self, X=None):
        """Forecast the steps after the data seen so far.

        Parameters
        ----------
        X : array-like of shape (n_future, n_covariates), default=None
            Future covariates, one row per step to forecast; only for forecasters
            fitted with covariates. Without covariates, leave it None.

        Returns
        -------
        forecast : ndarray or pandas object
            ``horizon`` steps (or ``len(X)`` with covariates), shaped like the
            fitted target: 1-D for a 1-D series, 2-D for several columns, a pandas
            Series/DataFrame whose index continues the series' time index.
        """
        check_is_fitted(self)
        if self._panel_kind is not None:
            if X is not None:
                raise ValueError(
                    "A forecaster fitted on a panel forecasts every series: call "
                    "predict() without X. To add new observations use update()."
                )
            return self._predict_panel(self.horizon)
        future_covariates = self._check_future_covariates(X)
        n_steps = self.horizon if future_covariates is None else len(future_covariates)
        values = self._forecast(n_steps, future_covariates)
        return self._wrap(values, continue_index(self.index_, n_steps))

    def predict_interval(self, X=None, coverage=0.95):
        """Prediction intervals of the forecast, from out-of-sample errors.

        Split conformal: the interval of step ``k`` is the forecast plus
        quantiles of the scaled out-of-sample errors of step ``k``
        (``calibration_scores_``) times the series' scale, so it widens with
        the step. Intervals continue from the data seen so far, after
        :meth:`update` too. See :ref:`forecast_intervals`.

        Parameters
        ----------
        X : None
            Kept for the signature of :meth:`predict`; forecasters with
            covariates have no intervals yet.
        coverage : float or list of float, default=0.95
            Share of future values each interval should contain.

        Returns
        -------
        intervals : pandas.DataFrame, or a panel of them
            Columns "lower" and "upper" (under a level per coverage when
            ``coverage`` is a list, and per column for a multi-column series),
            on the index of :meth:`predict` (positions for numpy data). For a
            panel, one such frame per series in the container of
            :meth:`predict`: dict, list, or a long frame indexed by (series,
            time).

        Raises
        ------
        ValueError
            If the forecaster holds no out-of-sample errors (fitted with
            ``calibration=None``, or on series too short for a backtest).

        Examples
        --------
        >>> from skrnn import SequenceForecaster
        >>> from skrnn.datasets import load_airline
        >>> fc = SequenceForecaster(horizon=3, epochs=3, random_state=0)
        >>> fc = fc.fit(load_airline())
        >>> fc.predict_interval(coverage=0.9).columns.tolist()
        ['lower', 'upper']
        """
        check_is_fitted(self)
        self._check_interval_input(X)
        coverages, many = _intervals.check_levels(coverage, "coverage", interval=True)
        columns = _intervals.interval_columns(
            coverages, many, _intervals.target_names(self)
        )
        return _intervals.predict_frames(
            self, _intervals.interval_levels(coverages), columns
        )

    def predict_quantiles(self, X=None, alpha=(0.05, 0.5, 0.95)):
        """Quantiles of the forecast, from out-of-sample errors.

        The same calibration as :meth:`predict_interval`: quantile ``a`` of
        step ``k`` is the forecast plus the ``a`` conformal quantile of the
        scaled errors of step ``k``, times the series' scale.

        Parameters
        ----------
        X : None
            Kept for the signature of :meth:`predict`.
        alpha : float or list of float, default=(0.05, 0.5, 0.95)
            Quantile levels, strictly between 0 and 1.

        Returns
        -------
        quantiles : pandas.DataFrame, or a panel of them
            One column per level (sorted), on the index of :meth:`predict`;
            for a panel, one frame per series in the container of
            :meth:`predict`.

        Examples
        --------
        >>> from skrnn import SequenceForecaster
        >>> from skrnn.datasets import load_airline
        >>> fc = SequenceForecaster(horizon=3, epochs=3, random_state=0)
        >>> fc = fc.fit(load_airline())
        >>> fc.predict_quantiles(alpha=[0.1, 0.9]).columns.tolist()
        [0.1, 0.9]
        """
        check_is_fitted(self)
        self._check_interval_input(X)
        levels, _ = _intervals.check_levels(alpha, "alpha", interval=False)
        columns = _intervals.quantile_columns(levels, _intervals.target_names(self))
        return _intervals.predict_frames(self, levels, columns)

    def _check_interval_input(self, X):
        if X is not None or self._with_covariates:
            raise ValueError(
                "Intervals forecast the series' own future: call them without X "
                "(forecasters with covariates have no intervals yet)."
            )

    def _predict_panel(self, n_steps):
        ids = self.series_ids_
        histories = [self.y_[series_id] for series_id in ids]
        forecasts = self._forecast_many(histories, self.target_transforms_, n_steps)
        indexes = [continue_index(self.index_[series_id], n_steps) for series_id in ids]
        return panel_like(
            self._panel_description(), [f[:, 0] for f in forecasts], indexes
        )

    def _panel_description(self):
        return Panel(
            self.series_ids_,
            None,
            None,
            self._panel_kind,
            self._panel_name,
            tuple(self._panel_levels),
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

    # --------------------------------------------------------------- update
    def update(self, X, y=None):
        """Append new observations to the history forecasts start from; no refit.

        Parameters
        ----------
        X : array-like
            The new values of the series (shaped like the fitted series), or the
            new covariates when the forecaster was fitted with them.
        y : array-like, default=None
            The new target values, with covariates.

        Returns
        -------
        self : SequenceForecaster
        """
        check_is_fitted(self)
        if self._panel_kind is not None:
            return self._update_panel(X, y)
        covariates, target, index = self._validate_observations(
            X, y, reset=False, method="update"
        )
        new_index = _extended_index(self.index_, index, len(target))
        # Validated in full above: from here on nothing can fail half-way.
        self.index_ = new_index
        self.y_ = np.concatenate([self.y_, target])
        if self._with_covariates:
            self.X_ = np.concatenate([self.X_, covariates])
        return self

    def _update_panel(self, X, y):
        panel = self._read_fitted_panel(X, y, "update(new) with new observations of")
        # Validate every series first: a failed update changes nothing.
        indexes = [
            _extended_index(self.index_[series_id], index, len(values))
            for series_id, values, index in zip(
                panel.ids, panel.values, panel.indexes, strict=True
            )
        ]
        for series_id, values, index in zip(
            panel.ids, panel.values, indexes, strict=True
        ):
            self.y_[series_id] = np.concatenate([self.y_[series_id], values])
            self.index_[series_id] = index
        return self

    def _read_fitted_panel(self, X, y, call):
        """New data of some or all of the fitted series, validated, as a Panel."""
        if y is not None or not is_panel(X):
            raise ValueError(
                f"This forecaster was fitted on a panel: call {call} some or all of "
                "its series, in a panel container."
            )
        panel = read_panel(X, estimator=self, input_name="X")
        self._check_panel_ids(panel.ids)
        return panel

    def _check_panel_ids(self, ids):
        unknown = [series_id for series_id in ids if series_id not in self.y_]
        if unknown:
            raise ValueError(
                f"The panel names series the forecaster was not fitted on: {unknown!r}."
            )

    # ---------------------------------------------------------------- score
    def score(self, X, y=None, sample_weight=None):
        """R^2 of the forecast of the steps that follow the data seen so far.

        For backtesting with ``GridSearchCV(..., cv=TimeSeriesSplit())``: each
        fold fits on a stretch of the series and scores the forecast of the
        stretch that follows.

        Parameters
        ----------
        X : array-like
            The actual values that follow the fitted series; or, with
            covariates, the covariates of the following steps.
        y : array-like, default=None
            The actual target values, with covariates.
        sample_weight : array-like of shape (n_steps,), default=None
            Weights of the steps in the R^2.

        Returns
        -------
        score : float
            Coefficient of determination of the forecast.
        """
        check_is_fitted(self)
        if self._panel_kind is not None:
            return self._score_panel(X, y, sample_weight)
        covariates, actual, index = self._validate_observations(
            X, y, reset=False, method="score"
        )
        if covariates is not None:
            forecast = self._forecast(len(actual), covariates)
        else:
            gap = steps_after(self.index_, index)
            forecast = self._forecast(gap + len(actual))[gap:]
        return r2_score(actual, forecast, sample_weight=sample_weight)

    def _score_panel(self, X, y, sample_weight):
        if sample_weight is not None:
            raise ValueError("score on a panel takes no sample_weight.")
        panel = self._read_fitted_panel(
            X, y, "score(actual) with the values that follow"
        )
        gaps = [
            steps_after(self.index_[series_id], index)
            for series_id, index in zip(panel.ids, panel.indexes, strict=True)
        ]
        n_steps = max(
            gap + len(values) for gap, values in zip(gaps, panel.values, strict=True)
        )
        forecasts = self._forecast_many(
            [self.y_[series_id] for series_id in panel.ids],
            [self.target_transforms_[self.series_ids_.index(i)] for i in panel.ids],
            n_steps,
        )
        scores = [
            r2_score(values, forecast[gap : gap + len(values)])
            for values, forecast, gap in zip(panel.values, forecasts, gaps, strict=True)
        ]
        return float(np.mean(scores))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = True
        # Forecasts continue the training series, so the checks' "predict the
        # training rows" tasks are not forecasting problems.
        tags.regressor_tags.poor_score = True
        return tags


def _extended_history(history, result):
    """A network's ``history`` with the epochs of the engine's ``result`` added."""
    history = {name: list(values) for name, values in history.items()}
    for name, values in result.history.items():
        history.setdefault(name, []).extend(values)
    return history


def _extended_index(index, new_index, n_new):
    """The time index of a history after ``n_new`` observations are appended."""
    if index is None:
        return None
    if new_index is None:  # plain values: the steps right after the history
        new_index = continue_index(index, n_new)
    elif steps_after(index, new_index) != 0:
        raise ValueError(
            f"update() needs the steps right after {index[-1]}; the new data starts "
            f"at {new_index[0]}."
        )
    extended = index.append(new_index)
    if not isinstance(extended, pd.PeriodIndex):
        extended = pd.DatetimeIndex(extended, freq=index.freq)
    return extended


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
