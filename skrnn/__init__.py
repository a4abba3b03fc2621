"""skrnn: recurrent neural networks (SimpleRNN, LSTM, GRU) as scikit-learn estimators.

``import skrnn`` imports neither TensorFlow/Keras nor scikit-learn: public names
are loaded on first access, and the Keras backend on the first ``fit``,
``predict`` or load of a fitted estimator.
"""

import importlib

__version__ = "0.1.0.dev0"

# public name -> private module that defines it
_PUBLIC = {
    "RNNClassifier": "._classifier",
    "RNNRegressor": "._regressor",
    "SequenceForecaster": "._forecaster",
    "WindowTransformer": "._windows",
    "make_windows": "._windows",
    "save_estimator": "._persistence",
    "load_estimator": "._persistence",
    "TrainingDivergedError": "._engine",
    "InvalidFileError": "._file_format",
}

__all__ = sorted(_PUBLIC) + ["datasets", "plotting", "__version__"]


_SUBPACKAGES = {"datasets", "plotting"}


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skrnn' has no attribute {name!r}")


def __dir__():
    return __all__
