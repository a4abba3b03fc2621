"""Traced training steps reused across fits (skrnn._trainers)."""

import threading

import numpy as np
import pytest

from skrnn import RNNRegressor, SequenceForecaster, TrainingDivergedError, _trainers

PLAIN = dict(conv_filters=(), bidirectional=False, n_networks=1, lr_schedule=None)


def _data(n=60, steps=6, seed=0):
    X = np.random.RandomState(seed).normal(size=(n, steps, 2)).astype(np.float32)
    return X, X[:, -2:, 0].sum(axis=1)


@pytest.fixture
def unpooled(monkeypatch):
    """Fits train their own network, as without the pool."""

    def off():
        monkeypatch.setattr(_trainers, "pool_key", lambda spec: None)

    return off


def _regressor(**params):
    return RNNRegressor(
        **{**PLAIN, "units": 4, "epochs": 3, "random_state": 0, **params}
    )


@pytest.mark.parametrize(
    "params",
    [{}, {"dropout": 0.3}, {"early_stopping": True, "learning_rate": 0.02}],
    ids=["plain", "dropout", "early-stopping"],
)
def test_a_reused_trainer_gives_the_numbers_of_a_fresh_network(params, unpooled):
    X, y = _data()
    first = _regressor(**params).fit(X, y)
    again = _regressor(**params).fit(X, y)  # the pooled trainer, traced before
    unpooled()
    alone = _regressor(**params).fit(X, y)
    np.testing.assert_array_equal(first.predict(X), again.predict(X))
    np.testing.assert_array_equal(first.predict(X), alone.predict(X))
    assert first.history_ == alone.history_


def test_the_step_is_traced_once_and_the_estimators_network_never(monkeypatch):
    X, y = _data()
    pool = _trainers.TrainerPool()
    monkeypatch.setattr(_trainers, "POOL", pool)
    built = []
    original = _trainers.TrainerPool.training

    def training(self, model, spec, build):
        def counted(spec):
            built.append(spec)
            return build(spec)

        return original(self, model, spec, counted)

    monkeypatch.setattr(_trainers.TrainerPool, "training", training)
    models = [_regressor(learning_rate=lr).fit(X, y).model_ for lr in (1e-3, 1e-2)]
    assert len(built) == 1 and len(pool) == 1  # the second fit reused the first's
    (trainer,) = pool._free.popitem()[1]
    step = trainer.train_function
    assert step is not None
    assert all(getattr(model, "train_function", None) is None for model in models)
    # Each estimator keeps its own weights, not the trainer's.
    assert not np.array_equal(models[0].get_weights()[0], models[1].get_weights()[0])


def test_warm_start_continues_the_optimizer_state(unpooled):
    X, y = _data()

    def twice():
        reg = _regressor(warm_start=True, epochs=2)
        first = reg.fit(X, y).predict(X)
        steps = int(reg.model_.optimizer.iterations)
        second = reg.fit(X, y).predict(X)
        return first, second, steps, int(reg.model_.optimizer.iterations)

    pooled = twice()
    unpooled()
    alone = twice()
    for a, b in zip(pooled, alone, strict=True):
        np.testing.assert_array_equal(a, b)
    assert pooled[2] > 0 and pooled[3] == 2 * pooled[2]  # the step count went on


def test_the_pool_is_bounded(monkeypatch):
    pool = _trainers.TrainerPool(size=2)
    monkeypatch.setattr(_trainers, "POOL", pool)
    forgotten = []
    monkeypatch.setattr(
        _trainers, "forget_compiled_programs", lambda: forgotten.append(len(pool))
    )
    X, y = _data(n=20)
    for units in (2, 3, 4, 5):
        _regressor(units=units, epochs=1).fit(X, y)
    assert len(pool) == 2
    assert sorted(key.units for key in pool._free) == [(4,), (5,)]  # the latest
    # The backend's compiled programs are dropped with each trainer dropped
    # (JAX's caches, TensorFlow's kernels), not after fits the pool serves.
    assert forgotten == [2, 2]
    _regressor(units=5, epochs=1, random_state=1).fit(X, y)
    assert forgotten == [2, 2]


@pytest.mark.tensorflow_only
def test_dropped_networks_clear_tensorflows_kernel_cache_every_eighth(monkeypatch):
    from skrnn import _per_backend, _tensorflow

    cleared = []
    clear = _tensorflow.clear_kernel_cache
    monkeypatch.setattr(
        _tensorflow, "clear_kernel_cache", lambda: cleared.append(1) or clear()
    )
    monkeypatch.setattr(_tensorflow, "_DROPS", [0])
    X, y = _data(n=20)
    reg = _regressor(units=3, epochs=1).fit(X, y)
    before = reg.predict(X)
    monkeypatch.setattr(_tensorflow, "_DROPS", [0])  # the fit may have dropped one
    n_cleared = len(cleared)
    for _ in range(7):
        _per_backend.forget_compiled_programs()
    assert len(cleared) == n_cleared
    _per_backend.forget_compiled_programs()
    assert len(cleared) == n_cleared + 1
    # Functions in use instantiate their kernels again: the same numbers.
    np.testing.assert_array_equal(reg.predict(X), before)


def test_a_diverged_fit_leaves_the_network_and_the_pool_sound():
    X, y = _data(n=20)

    def regressor(**params):
        return _regressor(
            optimizer="sgd", learning_rate=0.01, scale_targets=False, **params
        )

    reg = regressor(epochs=1).fit(X, y)
    before = reg.predict(X)
    reg.set_params(warm_start=True)
    with pytest.raises(TrainingDivergedError):
        reg.fit(X, 1e25 * y)  # its squared error overflows float32
    np.testing.assert_array_equal(reg.predict(X), before)
    # The trainer went back to the pool as sound as it came.
    np.testing.assert_array_equal(regressor(epochs=1).fit(X, y).predict(X), before)


def test_threads_fitting_one_network_each_get_their_own_numbers():
    X, y = _data()
    expected = [_regressor(random_state=seed).fit(X, y).predict(X) for seed in (0, 1)]
    results = {}

    def fit(seed):
        results[seed] = _regressor(random_state=seed).fit(X, y).predict(X)

    threads = [threading.Thread(target=fit, args=(seed,)) for seed in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in (0, 1):
        np.testing.assert_array_equal(results[seed], expected[seed])


def test_a_users_builder_and_truncated_bptt_are_not_pooled(monkeypatch):
    pool = _trainers.TrainerPool()
    monkeypatch.setattr(_trainers, "POOL", pool)
    X, y = _data(n=20)

    def builder(input_shape, n_outputs, output_activation):
        import keras

        inputs = keras.Input(input_shape)
        hidden = keras.layers.GRU(3)(inputs)
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(hidden))

    RNNRegressor(model=builder, epochs=1, random_state=0).fit(X, y)
    long = np.random.RandomState(0).normal(size=(1, 40, 1))
    RNNRegressor(**PLAIN, units=3, epochs=1, return_sequences=True, tbptt_steps=10).fit(
        long, long[:, :, 0]
    )
    assert len(pool) == 0


def test_a_forecasters_ensemble_traces_its_step_once(monkeypatch):
    pool = _trainers.TrainerPool()
    monkeypatch.setattr(_trainers, "POOL", pool)
    series = np.sin(np.arange(120) / 3.0) + 2.0
    forecaster = SequenceForecaster(
        window=8, units=4, epochs=2, n_networks=3, calibration=None, random_state=0
    ).fit(series)
    assert len(pool) == 1 and forecaster.predict().shape == (1,)
