"""Turn a time series into the 3-D samples recurrent networks read.

Both tools return read-only views built with ``sliding_window_view``: a window
of ``w`` steps over ``n`` rows costs no more memory than the rows themselves,
however many windows overlap.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    check_array,
    check_is_fitted,
    validate_data,
)

from ._params import Count, Number

_DTYPE = np.float32
# The smallest magnitude that float32 rounds to infinity: its largest finite
# value plus half a unit in the last place (exact in float64).
_FLOAT32_OVERFLOW = 2.0**128 - 2.0**103
_FLOAT32_MAX = float(np.finfo(_DTYPE).max)


def make_windows(series, window, horizon=1, stride=1):
    """Cut a series into input windows and the values that follow each one.

    Window ``i`` holds rows ``i * stride`` to ``i * stride + window - 1``; its
    target holds the ``horizon`` rows right after it.

    Parameters
    ----------
    series : array-like of shape (n_samples,) or (n_samples, n_features)
        The series, oldest row first: a list, NumPy array, pandas Series or
        DataFrame of real numbers without NaN or infinity.
    window : int
        Number of time steps in each input window.
    horizon : int, default=1
        Number of following time steps in each target.
    stride : int, default=1
        Steps between the starts of consecutive windows.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        Input windows; ``n_features`` is 1 for a 1-D series and
        ``n_windows = (n_samples - window - horizon) // stride + 1``.
    y : ndarray of shape (n_windows, horizon) or (n_windows, horizon, n_features)
        The ``horizon`` values after each window, 2-D for a 1-D series.

    Raises
    ------
    ValueError
        If ``window``, ``horizon`` or ``stride`` is not a positive int, the series
        is not 1-D or 2-D, holds non-numeric, NaN or infinite values, or has fewer
        than ``window + horizon`` rows.

    See Also
    --------
    WindowTransformer : One window per row, for use inside a pipeline.

    Notes
    -----
    ``X`` and ``y`` are read-only views: of ``series`` itself when it is a float
    NumPy array, else of one float64 copy of it. Copy them (``X.copy()``) before
    writing into them.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import make_windows
    >>> X, y = make_windows(np.arange(6.0), window=3)
    >>> X.shape, y.shape
    ((3, 3, 1), (3, 1))
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([[3.],
           [4.],
           [5.]])
    >>> X, y = make_windows(np.arange(10.0), window=4, horizon=2, stride=3)
    >>> X[:, :, 0], y
    (array([[0., 1., 2., 3.],
           [3., 4., 5., 6.]]), array([[4., 5.],
           [7., 8.]]))
    """
    window = _check_positive_int(window, "window")
    horizon = _check_positive_int(horizon, "horizon")
    stride = _check_positive_int(stride, "stride")
    values = _as_float_series(series)
    n = values.shape[0]
    if n < window + horizon:
        raise ValueError(
            f"series has {n} rows, but window={window} and horizon={horizon} need "
            f"at least {window + horizon} rows."
        )
    # Views over rows only; for 2-D input sliding_window_view appends the window
    # axis last, so move it in front of the features.
    X = sliding_window_view(values[: n - horizon], window, axis=0)[::stride]
    y = sliding_window_view(values[window:], horizon, axis=0)[::stride]
    if values.ndim == 1:
        return X[:, :, np.newaxis], y
    return X.swapaxes(1, 2), y.swapaxes(1, 2)


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}.")
    return int(value)


def _as_float_series(series):
    """Return ``series`` as a 1-D or 2-D float array, without copying float arrays."""
    if not hasattr(series, "ndim"):
        try:
            series = np.asarray(series)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"series must be a 1-D or 2-D array; {exc}") from exc
    if series.ndim not in (1, 2):
        raise ValueError(
            "series must be 1-D (n_samples,) or 2-D (n_samples, n_features); got an "
            f"array with {series.ndim} dimensions."
        )
    dtypes = getattr(series, "dtypes", None)  # a DataFrame's, one per column
    dtypes = [series.dtype] if dtypes is None or np.ndim(dtypes) == 0 else dtypes
    if any(  # numbers to check_array, not to the windows
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        for dtype in dtypes
    ):
        raise ValueError(
            "series must hold real numbers only; it holds time stamps or time "
            "differences (use them as the index, not as values)."
        )
    try:
        # Lengths are checked by the caller, with a message naming the window.
        values = check_array(
            series,
            ensure_2d=False,
            dtype=FLOAT_DTYPES,
            ensure_all_finite=False,
            ensure_min_samples=0,
            ensure_min_features=0,
            input_name="series",
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"series must hold real numbers only; {exc}") from exc
    if values.ndim == 2 and values.shape[1] == 0:
        raise ValueError(f"series has no columns (shape {values.shape}).")
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad.reshape(len(values), -1).any(axis=1))[0])
        raise ValueError(
            f"series contains NaN or infinity (first at row {row}); fill or drop "
            "missing values before making windows."
        )
    return values


class WindowTransformer(TransformerMixin, BaseEstimator):
    """Turn each row of a series into the window of rows that ends there.

    Sample ``i`` of the output holds rows ``i - window + 1`` to ``i`` of X, so
    there is one output sample per input row and targets stay aligned: the
    transformer can sit in a :class:`~sklearn.pipeline.Pipeline` before
    :class:`RNNRegressor` and be cross-validated with
    :class:`~sklearn.model_selection.TimeSeriesSplit`. The first ``window - 1``
    samples lack earlier rows; their missing steps are filled with
    ``fill_value`` at the start of the window (pre-padding).

    Parameters
    ----------
    window : int, default=12
        Number of time steps in each output sample.
    fill_value : float, default=0.0
        Value of the padded steps before the first row; it must fit in float32
        (magnitude at most about 3.4e38).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of X seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X. Defined only when X had string column names.

    See Also
    --------
    make_windows : Windows and their following values, for a series you split
        yourself.

    Notes
    -----
    Pair it with ``RNNRegressor(mask_value=fill_value)``: a Keras ``Masking``
    layer then skips the padded steps, so the first samples are read as shorter
    sequences rather than as sequences that start with zeros. A *real* row whose
    features all equal ``fill_value`` is skipped as well, so choose a fill value
    that never occurs in the data (or scale the data away from it).

    ``transform`` treats each X it is given as a series of its own: the first
    rows of a test fold are padded rather than preceded by the end of the
    training fold.

    The output is a read-only float32 view of one padded copy of X, so it takes
    the memory of ``n_samples + window - 1`` rows, not ``n_samples * window``.
    Values beyond float32's range (magnitude above about 3.4e38) would become
    infinite in it: ``fit`` and ``transform`` refuse them with a ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import WindowTransformer
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> Xt = WindowTransformer(window=3, fill_value=-1.0).fit_transform(X)
    >>> Xt.shape
    (4, 3, 2)
    >>> Xt[0]
    array([[-1., -1.],
           [-1., -1.],
           [ 0.,  1.]], dtype=float32)
    >>> Xt[3]
    array([[2., 3.],
           [4., 5.],
           [6., 7.]], dtype=float32)
    """

    _parameter_constraints = {
        "window": [Count(1)],
        "fill_value": [Number(None, None, closed="neither")],
    }

    def __init__(self, window=12, fill_value=0.0):
        self.window = window
        self.fill_value = fill_value

    def fit(self, X, y=None):
        """Check X and record its number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The series, oldest row first.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.

        Raises
        ------
        ValueError
            If X holds NaN, infinity or values beyond float32's range, or
            ``fill_value`` is beyond float32's range.
        """
        self._validate_params()
        self._check_fill_value()
        _check_float32_range(validate_data(self, X, dtype=FLOAT_DTYPES))
        return self

    def transform(self, X):
        """Return the window of rows ending at each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The series, oldest row first.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, window, n_features), dtype float32
            Read-only; sample ``i`` holds rows ``i - window + 1`` to ``i``, with
            ``fill_value`` for the rows before the first.

        Raises
        ------
        ValueError
            If X holds NaN, infinity or values beyond float32's range, or
            ``fill_value`` is beyond float32's range.
        """
        check_is_fitted(self)
        # Checked on every call: set_params may change them after fit.
        self._validate_params()
        self._check_fill_value()
        # Float input keeps its dtype here, so the cast into `padded` is the only
        # copy of it.
        X = _check_float32_range(
            validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        )
        n_pad = self.window - 1
        padded = np.empty((n_pad + X.shape[0], X.shape[1]), dtype=_DTYPE)
        padded[:n_pad] = self.fill_value
        padded[n_pad:] = X
        return sliding_window_view(padded, self.window, axis=0).swapaxes(1, 2)

    def _check_fill_value(self):
        if abs(float(self.fill_value)) >= _FLOAT32_OVERFLOW:
            raise ValueError(
                f"fill_value={self.fill_value!r} is beyond float32's range (max "
                f"{_FLOAT32_MAX:.1e}): the padded steps of the float32 windows would "
                "be infinite. Choose a fill value within that range."
            )

    def set_output(self, *, transform=None):
        """Accept a container for the output, which stays a 3-D array.

        Windows ``(n_samples, window, n_features)`` have no DataFrame form, so
        the output stays a NumPy array whatever ``transform`` says; the method
        lets :meth:`sklearn.pipeline.Pipeline.set_output` configure the steps
        around this one (scikit-learn's global ``transform_output`` setting
        passes it by alike).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            The container asked for; checked, otherwise without effect.

        Returns
        -------
        self : WindowTransformer
            The transformer itself.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skrnn import WindowTransformer
        >>> pipe = make_pipeline(StandardScaler(), WindowTransformer(window=3))
        >>> pipe.set_output(transform="pandas").fit_transform(np.ones((5, 2))).shape
        (5, 3, 2)
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                "transform must be 'default', 'pandas', 'polars' or None; got "
                f"{transform!r}."
            )
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Output is float32 whatever the input, so only float32 is preserved.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _check_float32_range(X):
    """Return X, refusing values that the cast to float32 would make infinite."""
    if X.dtype.itemsize <= np.dtype(_DTYPE).itemsize or X.size == 0:
        return X
    # max and min pass over X without the copy np.abs would make.
    if X.max() < _FLOAT32_OVERFLOW and X.min() > -_FLOAT32_OVERFLOW:
        return X
    row = int(np.flatnonzero((np.abs(X) >= _FLOAT32_OVERFLOW).any(axis=1))[0])
    raise ValueError(
        f"X has values beyond float32's range (max {_FLOAT32_MAX:.1e}), first at "
        f"row {row}; the float32 windows would hold infinity instead. Scale X "
        "first, e.g. with StandardScaler in the pipeline."
    )
