"""What "auto" resolves to: every recipe, the losses, and the rule for named networks.

The rule, as the user guide states it: leave both ``cell`` and ``units`` at
"auto" and every network parameter still at "auto" takes the recipe chosen for
your kind of input. Name ``cell`` or ``units`` (or pass ``model``) and those
parameters build the plain recurrent network instead -- one direction, no
convolutional front end, the final state, one network, your own features
(standardised) -- while anything else you name is built as named.

Training parameters left at "auto" (``epochs``, ``batch_size``, and the
forecaster's ``learning_rate``, ``early_stopping``, ``n_iter_no_change``)
follow the data and the recipe either way: they change how long and how a
network trains, not what is built.

Every table an estimator reads to resolve "auto" lives here; the functions
take parameter values and data facts and return values, and never look at an
estimator's private state.
"""

import math

import numpy as np

# ------------------------------------------------------------------ sequences
# The numeric recipe chosen on the UCR/UEA/Monash training files
# (research/ucr_research.md): a convolutional front end, a
# bidirectional GRU(64) read as the mean over steps, three networks averaged
# (two for a regressor: REGRESSOR_SERIES_RECIPE below),
# each series z-normalised with its level and scale as extra channels, and
# each training series shifted in time at random by up to a tenth of its
# length (random_shift; validation splits, five random states: ACSF1 +0.087,
# OSULeaf +0.010, PLAID -0.014 mean accuracy; research/ucr_research.md,
# round 15).
# "symbols": strings and token lists, chosen on the peptide and DNA-motif
# validation tasks of benchmarks/bench_symbols.py (not on the numeric sets).
SEQUENCE_RECIPES = {
    # Numeric series read whole into one output (no per-step targets, no
    # padding mask): the UCR recipe.
    "series": {
        "cell": "gru",
        "units": 64,
        "bidirectional": True,
        "conv_filters": (128, 128),
        "pooling": "mean",
        "random_shift": 0.1,
        "n_networks": 3,
        "scale_inputs": "instance",
        "max_steps": 128,
    },
    # Numeric input with per-step outputs, truncated BPTT, or a padding
    # ``mask_value``: the recipe without the front end (convolutions cannot
    # skip padding, an ensemble needs one output per sample).
    "steps": {
        "cell": "gru",
        "units": 64,
        "bidirectional": True,
        "conv_filters": (),
        "pooling": "last",
        "random_shift": 0.0,
        "n_networks": 1,
        "scale_inputs": "instance",
        "max_steps": 128,
    },
    "symbols": {
        "cell": "gru",
        "units": 64,
        "bidirectional": True,
        "conv_filters": (),
        "pooling": "last",
        "random_shift": 0.0,
        "n_networks": 1,
        "scale_inputs": None,
        "max_steps": None,  # symbols are embedded whole, never shortened
    },
}

# A regressor's numeric recipe averages two networks, not three: on the two
# regression sets' validation splits two scored as three (Tecator mean RMSE
# 1.190 against 1.247 over five paired random states, 3 of 5 lower;
# Covid3Month 0.0410 against 0.0408 over four, 2 of 4 lower) for two thirds
# of the arithmetic; one network cost Covid3Month in all four (0.0426 against
# 0.0408). The classifier keeps three (they gain 0.04 mean accuracy over one,
# round 3). research/ucr_research.md, round 13.
#
# Its series are not shifted at random while training (random_shift 0): the
# shift was chosen on the classification sets only (round 15), and a
# regression target may depend on where a pattern lies (Tecator's spectra:
# a shifted absorption band is another fat content).
REGRESSOR_SERIES_RECIPE = {
    **SEQUENCE_RECIPES["series"],
    "n_networks": 2,
    "random_shift": 0.0,
}

# What a named network's "auto" parameters become: the recurrent network alone.
PLAIN_NETWORK = {
    "bidirectional": False,
    "conv_filters": (),
    "pooling": "last",
    "random_shift": 0.0,
    "n_networks": 1,
    "scale_inputs": "standard",
    "max_steps": None,
}

# The parameters that shape the network (and the sequence encoder): the rule
# above applies to these, and a warm start refuses a change of any of them.
ARCHITECTURE = (
    "cell",
    "units",
    "bidirectional",
    "conv_filters",
    "pooling",
    "random_shift",
    "n_networks",
    "scale_inputs",
    "max_steps",
)

# ``epochs="auto"`` for numeric input: every fit reads at least 30,000 samples
# (with repeats), in 100 to 300 epochs. Small sets are under-trained by 100
# epochs of ~10 batches each (ACSF1, 80 series: 0.50 -> 0.70 cross-validated
# accuracy with 300 epochs, research/ucr_research.md round 4), and
# their epochs are cheap; sets of 300 samples or more keep 100 epochs.


def auto_epochs(n_samples, sample_passes=30_000, bounds=(100, 300)):
    """``epochs="auto"``: ``sample_passes / n_samples`` rounded up, within ``bounds``."""
    low, high = bounds
    return min(max(math.ceil(sample_passes / n_samples), low), high)


def auto_batch_size(n_samples, fraction=0.1, bounds=(8, 128)):
    """``batch_size="auto"``: ``fraction`` of the samples, within ``bounds``."""
    low, high = bounds
    return int(min(max(round(fraction * n_samples), low), high))


def names_network(params):
    """Whether the user named the network: ``cell``, ``units`` or ``model`` set."""
    return (
        params["cell"] != "auto"
        or _not_auto(params["units"])
        or params.get("model") is not None
    )


def sequence_recipe_kind(*, symbols, whole_series, mask_value):
    """Which of :data:`SEQUENCE_RECIPES` applies to this input and task."""
    if symbols:
        return "symbols"
    if whole_series and mask_value is None:
        return "series"
    return "steps"


# How a sequence estimator trains when ``epochs``, ``batch_size`` and
# ``lr_schedule`` are "auto". Numeric input: about ten batches an epoch, 100 to
# 300 epochs, the plateau schedule. A classifier's numeric recipe (the
# "series" network, front end and ensemble, not named) trains along a cosine
# schedule for 100 to 150 epochs: on the three classification sets'
# validation splits it scored as the plateau schedule did in 0.55-1.0 of the
# epochs (50 epochs cost PLAID, 375 series, 0.06 of its accuracy), but it lost
# on both regression sets (Tecator RMSE 1.59 against 1.26), whose recipe stays
# (research/ucr_research.md, round 7). Strings and tokens learn from more,
# smaller steps and need fewer epochs: on the peptide rule of
# benchmarks/bench_symbols.py a named LSTM(32) for 30 epochs went from 0.31
# held-out (batches of a tenth) to 0.91 with batches of 16, and on the DNA
# motif (not tuned on) to 0.88 (raw Keras, batches of 32: 0.85). A higher rate
# (3e-3) helped the peptides (0.99) but not the motif (0.64): the rate stays at
# 1e-3.
SEQUENCE_TRAINING = {
    "numeric": {
        "sample_passes": 30_000,
        "epochs": (100, 300),
        "batch_fraction": 0.1,
        "batch_size": (8, 128),
        "lr_schedule": "plateau",
    },
    "symbols": {
        "sample_passes": 30_000,
        "epochs": (20, 100),
        "batch_fraction": 0.01,
        "batch_size": (16, 128),
        "lr_schedule": "plateau",
    },
}
# A classifier's numeric recipe: fewer epochs, the cosine, and batches of at
# most 32, where its training step is cheapest per sample: the recurrent loops
# run compiled at batches up to 32 (``skrnn._engine.COMPILE_LOOPS_MAX_BATCH``)
# and the front end costs the same per sample at any batch. Where the cap
# applies (over 320 samples) and ``batch_size`` is "auto", the epochs shrink
# in proportion ("updates_as": as many updates as batches of a tenth within 8
# and 128 would make). On PLAID's validation splits (375 series; three
# splits, two random states) batches of 32 for 85 epochs scored +2, 0, -3 and
# -1 series of 162 against batches of 38 for 100 epochs (mean -0.003) in
# 0.56-0.84 of the time; on its test file -8 of 537 in one run, in 0.55 of
# the time (research/ucr_research.md, round 11).
SEQUENCE_TRAINING["recipe"] = {
    **SEQUENCE_TRAINING["numeric"],
    "sample_passes": 15_000,
    "epochs": (100, 150),
    "batch_size": (8, 32),
    "updates_as": SEQUENCE_TRAINING["numeric"]["batch_size"],
    "lr_schedule": "cosine",
    # "auto" epochs end once the training loss has stayed below this for
    # FITTED_PATIENCE epochs: the training set is fitted. On OSULeaf's
    # validation split (the one shared classification set whose loss gets
    # there; ACSF1's and PLAID's stay above 0.05) five random states scored
    # +1, -1, +1, +1 and 0 series of 60 in 0.68 of the epochs; 0.01 scored the
    # same as the full schedule in 0.86 (research/ucr_research.md, round 14).
    # That is for series read as they are ("stop_below_unshifted"); the
    # recipe's shifted series (random_shift) keep the loss higher, and there
    # 0.04 stopped OSULeaf's fits after as many epochs as 0.02 did unshifted
    # (70 against 73 of 108), within a series of 60 of the shifted fits that
    # 0.02 let run 97 epochs (round 15).
    "stop_below": 0.04,
    "stop_below_unshifted": 0.02,
}
# Consecutive epochs the training loss stays below "stop_below" before a fit ends.
FITTED_PATIENCE = 5

# ``predict_shifts="auto"``: a network trained on shifted series
# (``random_shift`` above 0) predicts from this many copies of each series,
# shifted by evenly spaced steps from -random_shift to +random_shift of its
# length (the training shifts' range), and averages their outputs. On the
# validation splits (the recipe's fits of round 15, five random states each)
# 3 copies within the whole range scored ACSF1 0.873 against 0.853 read once
# (paired, in series of 30: +1, +1, +1, 0, 0), OSULeaf 0.983 against 0.973
# (of 60: +1, 0, 0, 0, +2), PLAID 0.869 against 0.870 (of 162: 0, +1, 0, -1,
# -1); 5 copies, or 3 within half the range, 0.906 over the three against
# 0.909. A second 70/30 split, three random states: +0.013 over the three
# (PLAID +1, +5, -1; ACSF1 0, +1, +2; OSULeaf -1, 0, 0). On the test files,
# one fit each, OSULeaf lost 4 of 242 series, PLAID and ACSF1 none
# (research/ucr_research.md, round 16).
SHIFTED_COPIES = 3


def shifted_copies(predict_shifts, random_shift):
    """How many shifted copies of each series a prediction averages (1: the
    series as it is) for ``predict_shifts`` (as named) and the fitted
    ``random_shift``; a ValueError where copies are named without a shift."""
    if predict_shifts == "auto":
        return SHIFTED_COPIES if random_shift > 0 else 1
    if predict_shifts > 1 and not random_shift > 0:
        raise ValueError(
            f"predict_shifts={predict_shifts!r}: copies are shifted within "
            f"random_shift of their length, but the network trained with "
            f"random_shift={random_shift!r} (series read as they are). Use "
            "predict_shifts=1 (or 'auto'), or fit with random_shift above 0."
        )
    return predict_shifts


def copy_offsets(n_copies, random_shift, n_steps):
    """The steps each of ``n_copies`` copies of ``n_steps``-step series is
    shifted by (as :func:`~skrnn._layers.random_shift_class` shifts: the copy's
    step t reads step t + offset), evenly spaced from -``random_shift`` to
    +``random_shift`` of the length, rounded to whole steps."""
    if n_copies == 1:
        return [0]
    most = random_shift * n_steps
    return [int(round(offset)) for offset in np.linspace(-most, most, n_copies)]


# Per-step outputs read the steps up to their own only: "auto" is one
# direction, and inputs scaled by the training set's statistics, not each
# series' own (its level and scale over all its steps, later ones included).
# A bidirectional network's output at a step reads every later step too, the
# next value among them: trained on next-step targets (the seeds' next
# residue, a next-value echo) it learns to copy it from the backward
# direction, scores better per step and predicts worse where it is used,
# after a prefix: on x[t+1] = sin(2.5 x[t]) + noise (150 training series of 20
# steps, 30 epochs) per-step R^2 0.989 against 0.925-0.944 for the causal
# network, the next value after a prefix RMSE 0.271 against 0.143-0.182 (three
# seeds). Each series scaled by its own level and scale (over all its steps)
# scored 0.97 per step and the same after a prefix (mean RMSE 0.158 against
# 0.156). Truncated backpropagation cannot carry a backward direction's
# state. Name ``bidirectional=True`` (or ``scale_inputs="instance"``) to read
# whole sequences, e.g. to tag every step. Every step has its own output, so
# no sequence is shortened (``max_steps`` None).
CAUSAL = {"bidirectional": False, "scale_inputs": "standard", "max_steps": None}


def per_step_outputs(params):
    """Whether the network outputs one value per step (``return_sequences``,
    ``tbptt_steps``)."""
    return bool(params["return_sequences"]) or params["tbptt_steps"] is not None


def sequence_training_kind(kind, params, classifier=False):
    """Which of :data:`SEQUENCE_TRAINING` applies: "symbols" for strings and
    tokens, "recipe" where a classifier's numeric recipe is built (the
    "series" recipe, the network not named), "numeric" otherwise."""
    if kind == "symbols":
        return "symbols"
    if classifier and kind == "series" and not names_network(params):
        return "recipe"
    return "numeric"


def resolve_sequence_params(params, kind, n_samples, classifier=False, ragged=False):
    """The sequence estimators' "auto" parameters resolved, as one dict.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    kind : {"series", "steps", "symbols"}
        The recipe that applies (:func:`sequence_recipe_kind`).
    n_samples : int
        Training samples, for ``epochs`` and ``batch_size``.
    classifier : bool, default=False
        Whether a classifier asks (its recipe trains along a cosine; a
        regressor's averages two networks, not three).
    ragged : bool, default=False
        Whether the series have different lengths: without a convolutional
        front end they are padded, and "auto" shifts none of them (a shift
        would move padding in).

    Returns
    -------
    dict
        ``ARCHITECTURE`` parameters, ``epochs``, ``batch_size`` and
        ``lr_schedule``, each either as named or with "auto" resolved by the
        rule of this module.
    """
    recipe = SEQUENCE_RECIPES[kind]
    if kind == "series" and not classifier:
        recipe = REGRESSOR_SERIES_RECIPE
    resolved = _resolve(params, recipe)
    if per_step_outputs(params):  # causal: see per_step_outputs
        for name, causal in CAUSAL.items():
            # (strings and tokens are embedded, never scaled)
            if not _not_auto(params[name]) and resolved[name] is not None:
                resolved[name] = causal
    if (
        ragged
        and not resolved["conv_filters"]
        and not _not_auto(params["random_shift"])
    ):
        resolved["random_shift"] = 0.0
    training = SEQUENCE_TRAINING[sequence_training_kind(kind, params, classifier)]
    batch_size = auto_batch_size(
        n_samples, training["batch_fraction"], training["batch_size"]
    )
    epochs = auto_epochs(n_samples, training["sample_passes"], training["epochs"])
    if "updates_as" in training and params["batch_size"] == "auto":
        reference = auto_batch_size(
            n_samples, training["batch_fraction"], training["updates_as"]
        )
        epochs = math.ceil(epochs * batch_size / reference)
    resolved["epochs"] = epochs if params["epochs"] == "auto" else params["epochs"]
    resolved["batch_size"] = (
        batch_size if params["batch_size"] == "auto" else params["batch_size"]
    )
    resolved["lr_schedule"] = (
        training["lr_schedule"]
        if params["lr_schedule"] == "auto"
        else params["lr_schedule"]
    )
    # Named epochs are trained in full.
    stop_below = training.get(
        "stop_below" if resolved["random_shift"] else "stop_below_unshifted"
    )
    resolved["stop_below"] = stop_below if params["epochs"] == "auto" else None
    return resolved


# ----------------------------------------------------------------- forecaster
# What the forecaster's "auto" parameters become, by normalisation. "level" is
# the global recipe chosen on M4 Hourly's training series
# (research/m4_research.md): a GRU(128) on one season per step,
# Adam 3e-3 on batches of 256 windows, early stopping on each series' last
# window, the median of 5 networks. "standard" is the small per-series network
# whose airline figures are in docs/benchmarks.rst.
FORECAST_RECIPES = {
    "standard": {
        "cell": "lstm",
        "units": 32,
        "bidirectional": False,
        "n_networks": 1,
        "epochs": 100,
        "batch_size": 32,
        "learning_rate": 1e-3,
        "early_stopping": False,
        "n_iter_no_change": 10,
    },
    "level": {
        "cell": "gru",
        "units": 128,
        "bidirectional": False,
        "n_networks": 5,
        "epochs": 40,
        "batch_size": 256,
        "learning_rate": 3e-3,
        "early_stopping": True,
        "n_iter_no_change": 8,
    },
}

# How the networks of an ensemble (n_networks > 1, trained side by side in one
# model) are combined: the sequence estimators average their outputs
# (probabilities, values), the forecaster takes the median of the members'
# forecasts on the original scale (M4 Hourly, research/m4_research.md: robust to one
# member's bad run on a series).
ENSEMBLE_COMBINATION = {"sequence": "mean", "forecast": "median"}
COMBINE = {"mean": np.mean, "median": np.median}

# The forecaster's network parameters that the rule for named networks covers.
FORECAST_ARCHITECTURE = ("cell", "units", "bidirectional", "n_networks")


def resolve_forecast_params(params, normalize):
    """The forecaster's "auto" parameters resolved for ``normalize`` (a dict).

    A named ``cell`` or ``units`` (or a ``model``) gets one network, one
    direction; the training parameters follow the normalisation's recipe.
    """
    return _resolve(params, FORECAST_RECIPES[normalize])


def _resolve(params, recipe):
    """Each parameter of ``recipe``: as named, else the plain network's value
    where the network is named, else the recipe's."""
    plain = names_network(params)
    resolved = {}
    for name, value in recipe.items():
        if _not_auto(params[name]):
            resolved[name] = params[name]
        elif plain and name in PLAIN_NETWORK:
            resolved[name] = PLAIN_NETWORK[name]
        else:
            resolved[name] = value
    return resolved


# --------------------------------------------------------------------- losses
# ``loss`` names -> Keras losses (regressor and forecaster).
LOSSES = {
    "auto": "mean_squared_error",
    "squared_error": "mean_squared_error",
    "mse": "mean_squared_error",
    "absolute_error": "mean_absolute_error",
    "mae": "mean_absolute_error",
    "huber": "huber",
}


def _not_auto(value):
    return not (isinstance(value, str) and value == "auto")


def refuse_changed_network(fitted, wanted):
    """A warm start continues the fitted network: refuse changed parameters.

    ``fitted`` and ``wanted`` map parameter names to resolved values (the
    network that was built, and the one the parameters resolve to now).
    """
    changed = [
        f"{name}={fitted[name]!r}"
        for name in wanted
        if name in fitted and _comparable(wanted[name]) != _comparable(fitted[name])
    ]
    if changed:
        names = ", ".join(item.split("=")[0] for item in changed)
        raise ValueError(
            f"warm_start=True continues training the fitted network, but {names} "
            f"changed since it was built ({', '.join(changed)}). Set "
            "warm_start=False to build a new network with the new parameters."
        )


# Architecture parameters a user's own network (``model``) does not take, and
# the values that leave them to it.
_BUILT_BY_SKRNN = {
    "cell": ("auto",),
    "units": ("auto",),
    "bidirectional": ("auto",),
    "conv_filters": ("auto", ()),
    "pooling": ("auto",),
    "random_shift": ("auto", 0.0),
    "dropout": (0.0,),
    "recurrent_dropout": (0.0,),
}


def refuse_unshiftable(random_shift, *, symbols, mask_value, per_step, padded):
    """An error where series shifted in time at random would be wrong: a
    shift moves padding into the series, and per-step targets off their steps."""
    reasons = [
        reason
        for applies, reason in (
            (symbols, "strings and tokens are embedded symbols, not series"),
            (mask_value is not None, f"mask_value={mask_value!r} marks padding"),
            (
                per_step,
                "per-step outputs (return_sequences, tbptt_steps) "
                "would no longer match their steps",
            ),
            (
                padded,
                "series of different lengths are padded without a "
                "convolutional front end (with one they are resampled)",
            ),
        )
        if applies
    ]
    if reasons:
        raise ValueError(
            f"random_shift={random_shift!r}: shifting training series in time "
            f"needs whole numeric series without padding, but {'; '.join(reasons)}. "
            "Use random_shift=0 (or 'auto')."
        )


def refuse_named_with_model(params):
    """With a ``model`` callable, an error naming the architecture parameters
    (of those ``params`` has) that are named: its network is the one built."""
    if params.get("model") is None:
        return
    ignored = [
        name
        for name, unused in _BUILT_BY_SKRNN.items()
        if name in params and not is_one_of(params[name], unused)
    ]
    if ignored:
        raise ValueError(
            f"model is given: the network is the one it builds, so "
            f"{', '.join(ignored)} would not be used. Leave "
            f"{'it' if len(ignored) == 1 else 'them'} at "
            f"{', '.join(f'{n}={_BUILT_BY_SKRNN[n][0]!r}' for n in ignored)}, "
            "or build that network in model."
        )


def changed_params(fitted, current, names, resolved=None):
    """``"name=fitted -> current"`` of each of ``names`` whose value in
    ``current`` differs from its value in ``fitted`` and, where ``resolved``
    (``training_params_``) has it, from the value "auto" resolved to: named
    now, that is the fitted value too. Names ``fitted`` lacks are not
    compared."""
    resolved = resolved or {}
    return [
        f"{name}={fitted[name]!r} -> {current[name]!r}"
        for name in names
        if name in fitted
        and name in current
        and not _same(current[name], fitted[name])
        and (
            name not in resolved
            or not _same(current[name], resolved[name])
            # Named now, they switch the other "auto" parameters to the plain
            # network (names_network): not the fitted network, even at its value.
            or (name in _NAMES_THE_NETWORK and not _not_auto(fitted[name]))
        )
    ]


# Parameters whose being named switches the rule (see names_network).
_NAMES_THE_NETWORK = ("cell", "units", "model")


def _same(value, other):
    """Equal parameter values: tuples and lists alike, None and False alike
    (both leave a step out, e.g. ``scale_inputs``), callables by identity."""
    if (value is None or value is False) and (other is None or other is False):
        return True
    return value is other or _comparable(value) == _comparable(other)


def _comparable(value):
    """A parameter's value in one spelling: tuples and lists alike, one layer's
    units as its int, True as "standard" (``scale_inputs``)."""
    if isinstance(value, (tuple, list)):
        value = tuple(value)
        return value[0] if len(value) == 1 and isinstance(value[0], int) else value
    if value is True:
        return "standard"
    return value


def is_one_of(value, values):
    """Whether ``value`` is one of ``values`` (tuples and lists alike)."""
    return _comparable(value) in values
