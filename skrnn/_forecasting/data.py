"""What the forecaster reads: series as values, whatever container they came in.

A forecaster is given one series (a 1-D or 2-D array, a pandas Series or
DataFrame; with covariates, ``X`` and a target ``y``) or a panel of many:

* a dict ``{series_id: pandas.Series or 1-D array}``,
* a list (or tuple) of pandas Series or 1-D arrays (ids are the positions), or
* a pandas Series (or one-column DataFrame) with a two-level MultiIndex
  ``(series_id, time)``: the long format of other Python forecasting tools.
  A long DataFrame of several columns holds the target (the column named by
  the forecaster's ``target_col``) and its covariates (every other column):
  :func:`split_long_frame` splits it into the ``X``, ``y`` of ``fit(X, y)``.

:func:`read_observations` turns any of them into :class:`Observations`: a
single series is a panel of one (its id is None), so everything after reading
takes one path. :class:`Container` records how the data came, so that
:mod:`skrnn._forecasting.output` returns results alike.
"""

import contextlib
import dataclasses
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.validation import check_array, validate_data

from . import sources
from .covariate_data import (
    check_covariates_finite,
    column_names,
    on_other_times,
    panel_covariates,
)
from .covariates import static_rows
from .seasonality import nominal_step
from .series import integer_index_break, series_index
from .value_store import store_kind, value_store

# "arrow" and "dask": a long panel read from Parquet / an Arrow dataset or a
# dask DataFrame (skrnn._forecasting.sources); ``level_names`` holds its id and time
# column names, ``name`` its value column's.
PANEL_KINDS = ("dict", "list", "long", *sources.SOURCE_KINDS)


@dataclasses.dataclass(frozen=True)
class Container:
    """How the fitted data came, so results go back alike.

    ``kind`` is "1d", "2d", "series" or "frame" for one series, "dict", "list"
    or "long" for a panel; ``pandas`` whether the series were pandas objects;
    ``name`` the Series' (or long Series') name, ``columns`` a frame's columns,
    ``level_names`` a long panel's index level names; ``combined`` whether a
    long panel came as one frame of the target column (``name``) and its
    covariates, rather than as ``X`` and ``y``.
    """

    kind: str
    pandas: bool = False
    name: object = None
    columns: object = None
    level_names: tuple = (None, None)
    combined: bool = False

    @property
    def is_panel(self):
        return self.kind in PANEL_KINDS

    @property
    def explicit_time(self):
        """Whether the series' indexes came from a time column or index level
        (a long panel), never from pandas' default index."""
        return self.kind in ("long", *sources.SOURCE_KINDS)

    def to_dict(self):
        """Plain values, as a fitted forecaster stores them."""
        return {
            "kind": self.kind,
            "pandas": self.pandas,
            "name": self.name,
            "columns": self.columns,
            "level_names": list(self.level_names),
            "combined": self.combined,
        }

    @classmethod
    def from_dict(cls, values):
        values = dict(values)
        values["level_names"] = tuple(values.get("level_names", (None, None)))
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class Observations:
    """Series as values: ``targets[i]`` is series ``ids[i]``, ``(n_steps_i, n_targets)``.

    ``indexes[i]`` is its time index (or None), ``covariates`` one
    ``(n_steps_i, n_covariates)`` array per series (or None).
    """

    ids: list
    targets: list
    indexes: list
    covariates: list | None
    container: Container
    features: dict = dataclasses.field(default_factory=dict)
    # The columns of X (names, or positions for arrays); the static covariates'
    # rows of ``ids`` (a DataFrame), or None.
    covariate_names: tuple | None = None
    static: object = None


def _holds_series(data):
    """Whether in-memory ``data`` is a panel container of several series."""
    if isinstance(data, dict):
        return True
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return isinstance(data.index, pd.MultiIndex)
    if isinstance(data, (list, tuple)) and len(data) > 0:
        return all(
            isinstance(item, pd.Series) or np.ndim(item) == 1 for item in data
        ) and not all(np.ndim(item) == 0 for item in data)
    return False


def input_form(X, y):
    """What a call was given, decided once: one of :data:`INPUT_FORMS`.

    "source": a panel on disk or in a cluster (``X``, no ``y``); "panel": an
    in-memory panel ``X``; "panel_covariates": a panel ``y`` and its
    covariates ``X``; "series" / "series_covariates": one series ``X``, or one
    target ``y`` and its covariates ``X``.
    """
    if y is not None:
        return "panel_covariates" if _holds_series(y) else "series_covariates"
    if _holds_series(X):
        return "panel"
    return "source" if sources.is_source(X) else "series"


INPUT_FORMS = ("source", "panel", "panel_covariates", "series", "series_covariates")


def read_observations(X, y=None, *, estimator, fitted=None, method="fit", static=None):
    """Validate the series passed to ``fit``, ``update`` or ``score``.

    One pass: the input's form is decided once (:func:`input_form`), checked
    against what was fitted, and read by the one reader of that form, which
    validates every value once.

    Parameters
    ----------
    X, y : as passed by the user
        Without covariates ``X`` is the series (or panel) and ``y`` None;
        with covariates ``X`` holds them, one row per step of the target ``y``
        -- or ``X`` is one long frame of the target and covariate columns and
        ``y`` None (:func:`split_long_frame`).
    estimator : estimator
        Named in error messages.
    fitted : FittedData or None
        What the forecaster was fitted on (None in a fresh ``fit``): later data
        must match it (container, columns, series ids, covariates), and a warm
        start's ``fit`` must be given the same series.
    method : str
        The method called, for error messages.
    static : DataFrame or None
        Static covariates, one row per series (indexed by series id).

    Returns
    -------
    Observations
        In a fresh ``fit``, with ``features``: ``n_features_in_`` (and
        ``feature_names_in_``) to record.
    """
    X, y, combined = split_long_frame(X, y, estimator, fitted, method)
    form = input_form(X, y)
    if form == "series":
        _refuse_flat_long_frame(X, estimator)
    if fitted is not None:
        _check_form(fitted, form, method)
    if form == "source":
        observations = read_source_observations(
            X,
            estimator,
            fitted,
            allow_empty=method == "update",
            shared=method in ("fit", "update"),
        )
    elif form == "panel":
        observations = _read_panel(X, estimator, fitted)
    elif form == "panel_covariates":
        observations = _read_panel_covariates(
            X, y, estimator, fitted, target_input="X" if combined else "y"
        )
    elif form == "series_covariates":
        observations = _read_series_covariates(X, y, estimator, fitted)
    else:
        observations = _read_series(X, estimator, fitted)
    if fitted is not None and method == "fit":  # a warm start: the same series
        _check_same_series(fitted, observations)
    return dataclasses.replace(
        observations,
        container=dataclasses.replace(observations.container, combined=combined),
        static=None
        if static is None
        else static_rows(
            static, observations.ids, container_ids=observations.container.is_panel
        ),
    )


def _refuse_flat_long_frame(X, estimator):
    """A DataFrame with the long format's series id and time columns is a
    panel not yet indexed by them, not one series of several columns."""
    columns = sources.LongColumns.of(estimator)
    if (
        isinstance(X, pd.DataFrame)
        and columns.id in X.columns
        and columns.time in X.columns
    ):
        raise ValueError(
            f"The DataFrame has the series id and time columns {columns.id!r} and "
            f"{columns.time!r} (id_col, time_col) of a long-format panel: index it "
            f"by them, frame.set_index({[columns.id, columns.time]!r}), so that "
            "each series is read as one (or pass it as a Parquet file or a dask "
            "DataFrame)."
        )


def _check_same_series(fitted, observations):
    if fitted.container.is_panel != observations.container.is_panel:
        raise ValueError(
            "warm_start continues a forecaster with data of the same kind: it was "
            f"fitted on {'a panel' if fitted.container.is_panel else 'one series'}."
        )
    if fitted.container.is_panel and observations.ids != list(fitted.ids):
        raise ValueError(
            "warm_start continues a panel with the same series, in the same "
            "order; got other series ids."
        )


@dataclasses.dataclass(frozen=True)
class FittedData:
    """What later calls are checked against: the fitted container and ids."""

    container: Container
    ids: list
    n_targets: int
    with_covariates: bool


def _check_form(fitted, form, method):
    """Later data comes in the form the forecaster was fitted on."""
    if fitted.container.is_panel:
        if fitted.with_covariates:
            if form != "panel_covariates":
                raise ValueError(
                    f"This forecaster was fitted on a panel with covariates: call "
                    f"{method}(X, y) with some or all of its series in y and their "
                    "covariates in X, in panel containers"
                    + _combined_hint(fitted.container, method)
                    + "."
                )
            return
        if form not in ("panel", "source"):
            raise ValueError(
                f"This forecaster was fitted on a panel: call {method}(new) with "
                "some or all of its series, in a panel container."
            )
        return
    if form in ("panel", "source", "panel_covariates"):
        raise ValueError(
            f"This forecaster was fitted on one series; {method} takes that "
            "series' values, not a panel."
        )
    if fitted.with_covariates and form == "series":
        raise ValueError(f"This forecaster has covariates: call {method}(X, y).")
    if not fitted.with_covariates and form != "series":
        raise ValueError(
            f"This forecaster has no covariates: call {method}(new_values)."
        )


def _combined_hint(container, method):
    """How a long panel with covariates may also come: as one frame."""
    if container.kind != "long" or container.name is None:
        return ""
    return (
        f", or {method}(frame) with one long frame of the target column "
        f"{container.name!r} and the covariate columns"
    )


# ------------------------------------------------- one long frame, split
def _is_long_frame(data):
    return isinstance(data, pd.DataFrame) and isinstance(data.index, pd.MultiIndex)


def split_long_frame(X, y, estimator, fitted=None, method="fit"):
    """One long frame of the target and its covariates as ``(X, y, True)``.

    A long DataFrame (indexed by (series id, time)) of several columns, given
    without ``y``, holds the target -- the column named by the estimator's
    ``target_col`` in a fresh fit, the fitted target column later -- and the
    covariates, every other column: it is split into ``X`` (the covariate
    columns) and ``y`` (the target, a long Series), the separate form of
    ``fit(X, y)``. A one-column long frame is a panel without covariates, as
    is anything else: returned as ``(X, y, False)``, unchanged.
    """
    if y is not None or not _is_long_frame(X):
        return X, y, False
    columns = list(X.columns)
    if fitted is None:  # a fresh fit: target_col names the target
        if len(columns) == 1:
            return X, y, False
        target = estimator.target_col
        if target not in columns:
            raise ValueError(
                f"A long-format panel of several columns holds the target and its "
                f"covariates; its target is the column named by target_col="
                f"{target!r}, which it lacks: its columns are {columns!r}. Set "
                "target_col to the target column (every other column is a "
                "covariate, known-future unless named in past_covariates), or pass "
                "the target column alone for a panel without covariates."
            )
        covariates = X.drop(columns=[target])
    else:
        container = fitted.container
        if container.kind != "long":
            return X, y, False
        target = container.name
        if not fitted.with_covariates:
            if len(columns) == 1:
                return X, y, False
            raise ValueError(
                f"This forecaster was fitted on a long panel without covariates: "
                f"{method} takes its value column alone (e.g. frame[{target!r}]); "
                f"got the columns {columns!r}."
            )
        if target not in columns:
            if not container.combined:  # the X, y form, checked as such
                return X, y, False
            raise ValueError(
                f"{method}(frame) takes the target column {target!r} beside the "
                f"covariate columns, as fit did; the frame's columns are {columns!r}."
            )
        names = list(_fitted_covariate_names(estimator))
        given = [c for c in columns if c != target]
        missing = [c for c in names if c not in given]
        unknown = [c for c in given if c not in names]
        if missing or unknown:
            raise ValueError(
                f"{method}(frame): the frame's covariate columns {given!r} are not "
                f"the fitted ones {names!r}"
                + (
                    f" (it lacks {missing[0]!r})."
                    if missing
                    else f" ({unknown[0]!r} is not a fitted covariate)."
                )
            )
        covariates = X[names]
    if columns.count(target) != 1:
        raise ValueError(
            f"The long frame holds {columns.count(target)} columns named "
            f"{target!r}, its target: name its columns uniquely."
        )
    return covariates, X[target], True


def _fitted_covariate_names(estimator):
    """The covariate columns a fitted forecaster read (positions if unnamed)."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return tuple(names)
    return tuple(range(estimator.n_features_in_))


def _values(data, estimator, input_name):
    """Finite float64 values, or an error naming ``input_name`` and the first
    missing or infinite value's time (see :func:`_gaps_named`)."""
    with _gaps_named(data, estimator, input_name):
        return check_array(
            data,
            ensure_2d=False,
            dtype=np.float64,
            input_name=input_name,
            estimator=estimator,
        )


@contextlib.contextmanager
def _gaps_named(data, estimator, input_name):
    """scikit-learn's error for a NaN or infinite value in a series, said for
    a series: where the first one is and what to do (its advice, imputers and
    HistGradientBoosting, is for tables of samples)."""
    try:
        yield
    except ValueError as error:
        text = str(error)
        if " contains NaN" not in text and " contains infinity" not in text:
            raise
        missing = "NaN" in text  # scikit-learn names NaN where both are
        try:
            values = np.asarray(data, dtype=np.float64)
            values = values.reshape(len(values), -1)
        except (TypeError, ValueError):  # not numbers: scikit-learn's words
            raise error from None
        bad = np.isnan(values) if missing else np.isinf(values)
        rows = bad.any(axis=1)
        if not rows.any():
            raise
        row = int(np.argmax(rows))
        index = getattr(data, "index", None)
        at = f"at {index[row]}" if index is not None else f"at step {row}"
        columns = getattr(data, "columns", None)
        if columns is not None and len(columns) > 1:
            at = f"in column {columns[int(np.argmax(bad[row]))]!r} {at}"
        name = type(estimator).__name__
        if missing:
            raise ValueError(
                f"{input_name} has a missing value (NaN) {at} ({int(rows.sum())} "
                f"step(s) in all). {name} reads series without gaps: fill them "
                "first (for example with pandas' Series.interpolate()), or let the "
                "series start after them."
            ) from None
        raise ValueError(
            f"{input_name} has an infinite value {at} ({int(rows.sum())} step(s) "
            f"in all). {name} reads finite values only: replace it with a number."
        ) from None


def _ndim(data):
    """The dimensions of array-like ``data`` (also of objects that only
    convert to arrays)."""
    ndim = getattr(data, "ndim", None)
    return ndim if isinstance(ndim, int) else np.asarray(data).ndim


def _check_ndim(data):
    if _ndim(data) not in (1, 2):
        raise ValueError(
            f"The series must be 1-D or 2-D; got shape {np.asarray(data).shape}."
        )


def _recorded_features(probe):
    """What scikit-learn recorded on ``probe``: ``n_features_in_`` (and names)."""
    features = {"n_features_in_": probe.n_features_in_}
    if hasattr(probe, "feature_names_in_"):
        features["feature_names_in_"] = probe.feature_names_in_
    return features


def _one_series(data, estimator, input_name, fitted, values=None):
    """One target series: ``(values (n_steps, n_targets), time index, Container)``.

    ``values`` are ``data`` already validated, if they were.
    """
    if values is None:
        values = _values(data, estimator, input_name)
    values = values.reshape(len(values), -1)
    if fitted is not None and values.shape[1] != fitted.n_targets:
        raise ValueError(
            f"The series has {values.shape[1]} columns, but "
            f"{type(estimator).__name__} was fitted on {fitted.n_targets}."
        )
    if isinstance(data, pd.DataFrame):
        container = Container("frame", True, columns=data.columns)
    elif isinstance(data, pd.Series):
        container = Container("series", True, name=data.name)
    else:
        container = Container("1d" if _ndim(data) == 1 else "2d")
    _warn_uneven_integer_index(data, "the series")
    return values, series_index(data, short=fitted is not None), container


def _warn_uneven_integer_index(data, where):
    """Warn that an integer index whose steps are not even (a RangeIndex after
    ``dropna``, say) is read as positions: its values are taken as consecutive
    steps, which they may not be."""
    gap = integer_index_break(data)
    if gap is not None:
        warnings.warn(
            f"The integer index of {where} is not evenly spaced, increasing steps "
            f"({gap[0]} is followed by {gap[1]}), so it is not read as a time "
            "axis: the values are taken as consecutive steps and forecasts are "
            "indexed by position. If steps are missing (rows dropped, say), "
            "reindex and fill them first; if the index is not time, pass the "
            "values alone (reset_index(drop=True)).",
            UserWarning,
            stacklevel=2,
        )


def _read_series(X, estimator, fitted):
    """One series ``X``, its values validated once.

    A fresh fit records its columns as scikit-learn does (``n_features_in_``,
    and ``feature_names_in_`` for named columns), on a probe, never on the
    estimator; later calls check that named columns are the fitted ones.
    """
    _check_ndim(X)
    features, values = {}, None
    if fitted is None:
        probe = clone(estimator)
        with _gaps_named(X, estimator, "X"):
            values = validate_data(probe, _as_2d(X), reset=True, dtype=np.float64)
        features = _recorded_features(probe)
    else:
        check_series_columns(estimator, X)
    target, index, container = _one_series(X, estimator, "X", fitted, values)
    return Observations([None], [target], [index], None, container, features=features)


def _read_series_covariates(X, y, estimator, fitted):
    """One target series ``y`` and its covariates ``X``, one row per step."""
    _check_ndim(y)
    features = {}
    if fitted is None:
        probe = clone(estimator)
        covariates = validate_data(probe, X, reset=True, dtype=np.float64)
        features = _recorded_features(probe)
    else:  # the fitted columns, checked; a missing value named by column
        check_covariates_finite(X, "X")
        covariates = validate_data(estimator, X, reset=False, dtype=np.float64)
    target, index, container = _one_series(y, estimator, "y", fitted)
    if len(covariates) != len(target):
        raise ValueError(
            f"X and y have different numbers of steps: {len(covariates)} and "
            f"{len(target)}; X must hold the covariates of each step of y."
        )
    _check_aligned(X, index)
    return Observations(
        [None],
        [target],
        [index],
        [covariates],
        container,
        features=features,
        covariate_names=column_names(X),
    )


def _check_aligned(X, index):
    """The covariates ``X`` of one series on its time ``index``."""
    own = on_other_times(X, index)
    if own is not None:
        raise ValueError(
            "The covariates' time index (X) is not the series' time index (y): "
            f"X runs from {own[0]} to {own[-1]}, y from {index[0]} to "
            f"{index[-1]}. Give X the rows of y's time steps."
        )


def _read_panel(data, estimator, fitted, input_name="X"):
    level_names = (None, None)
    name = None
    read = None
    if isinstance(data, dict):
        kind, items = "dict", list(data.items())
    elif isinstance(data, (pd.Series, pd.DataFrame)):
        data = _long_column(data)
        kind, name = "long", data.name
        level_names = tuple(data.index.names)
        read = _read_long_on_grids(data)
        items = [] if read is not None else _long_items(data)
    else:
        kind, items = "list", list(enumerate(data))
    if read is not None:
        ids, values, indexes = read
        pandas_items = True
    else:
        if not items:
            raise ValueError("The panel holds no series.")
        ids, values, indexes = _read_items(
            items,
            estimator,
            input_name,
            short=fitted is not None,
            explicit=kind == "long",
        )
        pandas_items = all(isinstance(s, pd.Series) for _, s in items)
        _refuse_lost_indexes(items, indexes, pandas_items, input_name)
        if kind == "long":  # groupby's indexes are copies: views of one instead
            indexes = sources.shared_indexes(ids, indexes)
    if fitted is None:
        _refuse_mixed_axes(ids, indexes, input_name)
    if fitted is not None:
        unknown = [series_id for series_id in ids if series_id not in fitted.ids]
        if unknown:
            raise ValueError(
                f"The panel names series the forecaster was not fitted on: {unknown!r}."
            )
    pandas = kind == "long" or pandas_items
    container = Container(kind, pandas, name=name, level_names=level_names)
    features = {"n_features_in_": 1} if fitted is None else {}
    return Observations(ids, values, indexes, None, container, features=features)


def read_source_observations(
    data, estimator, fitted=None, allow_empty=False, shared=False
):
    """A panel source (Parquet, Arrow dataset, dask; or one dask partition, a
    pandas frame of the same columns), read chunk by chunk. ``allow_empty``:
    a source without rows is a panel of no series (an ``update`` with nothing
    new), not an error. ``shared``: a ``fit`` or ``update`` that every worker
    runs alike -- with ``distribution="multi_worker"`` and
    ``value_store="disk"`` each worker reads its shard of the source
    (:class:`skrnn._workers.SharedReading`)."""
    kind = store_kind(estimator)
    reading = None
    if (
        shared
        and kind == "disk"
        and getattr(estimator, "distribution", None) == "multi_worker"
        and not isinstance(data, pd.DataFrame)
    ):
        from .._workers import SharedReading

        reading = SharedReading()
    panel = sources.read_source(
        data,
        sources.LongColumns.of(estimator),
        known_ids=None if fitted is None else fitted.ids,
        allow_empty=allow_empty,
        store=value_store(kind, None if reading is None else reading.folder),
        shared=reading,
    )
    columns = panel.columns
    if fitted is None:
        _refuse_mixed_axes(panel.ids, panel.indexes, "series")
    container = Container(
        panel.kind, True, name=columns.target, level_names=(columns.id, columns.time)
    )
    features = {"n_features_in_": 1} if fitted is None else {}
    return Observations(
        panel.ids, panel.values, panel.indexes, None, container, features=features
    )


def _read_panel_covariates(X, y, estimator, fitted, target_input="y"):
    """A panel ``y`` and its covariates ``X`` in the same container.

    ``target_input`` names the target in errors ("X" when it came as a
    column of one long frame).
    """
    observations = _read_panel(y, estimator, fitted, input_name=target_input)
    names = None if fitted is None else _fitted_covariate_names(estimator)
    covariates, names, features = panel_covariates(
        X,
        observations.ids,
        observations.targets,
        observations.indexes,
        observations.container.kind,
        names=names,
    )
    return dataclasses.replace(
        observations,
        covariates=covariates,
        covariate_names=names,
        features=features if fitted is None else {},
    )


def _read_items(items, estimator, input_name, short=False, explicit=False):
    """``(ids, values, indexes)`` of a panel's ``(series id, series)`` items
    (``short``: new observations of fitted series, see
    :func:`~skrnn._forecasting.series.series_index`; ``explicit``: a long
    panel's time level, which must be a time axis)."""
    ids, values, indexes = [], [], []
    for series_id, series in items:
        where = f"{input_name}[{series_id!r}]"
        array = _values(series, estimator, where)
        if array.ndim != 1:
            raise ValueError(
                f"Each series of a panel must be 1-D; {where} has shape {array.shape}."
            )
        ids.append(series_id)
        values.append(array[:, np.newaxis])
        if not explicit:
            _warn_uneven_integer_index(series, where)
        try:
            index = series_index(series, short=short)
            if index is None and explicit:
                raise ValueError(
                    "its time steps are neither time stamps nor evenly spaced, "
                    "increasing integers (steps missing, repeated or out of order)."
                )
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        indexes.append(index)
    return ids, values, indexes


def _refuse_mixed_axes(ids, indexes, input_name):
    """One network learns from every series of a panel, with one season length
    and one calendar: series of other frequencies are refused (the first
    series' would be taken for all). Frequencies are compared by their mean
    step: month starts, month ends and monthly periods are one axis, weeks
    ending on any day and 7 days another; days (1 day) and business days
    (1.4) are two."""
    first = None
    seen = set()
    for series_id, index in zip(ids, indexes, strict=True):
        if id(index) in seen:  # series on one shared time grid
            continue
        seen.add(id(index))
        step = nominal_step(index)
        if step is None or step <= pd.Timedelta(0):
            continue
        if first is None:
            first = (series_id, index, step)
            continue
        ratio = max(step, first[2]) / min(step, first[2])
        if ratio > _SAME_FREQUENCY:

            def axis(index):
                return f"a {type(index).__name__} of frequency {index.freqstr}"

            raise ValueError(
                f"{input_name}[{series_id!r}] has {axis(index)}, but "
                f"{input_name}[{first[0]!r}] {axis(first[1])}: a panel's series "
                "share one time axis (one season length, one calendar). Fit one "
                "forecaster per frequency."
            )


# Mean steps within this ratio are one frequency: months of 28-31 days, a few
# steps of a short series.
_SAME_FREQUENCY = 1.25


def _refuse_lost_indexes(items, indexes, pandas_items, input_name):
    """A panel of arrays and pandas Series comes back as arrays: a Series'
    time index would be dropped from its forecasts without a word."""
    if pandas_items:
        return
    for (series_id, _), index in zip(items, indexes, strict=True):
        if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
            raise ValueError(
                f"{input_name}[{series_id!r}] is a pandas Series with a time index, "
                "but other series of the panel are arrays: forecasts of such a "
                "panel come back as arrays, without it. Give every series as a "
                "pandas Series (or every one as an array)."
            )


def _long_column(data):
    """A long panel's value column (a Series), its MultiIndex checked."""
    if isinstance(data, pd.DataFrame):
        if data.shape[1] != 1:
            raise ValueError(
                "A long-format panel must have one value column; got "
                f"{data.shape[1]}. Pass the column, e.g. frame['sales']."
            )
        data = data.iloc[:, 0]
    if data.index.nlevels != 2:
        raise ValueError(
            "A long-format panel needs a two-level MultiIndex (series id, time); "
            f"got {data.index.nlevels} levels."
        )
    missing = data.index.get_level_values(0).isna()
    if missing.any():
        raise ValueError(
            f"The long-format panel has {int(missing.sum())} rows without a series "
            f"id (first at row {int(np.argmax(missing))}): give every row its "
            "series' id, or drop those rows first."
        )
    data = _numpy_time_level(data)
    missing = data.index.codes[1] == -1  # NaT, NaN, None, pd.NA
    if missing.any():
        row = int(np.argmax(missing))
        series_id = data.index.get_level_values(0)[row]
        name = data.index.names[1]
        where = "its time level" if name is None else f"the time column {name!r}"
        raise ValueError(
            f"Series {series_id!r} has a missing value in {where} (NaT or null; "
            f"first at row {row}): give every row its time, or drop the rows "
            "without one first."
        )
    return data


def _numpy_time_level(data):
    """A long panel whose time level is backed by pyarrow
    (``pd.read_parquet(path, dtype_backend="pyarrow")``) with that level as
    NumPy-backed time stamps (in their time zone, dates as midnight) or
    integers, which is how series' time axes are read; any other panel as it
    is."""
    level = data.index.levels[1]
    dtype = sources.numpy_time_dtype(level.dtype)
    if dtype is None:
        return data
    # The level's distinct values alone (missing ones are codes, not values).
    index = data.index.set_levels(level.astype(dtype), level=1)
    return data.set_axis(index)


def _read_long_on_grids(data):
    """``(ids, values, indexes)`` of a long panel, read at once, or None.

    A long panel whose values are finite numbers and whose time stamps are
    time-zone-free, each series' evenly spaced (three or more, any order), is
    read without splitting it into a pandas Series per series: one sort by
    (series, time), each series' values a view of the sorted values (of the
    panel's own if its rows are in that order already, as a Series per series
    would be), each series' index a view of one index per time step that
    spans the series of that step (:func:`~skrnn._forecasting.sources.grid_indexes`, as for a
    Parquet panel), series in the order of their first row. Any other panel
    (numbers to convert, missing values, integer or period or time-zone time
    stamps, a series of fewer than three stamps or not evenly spaced, which
    may be a calendar frequency such as months) returns None and is read
    series by series, as ``groupby`` splits it, with each error naming its
    series.
    """
    times = data.index.get_level_values(1)
    if (
        not len(data)
        or not isinstance(times, pd.DatetimeIndex)
        or times.tz is not None
        or times.hasnans
        or data.dtype.kind not in "biuf"
    ):
        return None
    values = data.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(values)):
        return None
    codes, ids = pd.factorize(data.index.get_level_values(0), sort=False)
    stamps = times.asi8
    order = np.lexsort((stamps, codes))
    counts = np.bincount(codes, minlength=len(ids))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    if counts.min() < 3:
        return None
    stamps = stamps[order]
    steps = np.diff(stamps)
    # The step from one series' last stamp to the next series' first counts as
    # the step before it: each series' steps are then one segment each.
    steps[starts[1:] - 1] = steps[starts[1:] - 2]
    step = np.minimum.reduceat(steps, starts)
    if np.any(step <= 0) or np.any(np.maximum.reduceat(steps, starts) != step):
        return None
    del steps
    if np.any(order[1:] < order[:-1]):  # else already in order: views of the data's
        values = values[order]
    ids = list(ids)
    grids = {
        position: (series_id, (times.dtype, int(stamps[start]), int(gap), int(count)))
        for position, (series_id, start, gap, count) in enumerate(
            zip(ids, starts, step, counts, strict=True)
        )
    }
    indexes = sources.grid_indexes(grids, times.name)
    return (
        ids,
        [
            values[start : start + count, np.newaxis]
            for start, count in zip(starts, counts, strict=True)
        ],
        [indexes[position] for position in range(len(ids))],
    )


def _long_items(data):
    """``(series id, series)`` of a long panel (its checked value column),
    each series sorted by time, in the order of their first rows."""
    items = []
    for series_id, series in data.groupby(level=0, sort=False):
        series = series.droplevel(0).sort_index()
        index = series.index
        if isinstance(index, pd.DatetimeIndex) and index.freq is None:
            series.index = index  # the frequency is inferred by series_index
        items.append((series_id, series))
    return items


# -------------------------------------------------------- feature records
def check_series_columns(estimator, X):
    """New values of a series with named columns must name the same columns.

    Plain values (a list, an array, a Series of pandas' default name) are taken
    as the fitted columns, in order: no warning for updating a named series with
    numbers.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None or not isinstance(X, pd.DataFrame):
        return
    if [str(c) for c in X.columns] != list(names):
        raise ValueError(
            f"The new values' columns {list(X.columns)!r} are not the fitted "
            f"series' columns {list(names)!r}."
        )


def _as_2d(data):
    """A 1-D series as one column, so validate_data records one feature."""
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, pd.DataFrame):
        return data
    values = np.asarray(data)
    return values.reshape(-1, 1) if values.ndim == 1 else values
