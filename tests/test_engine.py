"""The training engine on its own: no estimator involved."""

import numpy as np
import pytest

from skrnn import _engine
from skrnn._inputs import Sequences


def _spec(**changes):
    options = dict(
        input_shape=(None, 2),
        n_outputs=1,
        output_activation=None,
        loss="mean_squared_error",
        seed=0,
        units=(4,),
    )
    return _engine.NetworkSpec(**{**options, **changes})


def _data(n=40, steps=6, seed=0):
    X = np.random.RandomState(seed).rand(n, steps, 2).astype(np.float32)
    return Sequences(dense=X), (X[:, -1, :1] + X[:, 0, 1:]).astype(np.float32)


def _config(**changes):
    return _engine.TrainingConfig(**{**dict(epochs=3, batch_size=8, seed=0), **changes})


def test_train_returns_history_and_epochs_and_learns():
    data, y = _data()
    model = _engine.build_model(_spec(learning_rate=0.02))
    before = float(np.mean((model(data.dense).numpy() - y) ** 2))
    result = _engine.train(model, data, y, None, _config(epochs=30))
    after = float(np.mean((model(data.dense).numpy() - y) ** 2))
    assert result.n_epochs == 30 and len(result.history["loss"]) == 30
    assert not result.interrupted and result.held_out is None
    assert after < before / 2


def test_early_stopping_reports_the_samples_it_held_out():
    data, y = _data()
    split = _engine.ValidationSplit(0.25, shuffle=False)
    config = _config(early_stopping=True, validation=split)
    result = _engine.train(_engine.build_model(_spec()), data, y, None, config)
    np.testing.assert_array_equal(result.held_out, np.arange(30, 40))
    assert "val_loss" in result.history


@pytest.mark.parametrize("schedule, final", [("plateau", 5e-4), (None, 1e-3)])
def test_plateau_schedule_halves_the_rate_when_the_training_loss_stalls(
    schedule, final
):
    data, y = _data(n=8)
    model = _engine.build_model(_spec(learning_rate=1e-3))
    # A loss that cannot improve: zero targets, zero inputs, no bias to learn.
    data = Sequences(dense=np.zeros_like(data.dense))
    _engine.train(model, data, 0 * y, None, _config(epochs=12, lr_schedule=schedule))
    # 10 epochs without improvement after the first: halved once in 12 epochs.
    assert np.isclose(float(model.optimizer.learning_rate), final)


def test_conv_front_end_and_mean_pooling():
    spec = _spec(conv_filters=(3, 5), conv_kernel_size=4, pooling="mean")
    model = _engine.build_model(spec)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv1D") == 2 and "GlobalAveragePooling1D" in kinds
    assert model.layers[1].kernel.shape == (4, 2, 3)
    data, y = _data()
    assert _engine.train(model, data, y, None, _config(epochs=1)).n_epochs == 1


def test_same_seed_same_weights_without_global_seeds():
    data, y = _data()
    weights = []
    for _ in range(2):
        model = _engine.build_model(_spec())
        _engine.train(model, data, y, None, _config())
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_divergence_restores_the_weights_and_raises():
    data, y = _data()
    model = _engine.build_model(_spec(optimizer="sgd", learning_rate=1e6))
    start = [w.copy() for w in model.get_weights()]
    with pytest.raises(_engine.TrainingDivergedError, match="loss became nan|inf"):
        _engine.train(model, data, y * 1e18, None, _config())
    for a, b in zip(start, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_keyboard_interrupt_keeps_last_completed_epoch(monkeypatch):
    data, y = _data()
    model = _engine.build_model(_spec(steps_per_execution=1))
    keras = _engine.get_keras()
    snapshots = []

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append([w.copy() for w in self.model.get_weights()])

        def on_train_batch_end(self, batch, logs=None):
            if len(snapshots) == 2 and batch == 2:
                raise KeyboardInterrupt

    original = _engine._callback_classes

    def with_interrupt():
        classes = dict(original())
        snapshot = classes["Snapshot"]

        class Both(snapshot):
            def __init__(self, source, record):
                super().__init__(source, record)
                self.interrupt = Interrupt()

            def set_model(self, model):
                super().set_model(model)
                self.interrupt.set_model(model)

            def on_epoch_end(self, epoch, logs=None):
                super().on_epoch_end(epoch, logs)
                self.interrupt.on_epoch_end(epoch, logs)

            def on_train_batch_end(self, batch, logs=None):
                self.interrupt.on_train_batch_end(batch, logs)

        classes["Snapshot"] = Both
        return classes

    monkeypatch.setattr(_engine, "_callback_classes", with_interrupt)
    result = _engine.train(model, data, y, None, _config(epochs=5))
    assert result.interrupted and result.n_epochs == 2
    assert len(result.history["loss"]) == 2
    for a, b in zip(snapshots[1], model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_user_builder_with_wrong_output_width_is_refused():
    keras = _engine.get_keras()

    def builder(input_shape, n_outputs, output_activation):
        inputs = keras.Input(shape=input_shape)
        return keras.Model(inputs, keras.layers.Dense(3)(keras.layers.GRU(2)(inputs)))

    with pytest.raises(ValueError, match=r"output has shape \(None, 3\).*Dense\(1\)"):
        _engine.build_model(_spec(builder=builder))


def test_validation_split_is_stratified_or_the_latest():
    labels = np.array([0] * 30 + [1] * 10)
    train, val = _engine.ValidationSplit(0.25, stratify=labels).split(40, seed=0)
    assert len(val) == 10 and labels[val].sum() in (2, 3)
    train, val = _engine.ValidationSplit(0.25, shuffle=False).split(40, seed=0)
    np.testing.assert_array_equal(val, np.arange(30, 40))


def test_truncated_bptt_with_sample_weight_trains():
    rng = np.random.RandomState(0)
    X = rng.rand(3, 40, 1).astype(np.float32)
    targets = np.cumsum(X, axis=1).astype(np.float32)
    spec = _spec(input_shape=(None, 1), return_sequences=True)
    model = _engine.build_model(spec)
    result = _engine.train(
        model,
        Sequences(dense=X),
        targets,
        np.array([1.0, 0.5, 2.0], np.float32),
        _config(tbptt_steps=10, batch_size=3),
        spec=spec,
    )
    assert result.n_epochs == 3 and all(np.isfinite(result.history["loss"]))


@pytest.mark.slow
def test_members_train_as_independent_networks():
    """An ensemble in one model: member 0 draws the seeds a lone network draws,
    and the mean of the members' losses gives it the lone network's Adam steps."""
    data, y = _data()
    alone = _engine.build_model(_spec(learning_rate=0.01))
    pair_spec = _spec(learning_rate=0.01, n_members=2)
    pair = _engine.build_model(pair_spec)
    assert pair.output_shape == (None, 2, 1)
    _engine.train(alone, data, y, None, _config())
    # The engine repeats the targets once per member.
    _engine.train(pair, data, y, None, _config(), spec=pair_spec)
    both = pair.predict(data.dense, verbose=0)
    # Adam's steps do not depend on the gradient's scale (up to its epsilon).
    np.testing.assert_allclose(
        both[:, 0], alone.predict(data.dense, verbose=0), rtol=1e-3, atol=1e-4
    )
    # Member 1 started elsewhere and ended elsewhere.
    assert np.abs(both[:, 1] - both[:, 0]).max() > 1e-3


def test_repeat_targets_copies_each_sample_per_member():
    y = np.arange(6.0).reshape(3, 2)
    assert _engine.repeat_targets(y, 1) is y
    repeated = _engine.repeat_targets(y, 3)
    assert repeated.shape == (3, 3, 2)
    np.testing.assert_array_equal(repeated[:, 2], y)


# ------------------------------------------------- nothing outlives a fit
def _dataset_callbacks():
    """The Python callbacks of datasets TensorFlow keeps on its global graph."""
    from skrnn._backend import _outermost_graph

    return list(getattr(_outermost_graph(), "_py_funcs_used_in_graph", []))


def test_a_fit_leaves_no_dataset_callback_in_tensorflows_global_graph():
    # tf.data.Dataset.from_generator keeps each generator (and the training
    # data it reads) on TensorFlow's global graph for the life of the process.
    data, y = _data()
    split = _engine.ValidationSplit(0.25)  # a validation dataset too
    _engine.train(_engine.build_model(_spec()), data, y, None, _config(epochs=1))
    before = _dataset_callbacks()
    config = _config(epochs=1, early_stopping=True, validation=split)
    _engine.train(_engine.build_model(_spec()), data, y, None, config)
    assert len(_dataset_callbacks()) == len(before)


def test_released_generator_datasets_keeps_other_generators():
    from skrnn import _backend

    tf = _backend.get_tf()

    def ours():
        yield np.float32(1.0)

    def theirs():
        yield np.float32(2.0)

    signature = tf.TensorSpec((), tf.float32)
    with _backend.released_generator_datasets() as generators:
        generators.append(ours)
        tf.data.Dataset.from_generator(ours, output_signature=signature)
        other = tf.data.Dataset.from_generator(theirs, output_signature=signature)
    held = [_backend._generator_of(f) for f in _dataset_callbacks()]
    assert ours not in held and theirs in held
    assert [float(v) for v in other] == [2.0]  # still usable after the block


def test_networks_of_successive_fits_share_names_and_leave_the_users_alone():
    # Kernels TensorFlow caches are keyed by variable names: new names at every
    # fit grew the process by ~0.5 MB per fit.
    keras = _engine.get_keras()
    before = keras.layers.Dense(1).name
    first, second = (_engine.build_model(_spec(seed=seed)) for seed in (0, 1))
    after = keras.layers.Dense(1).name

    def paths(model):
        # A recurrent cell's dropout seed generator is named by Keras' own
        # counter (no public argument names it); its one small state variable
        # is the only path allowed to differ.
        return [
            v.path
            for v in model.variables + model.optimizer.variables
            if not v.path.startswith("seed_generator")
        ]

    assert paths(first) == paths(second)
    # The user's own numbering goes on as if skrnn had built nothing.
    number = int(before.rpartition("_")[2]) if "_" in before else 0
    assert after == f"dense_{number + 1}"


def test_only_the_latest_trained_network_keeps_its_traced_step():
    data, y = _data()
    first, second = (_engine.build_model(_spec(seed=seed)) for seed in (0, 1))
    _engine.train(first, data, y, None, _config(epochs=1))
    step = first.train_function
    _engine.train(first, data, y, None, _config(epochs=1))
    assert first.train_function is step  # training again reuses it
    _engine.train(second, data, y, None, _config(epochs=1))
    assert first.train_function is None and second.train_function is not None
    # A dropped step is traced anew when its network trains again.
    assert _engine.train(first, data, y, None, _config(epochs=1)).n_epochs == 1
    assert second.train_function is None
