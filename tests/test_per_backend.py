"""What differs by backend: the choices of skrnn._per_backend."""

import pytest

from skrnn import _per_backend


@pytest.mark.parametrize(
    "backend, cell, stateful, options",
    [
        # Keras' own PyTorch GRU/LSTM fails the backward pass of a stateful
        # layer (the state is assigned in place): Keras' generic loop instead.
        ("torch", "gru", True, {"use_cudnn": False}),
        ("torch", "lstm", True, {"use_cudnn": False}),
        # SimpleRNN has no function of its own (and no use_cudnn argument).
        ("torch", "simple", True, {}),
        # Not stateful, or another backend: Keras' own choice.
        ("torch", "gru", False, {}),
        ("tensorflow", "gru", True, {}),
        ("jax", "lstm", True, {}),
    ],
)
def test_stateful_recurrent_layers_take_the_generic_loop_on_pytorch_only(
    monkeypatch, backend, cell, stateful, options
):
    monkeypatch.setattr(_per_backend, "backend_name", lambda: backend)
    assert _per_backend.recurrent_layer_options(cell, stateful) == options


def _trained_weights(fused, layers, X, y, amsgrad=False):
    """Weights of a small network after 15 Adam steps on fixed batches."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=X.shape[1:], dtype=X.dtype)
    outputs = inputs
    for layer in layers():
        outputs = layer(outputs)
    model = keras.Model(inputs, outputs)
    optimizer = keras.optimizers.Adam(learning_rate=0.01, amsgrad=amsgrad)
    if fused:
        optimizer = _per_backend.fused_optimizer(optimizer)
    model.compile(optimizer=optimizer, loss="mean_squared_error")
    initial = [np.asarray(w) for w in model.get_weights()]
    for step in range(15):
        rows = slice(4 * (step % 10), 4 * (step % 10) + 4)
        model.train_on_batch(X[rows], y[rows])
    return model, initial, [np.asarray(w) for w in model.get_weights()]


def _recurrent():
    import keras

    return [keras.layers.GRU(4), keras.layers.Dense(1)]


def _feedforward():
    import keras

    return [keras.layers.Flatten(), keras.layers.Dense(4), keras.layers.Dense(1)]


def _embedded():
    import keras

    pooled = keras.layers.GlobalAveragePooling1D()
    return [keras.layers.Embedding(7, 3), pooled, keras.layers.Dense(1)]


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("kind", ["dense", "embedded", "amsgrad"])
def test_the_fused_adam_update_trains_as_keras_adam(kind):
    # TensorFlow's ResourceApplyAdam computes Keras' update in one kernel: the
    # same weights to float32 rounding after 15 steps (its order of operations
    # differs); an embedding's sparse gradient and AMSGrad take Keras' update.
    import numpy as np

    rng = np.random.RandomState(0)
    if kind == "embedded":
        X, layers = rng.randint(0, 7, size=(40, 5)).astype("int32"), _embedded
        y = (X.sum(axis=1) / 10.0).astype("float32")
    else:  # a recurrent network's dense gradients; a plain one for AMSGrad
        X = rng.rand(40, 5, 2).astype("float32")
        layers, y = (_feedforward if kind == "amsgrad" else _recurrent), X[:, -1, 0]
    amsgrad = kind == "amsgrad"
    keras_model, _, keras_weights = _trained_weights(False, layers, X, y, amsgrad)
    fused_model, initial, fused_weights = _trained_weights(True, layers, X, y, amsgrad)
    assert ("update_step" in vars(fused_model.optimizer)) is (kind != "amsgrad")
    assert "update_step" not in vars(keras_model.optimizer)
    assert fused_model.optimizer.iterations.numpy() == 15
    for fused, own in zip(fused_weights, keras_weights, strict=True):
        np.testing.assert_allclose(fused, own, rtol=1e-5, atol=1e-6)
    # The weights moved (15 steps at 0.01): not two untrained networks.
    moved = [np.abs(w - v).max() for w, v in zip(fused_weights, initial, strict=True)]
    assert max(moved) > 1e-3


@pytest.mark.tensorflow_only
def test_the_fused_update_does_not_fall_back_to_keras_update_for_dense_gradients(
    monkeypatch,
):
    # Both updates give the same weights, so the test above cannot tell which
    # ran: here Keras' own update raises, and a dense network still trains
    # (a Keras that renamed the attributes the fused step reads fails here).
    import keras
    import numpy as np

    def keras_update(*args, **kwargs):
        raise AssertionError("Keras' own Adam update ran")

    monkeypatch.setattr(keras.optimizers.Adam, "update_step", keras_update)
    X = np.random.RandomState(0).rand(40, 5, 2).astype("float32")
    _, initial, trained = _trained_weights(True, _feedforward, X, X[:, -1, 0])
    moved = [np.abs(w - v).max() for w, v in zip(trained, initial, strict=True)]
    assert max(moved) > 1e-3


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("optimizer, fused", [("adam", True), ("sgd", False)])
def test_skrnn_compiles_its_networks_with_the_fused_adam_update(optimizer, fused):
    from skrnn import _engine

    spec = _engine.NetworkSpec(
        input_shape=(None, 2),
        n_outputs=1,
        output_activation=None,
        loss="mean_squared_error",
        seed=0,
        units=(2,),
        optimizer=optimizer,
    )
    model = _engine.build_model(spec)
    assert ("update_step" in vars(model.optimizer)) is fused
