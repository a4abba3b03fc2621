"""The one definition of the network and training parameters the estimators share.

Each estimator still spells its parameters out in ``__init__`` (scikit-learn
reads them from the signature), but their defaults and their constraints come
from here, and ``tests/test_params.py`` checks every estimator against this
table, so a parameter cannot drift between estimators or be silently missing.
"""

import math
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

AUTO = StrOptions({"auto"})

# name -> (default, constraints). A constraint list that admits "auto" lets an
# estimator resolve the value from its data at ``fit`` (documented there).
NETWORK_PARAMS = {
    "cell": ("lstm", [StrOptions({"lstm", "gru", "simple"})]),
    "units": (32, [Interval(Integral, 1, None, closed="left"), tuple, list]),
    "bidirectional": (False, ["boolean"]),
    "dropout": (0.0, [Interval(Real, 0, 1, closed="left")]),
    "recurrent_dropout": (0.0, [Interval(Real, 0, 1, closed="left")]),
    "model": (None, [callable, None]),
}

TRAINING_PARAMS = {
    "epochs": (100, [Interval(Integral, 1, None, closed="left")]),
    "batch_size": (32, [Interval(Integral, 1, None, closed="left"), AUTO]),
    "optimizer": (
        "adam",
        [StrOptions({"adam", "adamw", "nadam", "rmsprop", "sgd", "adagrad"})],
    ),
    "learning_rate": (1e-3, [Interval(Real, 0, None, closed="neither")]),
    "early_stopping": (False, ["boolean"]),
    "validation_fraction": (0.1, [Interval(Real, 0, 1, closed="neither")]),
    "n_iter_no_change": (10, [Interval(Integral, 1, None, closed="left")]),
    "warm_start": (False, ["boolean"]),
    # Networks averaged; "auto": each estimator's own recipe (resolved at fit).
    "n_networks": ("auto", [Interval(Integral, 1, None, closed="left"), AUTO]),
    "distribution": (None, [StrOptions({"default", "mirrored"}), None]),
    "random_state": (None, ["random_state"]),
    "verbose": (0, ["verbose"]),
}

# Parameters of the estimators that read sequences (not the forecaster, whose
# windows are cut by itself: equal lengths, numbers, no padding).
SEQUENCE_PARAMS = {
    "mask_value": (None, [Interval(Real, None, None, closed="neither"), None]),
    "embedding_dim": (16, [Interval(Integral, 1, None, closed="left")]),
    "return_sequences": (False, ["boolean"]),
    "tbptt_steps": (None, [Interval(Integral, 1, None, closed="left"), None]),
    "scale_inputs": (
        "instance",
        [StrOptions({"instance", "standard"}), "boolean", None],
    ),
    "max_steps": (128, [Interval(Integral, 1, None, closed="left"), None]),
    "conv_filters": ("auto", [AUTO, tuple, list]),
    "conv_kernel_size": (8, [Interval(Integral, 1, None, closed="left")]),
    "pooling": ("auto", [StrOptions({"auto", "mean", "last"})]),
    "lr_schedule": ("plateau", [StrOptions({"plateau"}), None]),
}

# The sequence recipe chosen on the UCR/UEA/Monash training files
# (benchmarks/ucr_research.md): a bidirectional GRU(64) over a convolutional
# front end, batches of a tenth of the samples, more epochs for small sets.
SEQUENCE_RECIPE = {
    "epochs": "auto",
    "cell": "gru",
    "units": 64,
    "bidirectional": True,
    "batch_size": "auto",
}

SHARED_PARAMS = {**NETWORK_PARAMS, **TRAINING_PARAMS}

# Where an estimator's default differs from the table's: estimator name ->
# {parameter: default}. The constraints stay shared; ``tests/test_params.py``
# checks each signature against the table with these applied.
DEFAULT_OVERRIDES = {
    "RNNRegressor": SEQUENCE_RECIPE,
    "RNNClassifier": SEQUENCE_RECIPE,
    # "auto": resolved at ``fit`` with the normalisation (``RECIPES`` in
    # ``_forecast_layout.py``): the M4 recipe for panels, the small network else.
    "SequenceForecaster": {
        "cell": "auto",
        "units": "auto",
        "epochs": "auto",
        "batch_size": "auto",
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
    overrides of ``estimator`` (a class name), or ``overrides`` given directly
    (a base class shared by estimators with the same defaults).
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


def architecture(estimator, units, cell=None):
    """The parameters that shape the network, to tell whether a warm start fits it.

    ``cell`` overrides the estimator's (an "auto" value resolved).
    """
    return {
        "cell": estimator.cell if cell is None else cell,
        "units": list(units),
        "bidirectional": bool(estimator.bidirectional),
    }


def auto_batch_size(n_samples):
    """``batch_size="auto"``: a tenth of the samples, at least 8, at most 128."""
    return int(min(max(round(0.1 * n_samples), 8), 128))


# ``epochs="auto"``: every fit reads at least this many samples (with repeats),
# in 100 to 300 epochs. Small sets are under-trained by 100 epochs of ~10
# batches each (ACSF1, 80 series: 0.50 -> 0.70 cross-validated accuracy with
# 300 epochs, benchmarks/ucr_research.md round 4), and their epochs are cheap;
# sets of 300 samples or more keep 100 epochs. A fit costs at most three times
# its 100-epoch cost, and only sets under 300 samples pay extra.
_AUTO_SAMPLE_PASSES = 30_000
_AUTO_EPOCHS = (100, 300)


def auto_epochs(n_samples):
    """``epochs="auto"``: ``30000 / n_samples`` rounded up, within [100, 300]."""
    low, high = _AUTO_EPOCHS
    return min(max(math.ceil(_AUTO_SAMPLE_PASSES / n_samples), low), high)


def check_conv_filters(estimator, default):
    """``conv_filters`` as a tuple of positive ints (``default`` for "auto")."""
    from sklearn.utils._param_validation import InvalidParameterError

    filters = estimator.conv_filters
    if isinstance(filters, str):
        return tuple(default)
    if not all(
        isinstance(f, Integral) and not isinstance(f, bool) and f >= 1 for f in filters
    ):
        raise InvalidParameterError(
            f"The 'conv_filters' parameter of {type(estimator).__name__} must be "
            f"'auto' or a tuple of positive ints (() for none). Got {filters!r} instead."
        )
    return tuple(int(f) for f in filters)


def check_units(estimator, units=None):
    """``units`` (the estimator's, or an "auto" value resolved) as a tuple of
    positive ints, or a clear error."""
    from sklearn.utils._param_validation import InvalidParameterError

    units = estimator.units if units is None else units
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
