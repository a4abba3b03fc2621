"""Fitted encodings: input scaling, padding marks, folding of long sequences."""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor, load_estimator, save_estimator
from skrnn._encoders import InputEncoder, _fold
from skrnn._inputs import Sequences


def test_scaling_is_fitted_on_the_training_data_only_and_saved(tmp_path):
    rng = np.random.RandomState(0)
    X_train = 1000.0 + 50.0 * rng.normal(size=(40, 6, 2))
    X_test = -3.0 + rng.normal(size=(10, 6, 2))
    reg = RNNRegressor(
        units=4, epochs=2, scale_inputs="standard", n_networks=1, random_state=0
    )
    reg.fit(X_train, X_train[:, -1, 0])
    before = reg.input_encoder_.mean_.copy()
    np.testing.assert_allclose(before, X_train.reshape(-1, 2).mean(axis=0))
    prediction = reg.predict(X_test)
    np.testing.assert_array_equal(reg.input_encoder_.mean_, before)  # untouched
    save_estimator(reg, tmp_path / "r.skrnn")
    loaded = load_estimator(tmp_path / "r.skrnn")
    np.testing.assert_array_equal(
        loaded.input_encoder_.scale_, reg.input_encoder_.scale_
    )
    np.testing.assert_array_equal(loaded.predict(X_test), prediction)


def test_instance_scaling_is_fitted_on_the_training_data_only_and_saved(tmp_path):
    rng = np.random.RandomState(0)
    levels = rng.lognormal(0, 3, size=(40, 1, 2))  # scales over orders of magnitude
    X_train = levels * (1.0 + rng.normal(size=(40, 6, 2)))
    X_test = 1e4 + rng.normal(size=(10, 6, 2))
    reg = RNNRegressor(
        units=4, conv_filters=(4,), scale_inputs="instance", epochs=2, random_state=0
    )
    reg.fit(X_train, X_train[:, -1, 0])
    encoder = reg.input_encoder_
    assert encoder.scale == "instance" and encoder.mean_.shape == (6,)
    # Statistics of the z-normalised, mean and log-std channels of the training set.
    means = X_train.mean(axis=1)
    np.testing.assert_allclose(encoder.mean_[2:4], means.mean(axis=0))
    np.testing.assert_allclose(
        encoder.mean_[4:], np.log(X_train.std(axis=1) + 1e-6).mean(axis=0)
    )
    np.testing.assert_allclose(encoder.mean_[:2], 0.0, atol=1e-12)
    before = encoder.scale_.copy()
    prediction = reg.predict(X_test)
    np.testing.assert_array_equal(reg.input_encoder_.scale_, before)  # untouched
    save_estimator(reg, tmp_path / "r.skrnn")
    loaded = load_estimator(tmp_path / "r.skrnn")
    np.testing.assert_array_equal(loaded.input_encoder_.mean_, encoder.mean_)
    np.testing.assert_array_equal(loaded.input_encoder_.scale_, before)
    np.testing.assert_array_equal(loaded.predict(X_test), prediction)


def test_instance_scaling_shape_and_level_channels():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(5, 30, 2)) * [[[1.0, 100.0]]] + [[[3.0, -7.0]]]
    data = Sequences(dense=X.astype(np.float32))
    encoded = InputEncoder(scale="instance").fit(data).transform(data).dense
    assert encoded.shape == (5, 30, 6)
    np.testing.assert_allclose(encoded[:, :, :2].mean(axis=(0, 1)), 0, atol=1e-5)
    # Level channels are constant within a series.
    assert np.ptp(encoded[:, :, 2:], axis=1).max() < 1e-5


def _z_normalised(X):
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)


def test_level_channels_that_barely_vary_are_set_to_zero():
    # Series z-normalised at the source: their means are ~1e-17 apart and their
    # log-stds ~1e-16. Those channels carry nothing and are set to 0, so a
    # series normalised slightly differently encodes exactly as the original.
    X = _z_normalised(np.random.RandomState(0).normal(size=(20, 50, 1)))
    encoder = InputEncoder(scale="instance").fit(Sequences(dense=X))
    assert np.isfinite(encoder.scale_[0]) and np.isinf(encoder.scale_[1:]).all()
    encoded = encoder.transform(Sequences(dense=X)).dense
    assert np.isfinite(encoded).all() and not encoded[..., 1:].any()
    shifted = encoder.transform(Sequences(dense=1.05 * X + 0.05)).dense
    np.testing.assert_allclose(shifted, encoded, atol=1e-5)


def test_level_channels_that_vary_keep_their_training_spread():
    rng = np.random.RandomState(0)
    # Levels vary across the series, spreads are equal: the mean channel is a
    # feature (scaled by its spread), the log-std channel is set to 0.
    X = _z_normalised(rng.normal(size=(20, 50, 1))) + rng.normal(size=(20, 1, 1))
    encoder = InputEncoder(scale="instance").fit(Sequences(dense=X))
    np.testing.assert_allclose(encoder.scale_[1], X.mean(axis=1).std(), rtol=1e-6)
    assert np.isinf(encoder.scale_[2])
    level = encoder.transform(Sequences(dense=X)).dense[:, 0, 1]
    np.testing.assert_allclose(level.std(), 1.0, rtol=1e-5)
    # Spreads just above the threshold (1% of the raw spread) are kept.
    X = (
        _z_normalised(rng.normal(size=(20, 50, 1)))
        + np.linspace(0, 0.05, 20)[:, None, None]
    )
    encoder = InputEncoder(scale="instance").fit(Sequences(dense=X))
    assert np.isfinite(encoder.scale_[1])


def test_series_normalised_slightly_differently_predict_alike(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 24))
    y = np.where(X[:, :12].sum(axis=1) > X[:, 12:].sum(axis=1), "a", "b")
    X = _z_normalised(X[..., None])[..., 0]  # as UCR sets come
    clf = RNNClassifier(
        units=4, conv_filters=(4,), scale_inputs="instance", epochs=2, n_networks=1
    )
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(1.05 * X + 0.05), proba, atol=1e-5)
    save_estimator(clf, tmp_path / "c.skrnn")
    loaded = load_estimator(tmp_path / "c.skrnn")
    assert np.isinf(loaded.input_encoder_.scale_[1:]).all()
    np.testing.assert_allclose(loaded.predict_proba(X), proba, atol=1e-6)


def test_scaling_can_be_turned_off():
    X = np.random.RandomState(0).normal(size=(8, 5, 1))
    for off in (None, False):
        encoder = InputEncoder(scale=off).fit(Sequences(dense=X))
        assert encoder.transform(Sequences(dense=X)).dense is X


@pytest.mark.slow
def test_raw_sensor_scale_trains_like_standardised_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 8, 1))
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    raw = 5e4 + 1e3 * X  # same rule, sensor units
    params = dict(units=8, epochs=30, learning_rate=0.01, n_networks=1, random_state=0)
    scaled = RNNClassifier(**params).fit(raw, y).score(raw, y)
    unscaled = RNNClassifier(scale_inputs=False, **params).fit(raw, y).score(raw, y)
    assert scaled > 0.8 and scaled > unscaled


@pytest.mark.parametrize("conv_filters", [(8,), ()])
def test_ragged_multivariate_sequences_as_in_plaid(conv_filters, tmp_path):
    rng = np.random.RandomState(0)
    X = [
        rng.lognormal(0, 2) * rng.normal(size=(n, 3))
        for n in rng.randint(20, 60, size=40)
    ]
    y = np.array(["on" if s[:, 1].mean() > 0 else "off" for s in X])
    clf = RNNClassifier(
        units=4,
        conv_filters=conv_filters,
        scale_inputs="instance",
        epochs=2,
        random_state=0,
    ).fit(X, y)
    assert clf.n_features_in_ == 3
    encoder = clf.input_encoder_
    if conv_filters:
        # Convolutions cannot skip padding: series resampled to the median length.
        assert clf.conv_filters_ == (8,)
        assert encoder.resample_to_ == int(np.median([len(s) for s in X]))
        assert not encoder.masked and clf.model_.inputs[0].shape[-1] == 9
    else:
        assert encoder.resample_to_ is None and encoder.masked
    assert clf.predict(X[:5]).shape == (5,)
    proba = clf.predict_proba([rng.normal(size=(100, 3)), X[0]])
    assert proba.shape == (2, 2)
    save_estimator(clf, tmp_path / "c.skrnn")
    loaded = load_estimator(tmp_path / "c.skrnn")
    np.testing.assert_array_equal(
        loaded.predict_proba([rng.normal(size=(100, 3)), X[0]])[1], proba[1]
    )


def test_resampling_is_linear_and_keeps_the_ends():
    data = Sequences(items=[np.arange(5.0)[:, None], np.arange(9.0)[:, None]])
    encoder = InputEncoder(scale=None, resample=True).fit(data)
    assert encoder.resample_to_ == 7
    dense = encoder.transform(data).dense
    np.testing.assert_allclose(dense[0, :, 0], np.linspace(0, 4, 7), rtol=1e-6)
    np.testing.assert_allclose(dense[1, :, 0], np.linspace(0, 8, 7), rtol=1e-6)


def test_fold_puts_runs_of_steps_side_by_side_and_repeats_the_last():
    values = np.arange(10.0).reshape(1, 5, 2)
    folded = _fold(values, 2)
    assert folded.shape == (1, 3, 4)
    np.testing.assert_array_equal(folded[0, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(folded[0, 2], [8, 9, 8, 9])


def test_long_sequences_are_folded_short_ones_are_not():
    encoder = InputEncoder(scale=False, max_steps=128)
    long = Sequences(dense=np.zeros((4, 1460, 1), np.float32))
    encoder.fit(long)
    assert encoder.fold_ == 12 and encoder.transform(long).dense.shape == (4, 122, 12)
    short = Sequences(dense=np.zeros((4, 100, 2), np.float32))
    assert InputEncoder(max_steps=128).fit(short).fold_ == 1


def test_pooling_encoder_leaves_the_steps_and_bounds_the_first_convolution():
    encoder = InputEncoder(scale=False, max_steps=128, pool=True)
    long = Sequences(dense=np.zeros((2, 427, 1), np.float32))
    encoder.fit(long)
    assert (encoder.fold_, encoder.pool_size_) == (1, 4)
    assert encoder.transform(long).dense.shape == (2, 427, 1)
    # Beyond 4 * max_steps, folded down to about 512 steps, then pooled.
    very_long = Sequences(dense=np.zeros((2, 1460, 1), np.float32))
    encoder.fit(very_long)
    assert (encoder.fold_, encoder.pool_size_) == (3, 4)
    assert encoder.transform(very_long).dense.shape == (2, 487, 3)


@pytest.mark.parametrize(
    "conv_filters, return_sequences, fold, pool",
    [((4,), False, 1, 3), ((), False, 3, 1), ((), True, 1, 1)],
)
def test_estimators_shorten_long_sequences_unless_outputs_are_per_step(
    conv_filters, return_sequences, fold, pool, tmp_path
):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 300, 1))
    y = np.cumsum(X[:, :, 0], axis=1)
    y = y if return_sequences else y[:, -1]
    reg = RNNRegressor(
        units=4,
        epochs=1,
        # Per-step outputs are never shortened (a named max_steps is refused).
        max_steps="auto" if return_sequences else 100,
        conv_filters=conv_filters,
        scale_inputs="instance",
        return_sequences=return_sequences,
    ).fit(X, y)
    assert (reg.input_encoder_.fold_, reg.input_encoder_.pool_size_) == (fold, pool)
    # Instance scaling: each step has the series' values, mean and log-std.
    assert reg.model_.inputs[0].shape[-1] == 3 * fold
    pools = [
        layer for layer in reg.model_.layers if "MaxPooling" in type(layer).__name__
    ]
    assert [layer.pool_size for layer in pools] == ([(pool,)] if pool > 1 else [])
    assert reg.predict(X[:2]).shape == ((2, 300) if return_sequences else (2,))
    save_estimator(reg, tmp_path / "r.skrnn")
    np.testing.assert_array_equal(
        load_estimator(tmp_path / "r.skrnn").predict(X[:2]), reg.predict(X[:2])
    )
