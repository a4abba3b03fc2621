"""What a saved file may hold: the classes it may name and the state of each.

A file written by :func:`~skrnn.save_estimator` names classes by stable
identifiers (``CLASSES``), never by their modules. ``STATE`` declares, for
each class, the fitted attributes a file may set besides the parameters of its
``__init__``, and the kind of value each must hold: :func:`declared` gives
both, which :func:`~skrnn.load_estimator` checks before and after decoding a
value.
"""

import dataclasses
import functools
import importlib
import inspect

import numpy as np
import pandas as pd

from ._backend import get_keras
from ._forecasting.series import is_time_axis

# Stable identifier written in a file -> "module:attribute" of the class it names.
# Files never name private modules, so code can move without breaking them: a
# moved or new class is one line here.
CLASSES = {
    "skrnn.RNNRegressor": "skrnn:RNNRegressor",
    "skrnn.RNNClassifier": "skrnn:RNNClassifier",
    "skrnn.SequenceForecaster": "skrnn:SequenceForecaster",
    "skrnn.WindowTransformer": "skrnn:WindowTransformer",
    "skrnn.InputEncoder": "skrnn._encoders:InputEncoder",
    "skrnn.TargetScaler": "skrnn._encoders:TargetScaler",
    "skrnn.TargetTransform": "skrnn._forecasting.transforms:TargetTransform",
    "skrnn.StaticEncoder": "skrnn._forecasting.covariates:StaticEncoder",
    "sklearn.Pipeline": "sklearn.pipeline:Pipeline",
    "sklearn.StandardScaler": "sklearn.preprocessing:StandardScaler",
    "sklearn.MinMaxScaler": "sklearn.preprocessing:MinMaxScaler",
}


# ------------------------------------------------------------ declared state
@dataclasses.dataclass(frozen=True)
class _Kind:
    """A type a file's value must have: ``accepts(value)``; ``what`` for messages."""

    what: str
    accepts: object  # callable(value) -> bool


def _scalar(what, *types):
    # bool is an int to Python, never to these declarations.
    return _Kind(
        what, lambda v: isinstance(v, types) and not isinstance(v, (bool, np.bool_))
    )


_ANY = _Kind("anything", lambda v: True)
_NONE = _Kind("None", lambda v: v is None)
# NumPy's numbers are accepted where Python's are: a file keeps their type.
_BOOL = _Kind("a bool", lambda v: isinstance(v, (bool, np.bool_)))
_INT = _scalar("an int", int, np.integer)
_REAL = _scalar("a number", int, float, np.integer, np.floating)
_STR = _Kind("a str", lambda v: isinstance(v, str))
_INDEX = _Kind("a pandas Index", lambda v: isinstance(v, pd.Index))
# A forecaster's time axis, as ``fit`` keeps it (forecasts continue it).
_TIME_INDEX = _Kind(
    "a RangeIndex of positive step, a DatetimeIndex with a frequency or a PeriodIndex",
    is_time_axis,
)
_KERAS = _Kind("a keras.Model", lambda v: isinstance(v, get_keras().Model))


def _either(*kinds):
    return _Kind(
        " or ".join(k.what for k in kinds), lambda v: any(k.accepts(v) for k in kinds)
    )


def _list_of(kind):
    return _Kind(
        f"a list of ({kind.what})",
        lambda v: isinstance(v, list) and all(kind.accepts(x) for x in v),
    )


def _tuple_of(kind):
    return _Kind(
        f"a tuple of ({kind.what})",
        lambda v: isinstance(v, tuple) and all(kind.accepts(x) for x in v),
    )


def _dict_of(key, value):
    return _Kind(
        f"a dict of ({key.what}) to ({value.what})",
        lambda v: (
            isinstance(v, dict)
            and all(key.accepts(k) and value.accepts(x) for k, x in v.items())
        ),
    )


def _array(kinds, what):
    return _Kind(what, lambda v: isinstance(v, np.ndarray) and v.dtype.kind in kinds)


def _instance(class_id):
    return _Kind(f"a {class_id}", lambda v: isinstance(v, resolve(CLASSES[class_id])))


def _nested(what, leaf):
    """``leaf`` values, or lists and tuples of them at any depth (JSON bounds it)."""

    def accepts(value):
        if isinstance(value, (list, tuple)):
            return all(accepts(item) for item in value)
        return leaf(value)

    return _Kind(what, accepts)


def _is_json_scalar(value):
    return value is None or isinstance(
        value, (bool, int, float, str, np.bool_, np.integer, np.floating)
    )


# A name pandas or the user gave (a Series name, a series id, a level name).
_NAME = _nested("a name (None, a number, a str, or a tuple of them)", _is_json_scalar)
# Plain values: recorded parameters (``training_params_``).
_PLAIN = _nested("plain values (None, numbers, str, or lists of them)", _is_json_scalar)
_FLOATS = _array("f", "a float array")
_STRINGS = _array("OU", "an array of str")
_LABELS = _array("biufOU", "an array of labels")
_HISTORY = _dict_of(_STR, _list_of(_REAL))
_PARAMS_RECORD = _dict_of(_STR, _PLAIN)
_OPTIONAL_FLOATS = _either(_NONE, _FLOATS)

# Fitted attributes every estimator that validates X with scikit-learn may have.
_FEATURES = {"n_features_in_": _INT, "feature_names_in_": _STRINGS}
_SEQUENCE_ESTIMATOR = {
    **_FEATURES,
    "model_": _KERAS,
    "history_": _HISTORY,
    "n_iter_": _INT,
    "input_shape_": _tuple_of(_either(_INT, _NONE)),
    "n_networks_": _INT,
    "n_outputs_": _INT,
    "vocabulary_": _STRINGS,
    "conv_filters_": _either(_tuple_of(_INT), _list_of(_INT)),
    "input_encoder_": _instance("skrnn.InputEncoder"),
    "training_params_": _PARAMS_RECORD,
    "_fitted_params": _PARAMS_RECORD,
    "_seed": _INT,
    "_input_kind": _STR,
    "_symbol_kind": _STR,
    # The architecture as recorded before training_params_ held it.
    "_architecture": _PARAMS_RECORD,
}
_OPTIONAL_TRANSFORM = _either(_NONE, _instance("skrnn.TargetTransform"))
# A pipeline step: its name and an object of a class below, "passthrough" or None.
_PIPELINE_STEP = _Kind(
    "a (name, estimator) pair",
    lambda v: (
        isinstance(v, tuple)
        and len(v) == 2
        and isinstance(v[0], str)
        and (type(v[1]) in class_ids() or v[1] is None or v[1] == "passthrough")
    ),
)

# What a file may set on each class of CLASSES, besides the parameters of its
# ``__init__`` (whose values the class's ``_parameter_constraints`` check, where
# it has them): attribute -> the kind of value it must hold. Anything else --
# transient state such as the compiled predictor, a misspelt or foreign
# attribute -- is refused, so a loaded estimator holds only what its code
# expects. A new fitted attribute is one line here (the round-trip tests fail
# until it is declared).
STATE = {
    "skrnn.RNNRegressor": {
        **_SEQUENCE_ESTIMATOR,
        "target_scaler_": _instance("skrnn.TargetScaler"),
        "calibration_errors_": _OPTIONAL_FLOATS,
        # Why calibration_errors_ is None though early stopping was asked for.
        "_uncalibrated": _either(_NONE, _STR),
        "_y_sample_ndim": _INT,
    },
    "skrnn.RNNClassifier": {
        **_SEQUENCE_ESTIMATOR,
        "classes_": _LABELS,
        "_multilabel": _BOOL,
    },
    "skrnn.SequenceForecaster": {
        **_FEATURES,
        "model_": _KERAS,
        "models_": _list_of(_KERAS),
        "history_": _HISTORY,
        "histories_": _list_of(_HISTORY),
        "n_iter_": _INT,
        "normalize_": _STR,
        "training_params_": _PARAMS_RECORD,
        "window_": _INT,
        "season_length_": _INT,
        "strategy_": _STR,
        "log_": _BOOL,
        "differences_": _tuple_of(_INT),
        "calibration_method_": _either(_NONE, _STR),
        "calibration_scores_": _OPTIONAL_FLOATS,
        "calibration_scales_": _OPTIONAL_FLOATS,
        "n_targets_": _INT,
        "y_": _either(_FLOATS, _dict_of(_NAME, _FLOATS)),
        "X_": _either(_NONE, _FLOATS, _dict_of(_NAME, _FLOATS)),
        "index_": _either(
            _NONE, _TIME_INDEX, _dict_of(_NAME, _either(_NONE, _TIME_INDEX))
        ),
        "series_ids_": _list_of(_NAME),
        "target_transforms_": _either(_NONE, _list_of(_OPTIONAL_TRANSFORM)),
        "covariate_scaler_": _either(_NONE, _instance("sklearn.StandardScaler")),
        "static_encoder_": _either(_NONE, _instance("skrnn.StaticEncoder")),
        "calendar_features_": _either(_NONE, _list_of(_STR)),
        "_covariates": _either(_NONE, _dict_of(_STR, _either(_INT, _NAME))),
        "_static_inputs": _OPTIONAL_FLOATS,
        "_seed": _INT,
        "_network_steps": _INT,
        "_with_covariates": _BOOL,
        "_calibration_note": _either(_NONE, _STR),
        "_container": _dict_of(_STR, _either(_NAME, _INDEX)),
        "_fitted_params": _PARAMS_RECORD,
    },
    "skrnn.WindowTransformer": dict(_FEATURES),
    "skrnn.InputEncoder": {
        # Parameters (the class has no _parameter_constraints).
        "scale": _either(_NONE, _STR, _BOOL),
        "masked": _BOOL,
        "mask_value": _either(_NONE, _REAL),
        "max_steps": _either(_NONE, _INT),
        "resample": _BOOL,
        "pool": _BOOL,
        "mean_": _OPTIONAL_FLOATS,
        "scale_": _OPTIONAL_FLOATS,
        "fold_": _INT,
        "pool_size_": _INT,
        "resample_to_": _either(_NONE, _INT),
    },
    "skrnn.StaticEncoder": {
        "columns_": _list_of(_NAME),
        "numeric_": _list_of(_NAME),
        "categories_": _list_of(_list_of(_NAME)),
        "mean_": _FLOATS,
        "scale_": _FLOATS,
    },
    "skrnn.TargetScaler": {
        "scale": _BOOL,
        "mean_": _OPTIONAL_FLOATS,
        "scale_": _OPTIONAL_FLOATS,
    },
    "skrnn.TargetTransform": {
        "log": _BOOL,
        "differences": _tuple_of(_INT),
        "scale": _BOOL,
        "scaler_": _either(_NONE, _instance("sklearn.StandardScaler")),
    },
    "sklearn.Pipeline": {
        "steps": _list_of(_PIPELINE_STEP),
        # A cache folder named by a file would be written to on the next fit.
        "memory": _NONE,
        "transform_input": _either(_NONE, _list_of(_STR)),
    },
    "sklearn.StandardScaler": {
        **_FEATURES,
        "mean_": _OPTIONAL_FLOATS,
        "var_": _OPTIONAL_FLOATS,
        "scale_": _OPTIONAL_FLOATS,
        "n_samples_seen_": _either(_REAL, _array("iuf", "an array of counts")),
    },
    "sklearn.MinMaxScaler": {
        **_FEATURES,
        **dict.fromkeys(
            ("min_", "scale_", "data_min_", "data_max_", "data_range_"), _FLOATS
        ),
        "n_samples_seen_": _INT,
    },
}
# set_output's choice, on any scikit-learn estimator.
_OUTPUT_CONFIG = {"_sklearn_output_config": _dict_of(_STR, _STR)}


@functools.cache
def declared(class_id):
    """``(parameters, attribute -> kind)`` a file may set on ``class_id``."""
    cls = resolve(CLASSES[class_id])
    signature = inspect.signature(cls.__init__)
    parameters = tuple(
        name
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    )
    kinds = {**dict.fromkeys(parameters, _ANY), **STATE[class_id]}
    if hasattr(cls, "_get_param_names"):  # a scikit-learn estimator
        kinds.update(_OUTPUT_CONFIG)
    return parameters, kinds


def resolve(location):
    """The class at a ``"module:attribute"`` location of ``CLASSES``."""
    module, _, attribute = location.partition(":")
    return getattr(importlib.import_module(module), attribute)


@functools.cache
def class_ids():
    """Class -> its identifier in ``CLASSES``."""
    return {resolve(location): name for name, location in CLASSES.items()}
