"""SequenceForecaster: fit a series, forecast its future, update, backtest."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _engine, _intervals
from ._forecast_intervals import ForecastIntervalsMixin
from ._forecast_io import ForecastIOMixin
from ._forecast_layout import ForecastLayoutMixin
from ._forecast_panel import PanelForecastMixin
from ._inputs import Sequences
from ._level import LevelWindows, input_layout, level_forecast
from ._model_state import KerasModelMixin
from ._panel import is_panel
from ._params import SHARED_PARAMS, Count, constraints
from ._recipes import LOSSES
from ._series import continue_index, extended_index, steps_after


class SequenceForecaster(
    PanelForecastMixin,
    ForecastIntervalsMixin,
    ForecastLayoutMixin,
    ForecastIOMixin,
    KerasModelMixin,
    RegressorMixin,
    BaseEstimator,
):
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
        no lag stands out): for a level-normalised panel, the mean
        autocorrelation over its series (M4 Weekly: 52), else the first
        series'.
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
        "auto" ``window`` is 7 seasons, at most 210 values (hourly 168,
        weekly 208), shortened to fit the median series; a shorter series is
        extended back with its first value and trains on its own targets.
        "auto": "level" for a panel of positive series, else "standard".
    n_networks : int or "auto", default="auto"
        Networks trained (seeds derived from ``random_state``); the forecast is
        the median of theirs, on the original scale. Fitting and forecasting
        cost ``n_networks`` times as much. On M4 Hourly (``normalize="level"``)
        the median of 5 scored sMAPE 10.17 / MASE 0.809 against 10.42 / 0.850
        for one network (``benchmarks/bench_m4.py``). "auto": see
        below.
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
    cell, units, bidirectional, epochs, batch_size, learning_rate, \
early_stopping, n_iter_no_change : "auto" or as in :class:`RNNRegressor`, \
default="auto"
        Network and training parameters. "auto" takes the recipe of the
        normalisation (``normalize_``), recorded in ``training_params_``.
        As in :class:`RNNRegressor`, naming ``cell`` or ``units`` (or passing
        ``model``) builds that network alone: ``n_networks`` and
        ``bidirectional`` left at "auto" become 1 and False, while the
        training parameters still follow the recipe.

        ====================  ==========  ====================================
        parameter             "standard"  "level" (a panel of positive series)
        ====================  ==========  ====================================
        ``cell``              "lstm"      "gru"
        ``units``             32          128
        ``bidirectional``     False       False
        ``n_networks``        1           5 (1 for a named network)
        ``epochs``            100         40
        ``batch_size``        32          256
        ``learning_rate``     1e-3        3e-3
        ``early_stopping``    False       True (each series' last window)
        ``n_iter_no_change``  10          8
        ====================  ==========  ====================================

        The "level" recipe was chosen on the M4 Hourly training series
        (``benchmarks/research/m4_research.md``); on 414 hourly series it fits
        in about 7 minutes on 2 cores. Set any of them to override the recipe.
    dropout, recurrent_dropout, model, optimizer, loss, \
validation_fraction, warm_start, distribution, random_state, verbose :
        Network and training parameters, as in :class:`RNNRegressor`. Early
        stopping holds out the latest windows. With ``warm_start=True`` a fitted
        forecaster's ``fit`` continues training its network on the windows of
        the new series, with the transforms fitted the first time. (The
        sequence-input parameters of :class:`RNNRegressor` -- ``mask_value``,
        ``embedding_dim``, ``return_sequences``, ``tbptt_steps``,
        ``scale_inputs``, ``max_steps``, ``conv_filters``,
        ``conv_kernel_size``, ``pooling``, ``lr_schedule`` -- do not apply:
        the forecaster cuts its own equal-length numeric windows of
        ``window_`` steps and scales them with ``scale`` or ``normalize``.)

    Attributes
    ----------
    model_ : keras.Model
        The network trained on the windows (the first of ``models_``).
    models_ : list of keras.Model
        The ``n_networks`` networks whose forecasts are combined.
    normalize_ : str
        "standard" or "level": ``normalize`` with "auto" resolved.
    training_params_ : dict
        The network and training parameters used (``cell``, ``units``,
        ``epochs``, ``batch_size``, ``learning_rate``, ``early_stopping``,
        ``n_iter_no_change``, ``n_networks``), "auto" resolved.
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
        "window": [Count(1), StrOptions({"auto"})],
        "season_length": [Count(1), None],
        "horizon": [Count(1)],
        "strategy": [StrOptions({"auto", "recursive", "direct"})],
        "log": ["boolean", StrOptions({"auto"})],
        "differences": [tuple, list, StrOptions({"auto"})],
        "scale": ["boolean"],
        "normalize": [StrOptions({"auto", "standard", "level"})],
        "calibration": [StrOptions({"auto", "holdout", "backtest"}), None],
        "loss": [StrOptions(set(LOSSES))],
        **constraints(SHARED_PARAMS, estimator="SequenceForecaster"),
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
        n_networks="auto",
        calibration="auto",
        cell="auto",
        units="auto",
        bidirectional="auto",
        dropout=0.0,
        recurrent_dropout=0.0,
        model=None,
        epochs="auto",
        batch_size="auto",
        optimizer="adam",
        learning_rate="auto",
        loss="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
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
        if y is None and is_panel(X):
            data, targets, groups = est._fit_panel(X, reset=reset)
        else:
            data, targets = est._fit_series(X, y, reset=reset)
            groups = getattr(data, "groups", None)
        # Decided, and an impossible explicit choice refused, before training.
        calibration = _intervals.plan_calibration(est)
        models = (
            [None] * est.training_params_["n_networks"]
            if reset
            else est.__dict__.get("models_", [est.model_])
        )
        results = [
            est._train(data, targets, groups, model=model, member=member)
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
        _intervals.calibrate(self, calibration)
        return self

    def _fit_series(self, X, y, *, reset):
        """Validate one series (and covariates); return its windows and targets."""
        if reset:
            self._fit_transforms(X, y)
        else:
            self._check_warm_start()
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

    def _train(self, data, targets, groups, *, model, member):
        """Build (when ``model`` is None) and train network number ``member``.

        Returns the network and the engine's result. Network ``member`` of an
        ensemble has its own seed, derived from ``random_state``.
        """
        seed = (self._seed + 7919 * member) % (2**31 - 1)
        training = self.training_params_
        level = isinstance(data, LevelWindows)
        loss = "absolute_error" if level and self.loss == "auto" else self.loss
        spec = _engine.NetworkSpec(
            input_shape=(None,) + data.sample_shape,
            n_outputs=targets.shape[1],
            output_activation=None,
            loss=LOSSES[loss],
            seed=seed,
            cell=training["cell"],
            units=training["units"],
            bidirectional=training["bidirectional"],
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            optimizer=self.optimizer,
            learning_rate=training["learning_rate"],
            distribution=self.distribution,
            builder=self.model,
        )
        reset = model is None
        model = _engine.build_model(spec) if reset else model
        config = _engine.TrainingConfig(
            epochs=training["epochs"],
            batch_size=training["batch_size"],
            seed=int(seed + (0 if reset else self.n_iter_)),
            early_stopping=training["early_stopping"],
            # The latest windows (of each series) are the honest hold-out; with
            # level windows, exactly each series' last one (fraction 0: one each).
            validation=_engine.ValidationSplit(
                0.0 if level else self.validation_fraction,
                shuffle=False,
                groups=groups,
            ),
            n_iter_no_change=training["n_iter_no_change"],
            verbose=self.verbose,
            group_batches=self.distribution is None,
        )
        weights = data.weights if level else None
        return model, _engine.train(model, data, targets, weights, config)

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
                # Only the tail a window needs: a whole long history per origin
                # would hold n_origins transformed copies of the series at once.
                transform.transform(history[-(self.window_ + transform.n_lost) :])
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
        new_index = extended_index(self.index_, index, len(target))
        # Validated in full above: from here on nothing can fail half-way.
        self.index_ = new_index
        self.y_ = np.concatenate([self.y_, target])
        if self._with_covariates:
            self.X_ = np.concatenate([self.X_, covariates])
        return self

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
