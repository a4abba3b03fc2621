"""Property-based tests (hypothesis): input validation and the basic contracts."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    load_estimator,
    make_windows,
    save_estimator,
)
from skrnn._encoders import InputEncoder, TargetScaler
from skrnn._inputs import Sequences

FITS = settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)


def sequences(min_samples=4):
    shapes = st.tuples(
        st.integers(min_samples, 10), st.integers(1, 5), st.integers(1, 3)
    )
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=finite))


@given(X=sequences(), bad=st.sampled_from([np.nan, np.inf, -np.inf]), data=st.data())
@settings(max_examples=25, deadline=None)
def test_non_finite_values_anywhere_are_a_clear_error(X, bad, data):
    position = tuple(data.draw(st.integers(0, size - 1)) for size in X.shape)
    X = X.copy()
    X[position] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        RNNRegressor(epochs=1).fit(X, np.zeros(len(X)))


@pytest.mark.slow
@given(X=sequences())
@FITS
def test_regressor_contract_on_any_finite_data(X, tmp_path_factory):
    y = X[:, -1, 0] - X[:, 0, -1]
    reg = RNNRegressor(units=2, epochs=1, batch_size=4, n_networks=1, random_state=0)
    reg.fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == np.float64
    assert np.all(np.isfinite(pred))
    path = tmp_path_factory.mktemp("prop") / "reg.skrnn"
    save_estimator(reg, path)
    np.testing.assert_array_equal(load_estimator(path).predict(X), pred)


@pytest.mark.slow
@given(X=sequences(min_samples=6), labels=st.sampled_from([["a", "b"], [3, 7, 9]]))
@FITS
def test_classifier_contract_on_any_finite_data(X, labels):
    y = np.array([labels[i % len(labels)] for i in range(len(X))])
    clf = RNNClassifier(units=2, epochs=1, batch_size=4, n_networks=1, random_state=0)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(clf.predict(X)) <= set(labels)


@given(
    n=st.integers(1, 60),
    window=st.integers(1, 10),
    horizon=st.integers(1, 5),
    stride=st.integers(1, 4),
)
@settings(max_examples=100, deadline=None)
def test_make_windows_shapes_and_values(n, window, horizon, stride):
    series = np.arange(float(n))
    if n < window + horizon:
        with pytest.raises(ValueError):
            make_windows(series, window, horizon=horizon, stride=stride)
        return
    X, y = make_windows(series, window, horizon=horizon, stride=stride)
    n_windows = (n - window - horizon) // stride + 1
    assert X.shape == (n_windows, window, 1) and y.shape == (n_windows, horizon)
    # Each target starts right after its window.
    np.testing.assert_array_equal(y[:, 0], X[:, -1, 0] + 1)


@given(
    items=st.lists(
        st.integers(1, 6).flatmap(
            lambda n: arrays(np.float32, (n, 2), elements=finite)
        ),
        min_size=2,
        max_size=8,
    ),
    weights=st.one_of(st.none(), st.just("random")),
)
@settings(max_examples=50, deadline=None)
def test_input_encoder_standardises_and_marks_only_padding(items, weights):
    data = Sequences(items=items)
    w = None if weights is None else np.arange(1.0, len(items) + 1)
    encoder = InputEncoder(scale=True, masked=True).fit(data, w)
    encoded = encoder.transform(data)
    steps = np.concatenate(encoded.items)
    assert np.all(steps[:, -1] == 1.0)  # every real step is marked real
    batch = encoded.batch(np.arange(len(items)))
    lengths = np.array([len(item) for item in items])
    padding = np.arange(batch.shape[1])[None, :] >= lengths[:, None]
    assert np.all(batch[padding] == 0.0)  # padding is all zeros: masked
    if w is None and np.all(np.std(np.concatenate(items), axis=0) > 1e-3):
        np.testing.assert_allclose(steps[:, :2].mean(axis=0), 0.0, atol=1e-3)


@given(
    y=arrays(
        np.float64, st.tuples(st.integers(2, 30), st.integers(1, 3)), elements=finite
    )
)
@settings(max_examples=50, deadline=None)
def test_target_scaler_round_trips(y):
    scaler = TargetScaler().fit(y)
    np.testing.assert_allclose(
        scaler.inverse(scaler.transform(y).astype(np.float64)), y, rtol=1e-4, atol=1e-3
    )
