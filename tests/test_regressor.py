"""RNNRegressor: architectures, input forms, learning, targets."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score

from skrnn import RNNRegressor

# The plain recurrent network (no conv front end, one direction) fits twice as
# fast as the default shape, which tests of the front end ask for explicitly.
PLAIN = dict(conv_filters=(), bidirectional=False)
FAST = dict(epochs=3, units=4, random_state=0, **PLAIN)


def test_seed_model_has_19_parameters():
    # The seeds' airline model: SimpleRNN(3) + Dense(1) on 12 steps x 1 feature,
    # unscaled, without the sequence recipe's front end.
    X = np.random.RandomState(0).rand(30, 12, 1)
    reg = RNNRegressor(
        cell="simple",
        units=3,
        bidirectional=False,
        conv_filters=(),
        pooling="last",
        scale_inputs=None,
        epochs=1,
        random_state=0,
    ).fit(X, X[:, -1, 0])
    assert reg.model_.count_params() == 19
    kinds = [type(layer).__name__ for layer in reg.model_.layers]
    assert kinds == ["InputLayer", "SimpleRNN", "Dense"]


@pytest.mark.parametrize(
    "cell, layer_name", [("lstm", "LSTM"), ("gru", "GRU"), ("simple", "SimpleRNN")]
)
def test_cell_selects_keras_layer(cell, layer_name):
    X = np.random.RandomState(0).rand(20, 5, 2)
    reg = RNNRegressor(cell=cell, **FAST).fit(X, X[:, 0, 0])
    assert layer_name in [type(layer).__name__ for layer in reg.model_.layers]


def test_stacked_and_bidirectional_layers():
    X = np.random.RandomState(0).rand(20, 5, 2)
    reg = RNNRegressor(
        units=(6, 4),
        bidirectional=True,
        conv_filters=(),
        pooling="last",
        epochs=1,
        random_state=0,
    )
    reg.fit(X, X[:, 0, 0])
    recurrent = [
        layer for layer in reg.model_.layers if type(layer).__name__ == "Bidirectional"
    ]
    assert len(recurrent) == 2
    assert recurrent[0].output.shape[1:] == (None, 12)  # returns sequences, 2 x 6 units
    assert recurrent[1].output.shape[1:] == (8,)


def test_learns_sum_of_last_steps(sum_data):
    X, y = sum_data
    X_train, X_test, y_train, y_test = X[:150], X[150:], y[:150], y[150:]
    # 30 epochs: R^2 0.965-0.972 on test for random_state 0-2 (60 epochs before).
    reg = RNNRegressor(
        units=16, epochs=30, learning_rate=0.01, n_networks=1, random_state=0
    )
    reg.fit(X_train, y_train)
    baseline = r2_score(y_test, np.full_like(y_test, y_train.mean()))
    assert reg.score(X_test, y_test) > 0.8 > baseline


def test_two_d_input_is_one_feature_per_step():
    rng = np.random.RandomState(0)
    X = rng.rand(30, 6)
    reg = RNNRegressor(**FAST).fit(X, X[:, -1])
    assert reg.n_features_in_ == 6
    assert reg.input_shape_ == (6, 1)
    np.testing.assert_array_equal(reg.predict(X), reg.predict(X[:, :, np.newaxis]))


def test_dataframe_records_feature_names():
    frame = pd.DataFrame(
        np.random.RandomState(0).rand(30, 4), columns=["t-3", "t-2", "t-1", "t"]
    )
    reg = RNNRegressor(**FAST).fit(frame, frame["t"])
    assert list(reg.feature_names_in_) == ["t-3", "t-2", "t-1", "t"]
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(frame[["t", "t-1", "t-2", "t-3"]])


def test_three_d_input_accepts_other_lengths_at_predict():
    X = np.random.RandomState(0).rand(30, 6, 2)
    reg = RNNRegressor(**FAST).fit(X, X[:, -1, 0])
    assert reg.n_features_in_ == 2
    assert reg.predict(X[:, :4]).shape == (30,)
    with pytest.raises(ValueError, match="3 features per time step.*expecting 2"):
        reg.predict(np.concatenate([X, X[:, :, :1]], axis=2))
    # One sequence of (steps, features) passed as 2-D: read as 6 samples of 2
    # steps of one feature, refused with the way to pass it.
    with pytest.raises(ValueError, match=r"2-D \(6, 2\).*X\[np.newaxis\]"):
        reg.predict(X[0])
    assert reg.predict(X[0][np.newaxis]).shape == (1,)


def test_multi_output_targets():
    X = np.random.RandomState(0).rand(30, 5, 2)
    Y = np.stack([X[:, -1, 0], X[:, -1, 1], X[:, 0, 0]], axis=1)
    reg = RNNRegressor(**FAST).fit(X, Y)
    assert reg.n_outputs_ == 3
    assert reg.predict(X).shape == (30, 3)
    column = RNNRegressor(**FAST).fit(X, Y[:, :1])
    assert column.predict(X).shape == (30, 1)


@pytest.mark.parametrize(
    "loss", ["squared_error", "absolute_error", "huber", "mse", "mae"]
)
def test_losses(loss):
    X = np.random.RandomState(0).rand(20, 4, 1)
    y = X[:, -1, 0]
    reg = RNNRegressor(loss=loss, **{**FAST, "epochs": 1}).fit(X, y)
    keras_name = {
        "squared_error": "mean_squared_error",
        "mse": "mean_squared_error",
        "absolute_error": "mean_absolute_error",
        "mae": "mean_absolute_error",
        "huber": "huber",
    }[loss]
    assert reg.model_.loss == keras_name
    # The recorded loss is that loss of the network on the (standardised)
    # training targets, within one epoch's change.
    scaled = reg.target_scaler_.transform(y[:, None])
    outputs = reg._forward(X)
    error = outputs - scaled
    by_name = {
        "mean_squared_error": np.mean(error**2),
        "mean_absolute_error": np.mean(np.abs(error)),
        "huber": np.mean(
            np.where(np.abs(error) <= 1, 0.5 * error**2, np.abs(error) - 0.5)
        ),
    }
    assert reg.history_["loss"][0] == pytest.approx(by_name[keras_name], rel=0.2)


def test_predictions_are_float64_and_batch_invariant(sum_data):
    X, y = sum_data
    reg = RNNRegressor(**FAST).fit(X, y)
    full = reg.predict(X)
    assert full.dtype == np.float64
    one_by_one = np.array([reg.predict(X[i : i + 1])[0] for i in range(0, 200, 37)])
    # float32 kernels may round a row differently in batches of other sizes
    # (CPU-dependent; see the reproducibility guide): equal to float32 precision.
    np.testing.assert_allclose(full[::37], one_by_one, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(reg.predict(X), full)  # the same call: bit for bit


def test_mask_value_skips_padded_steps():
    rng = np.random.RandomState(0)
    X = rng.rand(30, 5, 1) + 1.0
    reg = RNNRegressor(mask_value=0.0, **FAST).fit(X, X[:, -1, 0])
    padded = np.concatenate([np.zeros((30, 3, 1)), X], axis=1)
    np.testing.assert_allclose(reg.predict(padded), reg.predict(X), rtol=1e-5)


def test_custom_model_callable():
    def small_gru(input_shape, n_outputs, output_activation):
        import keras

        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.GRU(3)(inputs)
        return keras.Model(
            inputs, keras.layers.Dense(n_outputs, output_activation)(hidden)
        )

    X = np.random.RandomState(0).rand(20, 4, 2)
    reg = RNNRegressor(model=small_gru, epochs=2, random_state=0).fit(X, X[:, 0, 0])
    assert [type(layer).__name__ for layer in reg.model_.layers][1] == "GRU"
    assert reg.predict(X).shape == (20,)


def test_custom_model_must_return_a_keras_model():
    X = np.random.RandomState(0).rand(20, 4, 2)
    with pytest.raises(TypeError, match="must return a keras.Model"):
        RNNRegressor(model=lambda **kwargs: "nope", epochs=1).fit(X, X[:, 0, 0])


# ------------------------------------------------- never silently wrong (#11)
def test_divergence_is_an_error_and_leaves_a_fitted_estimator_as_it_was():
    from skrnn import TrainingDivergedError

    X = np.random.RandomState(0).rand(30, 5, 1)
    y = X[:, -1, 0]
    reg = RNNRegressor(units=4, epochs=2, n_networks=1, random_state=0).fit(X, y)
    before = reg.predict(X)
    reg.set_params(optimizer="sgd", learning_rate=1e6, scale_targets=False)
    with pytest.raises(TrainingDivergedError, match="diverged.*Lower learning_rate"):
        reg.fit(X, y * 1e18)
    reg.set_params(scale_targets=True)  # as fitted (predict refuses a changed one)
    np.testing.assert_array_equal(reg.predict(X), before)
    assert reg.n_iter_ == 2


def test_huge_targets_train_on_the_standardised_scale():
    X = np.random.RandomState(0).rand(60, 5, 1)
    y = 1e25 * X[:, -1, 0]
    # 15 epochs: R^2 above 0.995 for random_state 0-2 (30 epochs before).
    reg = RNNRegressor(
        units=8, epochs=15, learning_rate=0.01, n_networks=1, random_state=0
    )
    pred = reg.fit(X, y).predict(X)
    assert np.all(np.isfinite(pred)) and reg.score(X, y) > 0.5


def test_user_network_with_the_wrong_output_width_is_refused():
    import keras

    def model(input_shape, n_outputs, output_activation):
        inputs = keras.Input(shape=input_shape)
        return keras.Model(inputs, keras.layers.Dense(4)(keras.layers.GRU(3)(inputs)))

    X = np.random.RandomState(0).rand(20, 5, 1)
    with pytest.raises(ValueError, match=r"output has shape \(None, 4\).*Dense\(1\)"):
        RNNRegressor(model=model, epochs=1).fit(X, X[:, -1, 0])


def test_warm_start_refuses_a_changed_architecture():
    X = np.random.RandomState(0).rand(20, 5, 1)
    reg = RNNRegressor(warm_start=True, **{**FAST, "epochs": 1})
    reg.fit(X, X[:, -1, 0])
    reg.set_params(units=8)
    with pytest.raises(ValueError, match="units changed.*warm_start=False"):
        reg.fit(X, X[:, -1, 0])
    assert (
        reg.model_.count_params()
        == RNNRegressor(**FAST)
        .set_params(epochs=1)
        .fit(X, X[:, -1, 0])
        .model_.count_params()
    )


def test_truncated_bptt_with_sample_weight():
    rng = np.random.RandomState(0)
    X = rng.rand(3, 30, 1)
    y = np.cumsum(X[:, :, 0], axis=1)
    reg = RNNRegressor(units=4, epochs=2, return_sequences=True, tbptt_steps=10)
    reg.fit(X, y, sample_weight=[1.0, 2.0, 0.5])
    assert reg.predict(X).shape == (3, 30)


def test_ragged_steps_of_any_value_are_read_not_masked():
    rng = np.random.RandomState(0)
    X = [rng.rand(n, 1) for n in (3, 5, 4, 6) * 5]
    y = np.array([s.sum() for s in X])
    reg = RNNRegressor(units=4, epochs=2, n_networks=1, random_state=0).fit(X, y)
    sequence = rng.rand(4, 1)
    odd = np.vstack([sequence, [[-1.0e30]]])  # the old padding value
    zero = np.vstack([sequence, [[0.0]]])  # the new padding value
    without, with_odd, with_zero = reg.predict([sequence, odd, zero])
    assert with_odd != without and with_zero != without


def test_mask_value_must_be_finite():
    X = np.random.RandomState(0).rand(10, 4, 1)
    with pytest.raises(ValueError, match="'mask_value' parameter.*Got nan"):
        RNNRegressor(mask_value=float("nan"), epochs=1).fit(X, X[:, 0, 0])


def test_mask_value_skips_padded_steps_before_scaling():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 6, 1) + 5.0
    X[:20, :2] = -1.0  # pre-padding, as WindowTransformer writes it
    reg = RNNRegressor(
        units=4,
        epochs=2,
        mask_value=-1.0,
        scale_inputs="instance",
        random_state=0,
    )
    reg.fit(X, X[:, -1, 0])
    # The padding does not enter the scaling statistics (the series' means)...
    assert reg.input_encoder_.mean_[1] > 5.0
    # ...and a padded step changes nothing, whatever follows.
    padded = X[:1].copy()
    shorter = padded[:, 2:]
    np.testing.assert_allclose(
        reg.predict(padded)[0], reg.predict(shorter)[0], rtol=1e-5
    )


def test_a_user_network_trains_as_an_ensemble_side_by_side():
    import keras

    def builder(input_shape, n_outputs, output_activation):
        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.SimpleRNN(3)(inputs)
        outputs = keras.layers.Dense(n_outputs, activation=output_activation)(hidden)
        return keras.Model(inputs, outputs)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 5, 1))
    y = X[:, -1, 0]
    params = dict(model=builder, epochs=2, random_state=0)
    single = RNNRegressor(**params).fit(X, y)
    pair = RNNRegressor(n_networks=2, **params).fit(X, y)
    assert tuple(pair.model_.output.shape) == (None, 2, 1)
    assert pair.model_.count_params() == 2 * single.model_.count_params() == 38
    assert pair.predict(X).shape == (64,)
    with pytest.raises(ValueError, match="return_sequences=True or tbptt_steps"):
        RNNRegressor(n_networks=2, return_sequences=True, units=2).fit(X, X[:, :, 0])


def test_targets_of_make_windows_on_a_two_d_series_say_how_to_flatten():
    from skrnn import make_windows

    series = np.sin(np.arange(60, dtype=np.float32) / 4).reshape(-1, 1)
    X, y = make_windows(series, window=12)
    assert y.ndim == 3
    with pytest.raises(ValueError, match=r"y.reshape\(len\(y\), -1\)"):
        RNNRegressor(**FAST).fit(X, y)
    assert RNNRegressor(**FAST).fit(X, y.reshape(len(y), -1)).n_outputs_ == 1


def test_one_sequence_for_a_network_that_reads_padding_takes_a_padded_length():
    from skrnn import _backend

    rng = np.random.RandomState(1)
    X = [rng.normal(size=(n, 2)) for n in rng.randint(3, 30, size=20)]
    reg = RNNRegressor(**FAST).fit(X, [x[:, 0].sum() for x in X])
    predictor = reg._compiled_predictor()
    shapes = []

    def spy(inputs, **kwargs):
        shapes.append(inputs.shape[1])
        return predictor(inputs, **kwargs)

    reg._compiled_predictor = lambda: spy
    x = rng.normal(size=(10, 2))
    alone = reg.predict([x])
    # Padded as in fit (a few lengths compile, on JAX once each), the same value.
    assert shapes == [_backend.padded_steps(10)]  # 12 on JAX, 10 on TensorFlow
    np.testing.assert_allclose(alone, reg.predict([x, x[:4]])[:1], rtol=1e-5)
