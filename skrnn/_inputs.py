"""The accepted input forms, validated and turned into sequences the network reads.

* 3-D array-like ``(n_samples, n_steps, n_features)``: used as is.
* 2-D array-like or DataFrame ``(n_samples, n_steps)``: one feature per step, so a
  frame of lag columns works; column names are kept in ``feature_names_in_``.
* A list of sequences of different lengths, each ``(n_steps_i, n_features)`` or
  1-D: padded per batch and masked inside the network.
* Strings (DNA, peptides, text: one symbol per character) or lists of tokens:
  the vocabulary is learned in ``fit`` and symbols become integer codes for an
  embedding layer; unknown symbols at predict time map to an out-of-vocabulary code.

For 2-D input ``n_features_in_`` follows scikit-learn (the number of columns);
for 3-D and ragged input it is the number of features per time step, and samples
of any number of steps can be predicted.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_array, validate_data

DTYPE = np.float32
# Padding of ragged numeric sequences, masked by a Keras Masking layer; no real
# measurement takes this value.
PAD_VALUE = -1.0e30
# Codes of symbol sequences: 0 pads, 1 stands for symbols unseen in fit.
PAD_CODE, OOV_CODE, FIRST_CODE = 0, 1, 2


class Sequences:
    """Validated samples: one dense array, or a list of variable-length arrays.

    Parameters
    ----------
    dense : ndarray or None
        ``(n_samples, n_steps, n_features)`` floats or ``(n_samples, n_steps)``
        codes, when every sample has the same length.
    items : list of ndarray or None
        One array per sample otherwise.
    pad_value : float or int
        Value of the steps added when samples are padded to a common length.
    """

    def __init__(self, dense=None, items=None, pad_value=PAD_VALUE):
        self.dense = dense
        self.items = items
        self.pad_value = pad_value
        if dense is not None:
            self.lengths = np.full(len(dense), dense.shape[1])
        else:
            self.lengths = np.array([len(item) for item in items])

    def __len__(self):
        return len(self.lengths)

    @property
    def is_dense(self):
        return self.dense is not None

    @property
    def sample_shape(self):
        """Shape of one step: ``(n_features,)`` or ``()`` for codes."""
        first = self.dense[0] if self.is_dense else self.items[0]
        return first.shape[1:]

    def batch(self, indices):
        """Samples ``indices``, padded at the end to their longest length."""
        if self.is_dense:
            return self.dense[indices]
        chosen = [self.items[i] for i in indices]
        longest = max(len(item) for item in chosen)
        dtype = chosen[0].dtype
        out = np.full((len(chosen), longest) + self.sample_shape, self.pad_value, dtype)
        for row, item in enumerate(chosen):
            out[row, : len(item)] = item
        return out


def _name(estimator):
    return type(estimator).__name__


_ACCEPTED = (
    "RNN estimators take a collection of sequences: a 3-D array (n_samples, "
    "n_steps, n_features), a 2-D array or DataFrame (n_samples, n_steps) with one "
    "feature per step, a list of sequences of different lengths, or strings / "
    "token lists"
)


def _input_kind(X):
    """Classify X as 'array', 'ragged', 'strings' or 'tokens' without copying it."""
    if X is None:
        raise ValueError(f"X is None. {_ACCEPTED}.")
    if not hasattr(X, "__len__") and not hasattr(X, "__array__"):
        raise ValueError(
            f"X is a {type(X).__name__}, which has no length (a generator or "
            f"iterator?); pass a list or an array, e.g. list(X). {_ACCEPTED}."
        )
    if getattr(X, "ndim", None) == 1 and getattr(X, "dtype", object).kind in "biufc":
        raise ValueError(_one_dimensional(f"shape {X.shape}"))
    if isinstance(X, (str, bytes)):
        raise ValueError(
            "X must be a collection of sequences; got a single string. Wrap it in a "
            "list: [sequence]."
        )
    if hasattr(X, "__array__") and not hasattr(X, "dtype"):
        X = np.asarray(X)  # array-likes that only convert (numpy's protocol)
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(X, "ndim", 1) != 1:
        if X.ndim == 2 and _holds_only_strings(X, dtype):
            return "tokens"  # one token per column, a sequence per row
        return "array"  # numeric arrays, sparse matrices
    if hasattr(X, "columns"):  # a DataFrame
        return "tokens" if _holds_only_strings(X, None) else "array"
    if dtype is not None and dtype.kind in "biufc":
        return _input_kind(X)  # 1-D numeric: the message above
    items = list(X)
    if len(items) == 0:
        raise ValueError(
            "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is "
            "required by the estimator."
        )
    if all(isinstance(item, bytes) for item in items):
        raise ValueError(
            "X holds bytes; skrnn reads text as str, one symbol per character: "
            "decode them, e.g. [item.decode('ascii') for item in X]."
        )
    is_text = [isinstance(item, str) for item in items]
    if not any(is_text) and all(np.ndim(item) == 0 for item in items):
        raise ValueError(
            _one_dimensional(f"a {type(X).__name__} of {len(items)} numbers")
        )
    if all(is_text):
        return "strings"
    if any(is_text):
        raise ValueError(
            "X mixes strings and other values; pass only strings (one symbol per "
            "character) or only numeric sequences."
        )
    if all(_is_token_list(item) for item in items):
        return "tokens"
    if any(_is_token_list(item) for item in items):
        raise ValueError("X mixes token sequences (strings) and numeric sequences.")
    # One shape (steps and features) stacks into an array; sequences of
    # other features are read one by one, which names them.
    shapes = {np.shape(item) if np.ndim(item) else (-1,) for item in items}
    return "array" if len(shapes) == 1 else "ragged"


def _holds_only_strings(X, dtype):
    """Whether a 2-D array or DataFrame holds text in every cell (tokens)."""
    if dtype is not None and dtype.kind == "U":
        return True
    if dtype is not None and dtype.kind != "O":
        return False
    if dtype is None and not all(
        kind.kind == "O" or str(kind).startswith("str") for kind in X.dtypes
    ):
        return False
    rows = np.asarray(X, dtype=object)
    return len(rows) > 0 and all(_is_token_list(row) for row in rows)


def _one_dimensional(what):
    return (
        f"X is 1-D ({what}), not a collection of sequences. Reshape your data: "
        f"{_ACCEPTED}. For a single series, cut it into windows with "
        "skrnn.make_windows or use SequenceForecaster; for one sequence, pass "
        "[sequence]."
    )


def _is_token_list(item):
    if isinstance(item, str) or np.ndim(item) != 1 or len(item) == 0:
        return False
    return all(isinstance(token, str) for token in item)


def validate_sequences(estimator, X, *, reset, training=False):
    """Validate X and return it as :class:`Sequences`.

    With ``reset=True`` the input layout is recorded on ``estimator``
    (``n_features_in_``, ``feature_names_in_``, ``input_shape_``, ``vocabulary_``);
    otherwise X is checked against it. ``training``: X continues a fitted
    network's training (``warm_start``, ``partial_fit``), not predictions.
    """
    kind = _input_kind(X)
    if kind == "tokens" and (hasattr(X, "columns") or getattr(X, "ndim", 1) == 2):
        X = np.asarray(X, dtype=object)  # its rows: the token sequences
    if kind in ("strings", "tokens"):
        return _validate_symbols(estimator, X, kind, reset=reset, training=training)
    fitted_kind = None if reset else estimator._input_kind
    if fitted_kind == "symbols":
        raise ValueError(
            f"{_name(estimator)} was fitted on symbol sequences (strings or tokens); "
            "got numeric X."
        )
    try:
        if kind == "ragged":
            sequences = _validate_ragged(estimator, X, reset=reset)
        else:
            sequences = Sequences(dense=_validate_array(estimator, X, reset=reset))
    except ValueError as error:
        if " contains NaN" not in str(error):
            raise
        # scikit-learn's advice (HistGradientBoosting, imputers) is for tables.
        raise ValueError(
            f"{str(error).splitlines()[0]} {_name(estimator)} reads no missing "
            "values: pass sequences of different lengths as a list (each its own "
            "length), pad them with a number given as mask_value, and fill gaps "
            "inside a sequence (interpolate) before fitting."
        ) from None
    if estimator._input_kind != "2d" and isinstance(X, (list, tuple)):
        _record_or_check_column_names(estimator, X, reset=reset)
    return sequences


def _column_names(sequence):
    """A DataFrame's column names when they are all strings, else None."""
    columns = getattr(sequence, "columns", None)
    if columns is None or not all(isinstance(name, str) for name in columns):
        return None
    return np.asarray(columns, dtype=object)


def _record_or_check_column_names(estimator, X, *, reset):
    """Column names of a list of DataFrames: the features of every step.

    Recorded in ``feature_names_in_`` when every sequence of the training list
    is a DataFrame with the same columns; later lists are checked against them,
    as scikit-learn checks a DataFrame's columns.
    """
    names = [_column_names(sequence) for sequence in X]
    named = [position for position, found in enumerate(names) if found is not None]
    if reset:
        if named and len(named) == len(names):
            for position in named:
                if not np.array_equal(names[position], names[0]):
                    raise ValueError(
                        f"X[{position}] has the columns {list(names[position])}, but "
                        f"X[0] has {list(names[0])}: every sequence needs the same "
                        "features, in the same order."
                    )
            estimator.feature_names_in_ = names[0]
        return
    fitted = getattr(estimator, "feature_names_in_", None)
    name = _name(estimator)
    if fitted is None:
        if named:
            warnings.warn(
                f"X has feature names, but {name} was fitted without feature names",
                UserWarning,
                stacklevel=4,
            )
        return
    for position in named:
        if not np.array_equal(names[position], fitted):
            raise ValueError(
                f"The columns of X[{position}], {list(names[position])}, are not "
                f"those {name} was fitted on, {list(fitted)}: pass the same features "
                "in the same order."
            )
    if len(named) < len(names):
        warnings.warn(
            f"X does not have valid feature names, but {name} was fitted with "
            "feature names",
            UserWarning,
            stacklevel=4,
        )


def _validate_array(estimator, X, *, reset):
    if getattr(X, "ndim", None) == 1:  # a Series or object array of sequences
        X = list(X)
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        ndim = np.asarray(X).ndim
    if ndim > 3:
        raise ValueError(
            f"X must be 2-D (n_samples, n_steps) or 3-D (n_samples, n_steps, "
            f"n_features); got an array with {ndim} dimensions."
        )
    if ndim == 3:
        X3 = _checked_floats(X)
        if X3 is None:
            X3 = check_array(
                X, dtype=DTYPE, allow_nd=True, estimator=estimator, input_name="X"
            )
        _check_steps_and_features(estimator, X3.shape)
        _record_or_check_features(
            estimator, X3.shape[2], reset=reset, kind="3d", n_steps=X3.shape[1]
        )
        return X3
    if not reset and estimator._input_kind != "2d":
        X2 = check_array(X, dtype=DTYPE, estimator=estimator, input_name="X")
        if estimator.n_features_in_ != 1:
            raise ValueError(
                f"{_name(estimator)} was fitted on sequences of "
                f"{estimator.n_features_in_} features per time step, but X is 2-D "
                f"{X2.shape}: a 2-D X is read as (samples, steps), one feature per "
                "step. Pass X of shape (samples, steps, features); one sequence "
                "of shape (steps, features) as X[np.newaxis]."
            )
        _record_or_check_features(estimator, 1, reset=False, kind="3d")
        return X2[:, :, np.newaxis]
    X2 = None
    if (
        not reset
        and ndim == 2
        and getattr(estimator, "feature_names_in_", None) is None
    ):
        X2 = _checked_floats(X)
        if X2 is not None and X2.shape[1] != estimator.n_features_in_:
            X2 = None  # validate_data says what is wrong
    if X2 is None:
        X2 = validate_data(
            estimator, X, reset=reset, dtype=DTYPE, ensure_all_finite=True
        )
    if reset:
        estimator._input_kind = "2d"
        estimator.input_shape_ = (X2.shape[1], 1)
    return X2[:, :, np.newaxis]


def _checked_floats(X):
    """X as ``check_array(X, dtype=DTYPE)`` returns it, where no check can fail.

    The predict path's shortcut: scikit-learn's checks take about 0.3 ms, an
    eighth of a single-sample prediction of the default recipe. A NumPy array
    of floats with at least one value, all finite after the conversion, passes
    them as it is; anything else returns None, and the full check runs and says
    what is wrong.
    """
    if type(X) is not np.ndarray or X.dtype.kind != "f" or X.size == 0:
        return None
    if X.dtype != DTYPE:
        # Values beyond float32's range become inf here, refused below, quietly:
        # the full check then converts again and reports them as it always did.
        with np.errstate(over="ignore"):
            X = X.astype(DTYPE)
    return X if np.isfinite(X).all() else None


def _check_steps_and_features(estimator, shape):
    if shape[1] == 0 or shape[2] == 0:
        raise ValueError(
            f"Found array with shape {shape}: at least 1 time step and 1 feature "
            f"are required by {_name(estimator)}."
        )


def _record_or_check_features(estimator, n_features, *, reset, kind, n_steps=None):
    """Record features per step on reset, else compare them with the fitted ones."""
    if reset:
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        estimator._input_kind = kind
        estimator.n_features_in_ = n_features
        estimator.input_shape_ = (n_steps, n_features)
        return
    if estimator._input_kind == "2d":
        if n_features == 1 and n_steps == estimator.n_features_in_:
            return  # (n_samples, n_columns, 1): the fitted 2-D layout, made explicit
        raise ValueError(
            f"{_name(estimator)} was fitted on 2-D X with {estimator.n_features_in_} "
            "columns (one feature per step); pass a 2-D array of that many columns."
        )
    if n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features per time step, but {_name(estimator)} is "
            f"expecting {estimator.n_features_in_} features per time step as input."
        )


def _validate_ragged(estimator, X, *, reset):
    items = []
    for position, sequence in enumerate(X):
        values = check_array(
            sequence,
            ensure_2d=False,
            dtype=DTYPE,
            ensure_min_samples=0,
            input_name=f"X[{position}]",
            estimator=estimator,
        )
        if values.ndim == 1:
            values = values[:, np.newaxis]
        if values.ndim != 2:
            raise ValueError(
                f"Sequence X[{position}] must be 1-D (n_steps,) or 2-D (n_steps, "
                f"n_features); got shape {values.shape}."
            )
        if len(values) == 0:
            raise ValueError(
                f"Sequence X[{position}] is empty: every sequence needs at least 1 step."
            )
        if items and values.shape[1] != items[0].shape[1]:
            raise ValueError(
                f"Sequences have different numbers of features: X[0] has "
                f"{items[0].shape[1]}, X[{position}] has {values.shape[1]}."
            )
        items.append(values)
    n_features = items[0].shape[1]
    _record_or_check_features(estimator, n_features, reset=reset, kind="3d")
    if reset:
        estimator._input_kind = "ragged"
    return Sequences(items=items)


def _validate_symbols(estimator, X, kind, *, reset, training=False):
    sequences = [list(item) for item in X]
    for position, sequence in enumerate(sequences):
        if len(sequence) == 0:
            raise ValueError(
                f"Sequence X[{position}] is empty: every sequence needs at least 1 symbol."
            )
    if reset:
        symbols = sorted({symbol for sequence in sequences for symbol in sequence})
        estimator.vocabulary_ = np.array(symbols, dtype=object)
        estimator._input_kind = "symbols"
        estimator._symbol_kind = kind
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        estimator.n_features_in_ = 1
        estimator.input_shape_ = (None, 1)
    elif estimator._input_kind != "symbols":
        raise ValueError(
            f"{_name(estimator)} was fitted on numeric sequences; got "
            f"{'strings' if kind == 'strings' else 'token lists'}."
        )
    elif kind != getattr(estimator, "_symbol_kind", kind):
        fitted = "strings" if kind == "tokens" else "token lists"
        raise ValueError(
            f"{_name(estimator)} was fitted on {fitted}; got "
            f"{'strings' if kind == 'strings' else 'token lists'}. Pass X in the "
            "form it was fitted on (a string's characters are not its tokens)."
        )
    codes = {
        symbol: code for code, symbol in enumerate(estimator.vocabulary_, FIRST_CODE)
    }
    items = [
        np.array([codes.get(symbol, OOV_CODE) for symbol in sequence], dtype=np.int32)
        for sequence in sequences
    ]
    if training:
        unseen = sorted(
            {symbol for sequence in sequences for symbol in sequence} - set(codes)
        )
        if unseen:
            warnings.warn(
                f"X holds {len(unseen)} symbols not seen in the first fit "
                f"({', '.join(map(repr, unseen[:5]))}{', ...' if len(unseen) > 5 else ''}"
                "): the vocabulary and the embedding are fixed then, so training "
                "goes on with them as the unknown-symbol code. Fit a new network "
                "(warm_start=False) to learn them.",
                UserWarning,
                stacklevel=5,
            )
    elif not reset and all(np.all(item == OOV_CODE) for item in items):
        warnings.warn(
            "None of the symbols in X was seen in fit: every one maps to the "
            "out-of-vocabulary code, so the predictions carry no information.",
            UserWarning,
            stacklevel=4,
        )
    if len({len(item) for item in items}) == 1:
        return Sequences(dense=np.stack(items), pad_value=PAD_CODE)
    return Sequences(items=items, pad_value=PAD_CODE)


def per_step_targets(y, lengths, *, estimator, numeric, dtype=DTYPE):
    """Split per-step targets into one array per sample, checked against X's lengths.

    Returns an array ``(n_samples, n_steps, ...)`` when all samples have the same
    length, else a list of ``(n_steps_i, ...)`` arrays.
    """
    if hasattr(y, "columns"):  # a DataFrame (n_samples, n_steps): its rows
        y = y.to_numpy()
    # A string per sample (a classifier's labels) is one label per character,
    # as strings in X are one symbol per character.
    items = [
        np.asarray(list(sample))
        if isinstance(sample, str) and not numeric
        else np.asarray(sample)
        for sample in y
    ]
    if len(items) != len(lengths):
        raise ValueError(
            f"X and y have different numbers of samples: {len(lengths)} and {len(items)}."
        )
    for position, (item, length) in enumerate(zip(items, lengths, strict=True)):
        if item.ndim == 0 or len(item) != length:
            steps = 0 if item.ndim == 0 else len(item)
            raise ValueError(
                f"Per-step targets y[{position}] have {steps} steps, but X[{position}] "
                f"has {length}; with return_sequences=True y needs one target per step."
            )
    if numeric:
        items = [
            check_array(
                item,
                ensure_2d=False,
                dtype=dtype,
                input_name=f"y[{position}]",
                estimator=estimator,
            )
            for position, item in enumerate(items)
        ]
    if len(set(lengths.tolist())) == 1:
        return np.stack(items)
    return items
