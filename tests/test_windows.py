"""make_windows and WindowTransformer: shapes, values, views, errors, pipelines."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import WindowTransformer, make_windows

# ----------------------------------------------------------------- make_windows


def test_make_windows_1d_shapes_and_values():
    X, y = make_windows(np.arange(10.0), window=3)
    assert X.shape == (7, 3, 1)
    assert y.shape == (7, 1)
    assert_array_equal(X[0, :, 0], [0, 1, 2])
    assert_array_equal(X[6, :, 0], [6, 7, 8])
    assert_array_equal(y[:, 0], np.arange(3.0, 10.0))


def test_make_windows_2d_shapes_and_values():
    series = np.arange(20.0).reshape(10, 2)  # row r is [2r, 2r + 1]
    X, y = make_windows(series, window=4, horizon=2)
    assert X.shape == (5, 4, 2)
    assert y.shape == (5, 2, 2)
    for i in range(5):
        assert_array_equal(X[i], series[i : i + 4])
        assert_array_equal(y[i], series[i + 4 : i + 6])


def test_make_windows_horizon():
    X, y = make_windows(np.arange(10.0), window=3, horizon=3)
    assert X.shape == (5, 3, 1)
    assert_array_equal(y, [[3, 4, 5], [4, 5, 6], [5, 6, 7], [6, 7, 8], [7, 8, 9]])


@pytest.mark.parametrize(
    "n, window, horizon, stride, starts",
    [
        (10, 3, 1, 2, [0, 2, 4, 6]),
        (10, 3, 1, 3, [0, 3, 6]),
        (10, 4, 2, 3, [0, 3]),
        (10, 3, 1, 7, [0]),
        (10, 3, 1, 100, [0]),
    ],
)
def test_make_windows_stride(n, window, horizon, stride, starts):
    X, y = make_windows(np.arange(float(n)), window, horizon=horizon, stride=stride)
    assert len(X) == len(y) == (n - window - horizon) // stride + 1 == len(starts)
    assert_array_equal(X[:, 0, 0], starts)
    assert_array_equal(y[:, 0], np.asarray(starts) + window)


def test_make_windows_exact_length():
    X, y = make_windows(np.arange(5.0), window=3, horizon=2)
    assert_array_equal(X[:, :, 0], [[0, 1, 2]])
    assert_array_equal(y, [[3, 4]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(30,), (30, 3)])
def test_make_windows_returns_read_only_views(dtype, shape):
    series = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    X, y = make_windows(series, window=5, horizon=2, stride=2)
    assert np.shares_memory(X, series)
    assert np.shares_memory(y, series)
    assert X.dtype == y.dtype == dtype
    assert not X.flags.writeable and not y.flags.writeable


def test_make_windows_views_of_non_contiguous_input():
    base = np.arange(40.0).reshape(20, 2)
    series = base[::2, ::-1]
    X, y = make_windows(series, window=3)
    assert np.shares_memory(X, base)
    assert_array_equal(X[1], series[1:4])
    assert_array_equal(y[1], series[4:5])


def test_make_windows_converts_other_inputs():
    X_list, y_list = make_windows(list(range(8)), window=3)
    X_ref, y_ref = make_windows(np.arange(8.0), window=3)
    assert X_list.dtype == np.float64
    assert_array_equal(X_list, X_ref)
    assert_array_equal(y_list, y_ref)


def test_make_windows_pandas():
    values = np.arange(24.0).reshape(12, 2)
    frame = pd.DataFrame(values, columns=["a", "b"])
    X, y = make_windows(frame, window=3, horizon=2)
    X_ref, y_ref = make_windows(values, window=3, horizon=2)
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)

    X, y = make_windows(frame["a"], window=3)
    assert X.shape == (9, 3, 1)
    assert y.shape == (9, 1)
    assert_array_equal(y[:, 0], values[3:, 0])


@pytest.mark.parametrize("name", ["window", "horizon", "stride"])
@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3", None])
def test_make_windows_rejects_bad_sizes(name, value):
    kwargs = {"window": 3, "horizon": 1, "stride": 1, name: value}
    with pytest.raises(ValueError, match=f"{name} must be a positive int"):
        make_windows(np.arange(10.0), **kwargs)


def test_make_windows_accepts_numpy_ints():
    X, _ = make_windows(np.arange(10.0), window=np.int64(3), stride=np.int32(2))
    assert X.shape == (4, 3, 1)


@pytest.mark.parametrize(
    "n, window, horizon, needed",
    [(4, 4, 1, 5), (0, 1, 1, 2), (9, 5, 5, 10)],
)
def test_make_windows_too_short(n, window, horizon, needed):
    match = f"series has {n} rows, but window={window} and horizon={horizon} need "
    match += f"at least {needed} rows"
    with pytest.raises(ValueError, match=match):
        make_windows(np.arange(float(n)), window, horizon=horizon)


@pytest.mark.parametrize("bad, row", [(np.nan, 4), (np.inf, 7), (-np.inf, 0)])
def test_make_windows_rejects_non_finite(bad, row):
    series = np.arange(20.0).reshape(10, 2)
    series[row, 1] = bad
    with pytest.raises(ValueError, match=f"NaN or infinity \\(first at row {row}\\)"):
        make_windows(series, window=3)


def test_make_windows_rejects_pandas_missing_values():
    series = pd.Series([1.0, 2.0, None, 4.0, 5.0], dtype="Float64")
    with pytest.raises(ValueError, match="NaN or infinity"):
        make_windows(series, window=2)


@pytest.mark.parametrize("series", [np.float64(3.0), 5, np.zeros((4, 3, 2))])
def test_make_windows_rejects_bad_dimensions(series):
    with pytest.raises(ValueError, match="series must be 1-D .* or 2-D"):
        make_windows(series, window=1)


@pytest.mark.parametrize(
    "series",
    [
        ["a", "b", "c", "d"],
        np.array([1.0, {"x": 1}, 3.0, 4.0], dtype=object),
        pd.Series(list("abcd"), dtype="category"),
        np.array([1j, 2, 3, 4]),
    ],
)
def test_make_windows_rejects_non_numeric(series):
    with pytest.raises(ValueError, match="series must hold real numbers only"):
        make_windows(series, window=2)


def test_make_windows_rejects_ragged_lists_and_no_columns():
    with pytest.raises(ValueError, match="series must be a 1-D or 2-D array"):
        make_windows([[1.0, 2.0], [3.0]], window=1)
    with pytest.raises(ValueError, match="series has no columns"):
        make_windows(np.zeros((5, 0)), window=1)


# ------------------------------------------------------------ WindowTransformer


def test_window_transformer_padding_and_values():
    X = np.arange(12.0).reshape(6, 2)  # row r is [2r, 2r + 1]
    Xt = WindowTransformer(window=3, fill_value=-9.0).fit_transform(X)
    assert Xt.shape == (6, 3, 2)
    assert Xt.dtype == np.float32
    assert_array_equal(Xt[0], [[-9, -9], [-9, -9], [0, 1]])
    assert_array_equal(Xt[1], [[-9, -9], [0, 1], [2, 3]])
    for i in range(2, 6):
        assert_array_equal(Xt[i], X[i - 2 : i + 1])
    # The last step of sample i is always row i: targets stay aligned.
    assert_array_equal(Xt[:, -1], X)


def test_window_transformer_window_one_and_short_input():
    X = np.arange(4.0).reshape(4, 1)
    assert_array_equal(WindowTransformer(window=1).fit_transform(X), X[:, None])
    Xt = WindowTransformer(window=5).fit_transform(X[:2])
    assert_array_equal(Xt[:, :, 0], [[0, 0, 0, 0, 0], [0, 0, 0, 0, 1]])


def test_window_transformer_is_a_view_of_one_padded_copy():
    X = np.arange(300.0).reshape(100, 3)
    Xt = WindowTransformer(window=10).fit(X).transform(X)
    assert not Xt.flags.writeable
    assert not np.shares_memory(Xt, X)
    assert Xt.base is not None
    # 109 padded rows of 3 float32 back the 100 x 10 x 3 windows.
    padded = Xt
    while padded.base is not None:
        padded = padded.base
    assert padded.nbytes == 109 * 3 * 4


def test_window_transformer_pandas_and_feature_names():
    frame = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5.0) * 10})
    transformer = WindowTransformer(window=2).fit(frame)
    assert transformer.n_features_in_ == 2
    assert_array_equal(transformer.feature_names_in_, ["a", "b"])
    assert_array_equal(transformer.transform(frame)[4], [[3, 30], [4, 40]])
    with pytest.raises(ValueError, match="X has 1 features, but WindowTransformer"):
        WindowTransformer(window=2).fit(frame.to_numpy()).transform(frame[["a"]].values)


def test_window_transformer_errors():
    with pytest.raises(NotFittedError):
        WindowTransformer().transform(np.zeros((3, 1)))
    with pytest.raises(InvalidParameterError, match="window"):
        WindowTransformer(window=0).fit(np.zeros((3, 1)))
    with pytest.raises(InvalidParameterError, match="fill_value"):
        WindowTransformer(fill_value="zero").fit(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="NaN"):
        WindowTransformer().fit(np.array([[1.0], [np.nan]]))


@pytest.mark.parametrize("bad", [1e39, -1e39, np.finfo(np.float64).max])
def test_window_transformer_refuses_values_beyond_float32(bad):
    X = np.arange(8.0).reshape(4, 2)
    X[2, 1] = bad
    match = r"X has values beyond float32's range \(max 3\.4e\+38\), first at row 2"
    with pytest.raises(ValueError, match=match):
        WindowTransformer(window=2).fit(X)
    # Fitted on other data, transform refuses them too (never returns inf).
    transformer = WindowTransformer(window=2).fit(np.zeros((3, 2)))
    with np.errstate(over="raise"), pytest.raises(ValueError, match=match):
        transformer.transform(X)


def test_window_transformer_keeps_the_float32_extremes():
    largest = float(np.finfo(np.float32).max)
    # Just below the halfway point to the next float32: rounds to the largest.
    edge = np.nextafter(2.0**128 - 2.0**103, 0)
    X = np.array([[largest], [-largest], [edge], [-edge]])
    Xt = WindowTransformer(window=1, fill_value=-largest).fit_transform(X)
    assert_array_equal(Xt[:, 0, 0], np.array([1, -1, 1, -1]) * np.float32(largest))
    with pytest.raises(ValueError, match="beyond float32's range"):
        WindowTransformer(window=1).fit(np.array([[2.0**128 - 2.0**103]]))
    # A NumPy float32 fill value is compared without overflowing (a warning
    # on every fit and transform before).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Xt = WindowTransformer(window=2, fill_value=np.float32(2.0)).fit_transform(X)
    assert Xt[0, 0, 0] == 2.0


@pytest.mark.parametrize("fill_value", [1e39, -1e39])
def test_window_transformer_refuses_a_fill_value_beyond_float32(fill_value):
    X = np.zeros((3, 1))
    match = re.escape(
        f"fill_value={fill_value!r} is beyond float32's range (max 3.4e+38)"
    )
    with pytest.raises(ValueError, match=match):
        WindowTransformer(window=2, fill_value=fill_value).fit(X)
    # A fill value set after fit is checked by transform.
    transformer = WindowTransformer(window=2).fit(X)
    transformer.set_params(fill_value=fill_value)
    with np.errstate(over="raise"), pytest.raises(ValueError, match=match):
        transformer.transform(X)


def test_make_windows_keeps_float64_values_beyond_float32():
    # make_windows returns views of the float64 series: no cast, no overflow.
    series = np.array([1e39, -1e300, 3.0, 4.0])
    with np.errstate(over="raise"):
        X, y = make_windows(series, window=2)
    assert X.dtype == np.float64
    assert_array_equal(X[0, :, 0], [1e39, -1e300])
    assert np.isfinite(X).all() and np.isfinite(y).all()


@pytest.mark.slow
def test_pipeline_grid_search_keeps_samples_aligned():
    from skrnn import RNNRegressor

    t = np.arange(60.0)
    series = (np.sin(t / 4) + 2.0).reshape(-1, 1)  # never equal to the fill value
    X, target = series[:-1], series[1:, 0]
    pipe = make_pipeline(
        WindowTransformer(window=6),
        RNNRegressor(units=4, epochs=2, mask_value=0.0, random_state=0),
    )
    # error_score="raise": a misaligned X and y must fail the test, not score NaN.
    search = GridSearchCV(
        pipe,
        {"windowtransformer__window": [3, 6]},
        cv=TimeSeriesSplit(n_splits=2),
        error_score="raise",
        refit=False,
    )
    search.fit(X, target)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["windowtransformer__window"] in (3, 6)


# ------------------------------------------------------ scikit-learn's checks

_WINDOWS_REASON = (
    "sample i is the window of rows ending at row i, so it depends on the rows "
    "before it: by design the output changes when rows are reordered or split"
)
EXPECTED_FAILED_CHECKS = {
    "check_methods_sample_order_invariance": _WINDOWS_REASON,
    "check_methods_subset_invariance": _WINDOWS_REASON,
}


@parametrize_with_checks(
    [WindowTransformer(window=3)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_time_stamps_are_no_values_to_window():
    for series in (
        pd.Series(pd.date_range("2020", periods=5)),
        pd.DataFrame({"when": pd.date_range("2020", periods=5), "value": range(5)}),
        pd.Series(pd.to_timedelta(range(5), unit="s")),
    ):
        with pytest.raises(ValueError, match="time stamps or time differences"):
            make_windows(series, 1)


def test_a_window_changed_after_fit_is_checked_at_transform():
    X = np.arange(10.0).reshape(5, 2)
    transformer = WindowTransformer(window=2).fit(X)
    for window in (0, 2.5, True):
        transformer.set_params(window=window)
        with pytest.raises(InvalidParameterError, match="window"):
            transformer.transform(X)
    with pytest.raises(InvalidParameterError, match="fill_value"):
        WindowTransformer(fill_value=True).fit(X)


def test_a_pipeline_sets_its_output_around_the_windows():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), WindowTransformer(window=3))
    pipe.set_output(transform="pandas")
    X = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) ** 2})
    out = pipe.fit_transform(X)
    assert isinstance(out, np.ndarray) and out.shape == (6, 3, 2)
    assert isinstance(pipe[0].transform(X), pd.DataFrame)  # the scaler's: a frame
    with pytest.raises(ValueError, match="transform must be"):
        WindowTransformer(window=3).set_output(transform="arrow")
