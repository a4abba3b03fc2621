"""The training engine on its own: no estimator involved."""

import gc
import weakref

import numpy as np
import pytest

from skrnn import _engine
from skrnn._inputs import Sequences
from skrnn._training_data import MEMBERS, TrainingData


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


# ------------------------------------------------------- the data protocol
def _windows(skip=None, pad_value=0.0):
    """An object with exactly the members of the TrainingData protocol (one
    left out with ``skip``), windows of one series, not a Sequences."""
    series = np.sin(np.arange(46, dtype=np.float32) / 3)
    X = np.lib.stride_tricks.sliding_window_view(series, 6)[:40, :, np.newaxis]
    members = {
        "__len__": lambda self: len(X),
        "lengths": np.full(len(X), 6),
        "dense": X,
        "pad_value": pad_value,
        "batch": lambda self, indices: X[indices],
    }
    members.pop(skip, None)
    return type("Windows", (), members)(), series[6:46, np.newaxis].copy()


def test_the_data_protocol_is_what_the_engine_reads():
    data, y = _windows()
    assert isinstance(data, TrainingData)
    assert isinstance(Sequences(dense=data.dense), TrainingData)
    model = _engine.build_model(_spec(input_shape=(None, 1)))
    result = _engine.train(model, data, y, None, _config(epochs=1))
    assert result.n_epochs == 1 and np.isfinite(result.history["loss"][0])


@pytest.mark.parametrize("member", MEMBERS)
def test_data_lacking_a_member_of_the_protocol_is_a_type_error_naming_it(member):
    data, y = _windows(skip=member)
    model = _engine.build_model(_spec(input_shape=(None, 1)))
    start = [w.copy() for w in model.get_weights()]
    with pytest.raises(TypeError, match=rf"TrainingData.*Windows lacks {member}\.$"):
        _engine.train(model, data, y, None, _config(epochs=1))
    for a, b in zip(start, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------ with or without spec
def test_an_ensemble_without_its_spec_is_refused_not_trained_on_unrepeated_targets():
    data, y = _data()
    spec = _spec(n_members=2)
    model = _engine.build_model(spec)
    start = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"\(40, 1\) do not fit .*\(None, 2, 1\)"):
        _engine.train(model, data, y, None, _config(epochs=1))
    for a, b in zip(start, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # With its spec the targets are repeated once per member.
    assert _engine.train(model, data, y, None, _config(epochs=1), spec=spec).n_epochs


def test_targets_that_fit_no_output_are_refused_with_or_without_spec():
    data, y = _data()
    spec = _spec()
    model = _engine.build_model(spec)
    wide = np.hstack([y, y])
    for given in ({}, {"spec": spec}):
        with pytest.raises(ValueError, match=r"\(40, 2\) do not fit .*\(None, 1\)"):
            _engine.train(model, data, wide, None, _config(epochs=1), **given)
    # A single output takes targets of shape (n,) too, as Keras does.
    assert _engine.train(model, data, y[:, 0], None, _config(epochs=1)).n_epochs


def test_sparse_labels_fit_a_softmax_output_of_an_ensemble():
    data, _ = _data()
    spec = _spec(
        n_outputs=3,
        output_activation="softmax",
        loss="sparse_categorical_crossentropy",
        n_members=2,
    )
    labels = (np.arange(40) % 3).reshape(-1, 1).astype(np.float32)  # as RNNClassifier
    model = _engine.build_model(spec)
    result = _engine.train(model, data, labels, None, _config(epochs=1), spec=spec)
    assert result.n_epochs == 1


def test_truncated_bptt_needs_the_spec_of_skrnns_own_network():
    X = np.ones((2, 10, 1), np.float32)
    spec = _spec(input_shape=(None, 1), return_sequences=True)
    model = _engine.build_model(spec)
    config = _config(tbptt_steps=5, batch_size=2)
    with pytest.raises(ValueError, match=r"tbptt_steps: .* spec=<the NetworkSpec"):
        _engine.train(model, Sequences(dense=X), X, None, config)
    keras = _engine.get_keras()

    def builder(input_shape, n_outputs, output_activation):
        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.GRU(2, return_sequences=True)(inputs)
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(hidden))

    spec = _spec(input_shape=(None, 1), return_sequences=True, builder=builder)
    model = _engine.build_model(spec)
    with pytest.raises(ValueError, match=r"tbptt_steps: .* one without a builder"):
        _engine.train(model, Sequences(dense=X), X, None, config, spec=spec)


def test_padding_other_than_what_the_network_masks_is_refused():
    data, y = _data()
    spec = _spec(masked=True)  # Masking(0.0): the encoder's padding
    model = _engine.build_model(spec)
    padded = Sequences(dense=data.dense, pad_value=-1.0e30)
    with pytest.raises(ValueError, match=r"masks the steps equal to 0\.0.*-1e\+30"):
        _engine.train(model, padded, y, None, _config(epochs=1), spec=spec)
    padded = Sequences(dense=data.dense, pad_value=0.0)
    assert _engine.train(model, padded, y, None, _config(epochs=1), spec=spec).n_epochs
    # Symbols: the embedding masks code 0.
    codes = Sequences(dense=np.ones((8, 5), np.int32), pad_value=1)
    spec = _spec(input_shape=(None,), vocabulary_size=4, embedding_dim=2)
    model = _engine.build_model(spec)
    with pytest.raises(ValueError, match=r"masks the steps equal to 0, .* pads with 1"):
        _engine.train(model, codes, y[:8], None, _config(epochs=1), spec=spec)


def test_train_returns_history_and_epochs_and_learns():
    data, y = _data()
    model = _engine.build_model(_spec(learning_rate=0.02))
    before = float(np.mean((model.predict(data.dense, verbose=0) - y) ** 2))
    result = _engine.train(model, data, y, None, _config(epochs=30))
    after = float(np.mean((model.predict(data.dense, verbose=0) - y) ** 2))
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


def test_val_loss_is_the_loss_on_the_held_out_samples(monkeypatch):
    # val_loss comes from NumPy batches through the traced test step (no
    # dataset iterator per epoch): the number Keras' evaluate gives, here over
    # two held-out batches (one where they fit: tests of early stopping).
    monkeypatch.setattr(_engine, "_VALIDATION_BATCH", 8)
    data, y = _data()
    split = _engine.ValidationSplit(0.4, shuffle=False)  # 16 held out
    config = _config(epochs=1, early_stopping=True, validation=split)
    model = _engine.build_model(_spec())
    result = _engine.train(model, data, y, None, config)
    held = result.held_out
    expected = model.evaluate(data.dense[held], y[held], batch_size=8, verbose=0)
    np.testing.assert_allclose(result.history["val_loss"], [expected], rtol=1e-5)


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


def test_cosine_schedule_lowers_the_rate_to_the_floor_over_the_epochs(monkeypatch):
    data, y = _data(n=8)
    model = _engine.build_model(_spec(learning_rate=2e-3))
    rates = []
    keras = _engine.get_keras()

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(float(self.model.optimizer.learning_rate))

    monkeypatch.setattr(_engine, "keras_callbacks", lambda *args: [Record()])
    _engine.train(model, data, y, None, _config(epochs=8, lr_schedule="cosine"))
    expected = [_engine.cosine_rate(e, 8, 2e-3) for e in range(8)]
    np.testing.assert_allclose(rates, expected, rtol=1e-5)
    assert rates[0] == pytest.approx(2e-3) and rates[-1] < 1e-4
    assert all(a > b for a, b in zip(rates, rates[1:], strict=False))
    # Half a cosine from the initial rate towards the 1e-5 floor.
    assert _engine.cosine_rate(4, 8, 2e-3) == pytest.approx((2e-3 + 1e-5) / 2)
    assert _engine.cosine_rate(0, 1, 2e-3) == 2e-3  # one epoch: the rate itself


def test_cosine_schedule_starts_each_fit_from_the_named_rate():
    """A second fit (a warm start) begins at the network's learning rate
    again, not where the previous fit's schedule ended."""
    data, y = _data(n=8)
    spec = _spec(learning_rate=1e-3)
    model = _engine.build_model(spec)
    config = _config(epochs=3, lr_schedule="cosine")
    _engine.train(model, data, y, None, config, spec=spec)
    after_first = float(model.optimizer.learning_rate)
    _engine.train(model, data, y, None, config, spec=spec)
    assert float(model.optimizer.learning_rate) == pytest.approx(after_first)
    assert after_first == pytest.approx(_engine.cosine_rate(2, 3, 1e-3))


@pytest.mark.parametrize("stop_at_floor", [False, True])
def test_the_plateau_schedule_halves_where_keras_reduce_lr_on_plateau_does(
    stop_at_floor,
):
    """skrnn's schedule is Keras' ReduceLROnPlateau(monitor="loss", factor=0.5,
    patience=10, min_lr=1e-5) rewritten (Keras' warns once an epoch): the
    same rates after every epoch of a loss curve with falls, falls within
    min_delta (1e-4; one only in float32), stalls, and a floor reached."""
    keras = _engine.get_keras()
    losses = np.concatenate(
        [
            np.linspace(1.0, 0.5, 6),  # epochs 0-5: falls, the best 0.5
            [0.5 - 9e-5] * 3,  # 6-8: within min_delta, not a fall
            np.full(5, 0.5),  # 9-13
            [0.5 - 1e-4 - 1e-12],  # 14: a fall in float64, not in float32
            [0.5],  # 15: the tenth epoch without a fall: halved
            [0.4],  # 16: a fall
            np.full(12, 0.45),  # 17-28: halved again at 26, to the floor
            0.4 - 2e-4 * np.arange(1, 5),  # 29-32: falls at the floor
            np.full(20, 0.45),  # 33-52: stalled 10 epochs at 42
        ]
    )

    def run(schedule):
        model = _engine.build_model(_spec(learning_rate=4e-5))
        schedule.set_model(model)
        schedule.on_train_begin()
        rates, logged, stopped = [], [], None
        for epoch, loss in enumerate(losses):
            logs = {"loss": float(loss)}
            schedule.on_epoch_end(epoch, logs)
            rates.append(float(model.optimizer.learning_rate))
            logged.append(logs["learning_rate"])
            if model.stop_training and stopped is None:
                stopped = epoch
        return rates, logged, stopped

    rates, logged, stopped = run(_engine._plateau_schedule(stop_at_floor))
    keras_schedule = keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=10, min_lr=1e-5
    )
    keras_rates, keras_logged, _ = run(keras_schedule)
    assert rates == keras_rates and logged == keras_logged
    # Halved twice, to the floor (rates read from float32 variables).
    halved = [
        epoch for epoch in range(1, len(rates)) if rates[epoch] < rates[epoch - 1]
    ]
    assert halved == [15, 26]
    np.testing.assert_allclose([rates[0], rates[15], rates[26]], [4e-5, 2e-5, 1e-5])
    # At the floor, the stall that follows ends training only when asked.
    assert stopped == (42 if stop_at_floor else None)


@pytest.mark.parametrize("stop_at_floor, n_epochs", [(True, 21), (False, 30)])
def test_a_spent_plateau_schedule_ends_training_only_when_asked(
    stop_at_floor, n_epochs
):
    data, y = _data(n=8)
    model = _engine.build_model(_spec(learning_rate=2e-5))
    data = Sequences(dense=np.zeros_like(data.dense))  # a loss that cannot improve
    config = _config(epochs=30, lr_schedule="plateau", stop_at_floor=stop_at_floor)
    result = _engine.train(model, data, 0 * y, None, config)
    # Halved to the floor (1e-5) after epoch 11; 10 more stalled epochs and
    # the schedule has nothing left: epochs="auto" stops there.
    assert result.n_epochs == n_epochs and len(result.history["loss"]) == n_epochs
    assert np.isclose(float(model.optimizer.learning_rate), 1e-5)


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


def _weights(model):
    """The model's trainable then non-trainable variables, as arrays."""
    convert = _engine.get_keras().ops.convert_to_numpy
    variables = model.trainable_variables + model.non_trainable_variables
    return [convert(variable) for variable in variables]


def _interrupted_at(model, batch_number, snapshots):
    """Make ``model`` raise KeyboardInterrupt before its batch ``batch_number``.

    Keras runs ``train_step`` once per batch when the model runs eagerly; the
    weights at the start of every 5th batch (an epoch of 40 samples in batches
    of 8 ends there) are appended to ``snapshots``.
    """
    step, calls = model.train_step, []

    def interrupting(*arguments):  # (data), or (state, data) on JAX
        if calls and len(calls) % 5 == 0:
            if len(arguments) == 2:  # JAX: the variables' values are in the state
                trainable, non_trainable = arguments[0][:2]
                snapshots.append([np.array(v) for v in (*trainable, *non_trainable)])
            else:
                snapshots.append(_weights(model))
        if len(calls) == batch_number:
            raise KeyboardInterrupt
        calls.append(None)
        return step(*arguments)

    model.run_eagerly = True
    model.train_step = interrupting


def test_keyboard_interrupt_keeps_last_completed_epoch():
    data, y = _data()
    model = _engine.build_model(_spec())
    snapshots = []
    _interrupted_at(model, 12, snapshots)  # the third batch of the third epoch
    result = _engine.train(model, data, y, None, _config(epochs=5))
    assert result.interrupted and result.n_epochs == 2
    assert len(result.history["loss"]) == 2
    assert len(snapshots) == 2  # the ends of epochs 1 and 2
    for a, b in zip(snapshots[1], _weights(model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_keyboard_interrupt_in_the_first_epoch_restores_and_propagates():
    data, y = _data()
    model = _engine.build_model(_spec())
    start = [w.copy() for w in model.get_weights()]
    _interrupted_at(model, 3, [])
    with pytest.raises(KeyboardInterrupt):
        _engine.train(model, data, y, None, _config(epochs=5))
    for a, b in zip(start, model.get_weights(), strict=True):
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


def _truncated(weights, X=None, targets=None, **spec_changes):
    """Per-step predictions of a network trained by truncated BPTT (chunks of 5)."""
    if X is None:
        # Four identical inputs; targets +1 for samples 0-1 and -1 for 2-3, at
        # every step: the network can only fit the weighted mean of the targets.
        X = np.ones((4, 20, 1), np.float32)
        targets = np.ones((4, 20, 1), np.float32) * [[[1]], [[1]], [[-1]], [[-1]]]
    spec = _spec(
        input_shape=(None, 1), return_sequences=True, learning_rate=0.05, **spec_changes
    )
    model = _engine.build_model(spec)
    weights = None if weights is None else np.asarray(weights, np.float32)
    config = _config(epochs=30, batch_size=len(X), tbptt_steps=5)
    result = _engine.train(
        model, Sequences(dense=X, pad_value=0.0), targets, weights, config, spec=spec
    )
    assert result.n_epochs == 30
    return model.predict(X, verbose=0)[..., 0]


@pytest.mark.parametrize(
    "weights, fitted",
    [
        ([1, 1, 0, 0], 1.0),  # zero weights: samples 2-3 are ignored
        ([1, 1, 3, 3], -0.5),  # (2 * 1 - 6 * 1) / 8: the heavy group pulls
    ],
)
def test_truncated_bptt_fits_the_weighted_mean_of_contradictory_targets(
    weights, fitted
):
    predictions = _truncated(weights)
    # After the first chunk (whose first steps start from a zero state), every
    # step of every sample predicts the weighted mean of the targets, to 0.05
    # (measured: within 0.01; unweighted, the mean would be 0).
    np.testing.assert_allclose(predictions[:, 5:], fitted, atol=0.05)


def test_truncated_bptt_masks_the_padding_of_the_data():
    # Samples 2-3 end in 8 steps of padding (pad_value 0.0, every channel) whose
    # targets are 100: read as real steps they would pull every prediction up.
    X = np.ones((4, 20, 1), np.float32)
    X[2:, 12:] = 0.0
    targets = np.ones((4, 20, 1), np.float32)
    targets[2:, 12:] = 100.0
    predictions = _truncated(None, X, targets, masked=True)
    np.testing.assert_allclose(predictions[:2, 5:], 1.0, atol=0.05)
    np.testing.assert_allclose(predictions[2:, 5:12], 1.0, atol=0.05)


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
@pytest.mark.parametrize("pooled", [False, True], ids=["own-network", "trainer"])
def test_a_fit_keeps_no_reference_to_its_data(pooled):
    # tf.data.Dataset.from_generator keeps each generator (and so the training
    # data it reads) on TensorFlow's global graph for the life of the process,
    # unless the engine releases it. With a spec, the step is traced on a
    # pooled trainer that outlives the fit (skrnn._trainers): it keeps no data.
    X = np.random.RandomState(0).rand(40, 6, 2).astype(np.float32)
    y = X[:, -1, :1].copy()
    data = Sequences(dense=X)
    released = weakref.ref(data), weakref.ref(X)
    split = _engine.ValidationSplit(0.25)  # a validation dataset too
    config = _config(epochs=1, early_stopping=True, validation=split)
    spec = _spec()
    _engine.train(
        _engine.build_model(spec), data, y, None, config, spec=spec if pooled else None
    )
    del data, X
    gc.collect()
    assert [ref() for ref in released] == [None, None]


@pytest.mark.tensorflow_only
def test_released_generator_datasets_keeps_other_generators():
    from skrnn import _tensorflow

    tf = _tensorflow.get_tf()

    def ours():
        yield np.float32(1.0)

    def theirs():
        yield np.float32(2.0)

    signature = tf.TensorSpec((), tf.float32)
    with _tensorflow.released_generator_datasets() as generators:
        generators.append(ours)
        tf.data.Dataset.from_generator(ours, output_signature=signature)
        other = tf.data.Dataset.from_generator(theirs, output_signature=signature)
    generators.clear()
    released = weakref.ref(ours)
    del ours
    gc.collect()
    assert released() is None
    assert [float(v) for v in other] == [2.0]  # still usable after the block


@pytest.mark.tensorflow_only
def test_fits_of_one_batch_signature_reuse_a_kept_pipeline_and_keep_no_data():
    from skrnn import _tensorflow

    _tensorflow.PIPELINES.clear()
    spec = _spec()

    def fit(seed):
        data, y = _data(seed=seed)
        model = _engine.build_model(spec)
        _engine.train(model, data, y, None, _config(), spec=spec)
        return model, weakref.ref(data.dense)

    built = []
    original = _tensorflow._new_pipeline

    def counted(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    _tensorflow._new_pipeline = counted
    try:
        first, _ = fit(0)
        kept = len(_tensorflow.PIPELINES)
        second, released = fit(1)
    finally:
        _tensorflow._new_pipeline = original
    assert built == [1] and kept == 1 == len(_tensorflow.PIPELINES)
    gc.collect()
    assert released() is None  # the kept pipeline holds nothing of the fit
    # The same numbers as a fit on a pipeline of its own.
    _tensorflow.PIPELINES.clear()
    fresh, _ = fit(1)
    data, _ = _data(seed=2)
    np.testing.assert_array_equal(
        second.predict(data.dense, verbose=0), fresh.predict(data.dense, verbose=0)
    )


@pytest.mark.tensorflow_only
def test_a_pipeline_still_iterated_after_its_fit_is_dropped_not_kept():
    from skrnn import _tensorflow

    _tensorflow.PIPELINES.clear()
    signature = (((None,), np.float32),)

    def endless():  # as training passes: an iterator always holds its generator
        while True:
            yield (np.ones(3, np.float32),)

    def passes():
        yield (np.ones(3, np.float32),)

    with _tensorflow.released_generator_datasets() as generators:
        dataset = _tensorflow.generator_dataset(
            endless, signature, rows=3, prefetch=0, generators=generators
        )
        iterator = iter(dataset)
        np.testing.assert_array_equal(next(iterator)[0], np.ones(3))
        pipeline = generators[0]
    assert len(_tensorflow.PIPELINES) == 0  # an iterator was alive
    assert all(  # its callbacks are off TensorFlow's global list
        _tensorflow._generator_of(f) is not pipeline.generate
        for f in _tensorflow._py_funcs()
    )
    del iterator
    with _tensorflow.released_generator_datasets() as generators:
        dataset = _tensorflow.generator_dataset(
            passes, signature, rows=3, prefetch=0, generators=generators
        )
        assert [len(item[0]) for item in dataset] == [3]
    assert len(_tensorflow.PIPELINES) == 1  # read to its end: kept
    with pytest.raises(Exception, match="finished fit"):
        list(dataset)  # kept, it reads no other fit's data


@pytest.mark.tensorflow_only
def test_kept_pipelines_are_bounded_and_evicted_ones_released():
    from skrnn import _tensorflow

    _tensorflow.PIPELINES.clear()
    size = _tensorflow.PIPELINES.size
    pipelines = []
    for width in range(1, size + 3):
        signature = (((None, width), np.float32),)
        with _tensorflow.released_generator_datasets() as generators:
            _tensorflow.generator_dataset(
                lambda: iter(()), signature, rows=1, generators=generators
            )
            pipelines += generators
    assert len(_tensorflow.PIPELINES) == size
    ours = {id(_tensorflow._generator_of(f)) for f in _tensorflow._py_funcs()}
    assert [id(p.generate) in ours for p in pipelines] == [False] * 2 + [True] * size
    _tensorflow.PIPELINES.clear()
    ours = {id(_tensorflow._generator_of(f)) for f in _tensorflow._py_funcs()}
    assert not any(id(p.generate) in ours for p in pipelines)


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
    # Reads Keras' own train_function, the one handle on the traced step (its
    # ~7 MB are not measurable reliably in a test process).
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


# ------------------------------------------------ batch normalisation statistics
def _batch_norm_inputs(model, X):
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            reader = keras.Model(model.inputs[0], layer.input)
            values = keras.ops.convert_to_numpy(reader(X, training=False))
            yield layer, values.reshape(-1, values.shape[-1]).astype(np.float64)


def _assert_statistics_of_inputs(model, X):
    import keras

    checked = 0
    for layer, values in _batch_norm_inputs(model, X):
        for moving, expected in (
            (layer.moving_mean, values.mean(axis=0)),
            (layer.moving_variance, values.var(axis=0)),
        ):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(moving), expected, rtol=1e-4, atol=1e-5
            )
        checked += 1
    assert checked == 2


def test_batch_norm_statistics_are_those_of_the_trained_network_inputs():
    # Keras' moving averages trail the weights; after a fit each batch
    # normalisation holds the mean and variance of what it reads, in order.
    data, targets = _data(n=60, steps=12)
    spec = _spec(input_shape=(12, 2), conv_filters=(8, 8), conv_pool_size=2)
    model = _engine.build_model(spec)
    _engine.train(model, data, targets, None, _config(epochs=2), spec=spec)
    _assert_statistics_of_inputs(model, data.dense)


def test_an_interrupted_fit_also_recomputes_batch_norm_statistics():
    data, targets = _data(steps=12)
    spec = _spec(input_shape=(12, 2), conv_filters=(8, 8), conv_pool_size=2)
    model = _engine.build_model(spec)
    _interrupted_at(model, 12, [])  # the third batch of the third epoch
    # The network itself (a pooled trainer would not carry the interruption).
    result = _engine._train(
        model, data, targets, None, _config(epochs=5), spec, own=True
    )
    assert result.interrupted and result.n_epochs == 2
    _assert_statistics_of_inputs(model, data.dense)
