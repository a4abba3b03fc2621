"""SequenceForecaster: fit a series or a panel, forecast its future, update, backtest.

``fit`` goes one way, through the stages of :mod:`skrnn._forecasting`: resolve
the training parameters from the estimator's parameters (``plan``), read the
data as values (``data``), resolve the plan (``plan``), fit the normalisation
and cut its training windows (``normalizations``), train the networks
(``training``), calibrate the intervals (``calibration``), and only then set
the fitted attributes, at once.
"""

import dataclasses
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted

from ._conformal import (
    EXTRAPOLATED_BETA,
    bounds,
    check_levels,
    conformal_offsets,
    interval_columns,
    interval_levels,
    quantile_columns,
)
from ._forecasting.calibration import calibrate, plan_calibration
from ._forecasting.covariate_data import (
    check_future_times,
    predict_covariates,
    score_covariates,
)
from ._forecasting.covariates import (
    check_static_again,
    covariate_rows,
    with_calendar_columns,
)
from ._forecasting.data import Container, FittedData, read_observations
from ._forecasting.history import (
    appended_history,
    history_attributes,
    shared_history_indexes,
)
from ._forecasting.normalizations import normalization_for, normalization_of
from ._forecasting.output import forecasts_like, frames_like, future_indexes
from ._forecasting.plan import (
    ForecastPlan,
    continued_plan,
    resolve_plan,
    resolve_training,
)
from ._forecasting.series import for_series, steps_after
from ._forecasting.source_forecasts import predict_source
from ._forecasting.sources import is_source
from ._forecasting.training import (
    ensemble_forecast,
    extended_histories,
    predictors_of,
    release_windows,
    train_networks,
)
from ._forecasting.value_store import VALUE_STORES, store_kind, value_store
from ._model_state import KerasModelMixin
from ._params import SHARED_PARAMS, Count, constraints
from ._recipes import LOSSES

# What the fitted networks were trained for (the plan and the networks'
# shape): changed after fit, forecasts would not follow them.
_PLAN_PARAMS = (
    "normalize",
    "season_length",
    "strategy",
    "log",
    "differences",
    "scale",
    "window",
    "cell",
    "units",
    "bidirectional",
    "n_networks",
    "calendar_features",
    "past_covariates",
    "model",
)
# ... and what a warm start cannot change in the training it continues.
_WARM_PARAMS = (
    *_PLAN_PARAMS,
    "loss",
    "optimizer",
    "dropout",
    "recurrent_dropout",
)


def _holds_no_rows(data):
    """Whether new observations hold no row at all: an empty array, Series or
    frame, or a dict or list of such (a panel source is never taken as empty)."""
    if isinstance(data, dict):
        return len(data) > 0 and all(_holds_no_rows(item) for item in data.values())
    if isinstance(data, list) and data and not np.isscalar(data[0]):
        return all(_holds_no_rows(item) for item in data)
    if isinstance(data, (np.ndarray, pd.Series, pd.DataFrame, list)):
        return len(data) == 0
    return False


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
        no lag stands out): for a level-normalised panel, the mean
        autocorrelation over its series (M4 Weekly: 52), else the first
        series'.
    strategy : {"auto", "recursive", "direct"}, default="auto"
        "recursive" trains a one-step network and feeds its forecasts back in;
        "direct" (MIMO) trains a network with ``horizon`` outputs that forecasts
        the whole horizon at once (its errors do not compound; with
        covariates it reads the known-future covariates of the steps it
        forecasts after its window). "auto" is "direct". A direct
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
    past_covariates : list of str or int, default=None
        The columns of the covariates ``X`` (names of a DataFrame's columns, or
        positions of an array's) observed only up to the forecast origin
        (temperatures, footfall): the network reads them in the window, never
        at the steps it forecasts, and ``predict`` needs none of them. Every
        other column of ``X`` is known in advance (prices, promotions) and
        ``predict(X=future)`` takes its future values. Needs the direct
        strategy. In a long frame of the target and covariate columns
        (``fit(frame)``, see ``target_col``) they name its columns alike.
        Static covariates, one row per series, are passed to
        ``fit(..., static=frame)``. See :ref:`forecast_covariates`.
    calendar_features : "auto", list of str or None, default=None
        Known-future covariates computed from a ``DatetimeIndex`` or
        ``PeriodIndex``: the sine and cosine of "hour" (of the day),
        "dayofweek", "dayofmonth", "month" and "quarter". "auto" picks them
        from the step: hour and day of week for hourly data, day of week and
        month for daily, month for weekly and monthly, quarter for quarterly
        (none for yearly). Recorded in ``calendar_features_``; ``predict``
        computes those of the future steps from the continued index.
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
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        The series id, time and value columns of a panel in long format read
        from Parquet (a file or folder path), a ``pyarrow.dataset.Dataset`` or
        a dask DataFrame, the long format of other forecasting tools. Such a
        panel is read record batch by record batch (partition by partition),
        and results come back in the same format, the columns named alike
        (:meth:`predict`); other columns are refused. A pandas long Series
        carries the same three as its index levels and its name instead. A
        pandas long DataFrame of several columns holds the target, the
        column ``target_col``, and covariates, every other column
        (known-future unless in ``past_covariates``): ``fit(frame)`` is
        ``fit(frame.drop(columns=target_col), frame[target_col])``, and
        ``update``/``score`` take such a frame too (see
        :ref:`forecast_covariates`; sources: :ref:`large_panels`).
    value_store : {"memory", "disk"}, default="memory"
        Where the values of a panel read from Parquet, a
        ``pyarrow.dataset.Dataset`` or a dask DataFrame are held. "memory":
        arrays in memory. "disk": written chunk by chunk, as they are read, to
        temporary files (in ``tempfile.gettempdir()``, set by ``TMPDIR``) and
        read back as read-only memory-mapped arrays, which the operating
        system pages in as training reads them and out again under memory
        pressure, so a panel whose values do not fit in memory can be fitted;
        the files are unlinked once mapped. The same forecasts either way.
        Other inputs (dicts, pandas) are already in memory and are not
        copied to disk. With ``distribution="multi_worker"``, "disk" also
        has each worker read its own shard of the source into a folder the
        workers share (see :ref:`multi_worker`).
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
        (``research/m4_research.md``); on 414 hourly series it fits
        in about 7 minutes on 2 cores. Set any of them to override the recipe.
    dropout, recurrent_dropout, model, optimizer, loss, \
validation_fraction, warm_start, distribution, random_state, verbose :
        Network and training parameters, as in :class:`RNNRegressor`. Early
        stopping holds out the latest windows. With ``warm_start=True`` a fitted
        forecaster's ``fit`` continues training its network on the windows of
        the new series, with the transforms fitted the first time. With
        ``verbose=1`` each network of the ensemble (and of a backtest) prints
        its epochs' lines and a line of its own when it is done, the time
        left counting the networks still to train. (The
        sequence-input parameters of :class:`RNNRegressor` -- ``mask_value``,
        ``embedding_dim``, ``return_sequences``, ``tbptt_steps``,
        ``scale_inputs``, ``max_steps``, ``conv_filters``,
        ``conv_kernel_size``, ``pooling``, ``random_shift``,
        ``predict_shifts``, ``lr_schedule`` -- do not apply:
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
        ``log_`` series with ``normalize="standard"``. Held as float32. At
        most 200,000 origins: a larger panel keeps that many, drawn at random
        with the fit's seed (the intervals read quantiles of the errors
        pooled over the series).
    calibration_scales_ : ndarray of shape (n_series, n_targets) or None
        Each series' scale: the in-sample mean absolute error of the seasonal
        naive forecast (of the log series for log ratios), as MASE scales.
    n_features_in_ : int
        Number of columns of X seen in ``fit``: series columns, or covariates.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X with string column names.
    n_targets_ : int
        Number of target series forecast together.
    y_ : ndarray of shape (n_steps, `n_targets_`), or dict of them
        The target history forecasts continue from (grows with ``update``);
        for a panel, one per series id.
    index_ : pandas.Index or None, or dict of them
        Index of ``y_`` when the data was pandas with a time axis (a
        DatetimeIndex, PeriodIndex, or an evenly spaced integer index such as
        pandas' RangeIndex); forecasts continue it. For a panel, one per id.
    series_ids_ : list
        The ids of a panel's series, in the order they came (panels only).
    target_transforms_ : list of TargetTransform or None
        The fitted log / differences / scaling of each series
        (``normalize_="standard"``); None for ``normalize_="level"``.
    covariate_scaler_ : StandardScaler or None
        The covariates' scaler (with covariates and ``scale=True``), fitted on
        the training steps of every series.
    static_encoder_ : StaticEncoder or None
        The static covariates' encoding (fitted with ``fit(..., static=...)``):
        numeric columns standardised, others one-hot encoded.
    calendar_features_ : list of str or None
        The calendar features computed from the index (``calendar_features``
        resolved); None without covariates.

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
        "past_covariates": [list, tuple, None],
        "calendar_features": [StrOptions({"auto"}), list, tuple, None],
        "calibration": [StrOptions({"auto", "holdout", "backtest"}), None],
        "id_col": [str],
        "time_col": [str],
        "target_col": [str],
        "value_store": [StrOptions(set(VALUE_STORES))],
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
        past_covariates=None,
        calendar_features=None,
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
        id_col="unique_id",
        time_col="ds",
        target_col="y",
        value_store="memory",
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
        self.past_covariates = past_covariates
        self.calendar_features = calendar_features
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
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col
        self.value_store = value_store

    _fitted_private_attributes = (
        "_fitted_params",
        "_seed",
        "_network_steps",
        "_with_covariates",
        "_calibration_note",
        "_container",
        "_covariates",
        "_static_inputs",
    )

    # -------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, static=None):
        """Fit the network on a series, or on a target series and its covariates.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_series), or a panel
            The series to forecast when ``y`` is None (numpy, pandas Series or
            DataFrame; a DatetimeIndex or PeriodIndex is kept). Otherwise the
            covariates, one row per step of ``y``, in the container of ``y``
            (for a panel: a dict of DataFrames keyed by the same ids, a list,
            or a long frame indexed by (series id, time)). A long frame of
            several columns without ``y`` holds both: the target is its
            column ``target_col``, every other column a covariate.
        y : array-like of shape (n_steps,) or (n_steps, n_targets), or a panel, default=None
            The target series, when X holds covariates.
        static : pandas.DataFrame, default=None
            Static covariates: one row per series, indexed by series id (for
            one series, one row). Numeric columns are standardised, others
            (strings, categories, booleans) one-hot encoded.

        Returns
        -------
        self : SequenceForecaster
            The fitted forecaster.
        """
        warm = self.warm_start and hasattr(self, "model_")
        if warm:
            self._refuse_changed(_WARM_PARAMS, "warm")
        params = self.get_params(deep=False)
        training = resolve_training(params, estimator=self)
        observations = read_observations(
            X,
            y,
            estimator=self,
            fitted=self._fitted_data() if warm else None,
            static=static,
        )
        restart_rate = None
        if warm:
            fitted_plan = ForecastPlan.of(self)
            plan = continued_plan(
                fitted_plan, params, observations, training, estimator=self
            )
            if plan.training["learning_rate"] != fitted_plan.training["learning_rate"]:
                restart_rate = float(plan.training["learning_rate"])
            normalization = normalization_of(plan, self.__dict__)
            check_static_again(
                self.__dict__.get("static_encoder_"),
                self.__dict__.get("_static_inputs"),
                observations.static,
            )
            features = {
                name: self.__dict__[name]
                for name in ("n_features_in_", "feature_names_in_")
                if name in self.__dict__
            }
        else:
            plan = resolve_plan(params, observations, training, estimator=self)
            features = observations.features
        # The series forecasts continue from, with X's columns as given (before
        # the calendar's are added), kept for predict and update.
        history = history_attributes(observations)
        observations = with_calendar_columns(observations, plan.covariates)
        if not warm:
            normalization = normalization_for(plan, observations)
        histories = observations.targets
        calibration = plan_calibration(self.calibration, plan, histories, self.horizon)
        windows = normalization.windows(observations)
        members = train_networks(
            plan,
            params,
            windows,
            self.models_ if warm else None,
            self.n_iter_ if warm else 0,
            restart_rate=restart_rate,
        )
        n_windows = len(windows)
        del windows
        release_windows(n_windows)
        models = [model for model, _ in members]
        predictors = predictors_of(models)

        def backtest(shorter):  # the same plan, trained on shorter series
            past = dataclasses.replace(
                observations,
                targets=shorter,
                covariates=None
                if observations.covariates is None
                else [
                    c[: len(s)]
                    for c, s in zip(observations.covariates, shorter, strict=True)
                ],
            )
            again = normalization_for(plan, past)
            trained = train_networks(
                plan, params, again.windows(past), label="backtest network"
            )
            return ensemble_forecast(again, predictors_of(m for m, _ in trained))

        calibrated = calibrate(
            plan,
            calibration,
            histories,
            forecast=ensemble_forecast(normalization, predictors),
            fit=backtest,
            horizon=self.horizon,
            log=normalization.error_space[0],
            covariates=observations.covariates,
        )
        # Everything is computed: only now does the estimator change, at once.
        histories_ = extended_histories(self.histories_ if warm else None, members)
        state = {
            **features,
            **plan.attributes(),
            **normalization.attributes(),
            **calibrated.attributes(),
            **history,
            "models_": models,
            "model_": models[0],
            "histories_": histories_,
            "history_": histories_[0],
            "n_iter_": (self.n_iter_ if warm else 0) + members[0][1].n_epochs,
            "_container": observations.container.to_dict(),
            # A forecaster fitted before they were recorded has none to keep.
            "_fitted_params": self.__dict__.get("_fitted_params")
            if warm
            else self._params_of(_WARM_PARAMS),
            "_predictor": predictors[0],
            "_predictors": predictors,
        }
        self._replace_fitted_state(state)
        interrupted = [result for _, result in members if result.interrupted]
        if interrupted:
            warnings.warn(
                f"Training was interrupted; {type(self).__name__} keeps the networks "
                "as of their last completed epoch.",
                UserWarning,
                stacklevel=2,
            )
        return self

    # ------------------------------------------------------- fitted state
    def __setstate__(self, state):
        super().__setstate__(state)
        self._after_load()

    def _after_load(self):
        """Share the time indexes a pickle or a file rebuilt one per series
        (a panel's series then hold one set of stamps per time step)."""
        if "index_" in self.__dict__:
            self.index_ = shared_history_indexes(self.index_)

    def _data_container(self):
        return Container.from_dict(self._container)

    def _fitted_data(self):
        container = self._data_container()
        return FittedData(
            container,
            list(self.series_ids_) if container.is_panel else [None],
            self.n_targets_,
            self._with_covariates,
        )

    def _histories(self):
        """``(ids, histories, indexes)`` of the series forecasts continue."""
        if self._data_container().is_panel:
            ids = list(self.series_ids_)
            return ids, [self.y_[i] for i in ids], [self.index_[i] for i in ids]
        return [None], [self.y_], [self.index_]

    def _loss_meaning(self, loss):
        # "auto" is the absolute error on level windows (skrnn._forecasting.training).
        if loss == "auto" and ForecastPlan.of(self).normalize == "level":
            loss = "absolute_error"
        return LOSSES.get(loss, loss)

    def _resolved_params(self):
        plan = ForecastPlan.of(self)
        return {
            **self.training_params_,
            "normalize": plan.normalize,
            "season_length": plan.season_length,
            "strategy": plan.strategy,
            "log": plan.log,
            "differences": plan.differences,
            "window": plan.window,
        }

    def _forecast(self, histories, positions, n_steps, covariates=None):
        self._refuse_changed(_PLAN_PARAMS, "predict")
        normalization = normalization_of(ForecastPlan.of(self), self.__dict__)
        forecast = ensemble_forecast(normalization, self._compiled_predictors())
        return forecast(histories, positions, n_steps, covariates)

    # ---------------------------------------------------------- forecasting
    def predict(self, X=None):
        """Forecast the steps after the data seen so far.

        Parameters
        ----------
        X : array-like of shape (n_future, n_covariates), or a panel, default=None
            Future known covariates, one row per step to forecast (the columns
            of ``X`` in ``fit`` not named in ``past_covariates``), in the
            container of the fitted data (for a panel, every fitted series, the
            same number of steps each); only for forecasters fitted with
            known-future covariates. Without covariates, leave it None -- or pass
            a panel in long format (a Parquet path, a ``pyarrow.dataset.Dataset``
            or a dask DataFrame with ``id_col``, ``time_col``, ``target_col``)
            to forecast the ``horizon`` steps after each of its series' last
            time from the values it holds (series the forecaster was fitted
            on; the forecaster is not changed). A dask DataFrame is forecast
            partition by partition (each series within one partition) into a
            dask DataFrame; the other sources into a pandas DataFrame, which
            ``.to_parquet(path, index=False)`` writes in the same format.

        Returns
        -------
        forecast : ndarray, pandas object, or a panel of them
            ``horizon`` steps (or ``len(X)`` with covariates), in the container
            of the fitted data: 1-D for a 1-D series, 2-D for several columns, a
            pandas Series/DataFrame whose index continues the series' index (a
            DatetimeIndex, PeriodIndex or evenly spaced integer index; else
            positions counted on from the series' length, and ``fit`` warns
            about an integer index with uneven steps); for a panel, a dict,
            list or long Series of such forecasts; for a panel read from
            Parquet, Arrow or dask, a long DataFrame (dask for dask) with the
            columns ``id_col``, ``time_col``, ``target_col``.
        """
        check_is_fitted(self)
        if is_source(X):
            return self._predict_source(X)
        ids, histories, indexes = self._histories()
        n_steps, known = self._future_covariates(X, ids, histories, indexes)
        forecasts = self._forecast(histories, range(len(ids)), n_steps, known)
        future = future_indexes(indexes, map(len, histories), n_steps)
        return forecasts_like(self._data_container(), ids, forecasts, future)

    def _predict_source(self, X):
        """Forecasts after the series of a panel source (see :meth:`predict`)."""
        plan = ForecastPlan.of(self)
        if not self._data_container().is_panel or plan.covariates is not None:
            raise ValueError(
                "predict(X) with a panel from Parquet, Arrow or dask forecasts the "
                "series of a forecaster fitted on a panel without covariates."
            )
        self._check_horizon()
        ids, _, indexes = self._histories()
        return predict_source(
            X,
            self._forecast,
            series_ids=ids,
            indexes=indexes,
            plan=plan,
            horizon=self.horizon,
            fitted=self._fitted_data(),
            estimator=self,
        )

    def _check_horizon(self):
        """``horizon`` may change after fit: checked where it is read, alone
        (2 us; all the parameters' checks took 100 us of every predict)."""
        validate_parameter_constraints(
            {"horizon": self._parameter_constraints["horizon"]},
            {"horizon": self.horizon},
            caller_name=type(self).__name__,
        )

    def _future_covariates(self, X, ids, histories, indexes):
        """``(n_steps, covariates)``: the steps to forecast and each series'
        covariates of its history and of those steps (None without any)."""
        self._check_horizon()
        spec = ForecastPlan.of(self).covariates
        container = self._data_container()
        n_steps, future = predict_covariates(
            X,
            spec,
            ids,
            container.kind if container.is_panel else None,
            horizon=self.horizon,
            estimator=self,
        )
        if future is None:
            return n_steps, None
        if X is not None:
            check_future_times(
                X,
                ids,
                container.kind if container.is_panel else None,
                future_indexes(indexes, map(len, histories), n_steps),
            )
        seen = self._seen_covariates()
        return n_steps, covariate_rows(spec, histories, indexes, future, seen)

    def _seen_covariates(self):
        """The covariates of the series' seen steps, in the order of ``_histories``."""
        ids, _, _ = self._histories()
        if self.X_ is None:
            return [None] * len(ids)
        if self._data_container().is_panel:
            return [self.X_[i] for i in ids]
        return [self.X_]

    def predict_interval(self, X=None, coverage=0.95):
        """Prediction intervals of the forecast, from out-of-sample errors.

        Split conformal: the interval of step ``k`` is the forecast plus
        quantiles of the scaled out-of-sample errors of step ``k``
        (``calibration_scores_``) times the series' scale, so it widens with
        the step. Intervals continue from the data seen so far, after
        :meth:`update` too. See :ref:`forecast_intervals`.

        Parameters
        ----------
        X : as in :meth:`predict`, default=None
            The future known covariates, for a forecaster fitted with them
            (the intervals cover ``horizon`` steps: X's first rows).
        coverage : float or list of float, default=0.95
            Share of future values each interval should contain.

        Returns
        -------
        intervals : pandas.DataFrame, or a panel of them
            Columns "lower" and "upper" (under a level per coverage when
            ``coverage`` is a list, and per column for a multi-column series),
            on the index of :meth:`predict` (for numpy data, positions counted
            on from the series' length). For a
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
        coverages, many = check_levels(coverage, "coverage", interval=True)
        columns = interval_columns(coverages, many, self._target_names())
        return self._quantile_frames(interval_levels(coverages), columns, X)

    def predict_quantiles(self, X=None, alpha=(0.05, 0.5, 0.95)):
        """Quantiles of the forecast, from out-of-sample errors.

        The same calibration as :meth:`predict_interval`: quantile ``a`` of
        step ``k`` is the forecast plus the ``a`` conformal quantile of the
        scaled errors of step ``k``, times the series' scale.

        Parameters
        ----------
        X : as in :meth:`predict`, default=None
            The future known covariates, for a forecaster fitted with them.
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
        levels, _ = check_levels(alpha, "alpha", interval=False)
        columns = quantile_columns(levels, self._target_names())
        return self._quantile_frames(levels, columns, X)

    def _target_names(self):
        columns = self._data_container().columns
        return list(range(self.n_targets_)) if columns is None else list(columns)

    def _quantile_frames(self, levels, columns_of, X=None):
        """Forecast quantiles, one frame per series, in the fitted container."""
        if self.calibration_scores_ is None:
            raise ValueError(
                f"This {type(self).__name__} holds no out-of-sample errors to "
                f"calibrate intervals on: {self._calibration_note}. Fit it with "
                "calibration='backtest' (an extra fit on each series minus its "
                "last steps), or with normalize='level' and early_stopping=True, "
                "whose held-out windows calibrate at no extra cost."
            )
        ids, histories, indexes = self._histories()
        n_given, known = self._future_covariates(X, ids, histories, indexes)
        n_steps = self.horizon
        if n_given < n_steps:
            raise ValueError(
                f"Intervals cover horizon={n_steps} steps, but X holds the "
                f"covariates of {n_given}."
            )
        # Pooled steps of a differenced series grow at least like a random
        # walk's errors (few origins estimate the growth poorly: on the airline
        # series, 12 origins, without this floor the 90% intervals of seed 1
        # covered 0.69 of the test months instead of 0.85).
        least = EXTRAPOLATED_BETA if self.differences_ else 0.0
        offsets = conformal_offsets(self.calibration_scores_, levels, n_steps, least)
        plan = ForecastPlan.of(self)
        log, positive = normalization_of(plan, self.__dict__).error_space
        forecasts = self._forecast(histories, range(len(ids)), n_steps, known)
        future = future_indexes(indexes, map(len, histories), n_steps)
        frames = [
            pd.DataFrame(
                columns_of(bounds(forecast, offsets, scale, log, positive)),
                index=index,
            )
            for forecast, scale, index in zip(
                forecasts, self.calibration_scales_, future, strict=True
            )
        ]
        return frames_like(self._data_container(), ids, frames)

    # --------------------------------------------------------------- update
    def update(self, X, y=None):
        """Append new observations to the history forecasts start from; no refit.

        Parameters
        ----------
        X : array-like, or a panel
            The new values of the series (shaped like the fitted series; for a
            panel, some or all of its series in a panel container), or the new
            covariates when the forecaster was fitted with them.
        y : array-like, default=None
            The new target values, with covariates.

        Returns
        -------
        self : SequenceForecaster
            Unchanged when the new data hold no row (an empty array, Series,
            frame or panel of such).
        """
        check_is_fitted(self)
        self._refuse_changed(_PLAN_PARAMS, "predict")
        if _holds_no_rows(X) and (y is None or _holds_no_rows(y)):
            return self  # nothing new yet (a stream polled between observations)
        new = read_observations(
            X, y, estimator=self, fitted=self._fitted_data(), method="update"
        )
        ids, histories, indexes = self._histories()
        # Series read from a source to disk stay there once extended.
        store = value_store(store_kind(self) if is_source(X) else "memory")
        state = appended_history(
            ids, histories, indexes, new, self.X_, self._with_covariates, store
        )
        self.__dict__.update(state)
        return self

    # ---------------------------------------------------------------- score
    def score(self, X, y=None, sample_weight=None):
        """R^2 of the forecast of the steps that follow the data seen so far.

        For backtesting with ``GridSearchCV(..., cv=TimeSeriesSplit())``: each
        fold fits on a stretch of the series and scores the forecast of the
        stretch that follows. For a panel, the mean over the series given of
        each series' R^2 (of its own new values against its forecast). R^2 is
        undefined for one value: each series needs two new values at least.

        Parameters
        ----------
        X : array-like, or a panel
            The actual values that follow the fitted series; or, with
            covariates, the covariates of the following steps.
        y : array-like, default=None
            The actual target values, with covariates.
        sample_weight : array-like of shape (n_steps,), default=None
            Weights of the steps in the R^2 (one series only).

        Returns
        -------
        score : float
            Coefficient of determination of the forecast.

        Raises
        ------
        ValueError
            If a series has fewer than two new values (naming it).
        """
        check_is_fitted(self)
        new = read_observations(
            X, y, estimator=self, fitted=self._fitted_data(), method="score"
        )
        if sample_weight is not None and new.container.is_panel:
            raise ValueError("score on a panel takes no sample_weight.")
        ids, histories, indexes = self._histories()
        positions = [ids.index(series_id) for series_id in new.ids]
        gaps = [
            for_series(
                series_id,
                steps_after,
                indexes[p],
                index,
                explicit=new.container.explicit_time,
            )
            for series_id, p, index in zip(new.ids, positions, new.indexes, strict=True)
        ]
        for series_id, values in zip(new.ids, new.targets, strict=True):
            if len(values) < 2:
                message = (
                    "score needs two new values at least (R^2 compares them "
                    f"with their mean); got {len(values)}."
                )
                if series_id is not None:
                    message = (
                        f"Series {series_id!r}: {message} The score of a panel "
                        "is the mean of each series' R^2: give every series "
                        "scored two values or more."
                    )
                raise ValueError(message)
        n_steps = max(gap + len(v) for gap, v in zip(gaps, new.targets, strict=True))
        known = None
        spec = ForecastPlan.of(self).covariates
        if spec is not None:
            future = score_covariates(new.covariates, spec, n_steps, gaps)
            seen = self._seen_covariates()
            known = covariate_rows(
                spec,
                [histories[p] for p in positions],
                [indexes[p] for p in positions],
                future,
                [seen[p] for p in positions],
            )
        forecasts = self._forecast(
            [histories[p] for p in positions], positions, n_steps, known
        )
        scores = [
            r2_score(
                values, forecast[gap : gap + len(values)], sample_weight=sample_weight
            )
            for values, forecast, gap in zip(new.targets, forecasts, gaps, strict=True)
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
