"""Saving fitted estimators: pickling support and a safe file format.

Pickle and joblib (``BaseRNN.__getstate__``) store the Keras network in the
``.keras`` format, in memory, next to the estimator's other attributes. They are
fast and handle anything, but loading a pickle runs code named in the file:
only load pickles you trust.

:func:`save_estimator` / :func:`load_estimator` write and read a zip file that
holds no pickled objects: parameters and fitted attributes as JSON, arrays as
NumPy ``.npy`` data read with ``allow_pickle=False``, networks as ``.keras``
files loaded in Keras' ``safe_mode``, and only classes from a registry are
instantiated, with only the attributes their entry in ``STATE`` declares, of
the declared types. A file from an untrusted source can at worst fail to load:
every size is checked before and while it is read, and anything malformed is
one ``ValueError`` starting "not a valid skrnn file".
"""

import contextlib
import dataclasses
import datetime
import functools
import importlib
import inspect
import io
import itertools
import json
import math
import os
import re
import tempfile
import zipfile
import zlib

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

from ._backend import get_keras

FORMAT = "skrnn-estimator"
# 2: classes named by registry identifiers; datetime indexes as integers with
# their time zone; dicts with non-string keys; RandomState objects.
# 3: estimators trained through the engine (input/target encoders, model_ on
# the forecaster). Files of earlier versions hold estimators this skrnn cannot
# rebuild: they are refused with a clear message.
# 4: the forecaster's fitted state as its restructured code holds it
# (``_container``, ``target_transforms_`` for one series too).
FORMAT_VERSION = 4
_OLDEST_READABLE = 3
# Classes whose state changed since the oldest readable version: files older
# than this version hold such an estimator in a form this skrnn cannot rebuild.
_OLDEST_READABLE_FOR = {"skrnn.SequenceForecaster": 4}

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
    "skrnn.TargetTransform": "skrnn._target:TargetTransform",
    "skrnn.StaticEncoder": "skrnn._covariates:StaticEncoder",
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
_BOOL = _Kind("a bool", lambda v: isinstance(v, bool))
_INT = _scalar("an int", int)
_REAL = _scalar("a number", int, float)
_STR = _Kind("a str", lambda v: isinstance(v, str))
_INDEX = _Kind("a pandas Index", lambda v: isinstance(v, pd.Index))
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
    return _Kind(f"a {class_id}", lambda v: isinstance(v, _resolve(CLASSES[class_id])))


def _nested(what, leaf):
    """``leaf`` values, or lists and tuples of them at any depth (JSON bounds it)."""

    def accepts(value):
        if isinstance(value, (list, tuple)):
            return all(accepts(item) for item in value)
        return leaf(value)

    return _Kind(what, accepts)


def _is_json_scalar(value):
    return value is None or isinstance(value, (bool, int, float, str))


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
        and (type(v[1]) in _class_ids() or v[1] is None or v[1] == "passthrough")
    ),
)
_OPTIONAL_INDEX = _either(_NONE, _INDEX)

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
        "index_": _either(_NONE, _INDEX, _dict_of(_NAME, _OPTIONAL_INDEX)),
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
def _declared(class_id):
    """``(parameters, attribute -> kind)`` a file may set on ``class_id``."""
    cls = _resolve(CLASSES[class_id])
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


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return f"a {type(value).__name__}"


# What load_estimator reads at most, generous for real models: a file is
# refused before its members are decompressed past these.
MAX_MEMBERS = 1_000  # zip members, in the file and in each archive inside it
MAX_MEMBER_BYTES = 2**30  # one decompressed member: 1 GiB
MAX_TOTAL_BYTES = 2**31  # everything decompressed from one file: 2 GiB
MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 100

# Reading a member: damaged data, an encrypted member (RuntimeError), an unknown
# compression method (NotImplementedError).
_CORRUPT_MEMBER = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)
# Decoding estimator.json: values of the wrong type or shape anywhere in it.
_MALFORMED_CONTENT = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
)
_MEMBER_NAME = re.compile(r"estimator\.json|arrays\.npz|model_\d+\.keras")
_ARRAY_NAME = re.compile(r"array_\d+\.npy")
_CHUNK = 2**20


class InvalidFileError(ValueError):
    """A file that :func:`load_estimator` cannot read: corrupt, foreign or unsafe.

    Its message starts with ``not a valid skrnn file:`` and names the reason.

    Parameters
    ----------
    reason : str
        What is wrong with the file.

    Examples
    --------
    >>> import os, tempfile
    >>> from skrnn import InvalidFileError, load_estimator
    >>> path = os.path.join(tempfile.mkdtemp(), "junk.skrnn")
    >>> _ = open(path, "wb").write(b"not a zip file")
    >>> try:
    ...     load_estimator(path)
    ... except InvalidFileError as error:
    ...     print(str(error)[:23])
    not a valid skrnn file:
    """

    def __init__(self, reason):
        super().__init__(f"not a valid skrnn file: {reason}")


# ----------------------------------------------------------------- pickling
def model_to_bytes(model):
    """Serialise a Keras model (architecture, weights, optimizer) as .keras bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def model_from_bytes(data, *, safe_mode=True):
    """Load a Keras model from .keras bytes."""
    keras = get_keras()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return keras.saving.load_model(path, safe_mode=safe_mode)


# ------------------------------------------------------------------ classes
def _resolve(location):
    module, _, attribute = location.partition(":")
    return getattr(importlib.import_module(module), attribute)


@functools.cache
def _class_ids():
    return {_resolve(location): name for name, location in CLASSES.items()}


# ------------------------------------------------------------------ writing
class _Writer:
    def __init__(self):
        self.arrays = {}
        self.models = {}
        self.model_names = {}  # id -> member: a network held twice is stored once

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, where) for v in value]}
        if isinstance(value, list):
            return [self.encode(v, where) for v in value]
        if isinstance(value, dict):
            return self._dict(value, where)
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, pd.Index):
            return self._index(value, where)
        if isinstance(value, np.random.RandomState):
            _, keys, position, has_gauss, gauss = value.get_state(legacy=True)
            state = [self._array(keys, where), position, has_gauss, gauss]
            return {"__random_state__": state}
        keras = get_keras()
        if isinstance(value, keras.Model):
            name = self.model_names.get(id(value))
            if name is None:
                name = f"model_{len(self.models)}.keras"
                self.models[name] = model_to_bytes(value)
                self.model_names[id(value)] = name
            return {"__keras__": name}
        return self._object(value, where)

    def _dict(self, value, where):
        if all(isinstance(key, str) for key in value):
            items = {k: self.encode(v, f"{where}.{k}") for k, v in value.items()}
            return {"__dict__": items}
        # JSON keys are strings: other keys (class_weight={0: 2.0}) go as pairs.
        pairs = [
            [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
            for k, v in value.items()
        ]
        return {"__items__": pairs}

    def _array(self, value, where):
        is_object = value.dtype == object
        if is_object:
            if not all(isinstance(item, str) for item in value.ravel()):
                raise TypeError(
                    f"{where}: object arrays can be saved only if they hold strings."
                )
            value = value.astype(str)
        name = f"array_{len(self.arrays)}"
        self.arrays[name] = value
        return {"__array__": name, "object": is_object}

    def _index(self, index, where):
        node = {"name": self.encode(index.name, where)}
        if isinstance(index, pd.PeriodIndex):
            values = index.astype(str).tolist()
            return {
                "__index__": "period",
                "values": values,
                "freq": index.freqstr,
                **node,
            }
        if isinstance(index, pd.DatetimeIndex):
            # Integers since the epoch (UTC for a zone-aware index) and the zone's
            # name: strings with offsets lose the zone and break across DST.
            return {
                "__index__": "datetime",
                "values": self._array(index.asi8, where),
                "unit": np.datetime_data(index.dtype.base)[0],
                "tz": _zone_to_json(index.tz, where),
                "freq": index.freqstr,
                **node,
            }
        if isinstance(index, pd.RangeIndex):  # forecasts continue it by its step
            return {
                "__index__": "range",
                "start": int(index.start),
                "stop": int(index.stop),
                "step": int(index.step),
                **node,
            }
        values = self.encode(index.to_numpy(), where)
        return {"__index__": "plain", "values": values, **node}

    def _object(self, value, where):
        name = _class_ids().get(type(value))
        if name is None:
            what = "a callable" if callable(value) else f"a {type(value).__name__}"
            raise TypeError(
                f"{where} is {what}, which the safe format cannot store. Use "
                "joblib.dump (load only trusted files) for such estimators."
            )
        transient = getattr(type(value), "_transient_attributes", ())
        state = {k: v for k, v in vars(value).items() if k not in transient}
        return {"__object__": name, "state": self.encode(state, name)}


def _zone_to_json(tz, where):
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo, pytz
    if isinstance(name, str):
        return {"name": name, "library": type(tz).__module__.partition(".")[0]}
    if isinstance(tz, datetime.timezone):
        return {"offset_seconds": tz.utcoffset(None).total_seconds()}
    raise TypeError(
        f"{where}: the time zone {tz!r} has no IANA name; use one such as "
        "'Europe/Paris' (zoneinfo or pytz) to save the estimator."
    )


def _zone_from_json(node):
    if node is None:
        return None
    if "offset_seconds" in node:
        return datetime.timezone(datetime.timedelta(seconds=node["offset_seconds"]))
    name = node["name"]
    if not isinstance(name, str):
        raise TypeError(f"time zone name {name!r} is not a string")
    if node.get("library") == "pytz":
        try:
            import pytz
        except ImportError:  # read it with zoneinfo instead
            pass
        else:
            return pytz.timezone(name)
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def save_estimator(estimator, path):
    """Save a fitted skrnn estimator to a file that is safe to load.

    The file (a zip) holds parameters and fitted attributes as JSON, arrays as
    NumPy data and networks in the ``.keras`` format; nothing in it is pickled.
    Estimators built with a custom ``model`` callable, and pipelines with steps
    outside skrnn and a few scikit-learn scalers, cannot be stored this way: use
    ``joblib.dump`` for those (and load only files you trust).

    Parameters
    ----------
    estimator : estimator
        A skrnn estimator, fitted or not, or a ``Pipeline`` of supported steps.
    path : str or path-like
        File to write, conventionally ending in ``.skrnn``.

    See Also
    --------
    load_estimator : Read the file back.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from skrnn import RNNRegressor, save_estimator, load_estimator
    >>> X = np.random.RandomState(0).rand(20, 5, 1)
    >>> reg = RNNRegressor(units=4, epochs=1, n_networks=1, random_state=0)
    >>> reg = reg.fit(X, X[:, -1, 0])
    >>> path = os.path.join(tempfile.mkdtemp(), "reg.skrnn")
    >>> save_estimator(reg, path)
    >>> bool(np.all(load_estimator(path).predict(X) == reg.predict(X)))
    True
    """
    writer = _Writer()
    root = writer.encode(estimator, type(estimator).__name__)
    from . import __version__

    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "skrnn": __version__,
        "root": root,
    }
    buffer = io.BytesIO()
    np.savez(buffer, **writer.arrays)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("estimator.json", json.dumps(header))
        archive.writestr("arrays.npz", buffer.getvalue())
        for name, data in writer.models.items():
            archive.writestr(name, data)


# ------------------------------------------------------------------ reading
class _Archive:
    """A zip archive read within limits: members counted, sizes checked, streams capped."""

    def __init__(self, file, what, budget):
        self.what = what
        self.budget = budget  # one-element list: bytes left to decompress
        try:
            self.zip = zipfile.ZipFile(file)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise InvalidFileError(f"{what} is not a zip archive ({exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise InvalidFileError(
                f"{what} has {len(infos)} members (at most {MAX_MEMBERS})"
            )
        self.members = {}
        for info in infos:
            if info.filename in self.members:
                raise InvalidFileError(f"{what} holds {info.filename!r} twice")
            if info.file_size > MAX_MEMBER_BYTES:
                raise InvalidFileError(
                    f"member {info.filename!r} of {what} inflates to {info.file_size} "
                    f"bytes (at most {MAX_MEMBER_BYTES})"
                )
            self.members[info.filename] = info
        declared = sum(info.file_size for info in infos)
        if declared > budget[0]:
            raise InvalidFileError(
                f"{what} inflates to {declared} bytes, more than the {budget[0]} "
                f"left of {MAX_TOTAL_BYTES}"
            )

    def read(self, name, limit=None):
        """The member's bytes, never decompressing more than the limits allow."""
        if name not in self.members:
            raise InvalidFileError(f"{self.what} has no member {name!r}")
        limit = min(MAX_MEMBER_BYTES if limit is None else limit, self.budget[0])
        chunks, size = [], 0
        try:
            with self.zip.open(self.members[name]) as stream:
                while chunk := stream.read(min(_CHUNK, limit + 1 - size)):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        raise InvalidFileError(
                            f"member {name!r} of {self.what} inflates past {limit} bytes"
                        )
        except _CORRUPT_MEMBER as exc:
            raise InvalidFileError(
                f"member {name!r} of {self.what} is corrupt ({exc})"
            ) from None
        self.budget[0] -= size
        return b"".join(chunks)


class _Reader:
    def __init__(self, archive, version):
        self.archive = archive
        self.version = version
        self.networks = {}  # member name -> keras.Model, loaded once
        npz = _Archive(
            io.BytesIO(archive.read("arrays.npz")), "arrays.npz", archive.budget
        )
        self.arrays = {}
        for name in npz.members:
            if not _ARRAY_NAME.fullmatch(name):
                raise InvalidFileError(
                    f"arrays.npz holds an unexpected member {name!r}"
                )
            self.arrays[name[: -len(".npy")]] = _read_npy(npz.read(name), name)

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "__tuple__" in node:
            return tuple(self.decode(item) for item in node["__tuple__"])
        if "__dict__" in node:
            return {key: self.decode(value) for key, value in node["__dict__"].items()}
        if "__items__" in node:
            return {
                self.decode(key): self.decode(value) for key, value in node["__items__"]
            }
        if "__array__" in node:
            return self._array(node)
        if "__index__" in node:
            return self._index(node)
        if "__random_state__" in node:
            keys, position, has_gauss, gauss = node["__random_state__"]
            random_state = np.random.RandomState()
            random_state.set_state(
                ("MT19937", self._array(keys), position, has_gauss, gauss)
            )
            return random_state
        if "__keras__" in node:
            return self._network(node["__keras__"])
        if "__object__" in node:
            return self._object(node)
        raise InvalidFileError(f"unknown entry in estimator.json: {sorted(node)}")

    def _array(self, node):
        name = node["__array__"]
        if not isinstance(name, str) or name not in self.arrays:
            raise InvalidFileError(f"array {name!r} is missing from arrays.npz")
        array = self.arrays[name]
        if not node["object"]:
            return array
        # Object arrays are written as str arrays: they come back holding str.
        if array.dtype.kind != "U":
            raise InvalidFileError(
                f"array {name!r} of strings holds dtype {array.dtype} in arrays.npz"
            )
        return array.astype(object)

    def _index(self, node):
        kind, name = node["__index__"], self.decode(node["name"])
        if kind == "period":
            return pd.PeriodIndex(node["values"], freq=node["freq"], name=name)
        if kind == "datetime":
            values = self._array(node["values"])
            if values.dtype != np.int64 or values.ndim != 1:
                raise InvalidFileError("a datetime index is not a 1-D int64 array")
            index = pd.DatetimeIndex(values.view(f"datetime64[{node['unit']}]"))
            tz = _zone_from_json(node["tz"])
            if tz is not None:
                index = index.tz_localize("UTC").tz_convert(tz)
            return pd.DatetimeIndex(index, freq=node["freq"], name=name)
        if kind == "range":
            bounds = [node.get(key) for key in ("start", "stop", "step")]
            if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                raise InvalidFileError("a range index's start, stop, step are not ints")
            if bounds[2] == 0:
                raise InvalidFileError("a range index has step 0")
            return pd.RangeIndex(*bounds, name=name)
        if kind == "plain":
            return pd.Index(self.decode(node["values"]), name=name)
        raise InvalidFileError(f"unknown index kind {kind!r}")

    def _network(self, name):
        if not isinstance(name, str) or not _MEMBER_NAME.fullmatch(name):
            raise InvalidFileError(f"network member name {name!r} is not allowed")
        if name not in self.networks:  # a network held twice is loaded once
            self.networks[name] = self._load_network(name)
        return self.networks[name]

    def _load_network(self, name):
        data = self.archive.read(name)
        # The .keras file is a zip that Keras decompresses: check it first.
        _Archive(io.BytesIO(data), name, list(self.archive.budget))
        keras = get_keras()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, name)
            with open(path, "wb") as file:
                file.write(data)
            try:
                return keras.saving.load_model(path, safe_mode=True)
            except Exception as exc:  # Keras raises many types for a bad network
                message = str(exc).replace(folder + os.sep, "")
                raise InvalidFileError(
                    f"network {name!r} could not be loaded safely: {message}"
                ) from None

    def _object(self, node):
        name = node["__object__"]
        if not isinstance(name, str) or name not in CLASSES:
            raise InvalidFileError(f"it names class {name!r}, which is not trusted")
        node = node["state"]
        if not (
            isinstance(node, dict)
            and node.keys() == {"__dict__"}
            and isinstance(node["__dict__"], dict)
        ):
            raise InvalidFileError(f"the state of {name} is not a dict")
        oldest = _OLDEST_READABLE_FOR.get(name, _OLDEST_READABLE)
        if self.version < oldest:
            raise ValueError(
                f"The file was written by an older skrnn (format version "
                f"{self.version}), whose {name.partition('.')[2]} this version "
                "cannot rebuild: refit the estimator and save it again."
            )
        parameters, kinds = _declared(name)
        # Names first: nothing undeclared is decoded (no network loaded for it).
        for attribute in node["__dict__"]:
            if attribute not in kinds:
                raise InvalidFileError(
                    f"{name} declares no attribute {attribute!r}: a file may set "
                    "only its parameters and fitted attributes"
                )
        missing = [p for p in parameters if p not in node["__dict__"]]
        if name.startswith("skrnn.") and missing:
            raise InvalidFileError(f"{name} lacks its parameter {missing[0]!r}")
        state = {}
        for attribute, child in node["__dict__"].items():
            value = state[attribute] = self.decode(child)
            kind = kinds[attribute]
            if not kind.accepts(value):
                raise InvalidFileError(
                    f"attribute {attribute!r} of {name} must be {kind.what}; got "
                    f"{_describe(value)}"
                )
        cls = _resolve(CLASSES[name])
        constraints = getattr(cls, "_parameter_constraints", {})
        try:
            validate_parameter_constraints(
                constraints,
                {p: state[p] for p in parameters if p in state and p in constraints},
                caller_name=cls.__name__,
            )
        except InvalidParameterError as exc:
            raise InvalidFileError(f"a parameter of {name} is invalid: {exc}") from None
        obj = cls.__new__(cls)
        obj.__dict__.update(state)
        return obj


def _read_npy(data, name):
    """An array from .npy bytes, checking its header against the data first."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        if dtype.hasobject:
            raise ValueError("object arrays are not read")
        if math.prod(shape) * dtype.itemsize > len(data) - stream.tell():
            raise ValueError("its data is shorter than its header says")
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    except (ValueError, TypeError, OSError, EOFError) as exc:
        raise InvalidFileError(
            f"array {name!r} in arrays.npz is corrupt ({exc})"
        ) from None


def _json_depth(text):
    """Deepest nesting of brackets in a JSON text, ignoring those inside strings."""
    brackets = re.sub(r"[^\[\]{}]", "", re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', "", text))
    steps = (1 if char in "[{" else -1 for char in brackets)
    return max(itertools.accumulate(steps), default=0)


def _read_header(archive):
    if "estimator.json" not in archive.members:
        raise InvalidFileError(
            "the file has no member 'estimator.json' (not a file written by "
            "skrnn.save_estimator)"
        )
    data = archive.read("estimator.json", limit=MAX_JSON_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidFileError(f"estimator.json is not JSON ({exc})") from None
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise InvalidFileError(f"estimator.json nests deeper than {MAX_JSON_DEPTH}")
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also ints of over 4300 digits
        raise InvalidFileError(f"estimator.json is not JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidFileError(
            "estimator.json does not describe an estimator (not a file written by "
            "skrnn.save_estimator)"
        )
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise InvalidFileError(f"format version {version!r} is not a version")
    if version < _OLDEST_READABLE:
        raise ValueError(
            f"The file was written by an older skrnn (format version {version}), "
            "whose estimators this version cannot rebuild: refit the estimator and "
            "save it again."
        )
    if version > FORMAT_VERSION:
        raise ValueError(
            f"The file was written by a newer skrnn (format version {version}); "
            "upgrade skrnn to read it."
        )
    root = header.get("root")
    if not isinstance(root, dict) or "__object__" not in root:
        raise InvalidFileError("estimator.json holds no estimator")
    return version, root


def load_estimator(path):
    """Load an estimator written by :func:`save_estimator`, without running its code.

    Only classes from skrnn's registry are created, each with only the
    parameters and fitted attributes its class declares (``STATE`` in this
    module), of the declared types; arrays are read with
    ``allow_pickle=False`` and networks with Keras' ``safe_mode=True``. Sizes
    are bounded (``MAX_MEMBER_BYTES``, ``MAX_TOTAL_BYTES``, ``MAX_MEMBERS``,
    ``MAX_JSON_DEPTH`` in this module) before and while the file is read, so a
    crafted file cannot exhaust memory.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save_estimator`.

    Returns
    -------
    estimator : estimator
        The estimator, predicting exactly as when it was saved.

    Raises
    ------
    ValueError
        With a message starting "not a valid skrnn file:" and the reason, for a
        corrupt, truncated, foreign or unsafe file (such as a network with a
        ``Lambda`` layer, a class outside the registry, or an attribute its
        class does not declare).

    See Also
    --------
    save_estimator : Write such a file.
    """
    with contextlib.ExitStack() as stack:
        file = path if hasattr(path, "read") else stack.enter_context(open(path, "rb"))
        archive = _Archive(file, "the file", [MAX_TOTAL_BYTES])
        version, root = _read_header(archive)
        for name in archive.members:
            if not _MEMBER_NAME.fullmatch(name):
                raise InvalidFileError(f"member name {name!r} is not allowed")
        reader = _Reader(archive, version)
        try:
            return reader.decode(root)
        except InvalidFileError:
            raise
        except _MALFORMED_CONTENT as exc:
            raise InvalidFileError(
                f"unexpected content in estimator.json ({type(exc).__name__}: {exc})"
            ) from None
