"""Reading covariates: a panel's ``X`` beside its ``y``, future ``X`` to forecast.

A panel's covariates come in the container of its target series: a dict of
DataFrames (or 2-D arrays) keyed by the same ids, a list in the same order, or
a long frame indexed by (series id, time) with one column per covariate (or
one long frame of the target and covariate columns, split into these by
``data.split_long_frame``). Every series has the same columns, one
row per step of its target. Errors name the series and the column.
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from .covariates import padded_rows


def column_names(X):
    """The columns of covariates ``X``: its names, or positions for arrays."""
    if isinstance(X, pd.DataFrame):
        return tuple(X.columns)
    if isinstance(X, pd.Series):
        return (X.name,) if X.name is not None else (0,)
    values = np.asarray(X)
    return tuple(range(1 if values.ndim == 1 else values.shape[1]))


def check_covariates_finite(X, where):
    """Refuse a missing or infinite covariate, naming where and the column."""
    if isinstance(X, (pd.DataFrame, pd.Series)):
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        for column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)
            bad = ~np.isfinite(values)
            if bad.any():
                raise ValueError(
                    f"{where}: covariate {column!r} is missing, not a number or "
                    f"infinite at {frame.index[bad][0]!r}."
                )
        return
    values = np.asarray(X, dtype=np.float64)
    values = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
    bad = ~np.isfinite(values)
    if bad.any():
        step, column = np.argwhere(bad)[0]
        raise ValueError(
            f"{where}: covariate {int(column)} is NaN or infinite at step {int(step)}."
        )


def _as_rows(X):
    if isinstance(X, pd.Series):
        X = X.to_frame()
    values = np.asarray(X, dtype=np.float64)
    return values[:, np.newaxis] if values.ndim == 1 else values


def covariate_items(X, ids, kind):
    """``X`` split per series id of a panel of container ``kind``."""
    if kind == "dict":
        if not isinstance(X, dict):
            raise ValueError(
                "The panel's series are a dict: pass its covariates as a dict of "
                "DataFrames keyed by the same series ids."
            )
        missing = [i for i in ids if i not in X]
        if missing:
            raise ValueError(f"X has no covariates for series {missing[0]!r}.")
        extra = [i for i in X if i not in ids]
        if extra:
            raise ValueError(
                f"X holds covariates of series {extra[0]!r}, not a series of y "
                "(or of the fitted panel)."
            )
        return [X[i] for i in ids]
    if kind == "long":
        if not isinstance(X, pd.DataFrame) or X.index.nlevels != 2:
            raise ValueError(
                "The panel is a long frame: pass its covariates as a DataFrame "
                "indexed by the same (series id, time), one column per covariate."
            )
        groups = {
            series_id: rows.droplevel(0).sort_index()
            for series_id, rows in X.groupby(level=0, sort=False)
        }
        missing = [i for i in ids if i not in groups]
        if missing:
            raise ValueError(f"X has no covariates for series {missing[0]!r}.")
        known = set(ids)
        extra = [i for i, rows in groups.items() if i not in known and len(rows)]
        if extra:
            raise ValueError(
                f"X holds covariates of series {extra[0]!r}, not a series of y "
                "(or of the fitted panel)."
            )
        return [groups[i] for i in ids]
    if not isinstance(X, (list, tuple)) or len(X) != len(ids):
        raise ValueError(
            "The panel's series are a list: pass their covariates as a list of "
            f"the same length ({len(ids)}), one DataFrame or 2-D array each."
        )
    return list(X)


def panel_covariates(X, ids, targets, indexes, kind, *, names=None):
    """Per-series covariate rows ``(n_steps_i, n_columns)``, the columns, and
    the ``n_features_in_`` (and ``feature_names_in_``) a fresh fit records.

    ``targets``/``indexes`` are the series' values and time indexes, which the
    covariates must match row for row; ``names`` the fitted columns, if any.
    """
    rows, seen = [], names
    items = covariate_items(X, ids, kind)
    for series_id, item, target, index in zip(
        ids, items, targets, indexes, strict=True
    ):
        where = f"X[{series_id!r}]"
        columns = column_names(item)
        if seen is None:
            seen = columns
        elif list(columns) != list(seen):
            wrong = [c for c in columns if c not in seen] + [
                c for c in seen if c not in columns
            ]
            raise ValueError(
                f"Series {series_id!r}: its covariates' columns {list(columns)!r} "
                f"are not the columns {list(seen)!r}"
                + (f" (column {wrong[0]!r})." if wrong else " (order differs).")
            )
        check_covariates_finite(item, where)
        values = _as_rows(item)
        if len(values) != len(target):
            raise ValueError(
                f"Series {series_id!r}: X has {len(values)} rows but y has "
                f"{len(target)} steps; X holds the covariates of each step of y."
            )
        item_index = getattr(item, "index", None)
        if (
            index is not None
            and isinstance(item_index, (pd.DatetimeIndex, pd.PeriodIndex))
            and not item_index.equals(index)
        ):
            raise ValueError(
                f"Series {series_id!r}: the covariates' time index is not the "
                "series' time index."
            )
        rows.append(values)
    names = column_names(items[0])
    features = {"n_features_in_": len(names)}
    if isinstance(items[0], pd.DataFrame) and all(isinstance(n, str) for n in names):
        features["feature_names_in_"] = np.asarray(names, dtype=object)
    return rows, tuple(seen), features


def future_covariates(X, spec, ids, kind):
    """The known-future covariates of the steps to forecast, per series.

    ``X`` in the fitted container (one series: a DataFrame or 2-D array; a
    panel: as fitted). Returns ``(n_steps, rows)``: the number of steps, and per
    series the rows ``(n_steps, n_columns)`` of every column of ``X`` (past-only
    ones 0: they are not observed at the origin).
    """
    items = [X] if kind is None else covariate_items(X, ids, kind)
    out, n_steps = [], None
    for series_id, item in zip(ids, items, strict=True):
        where = "X" if kind is None else f"X[{series_id!r}]"
        values = _future_rows(item, spec, where)
        if n_steps is None:
            n_steps = len(values)
        elif len(values) != n_steps:
            raise ValueError(
                f"Series {series_id!r}: X holds {len(values)} future steps, but the "
                f"first series {n_steps}; give every series the same steps."
            )
        out.append(values)
    if not n_steps:
        raise ValueError("X holds no future steps to forecast.")
    return n_steps, out


def on_other_times(X, index):
    """``X``'s time index if it and ``index`` are both dated and differ, else
    None: covariates are matched to their steps by time, never row by row
    across other times (without time stamps, one row per step)."""
    dated = (pd.DatetimeIndex, pd.PeriodIndex)
    own = getattr(X, "index", None)
    if isinstance(index, dated) and isinstance(own, dated) and not own.equals(index):
        return own
    return None


def check_future_times(X, ids, kind, future):
    """Refuse known-future covariates whose time index is not the steps they
    are forecast for (``future``: each series' forecast index)."""
    items = [X] if kind is None else covariate_items(X, ids, kind)
    for series_id, item, index in zip(ids, items, future, strict=True):
        own = on_other_times(item, index)
        if own is not None:
            where = "X" if kind is None else f"X[{series_id!r}]"
            raise ValueError(
                f"The future covariates {where} are for {own[0]} to {own[-1]}, but "
                f"the steps to forecast are {index[0]} to {index[-1]} (right after "
                "the data seen so far): give X the rows of those steps."
            )


def _refuse_a_number_of_steps(steps, spec, horizon, estimator):
    """``predict(5)``: where the number of steps goes instead (statsmodels'
    ``forecast(steps)`` habit), with covariates or without."""
    if spec is not None and spec.future_names:
        raise ValueError(
            f"X={steps}: X holds future covariates, not a number of steps. "
            "This forecaster was fitted with known-future covariates: pass their "
            f"values for the steps to forecast ({list(spec.future_names)!r}), one "
            "row per step; it forecasts as many steps as X has rows."
        )
    raise ValueError(
        f"X={steps}: X holds future covariates, not a number of steps. This "
        f"{type(estimator).__name__} forecasts horizon={horizon} step(s); for "
        f"{steps}, fit with horizon={steps} (a direct network then learns all "
        f"{steps}), or call set_params(horizon={steps}) on the fitted one (it "
        "feeds its forecasts back in), then call it without X."
    )


def predict_covariates(X, spec, ids, kind, *, horizon, estimator):
    """``(n_steps, future)``: the steps ``predict(X)`` forecasts and each
    series' covariates of those steps (None without covariates).

    ``spec`` is the fitted :class:`~skrnn._forecasting.covariates.CovariateSpec` (or
    None), ``kind`` the fitted panel container's kind (None for one series).
    Without known-future covariates ``X`` must be None and ``horizon`` steps
    are forecast. ``estimator`` checks a single series' columns as
    scikit-learn does, and is named in errors.
    """
    if isinstance(X, numbers.Integral) and not isinstance(X, bool):
        _refuse_a_number_of_steps(int(X), spec, horizon, estimator)
    if spec is None or not spec.future_names:
        if X is not None:
            kind = "covariates" if spec is None else "known-future covariates"
            raise ValueError(
                f"This {type(estimator).__name__} was fitted without {kind}: call "
                "it without X. To add new observations use update()."
            )
        if spec is None:
            return horizon, None
        return horizon, [np.zeros((horizon, spec.n_columns)) for _ in ids]
    if X is None:
        raise ValueError(
            "This forecaster was fitted with covariates: pass their future "
            f"values as X ({list(spec.future_names)!r}), one row per step to "
            "forecast."
        )
    if kind is None and not spec.past:  # scikit-learn's checks of X's columns
        X = validate_data(estimator, X, reset=False, dtype=np.float64)
    return future_covariates(X, spec, ids, kind)


def score_covariates(covariates, spec, n_steps, gaps):
    """The covariates of the ``n_steps`` steps ``score`` forecasts, per series:
    those given (the last row repeated to ``n_steps`` rows), else zeros.
    ``gaps[i]`` are the steps between series ``i``'s history and its values."""
    if any(gaps):
        raise ValueError(
            "With covariates, score takes the steps right after the "
            "fitted ones (no gap)."
        )
    return [
        padded_rows(rows, n_steps)
        if rows is not None
        else np.zeros((n_steps, spec.n_columns))
        for rows in (covariates or [None] * len(gaps))
    ]


def _future_rows(item, spec, where):
    future = spec.future_names
    known = [i for i in range(spec.n_columns) if i not in spec.past]
    named = all(isinstance(name, str) for name in spec.names)
    if isinstance(item, pd.DataFrame) and named:  # else columns by position
        missing = [c for c in future if c not in item.columns]
        if missing:
            raise ValueError(
                f"{where} lacks the known-future covariate {missing[0]!r} (fitted "
                f"columns: {list(spec.names)!r})."
            )
        unknown = [c for c in item.columns if c not in spec.names]
        if unknown:
            raise ValueError(
                f"{where} holds the column {unknown[0]!r}, not a fitted covariate."
            )
        item = item[list(future)]
    check_covariates_finite(item, where)
    values = _as_rows(item)
    if values.shape[1] == spec.n_columns and values.shape[1] != len(known):
        values = values[:, known]
    if values.shape[1] != len(known):
        raise ValueError(
            f"{where} has {values.shape[1]} features, but the forecaster reads "
            f"{len(known)} known-future covariate(s) {list(future)!r}."
        )
    rows = np.zeros((len(values), spec.n_columns))
    rows[:, known] = values
    return rows
