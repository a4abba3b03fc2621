"""The one definition of the network and training parameters the estimators share.

Each estimator still spells its parameters out in ``__init__`` (scikit-learn
reads them from the signature), but their defaults and their constraints come
from here, and ``tests/test_params.py`` checks every estimator against this
table, so a parameter cannot drift between estimators or be silently missing.
What an "auto" value becomes is decided in :mod:`skrnn._recipes`.

Integer and real parameters refuse booleans (``units=True`` is a mistake, not
1): :class:`Count` and :class:`Number` are scikit-learn ``Interval`` constraints
that do.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions


class Count(Interval):
    """An ``Interval`` of ints that refuses ``bool`` (``True`` is not 1 here)."""

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)

    def __str__(self):
        return super().__str__().replace("an int", "an int (not a bool)")


class Number(Interval):
    """An ``Interval`` of reals that refuses ``bool``."""

    def __init__(self, left, right=None, *, closed="neither"):
        super().__init__(Real, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)

    def __str__(self):
        return super().__str__().replace("a float", "a float (not a bool)")


AUTO = StrOptions({"auto"})

# name -> (default, constraints). "auto" is resolved at ``fit`` from the data
# and the rule of :mod:`skrnn._recipes`; ``training_params_`` records it.
NETWORK_PARAMS = {
    "cell": ("auto", [StrOptions({"auto", "lstm", "gru", "simple"})]),
    "units": ("auto", [Count(1), tuple, list, AUTO]),
    "bidirectional": ("auto", ["boolean", AUTO]),
    "dropout": (0.0, [Number(0, 1, closed="left")]),
    "recurrent_dropout": (0.0, [Number(0, 1, closed="left")]),
    "model": (None, [callable, None]),
}

TRAINING_PARAMS = {
    "epochs": ("auto", [Count(1), AUTO]),
    "batch_size": ("auto", [Count(1), AUTO]),
    "optimizer": (
        "adam",
        [StrOptions({"adam", "adamw", "nadam", "rmsprop", "sgd", "adagrad"})],
    ),
    "learning_rate": (1e-3, [Number(0, None)]),
    "early_stopping": (False, ["boolean"]),
    "validation_fraction": (0.1, [Number(0, 1)]),
    "n_iter_no_change": (10, [Count(1)]),
    "warm_start": (False, ["boolean"]),
    "n_networks": ("auto", [Count(1), AUTO]),
    "distribution": (None, [StrOptions({"default", "mirrored", "multi_worker"}), None]),
    "random_state": (None, ["random_state"]),
    # Keras' verbosity; True is 1, as scikit-learn's verbose flags allow.
    "verbose": (0, [Count(0, 2, closed="both"), "boolean"]),
}

# Parameters of the estimators that read sequences (not the forecaster, whose
# windows are cut by itself: equal lengths, numbers, no padding).
SEQUENCE_PARAMS = {
    "mask_value": (None, [Number(None, None), None]),
    "embedding_dim": (16, [Count(1)]),
    "return_sequences": (False, ["boolean"]),
    "tbptt_steps": (None, [Count(1), None]),
    "scale_inputs": (
        "auto",
        [StrOptions({"auto", "instance", "standard"}), "boolean", None],
    ),
    "max_steps": ("auto", [Count(1), None, AUTO]),
    "conv_filters": ("auto", [AUTO, tuple, list]),
    "conv_kernel_size": (8, [Count(1)]),
    "pooling": ("auto", [StrOptions({"auto", "mean", "last"})]),
    "random_shift": ("auto", [Number(0, 0.5, closed="both"), AUTO]),
    # Read at prediction only: "auto" is resolved there, not in training_params_.
    "predict_shifts": ("auto", [Count(1), AUTO]),
    "lr_schedule": ("auto", [StrOptions({"auto", "plateau", "cosine"}), None]),
}

SHARED_PARAMS = {**NETWORK_PARAMS, **TRAINING_PARAMS}

# Where an estimator's default differs from the table's: estimator name ->
# {parameter: default}. The constraints stay shared; ``tests/test_params.py``
# checks each signature against the table with these applied.
DEFAULT_OVERRIDES = {
    "RNNRegressor": {},
    "RNNClassifier": {},
    # Resolved at ``fit`` with the normalisation (``FORECAST_RECIPES``).
    "SequenceForecaster": {
        "learning_rate": "auto",
        "early_stopping": "auto",
        "n_iter_no_change": "auto",
    },
}


def default(estimator_name, name, table):
    """The default of parameter ``name`` for ``estimator_name``."""
    return DEFAULT_OVERRIDES[estimator_name].get(name, table[name][0])


def constraints(*tables, estimator=None, overrides=None):
    """``_parameter_constraints`` entries of the given tables.

    A parameter whose default is overridden by "auto" admits "auto" too: the
    overrides of ``estimator`` (a class name), or ``overrides`` given directly.
    """
    if overrides is None:
        overrides = DEFAULT_OVERRIDES.get(estimator, {})
    result = {}
    for table in tables:
        for name, (_, constraint) in table.items():
            if overrides.get(name) == "auto" and AUTO not in constraint:
                constraint = [*constraint, AUTO]
            result[name] = constraint
    return result


def check_conv_filters(estimator, filters):
    """``conv_filters`` as a tuple of positive ints, or a clear error."""
    from sklearn.utils._param_validation import InvalidParameterError

    if not all(
        isinstance(f, Integral) and not isinstance(f, bool) and f >= 1 for f in filters
    ):
        raise InvalidParameterError(
            f"The 'conv_filters' parameter of {type(estimator).__name__} must be "
            f"'auto' or a tuple of positive ints (() for none). Got {filters!r} instead."
        )
    return tuple(int(f) for f in filters)


def check_units(estimator, units):
    """``units`` (an "auto" value resolved) as a tuple of positive ints, or a
    clear error."""
    from sklearn.utils._param_validation import InvalidParameterError

    if isinstance(units, Integral) and not isinstance(units, bool):
        return (int(units),)
    if len(units) == 0 or not all(
        isinstance(u, Integral) and not isinstance(u, bool) and u >= 1 for u in units
    ):
        raise InvalidParameterError(
            f"The 'units' parameter of {type(estimator).__name__} must be a positive "
            f"int or a non-empty tuple of positive ints. Got {units!r} instead."
        )
    return tuple(int(u) for u in units)
