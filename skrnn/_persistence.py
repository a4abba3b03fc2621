"""Saving fitted estimators: pickling support and a safe file format.

Pickle and joblib (``BaseRNN.__getstate__``) store the Keras network in the
``.keras`` format, in memory, next to the estimator's other attributes. They are
fast and handle anything, but loading a pickle runs code named in the file:
only load pickles you trust.

:func:`save_estimator` / :func:`load_estimator` write and read a zip file that
holds no pickled objects: parameters and fitted attributes as JSON, arrays as
NumPy ``.npy`` data read with ``allow_pickle=False``, networks as ``.keras``
files loaded in Keras' ``safe_mode``, and only classes from an allow-list are
instantiated. A file from an untrusted source can at worst fail to load.
"""

import importlib
import io
import json
import os
import tempfile
import zipfile

import numpy as np
import pandas as pd

from ._backend import get_keras

FORMAT = "skrnn-estimator"
FORMAT_VERSION = 1

# Classes a file may name. Everything else in a file is plain data.
TRUSTED_CLASSES = frozenset(
    {
        "skrnn._regressor.RNNRegressor",
        "skrnn._classifier.RNNClassifier",
        "skrnn._forecaster.SequenceForecaster",
        "skrnn._encoders.InputEncoder",
        "skrnn._encoders.TargetScaler",
        "skrnn._windows.WindowTransformer",
        "skrnn._target.TargetTransform",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.preprocessing._data.MinMaxScaler",
    }
)


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


# ---------------------------------------------------------------- safe files
class _Writer:
    def __init__(self):
        self.arrays = {}
        self.models = {}

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
            if not all(isinstance(key, str) for key in value):
                raise TypeError(f"{where}: only dicts with string keys can be saved.")
            return {
                "__dict__": {
                    k: self.encode(v, f"{where}.{k}") for k, v in value.items()
                }
            }
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, pd.Index):
            return self._index(value, where)
        keras = get_keras()
        if isinstance(value, keras.Model):
            name = f"model_{len(self.models)}.keras"
            self.models[name] = model_to_bytes(value)
            return {"__keras__": name}
        return self._object(value, where)

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
            return {
                "__index__": "period",
                "values": index.astype(str).tolist(),
                "freq": index.freqstr,
                **node,
            }
        if isinstance(index, pd.DatetimeIndex):
            return {
                "__index__": "datetime",
                "values": index.astype(str).tolist(),
                "freq": index.freqstr,
                **node,
            }
        return {
            "__index__": "plain",
            "values": self.encode(index.to_numpy(), where),
            **node,
        }

    def _object(self, value, where):
        name = f"{type(value).__module__}.{type(value).__qualname__}"
        if name not in TRUSTED_CLASSES:
            what = "a callable" if callable(value) else f"a {type(value).__name__}"
            raise TypeError(
                f"{where} is {what}, which the safe format cannot store. Use "
                "joblib.dump (load only trusted files) for such estimators."
            )
        transient = getattr(type(value), "_transient_attributes", ())
        state = {k: v for k, v in vars(value).items() if k not in transient}
        return {"__object__": name, "state": self.encode(state, name)}


class _Reader:
    def __init__(self, archive):
        self.archive = archive
        with archive.open("arrays.npz") as file:
            data = np.load(io.BytesIO(file.read()), allow_pickle=False)
            self.arrays = {key: data[key] for key in data.files}

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "__tuple__" in node:
            return tuple(self.decode(item) for item in node["__tuple__"])
        if "__dict__" in node:
            return {key: self.decode(value) for key, value in node["__dict__"].items()}
        if "__array__" in node:
            array = self.arrays[node["__array__"]]
            return array.astype(object) if node["object"] else array
        if "__index__" in node:
            return self._index(node)
        if "__keras__" in node:
            return model_from_bytes(
                self.archive.read(node["__keras__"]), safe_mode=True
            )
        if "__object__" in node:
            return self._object(node)
        raise ValueError(f"Unknown entry in the file: {sorted(node)}.")

    def _index(self, node):
        kind, values, name = (
            node["__index__"],
            node["values"],
            self.decode(node["name"]),
        )
        if kind == "period":
            return pd.PeriodIndex(values, freq=node["freq"], name=name)
        if kind == "datetime":
            return pd.DatetimeIndex(values, freq=node["freq"], name=name)
        return pd.Index(self.decode(values), name=name)

    def _object(self, node):
        name = node["__object__"]
        if name not in TRUSTED_CLASSES:
            raise ValueError(f"The file names class {name!r}, which is not trusted.")
        module, _, qualname = name.rpartition(".")
        cls = getattr(importlib.import_module(module), qualname)
        obj = cls.__new__(cls)
        obj.__dict__.update(self.decode(node["state"]))
        return obj


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
    >>> reg = RNNRegressor(units=4, epochs=1, random_state=0).fit(X, X[:, -1, 0])
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


def load_estimator(path):
    """Load an estimator written by :func:`save_estimator`, without running its code.

    Only allow-listed classes are created, arrays are read with
    ``allow_pickle=False`` and networks with Keras' ``safe_mode=True``.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save_estimator`.

    Returns
    -------
    estimator : estimator
        The estimator, predicting exactly as when it was saved.

    See Also
    --------
    save_estimator : Write such a file.
    """
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("estimator.json"))
        if header.get("format") != FORMAT:
            raise ValueError(f"{path} is not a file written by skrnn.save_estimator.")
        if header.get("version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"{path} was written by a newer skrnn (format version "
                f"{header['version']}); upgrade skrnn to read it."
            )
        return _Reader(archive).decode(header["root"])
