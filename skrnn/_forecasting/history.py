"""The series a fitted forecaster continues from, as the attributes that hold them.

A forecaster keeps the target history of each series it forecasts (``y_``),
its time index (``index_``), its covariates (``X_``) and, for a panel, the
series ids (``series_ids_``). :func:`history_attributes` makes those
attributes from :class:`~skrnn._forecasting.data.Observations`;
:func:`appended_history` makes them anew with an ``update``'s observations
appended.
"""

import dataclasses

import numpy as np

from . import sources
from .series import extended_index, for_series
from .value_store import MemoryStore


def history_attributes(observations):
    """``y_``, ``index_``, ``X_`` (and ``series_ids_``) of the series seen."""
    if observations.container.is_panel:
        ids = list(observations.ids)
        covariates = observations.covariates
        return {
            "y_": dict(zip(ids, observations.targets, strict=True)),
            "index_": dict(zip(ids, observations.indexes, strict=True)),
            "X_": None
            if covariates is None
            else dict(zip(ids, covariates, strict=True)),
            "series_ids_": ids,
        }
    covariates = observations.covariates
    return {
        "y_": observations.targets[0],
        "index_": observations.indexes[0],
        "X_": None if covariates is None else covariates[0],
    }


def shared_history_indexes(index_):
    """A panel's ``index_`` with its time indexes as views of one per time step
    (:func:`~skrnn._forecasting.sources.shared_indexes`): a forecaster read
    back from a file or a pickle rebuilt each series' index on its own."""
    if not isinstance(index_, dict):
        return index_
    ids = list(index_)
    shared = sources.shared_indexes(ids, [index_[i] for i in ids])
    return dict(zip(ids, shared, strict=True))


def appended_history(ids, histories, indexes, new, seen, with_covariates, store=None):
    """The history attributes with the observations ``new`` appended.

    ``ids``, ``histories`` and ``indexes`` are the fitted series (lists, which
    this fills in), ``seen`` their covariates (``X_``); without covariates the
    result holds no ``X_``. ``store`` holds the extended series
    (:mod:`~skrnn._forecasting.value_store`; None: in memory).
    """
    position = {series_id: i for i, series_id in enumerate(ids)}
    # Every series validated first: a failed update changes nothing. Appending
    # copies each index: the extended ones become views of one per time step
    # again (as fit made them), one object for the series of one time grid.
    extended = [
        for_series(
            i,
            extended_index,
            indexes[position[i]],
            index,
            len(values),
            explicit=new.container.explicit_time,
        )
        for i, values, index in zip(new.ids, new.targets, new.indexes, strict=True)
    ]
    extended = sources.shared_indexes(new.ids, extended)
    store = MemoryStore() if store is None else store
    try:
        for series_id, values, index in zip(
            new.ids, new.targets, extended, strict=True
        ):
            p = position[series_id]
            histories[p] = store.put(np.concatenate([histories[p], values]))
            indexes[p] = index
        for series_id in new.ids:
            histories[position[series_id]] = store.get(histories[position[series_id]])
    finally:
        store.close()
    # Every series' history (the update may name some of them); their
    # covariates are appended below.
    state = history_attributes(
        dataclasses.replace(
            new, ids=ids, targets=histories, indexes=indexes, covariates=None
        )
    )
    if not with_covariates:
        state.pop("X_")
    elif new.container.is_panel:
        seen = dict(seen)
        for series_id, rows in zip(new.ids, new.covariates, strict=True):
            seen[series_id] = np.concatenate([seen[series_id], rows])
        state["X_"] = {series_id: seen[series_id] for series_id in ids}
    else:
        state["X_"] = np.concatenate([seen, new.covariates[0]])
    return state
