"""skrnn's GRU and LSTM layers: Keras', with their training loops compiled on TensorFlow."""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor, _layers, _per_backend


def _pair(cell="gru", **options):
    """A Keras GRU (or LSTM) and skrnn's, with the same (non-trivial) weights."""
    import keras

    rng = np.random.default_rng(0)
    keras_gru = getattr(keras.layers, cell.upper())(6, **options)
    ours = _layers.recurrent_class(cell)(6, **options)
    for layer in (keras_gru, ours):
        layer.build((None, 13, 4))
    weights = [
        rng.normal(scale=0.4, size=w.shape).astype("float32")
        for w in keras_gru.get_weights()
    ]
    keras_gru.set_weights(weights)
    ours.set_weights(weights)
    return keras_gru, ours


def _output_and_gradients(layer, x, mask=None):
    import tensorflow as tf

    weights = tf.constant(np.linspace(-1, 1, 6, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = layer(x, mask=mask, training=True)
        loss = tf.reduce_sum(tf.sin(out) * weights)
    gradients = tape.gradient(loss, [x, *layer.trainable_variables])
    return out.numpy(), [g.numpy() for g in gradients]


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_compiled_training_loop_computes_keras_layer_and_its_gradients(
    monkeypatch, cell, return_sequences, go_backwards
):
    import tensorflow as tf

    from skrnn import _tensorflow

    calls = []
    original = _tensorflow.training_recurrence
    monkeypatch.setattr(
        _tensorflow, "training_recurrence", lambda *a: calls.append(1) or original(*a)
    )
    keras_gru, ours = _pair(
        cell, return_sequences=return_sequences, go_backwards=go_backwards
    )
    ours.compiled_training = True
    x = tf.constant(np.random.default_rng(1).normal(size=(5, 13, 4)), tf.float32)
    expected, expected_gradients = _output_and_gradients(keras_gru, x)
    got, got_gradients = _output_and_gradients(ours, x)
    assert calls, "the compiled loop was not taken"
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # Inputs, kernel, recurrent kernel, bias: float32 sums in another order.
    for g, e in zip(got_gradients, expected_gradients, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5 * np.abs(e).max())


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize(
    "options, masked",
    [
        ({"dropout": 0.3}, False),
        ({"recurrent_dropout": 0.3}, False),
        ({"activation": "relu"}, False),
        ({"reset_after": False}, False),
        ({"return_state": True}, False),
        ({"unroll": True}, False),
        ({}, True),
    ],
)
def test_layers_take_keras_own_loop_where_the_compiled_one_does_not_apply(
    monkeypatch, cell, options, masked
):
    if cell == "lstm" and "reset_after" in options:
        pytest.skip("a GRU's option")
    import keras

    monkeypatch.setattr(
        _layers,
        "compiled_training_recurrence",
        lambda: pytest.fail("the compiled loop was taken"),
    )
    layer = _layers.recurrent_class(cell)(3, **options)
    layer.compiled_training = True
    x = np.random.default_rng(0).normal(size=(2, 5, 2)).astype("float32")
    mask = np.array([[True] * 5, [True] * 3 + [False] * 2]) if masked else None
    out = layer(keras.ops.convert_to_tensor(x), mask=mask, training=True)
    assert (out[0] if options.get("return_state") else out).shape == (2, 3)


def test_gru_predicts_with_keras_own_loop(monkeypatch):
    import keras

    monkeypatch.setattr(
        _layers,
        "compiled_training_recurrence",
        lambda: pytest.fail("the compiled loop was taken"),
    )
    keras_gru, ours = _pair()
    x = np.random.default_rng(0).normal(size=(2, 13, 4)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(keras_gru(x))
    )


def test_compiled_loop_only_on_tensorflow_without_a_gpu(monkeypatch):
    monkeypatch.setattr(_per_backend, "_tensorflow", lambda: None)
    assert _per_backend.compiled_training_recurrence() is None


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_estimators_build_skrnn_layers_and_they_round_trip(tmp_path, cell):
    from skrnn import load_estimator, save_estimator

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 9, 2)).astype("float32")
    y = X[:, :, 0].sum(axis=1)
    est = RNNRegressor(cell=cell, units=4, epochs=2, random_state=0).fit(X, y)
    assert type(est.model_.layers[1]) is _layers.recurrent_class(cell)
    save_estimator(est, tmp_path / "net.skrnn")
    loaded = load_estimator(tmp_path / "net.skrnn")
    assert type(loaded.model_.layers[1]) is _layers.recurrent_class(cell)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


@pytest.mark.tensorflow_only
def test_long_fits_train_through_the_compiled_loop_short_ones_do_not(monkeypatch):
    from skrnn import _engine, _tensorflow

    calls = []
    original = _tensorflow.training_recurrence
    monkeypatch.setattr(
        _tensorflow, "training_recurrence", lambda *a: calls.append(1) or original(*a)
    )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 24))
    y = np.repeat(["a", "b"], 8)
    # The recipe's recurrent layer (a bidirectional GRU) without its front end.
    NAMED = dict(cell="gru", units=4, bidirectional=True, epochs=2, random_state=0)
    # 2 epochs x 2 batches x 24 steps: not worth compiling.
    short = RNNClassifier(**NAMED).fit(X, y)
    assert not calls
    monkeypatch.setattr(_engine, "COMPILE_LOOPS_AFTER", 96)
    long = RNNClassifier(**NAMED).fit(X, y)
    # Traced once: the forward and the backward direction of the one network.
    assert len(calls) == 2
    # The same network trained, to float32 rounding (the step was traced anew).
    np.testing.assert_allclose(
        long.predict_proba(X), short.predict_proba(X), rtol=1e-4, atol=1e-5
    )
    # A new kind of fit past COMPILE_LOOPS_KINDS (the compiled programs stay
    # for the process): Keras' loop.
    monkeypatch.setattr(_engine, "_COMPILED_SHAPES", _engine._CompiledShapes())
    monkeypatch.setattr(_engine, "COMPILE_LOOPS_KINDS", 0)
    RNNClassifier(**NAMED).fit(X, y)
    assert len(calls) == 2
    monkeypatch.setattr(_engine, "COMPILE_LOOPS_KINDS", 8)
    # Batches larger than COMPILE_LOOPS_MAX_BATCH: Keras' loop again.
    X_big, y_big = np.tile(X, (4, 1)), np.tile(y, 4)
    RNNClassifier(**NAMED, batch_size=64).fit(X_big, y_big)
    assert len(calls) == 2


# ------------------------------------------------------------- random shift
def test_random_shift_moves_each_series_within_its_fraction_while_training_only():
    import keras

    n_series, n_steps = 200, 20
    steps = np.arange(n_steps, dtype="float32")
    # Two channels that move together: the step number and its negative.
    x = np.stack([np.tile(steps, (n_series, 1)), -np.tile(steps, (n_series, 1))], -1)
    layer = _layers.random_shift_class()(0.2, seed=3)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(x, training=False)), x
    )
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_array_equal(out[..., 1], -out[..., 0])
    # One shift per series, read at the middle step (never clipped).
    shifts = out[:, n_steps // 2, 0] - n_steps // 2
    for row, shift in zip(out[:, :, 0], shifts, strict=True):
        # Shifted later (a positive shift reads later steps) the last step
        # repeats into the end; earlier, the first step into the start.
        np.testing.assert_array_equal(row, np.clip(steps + shift, 0, n_steps - 1))
    # At most a fifth of 20 steps either way, each of -4..4 drawn.
    assert set(shifts.astype(int)) == set(range(-4, 5))
    again = keras.ops.convert_to_numpy(layer(x, training=True))
    assert not np.array_equal(again, out)
    # The same seed draws the same shifts; the configuration round-trips.
    twin = _layers.random_shift_class().from_config(layer.get_config())
    assert (twin.fraction, twin.seed) == (0.2, 3)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(twin(x, training=True)), out
    )
