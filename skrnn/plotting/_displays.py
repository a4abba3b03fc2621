"""Display classes for skrnn estimators, in the style of scikit-learn's displays.

Each display stores the data to plot; ``plot(ax=None)`` draws it and returns the
display with the matplotlib artists, ``ax_`` and ``figure_`` set; the
``from_estimator`` classmethod reads the data from a fitted estimator and plots.
matplotlib is imported only inside ``plot``.
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

from .._conformal import check_levels
from .._forecasting.series import continue_index, with_frequency

_VALIDATION_PREFIX = "val_"
# Observed values are drawn in near-black, so forecasts take the colour cycle:
# several forecasts on one axes get distinct colours.
_OBSERVED_COLOR = "0.15"


class HistoryDisplay:
    """Training history: the loss, and any other metric, per epoch.

    Validation metrics (``val_loss``, ...) are drawn dashed, in the colour of the
    training metric they belong to. Build one from a fitted estimator with
    :meth:`from_estimator`, or from a history dict with the constructor and then
    call :meth:`plot`.

    Parameters
    ----------
    history : dict of str to list of float
        Metric name to its value per epoch, like the ``history_`` attribute of
        skrnn estimators or Keras' ``History.history``.
    estimator_name : str, default=None
        Name of the estimator, prefixed to the legend labels when given.

    Attributes
    ----------
    lines_ : dict of str to matplotlib.lines.Line2D
        The line of each plotted metric.
    ax_ : matplotlib.axes.Axes
        Axes with the lines.
    figure_ : matplotlib.figure.Figure
        Figure containing the axes.

    See Also
    --------
    ForecastDisplay : Plot a forecast after the series it continues.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skrnn.plotting import HistoryDisplay
    >>> history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7]}
    >>> display = HistoryDisplay(history, estimator_name="LSTM").plot()
    >>> sorted(display.lines_)
    ['loss', 'val_loss']
    >>> display.lines_["val_loss"].get_label()
    'LSTM val_loss'
    >>> plt.close(display.figure_)
    """

    def __init__(self, history, *, estimator_name=None):
        self.history = history
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, metrics=None, name=None, ax=None, **kwargs):
        """Plot the training history of a fitted skrnn estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~skrnn.RNNRegressor`, :class:`~skrnn.RNNClassifier`
            or :class:`~skrnn.SequenceForecaster`, or a fitted ``Pipeline``
            ending in one; its ``history_`` attribute is plotted.
        metrics : str or list of str, default=None
            Metrics to plot, e.g. ``["loss", "val_loss"]``. None plots them all.
        name : str, default=None
            Name prefixed to the legend labels; the estimator's class name when
            None.
        ax : matplotlib.axes.Axes, default=None
            Axes to plot on; a new figure and axes when None.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every line.

        Returns
        -------
        display : HistoryDisplay
            The display, plotted.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.

        Examples
        --------
        >>> import numpy as np
        >>> import matplotlib.pyplot as plt
        >>> from skrnn import RNNRegressor
        >>> from skrnn.plotting import HistoryDisplay
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(32, 6, 1))
        >>> y = X[:, -1, 0]
        >>> reg = RNNRegressor(cell="gru", units=4, epochs=3, n_networks=1, random_state=0)
        >>> reg = reg.fit(X, y)
        >>> display = HistoryDisplay.from_estimator(reg)
        >>> len(display.lines_["loss"].get_xdata())
        3
        >>> plt.close(display.figure_)
        """
        check_is_fitted(estimator)
        final = _final_estimator(estimator)
        if not hasattr(final, "history_"):
            raise ValueError(
                f"{type(final).__name__} has no training history (history_ attribute); "
                "HistoryDisplay plots skrnn estimators."
            )
        if name is None:
            name = type(final).__name__
        display = cls(final.history_, estimator_name=name)
        return display.plot(ax=ax, metrics=metrics, **kwargs)

    def plot(self, ax=None, *, metrics=None, **kwargs):
        """Plot the history.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to plot on; a new figure and axes when None.
        metrics : str or list of str, default=None
            Metrics to plot, e.g. ``["loss", "val_loss"]``. None plots them all.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every line.

        Returns
        -------
        display : HistoryDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        history = _check_history(self.history)
        names = _metric_order(history, metrics)
        if ax is None:
            _, ax = plt.subplots()

        prefix = "" if self.estimator_name is None else f"{self.estimator_name} "
        colors = {}
        self.lines_ = {}
        for name in names:
            values = history[name]
            is_validation = name.startswith(_VALIDATION_PREFIX)
            base = name[len(_VALIDATION_PREFIX) :] if is_validation else name
            style = {"label": f"{prefix}{name}"}
            if is_validation:
                style["linestyle"] = "--"
                if base in colors:
                    style["color"] = colors[base]
            style.update(kwargs)
            (line,) = ax.plot(np.arange(1, len(values) + 1), values, **style)
            colors.setdefault(base, line.get_color())
            self.lines_[name] = line

        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if set(colors) == {"loss"} else "value")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class ForecastDisplay:
    """A forecast drawn after the series it continues, with the actuals if known.

    With pandas Series that carry a time axis (a ``DatetimeIndex`` or
    ``PeriodIndex``), the x axis is their time index. Arrays, and pandas objects
    without a time axis, are placed by position: the history at steps ``0`` to
    ``n - 1``, the forecast and the actual values from step ``n`` on (or after
    the history's last time stamp, at its frequency). The history and the
    actual values are drawn in near-black (the actuals dotted) and the forecast
    in the next colour of the axes' cycle, so several forecasts plotted on the
    same axes get distinct colours. A prediction interval, when given, is a
    translucent band in the forecast's colour. Build one from a fitted
    :class:`~skrnn.SequenceForecaster` with :meth:`from_estimator`, or from the
    data with the constructor and then call :meth:`plot`.

    Parameters
    ----------
    y_history : array-like of shape (n_steps,)
        The observed series the forecast continues.
    y_forecast : array-like of shape (n_forecast,)
        The forecast.
    y_true : array-like of shape (n_true,), default=None
        The actual values of the forecast steps, when known.
    estimator_name : str, default=None
        Name of the forecaster, used in the forecast's legend label.
    y_interval : array-like of shape (n_forecast, 2), default=None
        Lower and upper bound of each forecast step, e.g. the frame of
        :meth:`SequenceForecaster.predict_interval`.
    interval_label : str, default=None
        Legend label of the band; "interval" when None.

    Attributes
    ----------
    history_line_ : matplotlib.lines.Line2D
        The history.
    forecast_line_ : matplotlib.lines.Line2D
        The forecast.
    interval_band_ : matplotlib.collections.PolyCollection or None
        The band between the interval's bounds; None without ``y_interval``.
    true_line_ : matplotlib.lines.Line2D or None
        The actual values; None without ``y_true``.
    ax_ : matplotlib.axes.Axes
        Axes with the lines.
    figure_ : matplotlib.figure.Figure
        Figure containing the axes.

    See Also
    --------
    HistoryDisplay : Plot the training loss per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib.pyplot as plt
    >>> from skrnn.plotting import ForecastDisplay
    >>> history = np.sin(np.arange(24) / 2)
    >>> forecast = np.sin(np.arange(24, 30) / 2)
    >>> display = ForecastDisplay(history, forecast).plot()
    >>> display.forecast_line_.get_xdata().tolist()
    [24, 25, 26, 27, 28, 29]
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        y_history,
        y_forecast,
        *,
        y_true=None,
        estimator_name=None,
        y_interval=None,
        interval_label=None,
    ):
        self.y_history = y_history
        self.y_forecast = y_forecast
        self.y_true = y_true
        self.estimator_name = estimator_name
        self.y_interval = y_interval
        self.interval_label = interval_label

    @classmethod
    def from_estimator(
        cls,
        forecaster,
        y_true=None,
        X=None,
        *,
        target=0,
        name=None,
        coverage=None,
        ax=None,
        **kwargs,
    ):
        """Forecast with a fitted forecaster and plot it after its history.

        Parameters
        ----------
        forecaster : SequenceForecaster
            A fitted :class:`~skrnn.SequenceForecaster`. Its ``predict(X)`` gives
            the forecast; its ``y_`` (and ``index_``) the history.
        y_true : array-like of shape (n_true,) or (n_true, n_targets), default=None
            The actual values of the forecast steps, when known.
        X : array-like of shape (n_future, n_covariates), default=None
            Future covariates, for a forecaster fitted with them.
        target : int, default=0
            Which target column to plot, for a forecaster of several series.
        name : str, default=None
            Name in the forecast's legend label; the forecaster's class name when
            None.
        coverage : float, default=None
            Draw the forecaster's :meth:`~skrnn.SequenceForecaster.predict_interval`
            of this coverage as a band (e.g. 0.9) over the ``horizon`` steps it
            is calibrated for. None draws no band.
        ax : matplotlib.axes.Axes, default=None
            Axes to plot on; a new figure and axes when None.
        **kwargs : dict
            Passed to :meth:`plot`: ``history_kwargs``, ``forecast_kwargs``,
            ``true_kwargs`` and ``interval_kwargs``.

        Returns
        -------
        display : ForecastDisplay
            The display, plotted.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the forecaster is not fitted.
        ValueError
            If the forecaster was fitted on a panel of several series.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skrnn import SequenceForecaster
        >>> from skrnn.datasets import load_airline
        >>> y = load_airline()
        >>> train, test = y[:-6], y[-6:]
        >>> fc = SequenceForecaster(window=12, horizon=6, log=True, differences=(12,),
        ...                         units=4, epochs=2, random_state=0).fit(train)
        >>> display = ForecastDisplay.from_estimator(fc, y_true=test, name="LSTM",
        ...                                          coverage=0.9)
        >>> display.forecast_line_.get_label()
        'LSTM forecast'
        >>> len(display.forecast_line_.get_xdata())
        6
        >>> display.interval_band_.get_label()
        'LSTM 90% interval'
        >>> plt.close(display.figure_)
        """
        check_is_fitted(forecaster)
        for attribute in ("y_", "index_"):
            if not hasattr(forecaster, attribute):
                raise ValueError(
                    f"{type(forecaster).__name__} has no {attribute} attribute; "
                    "ForecastDisplay.from_estimator needs a fitted SequenceForecaster."
                )
        if isinstance(forecaster.y_, dict):
            raise ValueError(
                f"{type(forecaster).__name__} was fitted on a panel of "
                f"{len(forecaster.y_)} series; ForecastDisplay.from_estimator plots "
                "a forecaster of one series. Plot one series of the panel with "
                "ForecastDisplay(history, forecast), e.g. from forecaster.y_[key] "
                "and its rows of forecaster.predict()."
            )
        history = np.asarray(forecaster.y_)
        if history.ndim == 1:
            history = history[:, np.newaxis]
        n_targets = history.shape[1]
        if (
            not isinstance(target, (Integral, np.integer))
            or isinstance(target, bool)
            or not 0 <= target < n_targets
        ):
            raise ValueError(
                f"target must be in [0, {n_targets - 1}] for a forecaster of "
                f"{n_targets} series; got {target!r}."
            )
        if coverage is not None:
            levels, many = check_levels(coverage, "coverage", interval=True)
            if many:
                raise ValueError(
                    f"coverage must be one float strictly between 0 and 1 (one band); "
                    f"got {coverage!r}."
                )
            coverage = levels[0]
        y_history = history[:, target]
        forecast = forecaster.predict() if X is None else forecaster.predict(X)
        # The forecast carries the fitted series' name (or column), the y label.
        series_name = getattr(_column(forecast, target), "name", None)
        if forecaster.index_ is not None or series_name is not None:
            y_history = pd.Series(y_history, index=forecaster.index_, name=series_name)
        if name is None:
            name = type(forecaster).__name__
        interval = None
        if coverage is not None:
            bounds = forecaster.predict_interval(X, coverage=coverage).to_numpy()
            interval = bounds[:, 2 * target : 2 * target + 2]
            # Intervals are calibrated for the horizon's steps: with covariates
            # for more steps, the band ends there.
            n_forecast = len(_column(forecast, target))
            if len(interval) < n_forecast:
                missing = np.full((n_forecast - len(interval), 2), np.nan)
                interval = np.concatenate([interval, missing])
        display = cls(
            y_history,
            _column(forecast, target),
            y_true=None if y_true is None else _column(y_true, target),
            estimator_name=name,
            y_interval=interval,
            interval_label=None if coverage is None else f"{coverage:.0%} interval",
        )
        return display.plot(ax=ax, **kwargs)

    def plot(
        self,
        ax=None,
        *,
        history_kwargs=None,
        forecast_kwargs=None,
        true_kwargs=None,
        interval_kwargs=None,
    ):
        """Plot the history, the forecast and, when given, the actual values.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to plot on; a new figure and axes when None.
        history_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the history line.
        forecast_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the forecast line.
        true_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.plot` for the actual values.
        interval_kwargs : dict, default=None
            Passed to :meth:`matplotlib.axes.Axes.fill_between` for the band.

        Returns
        -------
        display : ForecastDisplay
            The display, with the lines, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        history_x, history = _line_data(self.y_history, "y_history")
        forecast_x, forecast = _line_data(self.y_forecast, "y_forecast")
        if len(history) == 0 or len(forecast) == 0:
            raise ValueError("y_history and y_forecast must hold at least one value.")
        if history_x is None:
            history_x = np.arange(len(history))
        if forecast_x is None:
            forecast_x = _following(history_x, len(forecast), "y_forecast")
        elif not isinstance(history_x, pd.Index):
            raise ValueError(
                "y_forecast has a time index but y_history does not: pass y_history "
                "as a pandas Series with a time index too, or both as arrays."
            )
        true_x, actual = (None, None)
        if self.y_true is not None:
            true_x, actual = _line_data(self.y_true, "y_true")
            if true_x is None:
                true_x = _following(history_x, len(actual), "y_true")
            elif not isinstance(history_x, pd.Index):
                raise ValueError(
                    "y_true has a time index but y_history does not: pass y_history "
                    "as a pandas Series with a time index too, or both as arrays."
                )

        if ax is None:
            _, ax = plt.subplots()
        forecast_label = (
            "forecast"
            if self.estimator_name is None
            else f"{self.estimator_name} forecast"
        )
        self.history_line_ = _draw(
            ax,
            history_x,
            history,
            {"label": "history", "color": _OBSERVED_COLOR},
            history_kwargs,
        )
        self.true_line_ = None
        if actual is not None:
            self.true_line_ = _draw(
                ax,
                true_x,
                actual,
                {"label": "actual", "color": _OBSERVED_COLOR, "linestyle": ":"},
                true_kwargs,
            )
        self.forecast_line_ = _draw(
            ax, forecast_x, forecast, {"label": forecast_label}, forecast_kwargs
        )
        self.interval_band_ = None
        if self.y_interval is not None:
            self.interval_band_ = self._draw_band(ax, forecast_x, interval_kwargs)

        index = history_x if isinstance(history_x, pd.Index) else None
        ax.set_xlabel(index.name if index is not None and index.name else "step")
        series_name = getattr(self.y_history, "name", None)
        if series_name is not None:
            ax.set_ylabel(str(series_name))
        ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _draw_band(self, ax, x, overrides):
        bounds = np.asarray(self.y_interval, dtype=float)
        if bounds.shape != (len(x), 2):
            raise ValueError(
                f"y_interval must hold a lower and an upper bound per forecast "
                f"step, shape ({len(x)}, 2); got {bounds.shape}."
            )
        label = self.interval_label or "interval"
        if self.estimator_name is not None:
            label = f"{self.estimator_name} {label}"
        if isinstance(x, pd.PeriodIndex):
            x = x.to_timestamp()
        x = x.to_numpy() if isinstance(x, pd.Index) else x
        style = {
            "color": self.forecast_line_.get_color(),
            "alpha": 0.2,
            "linewidth": 0,
            "label": label,
            **(overrides or {}),
        }
        return ax.fill_between(x, bounds[:, 0], bounds[:, 1], **style)


# --------------------------------------------------------------------- helpers
def _final_estimator(estimator):
    """The last step of a Pipeline, or the estimator itself."""
    steps = getattr(estimator, "steps", None)
    if steps:
        return steps[-1][1]
    return estimator


def _check_history(history):
    """Validate a history mapping; return it as a dict of 1-D float arrays."""
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history must be a dict of metric name to values per epoch; got "
            f"{type(history).__name__}."
        )
    checked = {}
    for name, values in history.items():
        array = np.asarray(values, dtype=float)
        if array.ndim != 1:
            raise ValueError(
                f"history[{name!r}] must be a list of numbers, one per epoch; got "
                f"shape {array.shape}."
            )
        if len(array):
            checked[str(name)] = array
    if not checked:
        raise ValueError("The history is empty: there is nothing to plot.")
    return checked


def _metric_order(history, metrics):
    """Names to plot, each validation metric right after its training metric."""
    if metrics is None:
        wanted = list(history)
    else:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [name for name in wanted if name not in history]
        if unknown:
            raise ValueError(
                f"Unknown metric(s) {unknown}; the history holds {sorted(history)}."
            )
    bases = []
    for name in wanted:
        base = name.removeprefix(_VALIDATION_PREFIX)
        if base not in bases:
            bases.append(base)
    ordered = []
    for base in bases:
        for name in (base, _VALIDATION_PREFIX + base):
            if name in wanted and name not in ordered:
                ordered.append(name)
    # A metric literally named "val_..." with no training twin keeps its place.
    return ordered + [name for name in wanted if name not in ordered]


def _line_data(values, name):
    """Return ``(x, y)``: the time axis of ``values`` (or None) and its floats."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(
                f"{name} is a DataFrame of {values.shape[1]} columns; pass one "
                f"column, e.g. {name}.iloc[:, 0]."
            )
        values = values.iloc[:, 0]
    index = values.index if isinstance(values, pd.Series) else None
    y = np.asarray(values, dtype=float)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one series); got shape {y.shape}.")
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return None, y
    return index, y


def _following(x, n_steps, name):
    """The ``n_steps`` positions or time stamps after the history's ``x``."""
    if isinstance(x, (pd.PeriodIndex, pd.DatetimeIndex)):
        try:
            return continue_index(with_frequency(x), n_steps)
        except ValueError:
            raise ValueError(
                f"{name} has no time index and y_history's DatetimeIndex has no "
                "regular frequency to continue; pass it as a pandas Series with "
                "its own time index."
            ) from None
    return np.arange(len(x), len(x) + n_steps)


def _draw(ax, x, y, defaults, overrides):
    if isinstance(x, pd.PeriodIndex):
        x = x.to_timestamp()
    if isinstance(x, pd.Index):
        x = x.to_numpy()
    (line,) = ax.plot(x, y, **{**defaults, **(overrides or {})})
    return line


def _column(values, target):
    """Column ``target`` of a forecast or of actual values, for plotting."""
    if isinstance(values, pd.DataFrame):
        return values.iloc[:, target]
    if isinstance(values, pd.Series):
        return values
    array = np.asarray(values)
    return array[:, target] if array.ndim == 2 else array
