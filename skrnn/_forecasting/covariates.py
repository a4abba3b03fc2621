"""Covariates: what each column is, calendar features, static encodings, network rows.

A forecaster's covariates come in three kinds, told apart by where they are
given and by one parameter:

* **known-future** (the default for every column of ``X``): known for the
  training steps and for the steps to forecast (prices, promotions, holidays);
  ``predict(X=future)`` takes their future values. Calendar features
  (``calendar_features``) are known-future columns computed from the index.
* **past-only** (the columns of ``X`` named in ``past_covariates``): observed up
  to the forecast origin (temperatures, footfall); ``predict`` needs none.
* **static** (``fit(..., static=frame)``, a frame indexed by series id): one row
  per series; numeric columns standardised, categorical ones one-hot encoded.

:class:`CovariateSpec` records the resolved kinds (saved with the plan);
:func:`assemble` turns a window of values and the covariates of its steps and of
the steps it forecasts into the network's input: each past step reads its value,
its past-only and known covariates and a flag 0; each forecast step reads its
known covariates and a flag 1 (value and past-only covariates 0), so a direct
network reads the future block it forecasts. Static values are appended to
every step.
"""

import dataclasses
from numbers import Integral

import numpy as np
import pandas as pd

# Calendar features: name -> (period, how to read it from a DatetimeIndex).
# Each is encoded as the sine and cosine of its phase in the period.
CALENDAR = {
    "hour": (24, lambda index: index.hour),
    "dayofweek": (7, lambda index: index.day_of_week),
    "dayofmonth": (31, lambda index: index.day - 1),
    "month": (12, lambda index: index.month - 1),
    "quarter": (4, lambda index: index.quarter - 1),
}
_DAY = pd.Timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class CovariateSpec:
    """The covariates a plan reads, resolved at a fresh ``fit``.

    ``names`` are the columns of ``X`` (strings, or positions for arrays);
    ``past`` the positions of the past-only ones; ``calendar`` the calendar
    features appended after them (two columns each); ``n_static`` the width
    of the encoded static covariates.
    """

    names: tuple
    past: tuple = ()
    calendar: tuple = ()
    n_static: int = 0

    @property
    def n_columns(self):
        """Columns of ``X``."""
        return len(self.names)

    @property
    def known(self):
        """Positions of the known-future columns, calendar ones included."""
        given = [i for i in range(self.n_columns) if i not in self.past]
        calendar = range(self.n_columns, self.n_columns + 2 * len(self.calendar))
        return tuple(given) + tuple(calendar)

    @property
    def future_names(self):
        """The columns of ``X`` that ``predict`` takes: the known-future ones."""
        return tuple(n for i, n in enumerate(self.names) if i not in self.past)

    @property
    def dynamic(self):
        """Whether any column varies over time (``X``'s or calendar ones)."""
        return self.n_columns + len(self.calendar) > 0

    def n_features(self, n_targets):
        """Features per step of a window (before folding)."""
        return n_targets + len(self.past) + len(self.known) + 1

    def to_dict(self):
        return {
            "names": list(self.names),
            "past": list(self.past),
            "calendar": list(self.calendar),
            "n_static": self.n_static,
        }

    @classmethod
    def from_dict(cls, values):
        if values is None:
            return None
        return cls(
            tuple(values["names"]),
            tuple(values["past"]),
            tuple(values["calendar"]),
            int(values["n_static"]),
        )


# ------------------------------------------------------------ resolving
def resolve_covariates(params, observations, *, static_width=0):
    """The :class:`CovariateSpec` of a fresh fit, or None without covariates.

    ``params`` are the forecaster's parameters (``past_covariates``,
    ``calendar_features``); ``observations`` the training series.
    """
    names = tuple(observations.covariate_names or ())
    past = _past_positions(params["past_covariates"], names, observations)
    calendar = resolve_calendar(params["calendar_features"], observations.indexes)
    if not names and not calendar and not static_width:
        return None
    return CovariateSpec(names, past, calendar, static_width)


def _past_positions(past_covariates, names, observations):
    if past_covariates is None:
        return ()
    if observations.covariates is None:
        raise ValueError(
            f"past_covariates={list(past_covariates)!r} names columns of X, but "
            "fit was given no covariates: call fit(X, y) with X holding them."
        )
    positions = []
    for column in past_covariates:
        if isinstance(column, str) and column in names:
            positions.append(names.index(column))
        elif (
            isinstance(column, (Integral, np.integer))
            and not isinstance(column, bool)
            and all(isinstance(n, (Integral, np.integer)) for n in names)
            and 0 <= column < len(names)
        ):
            positions.append(int(column))
        else:
            raise ValueError(
                f"past_covariates names column {column!r}, which X does not hold; "
                f"its columns are {list(names)!r}."
            )
    return tuple(sorted(set(positions)))


def resolve_calendar(calendar_features, indexes):
    """The calendar features to compute: those named, or "auto" from the step."""
    if calendar_features is None:
        return ()
    index = indexes[0]
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or any(
        not isinstance(i, (pd.DatetimeIndex, pd.PeriodIndex)) for i in indexes
    ):
        raise ValueError(
            "calendar_features needs series with a DatetimeIndex or PeriodIndex "
            "(pandas objects, or a long frame whose time level is one)."
        )
    if calendar_features != "auto":
        features = tuple(calendar_features)
        unknown = [f for f in features if f not in CALENDAR]
        if unknown or not features:
            raise ValueError(
                f"calendar_features must be 'auto' or a list of {sorted(CALENDAR)}; "
                f"got {calendar_features!r}."
            )
        return features
    step = _step(index)
    if step < _DAY:
        return ("hour", "dayofweek")
    if step < 7 * _DAY:
        return ("dayofweek", "month")
    if step < 28 * _DAY:
        return ("month",)
    if step < 85 * _DAY:
        return ("month",)
    if step < 360 * _DAY:
        return ("quarter",)
    return ()


def _step(index):
    timestamps = _timestamps(index[:2])
    if len(timestamps) < 2:
        return _DAY
    return timestamps[1] - timestamps[0]


def _timestamps(index):
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    return index


def calendar_columns(index, features):
    """``(len(index), 2 * len(features))``: sine and cosine of each feature."""
    if not features:
        return np.empty((len(index), 0))
    timestamps = _timestamps(index)
    columns = []
    for name in features:
        period, read = CALENDAR[name]
        phase = 2 * np.pi * np.asarray(read(timestamps), dtype=np.float64) / period
        columns += [np.sin(phase), np.cos(phase)]
    return np.column_stack(columns)


def with_calendar(covariates, indexes, spec, n_rows):
    """Each series' covariates (or None) with its calendar columns appended.

    ``n_rows[i]`` rows each; ``indexes[i]`` the index of the first rows (the
    calendar of later rows continues it).
    """
    from .series import continue_index  # noqa: PLC0415 (one-way helper)

    out = []
    for i, rows in enumerate(n_rows):
        given = np.empty((rows, 0)) if covariates is None else covariates[i][:rows]
        if spec.calendar:
            index = indexes[i]
            if len(index) < rows:
                index = index.append(continue_index(index, rows - len(index)))
            given = np.hstack([given, calendar_columns(index[:rows], spec.calendar)])
        out.append(given)
    return out


def covariate_rows(spec, histories, indexes, future, seen):
    """Each series' covariates to forecast from: ``seen[i]``, those of its
    history (None: zeros), then ``future[i]``, calendar added."""
    full = [
        np.concatenate([np.zeros((len(h), spec.n_columns)) if s is None else s, f])
        for h, s, f in zip(histories, seen, future, strict=True)
    ]
    rows = [len(f) for f in full]
    return with_calendar(full, indexes, spec, rows)


# --------------------------------------------------------------- static
class StaticEncoder:
    """Per-series covariates as network inputs: numbers standardised, other
    columns (strings, categories, booleans) one-hot encoded.

    Fitted on a frame with one row per series; :meth:`transform` refuses a
    category it did not see, naming the series and the column.
    """

    def fit(self, frame):
        frame = _as_frame(frame)
        self.columns_ = list(frame.columns)
        self.numeric_ = [c for c in frame.columns if _is_numeric(frame[c])]
        categorical = [c for c in frame.columns if c not in self.numeric_]
        self.categories_ = [sorted(frame[c].unique().tolist()) for c in categorical]
        _check_finite(frame, self.numeric_)
        values = frame[self.numeric_].to_numpy(np.float64)
        self.mean_ = values.mean(axis=0) if len(self.numeric_) else np.empty(0)
        scale = values.std(axis=0) if len(self.numeric_) else np.empty(0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    @property
    def width(self):
        return len(self.numeric_) + sum(len(c) for c in self.categories_)

    def transform(self, frame):
        frame = _as_frame(frame)
        missing = [c for c in self.columns_ if c not in frame.columns]
        if missing:
            raise ValueError(
                f"The static covariates lack the fitted column(s) {missing!r}."
            )
        _check_finite(frame, self.numeric_)
        numbers = (frame[self.numeric_].to_numpy(np.float64) - self.mean_) / self.scale_
        blocks = [numbers]
        categorical = [c for c in self.columns_ if c not in self.numeric_]
        for column, categories in zip(categorical, self.categories_, strict=True):
            known = {category: k for k, category in enumerate(categories)}
            onehot = np.zeros((len(frame), len(categories)))
            for row, (series_id, value) in enumerate(frame[column].items()):
                if value not in known:
                    raise ValueError(
                        f"Series {series_id!r}: static covariate {column!r} has "
                        f"the category {value!r}, not seen in fit (seen: "
                        f"{categories!r})."
                    )
                onehot[row, known[value]] = 1.0
            blocks.append(onehot)
        return np.hstack(blocks)


def _as_frame(frame):
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            "static must be a pandas DataFrame indexed by series id, one row per "
            f"series; got {type(frame).__name__}."
        )
    return frame


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
        column
    )


def _check_finite(frame, numeric):
    for column in frame.columns:
        bad = frame[column].isna()
        if column in numeric:
            bad |= ~np.isfinite(frame[column].to_numpy(np.float64))
        if bad.any():
            raise ValueError(
                f"Series {frame.index[bad.to_numpy()][0]!r}: static covariate "
                f"{column!r} is missing or not finite."
            )


def static_rows(static, ids, *, container_ids):
    """The static frame's rows of series ``ids``, in order, or an error naming
    the series it lacks (or holds in excess)."""
    static = _as_frame(static)
    if not container_ids:  # one series: a one-row frame
        if len(static) != 1:
            raise ValueError(
                f"static covariates of one series are one row; got {len(static)} rows."
            )
        return static
    missing = [i for i in ids if i not in static.index]
    if missing:
        raise ValueError(
            f"The static covariates have no row for series {missing[0]!r} (indexed "
            "by series id, one row per series)."
        )
    if static.index.has_duplicates:
        raise ValueError("The static covariates hold several rows for one series.")
    return static.loc[list(ids)]


def check_static_again(encoder, static_inputs, static):
    """A warm start keeps the fitted static covariates (``encoder``, None if
    there were none, and their rows ``static_inputs``): new ones must encode
    alike (no unseen category) and may not appear from nowhere."""
    if static is None:
        return
    if encoder is None:
        raise ValueError(
            "warm_start continues a forecaster fitted without static covariates: "
            "fit it afresh to add them."
        )
    if not np.allclose(encoder.transform(static), static_inputs):
        raise ValueError(
            "warm_start keeps the fitted static covariates: these differ; fit "
            "afresh to change them."
        )


# --------------------------------------------------------- network rows
def scaled(scaler, covariates, spec, n_seen):
    """A series' covariates on the network's scale; past-only columns of the
    steps after ``n_seen`` (not observed at the origin) read 0, their mean."""
    values = covariates if scaler is None else scaler.transform(covariates)
    values = np.array(values, dtype=np.float64)
    if spec.past:
        values[n_seen:, list(spec.past)] = 0.0
    return values


def assemble(values, covariates, spec, static=None, fold=1):
    """Network inputs of windows: ``values`` ``(n, window, n_targets)`` on the
    network's scale, ``covariates`` ``(n, window + horizon, n_columns)`` scaled,
    ``static`` ``(n, n_static)`` or None; ``fold`` values per network step
    (the forecast steps padded with zero rows to a whole step).
    """
    n, window, n_targets = values.shape
    horizon = covariates.shape[1] - window
    past = covariates[:, :, list(spec.past)].copy()
    past[:, window:] = 0.0
    flag = np.zeros((n, window + horizon, 1))
    flag[:, window:] = 1.0
    rows = np.concatenate(
        [
            np.concatenate([values, np.zeros((n, horizon, n_targets))], axis=1),
            past,
            covariates[:, :, list(spec.known)],
            flag,
        ],
        axis=2,
    )
    if fold > 1:
        padding = -rows.shape[1] % fold
        rows = np.concatenate([rows, np.zeros((n, padding, rows.shape[2]))], axis=1)
        rows = rows.reshape(n, rows.shape[1] // fold, fold * rows.shape[2])
    if static is not None and static.shape[1]:
        steps = np.broadcast_to(
            static[:, np.newaxis], (n, rows.shape[1], static.shape[1])
        )
        rows = np.concatenate([rows, steps], axis=2)
    return rows.astype(np.float32)


def padded_rows(covariates, n_rows):
    """``covariates`` with its last row repeated to ``n_rows`` rows (a partial
    last block of the direct strategy reads copies of the last given step)."""
    missing = n_rows - len(covariates)
    if missing <= 0:
        return covariates[:n_rows]
    return np.concatenate([covariates, np.repeat(covariates[-1:], missing, axis=0)])


def with_calendar_columns(observations, spec):
    """Training observations whose covariates hold the calendar columns too
    (and are arrays of no column when only static covariates are read)."""
    if spec is None:
        return observations
    rows = [len(target) for target in observations.targets]
    covariates = with_calendar(
        observations.covariates, observations.indexes, spec, rows
    )
    return dataclasses.replace(observations, covariates=covariates)
