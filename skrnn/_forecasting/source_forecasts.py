"""Forecasts after the series of a panel source (Parquet, Arrow, dask), in its format.

``SequenceForecaster.predict(source)`` forecasts the ``horizon`` steps after
each series a panel source holds, from the values it holds (series the
forecaster was fitted on; it is not changed): a dask DataFrame partition by
partition into a dask DataFrame (:func:`~skrnn._forecasting.sources.predict_dask`),
the other sources into one pandas long frame.
"""

import functools

from .data import read_source_observations
from .output import forecasts_like, future_indexes
from .plan import check_forecast_histories
from .series import for_series, on_fitted_axis
from .sources import LongColumns, predict_dask, source_kind


def predict_source(
    X, forecast, *, series_ids, indexes, plan, horizon, fitted, estimator
):
    """Forecasts after the series of the panel source ``X``.

    ``forecast(histories, positions, n_steps)`` forecasts the fitted series
    ``positions`` from ``histories``; ``series_ids`` are the fitted series and
    ``indexes`` their time indexes (the source's continue on their
    frequencies), ``plan`` the fitted :class:`~skrnn._forecasting.plan.
    ForecastPlan` (each history must hold its window), ``fitted`` the
    :class:`~skrnn._forecasting.data.FittedData` the source is checked
    against, and ``estimator`` names the source's columns (``id_col``,
    ``time_col``, ``target_col``).
    """
    forecast_chunk = functools.partial(
        _forecast_chunk,
        forecast=forecast,
        series_ids=series_ids,
        indexes=indexes,
        plan=plan,
        horizon=horizon,
        fitted=fitted,
        estimator=estimator,
    )
    if source_kind(X) != "dask":
        return forecast_chunk(X)
    return predict_dask(X, LongColumns.of(estimator), forecast_chunk)


def _forecast_chunk(
    X, *, forecast, series_ids, indexes, plan, horizon, fitted, estimator
):
    """Forecasts of the series of a source (or of one dask partition)."""
    new = read_source_observations(X, estimator, fitted)
    position = {series_id: i for i, series_id in enumerate(series_ids)}
    positions = [position[i] for i in new.ids]
    check_forecast_histories(plan, new.ids, new.targets)
    on_axis = [
        for_series(series_id, on_fitted_axis, indexes[p], index)
        for series_id, p, index in zip(new.ids, positions, new.indexes, strict=True)
    ]
    forecasts = forecast(new.targets, positions, horizon)
    future = future_indexes(on_axis, map(len, new.targets), horizon)
    return forecasts_like(new.container, new.ids, forecasts, future)
