"""The accepted input forms, validated and turned into 3-D float arrays.

* 3-D array-like ``(n_samples, n_steps, n_features)``: used as is.
* 2-D array-like or DataFrame ``(n_samples, n_steps)``: one feature per step, so a
  frame of lag columns works; column names are kept in ``feature_names_in_``.

For 2-D input ``n_features_in_`` follows scikit-learn (the number of columns);
for 3-D input it is the number of features per time step, and samples of any
number of steps can be predicted.
"""

import numpy as np
from sklearn.utils.validation import check_array, validate_data

DTYPE = np.float32


def _ndim(X):
    ndim = getattr(X, "ndim", None)
    if ndim is not None:
        return ndim
    shape = getattr(X, "shape", None)
    if shape is not None:
        return len(shape)
    try:
        return np.asarray(X).ndim
    except ValueError as exc:  # ragged nesting
        raise ValueError(
            "X holds sequences of different lengths; pass a 3-D array "
            "(n_samples, n_steps, n_features) or a 2-D array (n_samples, n_steps)."
        ) from exc


def _name(estimator):
    return type(estimator).__name__


def validate_sequences(estimator, X, *, reset):
    """Validate X and return it as a float32 array (n_samples, n_steps, n_features).

    With ``reset=True`` the input layout is recorded on ``estimator``
    (``n_features_in_``, ``feature_names_in_`` and ``input_shape_``); otherwise X
    is checked against it.
    """
    ndim = _ndim(X)
    if ndim > 3:
        raise ValueError(
            f"X must be 2-D (n_samples, n_steps) or 3-D (n_samples, n_steps, "
            f"n_features); got an array with {ndim} dimensions."
        )
    if ndim == 3:
        return _validate_3d(estimator, X, reset=reset)
    if not reset and getattr(estimator, "_input_ndim", 2) == 3:
        if estimator.n_features_in_ != 1:
            raise ValueError(
                f"X is 2-D, but {_name(estimator)} was fitted on 3-D sequences with "
                f"{estimator.n_features_in_} features per step; pass a 3-D array."
            )
        X2 = check_array(X, dtype=DTYPE, estimator=estimator, input_name="X")
        return X2[:, :, np.newaxis]
    X2 = validate_data(estimator, X, reset=reset, dtype=DTYPE, ensure_all_finite=True)
    if reset:
        estimator._input_ndim = 2
        estimator.input_shape_ = (X2.shape[1], 1)
    return X2[:, :, np.newaxis]


def _validate_3d(estimator, X, *, reset):
    X3 = check_array(X, dtype=DTYPE, allow_nd=True, estimator=estimator, input_name="X")
    n_samples, n_steps, n_features = X3.shape
    if n_steps == 0 or n_features == 0:
        raise ValueError(
            f"Found array with shape {X3.shape}: at least 1 time step and 1 feature "
            f"are required by {_name(estimator)}."
        )
    if reset:
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        estimator._input_ndim = 3
        estimator.n_features_in_ = n_features
        estimator.input_shape_ = (n_steps, n_features)
        return X3
    if estimator._input_ndim == 2:
        expected_steps = estimator.n_features_in_
        if n_features != 1 or n_steps != expected_steps:
            raise ValueError(
                f"X has shape {X3.shape}, but {_name(estimator)} was fitted on 2-D X "
                f"with {expected_steps} columns; pass (n_samples, {expected_steps}) or "
                f"(n_samples, {expected_steps}, 1)."
            )
        return X3
    if n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features per time step, but {_name(estimator)} is "
            f"expecting {estimator.n_features_in_} features per time step as input."
        )
    return X3
