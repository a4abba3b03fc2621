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
the declared types (:mod:`skrnn._file_schema`). A file from an untrusted source
can at worst fail to load: every size is checked before and while it is read
(:mod:`skrnn._file_format`), and anything malformed is one ``ValueError``
starting "not a valid skrnn file".

This module turns values into the file's JSON, arrays and networks and back.
"""

import contextlib
import datetime
import io
import json
import math
import os
import tempfile
import warnings

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

from ._backend import get_keras, to_numpy
from ._file_format import (
    ARRAY_NAME,
    MEMBER_NAME,
    OLDEST_READABLE,
    OLDEST_READABLE_FOR,
    Archive,
    InvalidFileError,
    added_parameters,
    fill_added_parameters,
    read_header,
    read_npy,
    write_file,
)
from ._file_schema import CLASSES, class_ids, declared, resolve
from ._layers import custom_objects as layer_objects
from ._losses import custom_objects as loss_objects

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


# ----------------------------------------------------------------- pickling
def custom_objects():
    """skrnn's Keras classes a saved network may name: layers and losses."""
    return {**layer_objects(), **loss_objects()}


def model_to_bytes(model):
    """Serialise a Keras model (architecture, weights, optimizer) as .keras bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def _stream_variables(model):
    """The states of the network's random streams (dropout masks, the random
    shift), in the order of ``model.variables``: the variables a ``.keras``
    file leaves out (it stores the weights only)."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def stream_states(model):
    """Each random stream's state as a list of ints (JSON as it is), so that a
    loaded network goes on drawing where the saved one stopped."""
    return [[int(x) for x in to_numpy(v).ravel()] for v in _stream_variables(model)]


def set_stream_states(model, states):
    """Assign :func:`stream_states`' ``states`` to ``model``'s random streams;
    a ValueError (nothing assigned) if they do not fit its streams."""
    variables = _stream_variables(model)
    fits = (
        isinstance(states, list)
        and len(states) == len(variables)
        and all(
            isinstance(state, list)
            and len(state) == math.prod(v.shape)
            and all(
                type(x) is int and 0 <= x <= np.iinfo(np.dtype(v.dtype)).max
                for x in state
            )
            for state, v in zip(states, variables, strict=False)
        )
    )
    if not fits:
        raise ValueError(
            f"the random streams' states do not fit the network's "
            f"{len(variables)} streams (for each, a list of its ints within its "
            "dtype's range)"
        )
    for state, variable in zip(states, variables, strict=True):
        variable.assign(np.asarray(state, dtype=variable.dtype).reshape(variable.shape))


def model_from_bytes(data, *, safe_mode=True):
    """Load a Keras model from .keras bytes."""
    keras = get_keras()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return keras.saving.load_model(
            path, custom_objects=custom_objects(), safe_mode=safe_mode
        )


# ------------------------------------------------------------------ writing
# NumPy numbers kept as their type (a parameter np.int64(3) loads as
# np.int64(3), not 3), by their dtype's name. Others go as Python values.
NUMPY_SCALARS = {
    np.dtype(t).name: np.dtype(t)
    for t in (np.bool_, np.int8, np.int16, np.int32, np.int64)
    + (np.uint8, np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.float64)
}
# Arrays up to this size are stored side by side in shared members, one per
# dtype of at most POOL_BYTES each: a panel's series (one array each, 20,000 of
# them for 20,000 series) would otherwise be a member each, past MAX_MEMBERS.
POOLED_BYTES = 16 * 2**20
POOL_BYTES = 256 * 2**20


class _Writer:
    def __init__(self):
        self.arrays = {}
        self.models = {}
        self.model_names = {}  # id -> member: a network held twice is stored once
        self._pools = {}  # dtype -> (its pool's member name, elements so far)
        self._joined = {}  # pool member name -> its arrays, flattened

    def finish(self):
        """Join each pool's arrays into its member."""
        for name, parts in self._joined.items():
            self.arrays[name] = np.concatenate(parts) if parts else parts
        return self.arrays

    def encode(self, value, where):
        if isinstance(value, np.generic):  # before float: np.float64 is one
            if value.dtype.name in NUMPY_SCALARS:  # its type kept: np.int64(3)
                return {"__numpy__": value.dtype.name, "value": value.item()}
            return value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
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
            return {"__keras__": name, "streams": stream_states(value)}
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
            if any(item.endswith("\0") for item in value.ravel()):
                # NumPy's str arrays drop trailing NULs ("a\0" would load as
                # "a"): such strings go into the JSON header as they are.
                return {"__strings__": value.ravel().tolist(), "shape": value.shape}
            value = value.astype(str)
        elif value.nbytes <= POOLED_BYTES and value.dtype.kind in "biufcmM":
            return self._pooled(value)
        name = f"array_{len(self.arrays)}"
        self.arrays[name] = value
        return {"__array__": name, "object": is_object}

    def _pooled(self, value):
        """Store ``value`` in its dtype's pool: a slice of the pool's member."""
        name, size = self._pools.get(value.dtype, (None, 0))
        if name is None or (size + value.size) * value.itemsize > POOL_BYTES:
            name, size = f"array_{len(self.arrays)}", 0
            self.arrays[name] = None  # joined by finish()
            self._joined[name] = []
        self._joined[name].append(value.ravel())
        self._pools[value.dtype] = (name, size + value.size)
        return {
            "__array__": name,
            "object": False,
            "slice": [size, size + value.size],
            "shape": list(value.shape),
        }

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
        if _is_date_range(index):
            # A naive index on its frequency: its first stamp and length, not
            # 8 bytes a step (a panel's series' indexes would outweigh its values).
            return {
                "__index__": "datetime_range",
                "start": int(index.asi8[0]),
                "periods": len(index),
                "unit": np.datetime_data(index.dtype)[0],
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
        name = class_ids().get(type(value))
        if name is None:
            what = "a callable" if callable(value) else f"a {type(value).__name__}"
            raise TypeError(
                f"{where} is {what}, which the safe format cannot store. Use "
                "joblib.dump (load only trusted files) for such estimators."
            )
        _check_parameters(value, where)
        transient = getattr(type(value), "_transient_attributes", ())
        state = {k: v for k, v in vars(value).items() if k not in transient}
        return {"__object__": name, "state": self.encode(state, name)}


def _validate_parameters(cls, state):
    """Check the parameters in ``state`` against ``cls``'s constraints, as its
    ``fit`` does (InvalidParameterError): on writing and on reading a file."""
    constraints = getattr(cls, "_parameter_constraints", {})
    validate_parameter_constraints(
        constraints,
        {p: v for p, v in state.items() if p in constraints},
        caller_name=cls.__name__,
    )


def _check_parameters(obj, where):
    """Refuse to write parameters that :func:`load_estimator` would refuse.

    An estimator's parameters are validated when it is fitted, so an unfitted
    one may hold a value its ``fit`` (and a file's reader) refuses.
    """
    try:
        _validate_parameters(type(obj), vars(obj))
    except InvalidParameterError as exc:
        raise ValueError(
            f"{where} cannot be saved: {exc} load_estimator would refuse the "
            "file; fit accepts no such value either."
        ) from None


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

    zone = zoneinfo.ZoneInfo(name)  # refuses paths and names of no zone
    if node.get("library") == "dateutil":  # a dependency of pandas
        from dateutil import tz as dateutil_tz

        # The name is a zone zoneinfo knows (checked above), never a path.
        return dateutil_tz.gettz(name) or zone
    return zone


# What a file's root may be: the estimators save_estimator is documented for.
ROOT_CLASSES = frozenset(
    {
        "skrnn.RNNRegressor",
        "skrnn.RNNClassifier",
        "skrnn.SequenceForecaster",
        "skrnn.WindowTransformer",
        "sklearn.Pipeline",
    }
)


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
        File to write, conventionally ending in ``.skrnn``. A name Keras
        gives its models (``.keras``, ``.h5``) is written with a warning: the
        file is an estimator file, which ``keras.models.load_model`` cannot
        read (``estimator.model_.save(path)`` saves the network alone).

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
    if class_ids().get(type(estimator)) not in ROOT_CLASSES:
        raise TypeError(
            f"save_estimator writes skrnn estimators and Pipelines of them; got "
            f"a {type(estimator).__name__}. Use joblib.dump for other objects."
        )
    _warn_of_a_keras_name(path)
    writer = _Writer()
    root = writer.encode(estimator, type(estimator).__name__)
    write_file(path, root, writer.finish(), writer.models)


# File names Keras saves and loads its models under.
_KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")  # ".weights.h5" ends in ".h5"


def _warn_of_a_keras_name(path):
    """Warn where ``path`` looks like a Keras model file: the file written is
    an estimator file, which ``keras.models.load_model`` cannot read. A file
    object (zipfile writes to one) has no name to read."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        return
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if name.lower().endswith(_KERAS_SUFFIXES):
        warnings.warn(
            f"save_estimator writes an skrnn estimator file, not a Keras model: "
            f"{os.path.basename(name)!r} will load with skrnn.load_estimator, not "
            "with keras.models.load_model. Name it '.skrnn', or save the network "
            "alone with estimator.model_.save(path).",
            UserWarning,
            stacklevel=3,
        )


def _is_date_range(index):
    """Whether ``index`` is a naive DatetimeIndex that ``pd.date_range`` of its
    first stamp, length and frequency rebuilds (a frequency set on an index
    holds for all of its stamps: its last one is checked)."""
    return (
        isinstance(index, pd.DatetimeIndex)
        and index.tz is None
        and index.freq is not None
        and len(index) > 0
        and index[0] + (len(index) - 1) * index.freq == index[-1]
    )


# What pandas builds for each stamp of a calendar-frequency range on the way.
_STAMP_OBJECT_BYTES = 64


def _built_at_once(freq):
    """Whether pandas builds a range of ``freq`` as one array (fixed steps such
    as hours and days, business days: 0.01-0.1 us a stamp), not stamp by stamp
    (months, weeks, quarters: ~5 us)."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError):
        return False
    return isinstance(
        offset, (pd.offsets.Tick, pd.offsets.BusinessDay, pd.offsets.CustomBusinessDay)
    )


def _date_range(start, periods, unit, freq, name):
    first = pd.Timestamp(np.datetime64(start, unit))
    return pd.date_range(first, periods=periods, freq=freq, unit=unit, name=name)


# ------------------------------------------------------------------ reading
def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return f"a {type(value).__name__}"


class _Reader:
    def __init__(self, archive, version):
        self.archive = archive
        self.version = version
        self.networks = {}  # member name -> keras.Model, loaded once
        npz = Archive(
            io.BytesIO(archive.read("arrays.npz")), "arrays.npz", archive.budget
        )
        self.arrays = {}
        for name in npz.members:
            if not ARRAY_NAME.fullmatch(name):
                raise InvalidFileError(
                    f"arrays.npz holds an unexpected member {name!r}"
                )
            self.arrays[name[: -len(".npy")]] = read_npy(npz.read(name), name)

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
        if "__strings__" in node:
            return self._strings(node)
        if "__index__" in node:
            return self._index(node)
        if "__random_state__" in node:
            return self._random_state(node["__random_state__"])
        if "__numpy__" in node:
            return self._numpy_scalar(node)
        if "__keras__" in node:
            network = self._network(node["__keras__"])
            if "streams" in node:  # files of format 7 before they were written
                try:
                    set_stream_states(network, node["streams"])
                except ValueError as exc:
                    raise InvalidFileError(
                        f"network {node['__keras__']!r}: {exc}"
                    ) from None
            return network
        if "__object__" in node:
            return self._object(node)
        raise InvalidFileError(f"unknown entry in estimator.json: {sorted(node)}")

    def _numpy_scalar(self, node):
        """A NumPy number of a dtype of NUMPY_SCALARS, its value of the
        dtype's Python type and within its range."""
        name, value = node.get("__numpy__"), node.get("value")
        dtype = NUMPY_SCALARS.get(name) if isinstance(name, str) else None
        if dtype is None:
            raise InvalidFileError(f"a NumPy number of an unknown dtype: {name!r}")
        python_type = {"b": bool, "i": int, "u": int, "f": float}[dtype.kind]
        if type(value) is not python_type:
            raise InvalidFileError(
                f"a NumPy {name} holds a {type(value).__name__}: {value!r}"
            )
        try:
            with np.errstate(over="raise", invalid="raise"):
                return dtype.type(value)
        except (OverflowError, FloatingPointError):
            raise InvalidFileError(f"{value!r} is out of the range of {name}") from None

    def _random_state(self, state):
        """A NumPy RandomState of a Mersenne Twister state, every part checked:
        NumPy reads its key at the position as given (one out of range
        crashed the interpreter at the next draw)."""
        if not (isinstance(state, list) and len(state) == 4):
            raise InvalidFileError("a random state is not [key, pos, gauss?, gauss]")
        keys, position, has_gauss, gauss = state
        keys = self._array(keys) if isinstance(keys, dict) else None
        valid = (
            keys is not None
            and keys.dtype == np.uint32
            and keys.shape == (624,)
            and type(position) is int
            and 0 <= position <= 624
            and has_gauss in (0, 1)
            and type(has_gauss) is int
            and type(gauss) in (int, float)
        )
        if not valid:
            raise InvalidFileError(
                "a random state is not a Mersenne Twister state (624 uint32 keys, "
                "a position from 0 to 624)"
            )
        random_state = np.random.RandomState()
        random_state.set_state(("MT19937", keys, position, has_gauss, float(gauss)))
        return random_state

    def _array(self, node):
        name = node["__array__"]
        if not isinstance(name, str) or name not in self.arrays:
            raise InvalidFileError(f"array {name!r} is missing from arrays.npz")
        array = self.arrays[name]
        if "slice" in node:  # a slice of a pool of arrays of one dtype
            return self._slice(array, node, name)
        if not node["object"]:
            return array
        # Object arrays are written as str arrays: they come back holding str.
        if array.dtype.kind != "U":
            raise InvalidFileError(
                f"array {name!r} of strings holds dtype {array.dtype} in arrays.npz"
            )
        # A copy of Python str objects each time it is named: from the budget.
        self.archive.charge(array.size * 64 + array.nbytes, f"array {name!r} of str")
        return array.astype(object)

    @staticmethod
    def _strings(node):
        """An object array of str written in the header (strings ending in NUL)."""
        strings, shape = node["__strings__"], node.get("shape")
        valid = (
            isinstance(strings, list)
            and all(isinstance(item, str) for item in strings)
            and isinstance(shape, list)
            and all(type(size) is int and size >= 0 for size in shape)
            and math.prod(shape) == len(strings)
        )
        if not valid:
            raise InvalidFileError(
                "an array of strings is not a list of str and a shape that holds them"
            )
        array = np.empty(len(strings), dtype=object)
        array[:] = strings
        return array.reshape(shape)

    @staticmethod
    def _slice(pool, node, name):
        bounds, shape = node.get("slice"), node.get("shape")
        ints = (
            isinstance(bounds, list)
            and len(bounds) == 2
            and isinstance(shape, list)
            and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0
                for v in bounds + shape
            )
        )
        if not ints or pool.ndim != 1 or node.get("object"):
            raise InvalidFileError(f"a slice of array {name!r} is malformed")
        start, stop = bounds
        if not start <= stop <= len(pool) or math.prod(shape) != stop - start:
            raise InvalidFileError(
                f"a slice [{start}:{stop}] of shape {shape} does not fit array "
                f"{name!r} of {len(pool)} values"
            )
        return pool[start:stop].reshape(shape)  # a view: no copy per array

    def _index(self, node):
        kind, name = node["__index__"], self.decode(node["name"])
        if kind == "period":
            return pd.PeriodIndex(node["values"], freq=node["freq"], name=name)
        if kind == "datetime":
            values = self._array(node["values"])
            if values.dtype != np.int64 or values.ndim != 1:
                raise InvalidFileError("a datetime index is not a 1-D int64 array")
            self.archive.charge(values.nbytes, "a datetime index")  # its own copy
            index = pd.DatetimeIndex(values.view(f"datetime64[{node['unit']}]"))
            tz = _zone_from_json(node["tz"])
            if tz is not None:
                index = index.tz_localize("UTC").tz_convert(tz)
            return pd.DatetimeIndex(index, freq=node["freq"], name=name)
        if kind == "datetime_range":
            start, periods, unit = (
                node.get("start"),
                node.get("periods"),
                node.get("unit"),
            )
            if not all(
                isinstance(v, int) and not isinstance(v, bool) for v in (start, periods)
            ):
                raise InvalidFileError(
                    "a datetime range's start and periods are not ints"
                )
            if not isinstance(node.get("freq"), str):
                raise InvalidFileError("a datetime range has no frequency")
            if periods < 1 or unit not in ("s", "ms", "us", "ns"):
                raise InvalidFileError(
                    f"a datetime range of {periods} periods in unit {unit!r}"
                )
            # Its stamps cost memory as an array of them would: from the budget.
            # A calendar frequency (months, weeks) builds a Python object a
            # stamp on the way (~5 us each): the range must fit the budget as
            # such objects, though only the array stays.
            if not _built_at_once(node.get("freq")):
                self.archive.check_fits(
                    _STAMP_OBJECT_BYTES * periods, "a datetime range"
                )
            self.archive.charge(8 * periods, "a datetime range")
            try:
                return _date_range(start, periods, unit, node["freq"], name)
            except (TypeError, ValueError, OverflowError) as exc:
                raise InvalidFileError(f"a datetime range is invalid ({exc})") from None
        if kind == "range":
            bounds = [node.get(key) for key in ("start", "stop", "step")]
            if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                raise InvalidFileError("a range index's start, stop, step are not ints")
            if bounds[2] == 0:
                raise InvalidFileError("a range index has step 0")
            return pd.RangeIndex(*bounds, name=name)
        if kind == "plain":
            values = self.decode(node["values"])
            # pandas copies the values into each index: from the budget.
            self.archive.charge(getattr(values, "nbytes", 0), "an index")
            return pd.Index(values, name=name)
        raise InvalidFileError(f"unknown index kind {kind!r}")

    def _network(self, name):
        if not isinstance(name, str) or not MEMBER_NAME.fullmatch(name):
            raise InvalidFileError(f"network member name {name!r} is not allowed")
        if name not in self.networks:  # a network held twice is loaded once
            self.networks[name] = self._load_network(name)
        return self.networks[name]

    def _load_network(self, name):
        data = self.archive.read(name)  # its bytes: charged to the budget
        # The .keras file is a zip that Keras decompresses: check it first, and
        # charge what it inflates to beyond its own bytes (checked on a copy of
        # the budget, so that its config, read for the check, counts once).
        inner = Archive(io.BytesIO(data), name, [self.archive.budget[0] + len(data)])
        inflated = sum(info.file_size for info in inner.members.values())
        _check_network_sizes(inner, name, self.archive.members[name].compress_size)
        self.archive.charge(max(0, inflated - len(data)), f"network {name!r}")
        keras = get_keras()
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, name)
            with open(path, "wb") as file:
                file.write(data)
            try:
                return keras.saving.load_model(
                    path, custom_objects=custom_objects(), safe_mode=True
                )
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
        oldest = OLDEST_READABLE_FOR.get(name, OLDEST_READABLE)
        if self.version < oldest:
            raise ValueError(
                f"The file was written by an older skrnn (format version "
                f"{self.version}), whose {name.partition('.')[2]} this version "
                "cannot rebuild: refit the estimator and save it again."
            )
        parameters, kinds = declared(name)
        # Names first: nothing undeclared is decoded (no network loaded for it).
        for attribute in node["__dict__"]:
            if attribute not in kinds:
                raise InvalidFileError(
                    f"{name} declares no attribute {attribute!r}: a file may set "
                    "only its parameters and fitted attributes"
                )
        added = added_parameters(parameters, self.version)
        missing = [
            p for p in parameters if p not in node["__dict__"] and p not in added
        ]
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
        fill_added_parameters(state, added)
        cls = resolve(CLASSES[name])
        try:
            _validate_parameters(cls, state)
        except InvalidParameterError as exc:
            raise InvalidFileError(f"a parameter of {name} is invalid: {exc}") from None
        obj = cls.__new__(cls)
        obj.__dict__.update(state)
        after_load = getattr(obj, "_after_load", None)  # e.g. shared time indexes
        if after_load is not None:
            after_load()
        return obj


def load_estimator(path):
    """Load an estimator written by :func:`save_estimator`, without running its code.

    Only classes from skrnn's registry are created, each with only the
    parameters and fitted attributes its class declares (``STATE`` in
    ``skrnn._file_schema``), of the declared types; arrays are read with
    ``allow_pickle=False`` and networks with Keras' ``safe_mode=True``. Sizes
    are bounded (``MAX_MEMBER_BYTES``, ``MAX_TOTAL_BYTES``, ``MAX_MEMBERS``,
    ``MAX_JSON_DEPTH`` in ``skrnn._file_format``) before and while the file is
    read, so a crafted file cannot exhaust memory.

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
        archive = Archive(file, "the file")
        version, root = read_header(archive)
        for name in archive.members:
            if not MEMBER_NAME.fullmatch(name):
                raise InvalidFileError(f"member name {name!r} is not allowed")
        if root["__object__"] in CLASSES and root["__object__"] not in ROOT_CLASSES:
            raise InvalidFileError(
                f"its root is a {root['__object__']}, a part of an estimator, not "
                f"one of {', '.join(sorted(ROOT_CLASSES))}"
            )
        reader = _Reader(archive, version)
        try:
            return reader.decode(root)
        except InvalidFileError:
            raise
        except _MALFORMED_CONTENT as exc:
            raise InvalidFileError(
                f"unexpected content in estimator.json ({type(exc).__name__}: {exc})"
            ) from None


# Layer sizes in a network's config.json, bounded by the weights it stores: a
# crafted config of a few bytes could otherwise make Keras build and
# initialise a network of any size (a GRU of 6,000 units: 129 s, 3.3 GB)
# before any weight is read.
_SIZES = ("units", "filters", "output_dim", "input_dim")
# Shapes and sizes whose every entry sizes weights or buffers built from them.
_SHAPES = (
    "batch_shape",
    "batch_input_shape",
    "input_shape",
    "shape",
    "kernel_size",
)


def _ints_in(value):
    """The ints of a size or shape (nested lists of ints and None)."""
    stack, found = [value], []
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif type(item) is int:
            found.append(item)
    return found


_RECURRENT = ("GRU", "LSTM", "SimpleRNN", "GRUCell", "LSTMCell", "SimpleRNNCell")


# Weights compress little (float32 noise: 10-20%); a weights file that
# inflates more than this from the bytes the file stores is padding, which
# must not buy a larger network.
_WEIGHTS_INFLATION = 16


def _check_network_sizes(inner, name, stored_bytes):
    """Every size the network member ``name`` (its Archive ``inner``) declares
    -- a layer's units, filters, kernel size, an input or built shape -- at
    most the number of float32 values its weights file holds (the square of a
    recurrent layer's units: its recurrent kernel alone holds that many), or an
    InvalidFileError. Keras allocates every weight from the config before it
    reads any. The values held count at most what ``stored_bytes`` (the
    member's compressed size in the file) inflate to as weights do."""
    if "config.json" not in inner.members or "model.weights.h5" not in inner.members:
        return  # Keras refuses it itself
    n_values = (
        min(
            inner.members["model.weights.h5"].file_size,
            _WEIGHTS_INFLATION * stored_bytes,
        )
        // 4
    )
    try:
        config = json.loads(inner.read("config.json", limit=2**24))
    except (ValueError, RecursionError) as exc:
        raise InvalidFileError(
            f"network {name!r} has no readable configuration ({exc})"
        ) from None
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        layer = node.get("config")
        if not isinstance(layer, dict):
            continue
        recurrent = node.get("class_name") in _RECURRENT
        for key in _SIZES:
            size = layer.get(key)
            if type(size) is not int:
                continue
            needed = size * size if recurrent else size
            if needed > n_values:
                raise InvalidFileError(
                    f"network {name!r} declares a layer of {key}={size}, more than "
                    f"the {n_values} weights it stores"
                )
        for key in _SHAPES:
            for places in (layer, node.get("build_config")):
                if not isinstance(places, dict):
                    continue
                for size in _ints_in(places.get(key)):
                    if size > n_values:
                        raise InvalidFileError(
                            f"network {name!r} declares a {key} of {size}, more "
                            f"than the {n_values} weights it stores"
                        )
