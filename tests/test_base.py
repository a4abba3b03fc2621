"""Behaviour shared by both estimators: parameters, errors, determinism, state."""

import pickle
import random
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier, RNNRegressor, _recipes
from skrnn._inputs import Sequences

# The plain recurrent network (no conv front end, one direction) fits twice as
# fast as the default shape, which tests of the front end ask for explicitly.
PLAIN = dict(conv_filters=(), bidirectional=False)
FAST = dict(epochs=2, units=4, random_state=0, **PLAIN)


def _data(n=30, steps=5, features=2, seed=0):
    X = np.random.RandomState(seed).rand(n, steps, features)
    return X, X[:, -1, 0] + X[:, 0, 1]


@pytest.fixture(scope="module")
def fitted_fast():
    """``RNNRegressor(**FAST)`` fitted on ``_data()``, for tests that only read it
    (predict, pickle, its network): one fit instead of one per test. A test that
    changes the estimator (set_params, fit, partial_fit) fits its own."""
    return RNNRegressor(**FAST).fit(*_data())


def test_import_is_lazy_and_light():
    code = textwrap.dedent(
        """
        import sys
        import skrnn
        after_import = sorted(m for m in ("tensorflow", "keras", "sklearn")
                              if m in sys.modules)
        from sklearn.base import clone
        reg = skrnn.RNNRegressor(units=(8, 4))
        clone(reg).set_params(cell="gru").get_params(); repr(reg)
        skrnn.SequenceForecaster(horizon=3).get_params()
        after_use = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
        print(after_import, after_use)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # Neither importing nor constructing, cloning or printing loads the backend.
    assert out.stdout.split() == ["[]", "[]"]


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_unknown_parameter_value_names_the_parameter(Estimator):
    X, y = _data()
    y = (y > y.mean()).astype(int)
    for params, name in [
        ({"cell": "transformer"}, "cell"),
        ({"units": 0}, "units"),
        ({"units": (8, 0)}, "units"),
        ({"dropout": 1.5}, "dropout"),
        ({"optimizer": "adamax2"}, "optimizer"),
        ({"loss": "hinge"}, "loss"),
        ({"scale_inputs": "minmax"}, "scale_inputs"),
        ({"conv_filters": (8, 0)}, "conv_filters"),
        ({"conv_filters": 8}, "conv_filters"),
        ({"pooling": "max"}, "pooling"),
        ({"lr_schedule": "linear"}, "lr_schedule"),
        ({"batch_size": "half"}, "batch_size"),
    ]:
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            Estimator(**params).fit(X, y)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.full((10, 4, 1), np.nan), "NaN"),
        (np.full((10, 4, 1), np.inf), "infinity"),
        (np.zeros((10, 4, 1, 1)), "4 dimensions"),
        (np.zeros((0, 4, 1)), "0 sample"),
        (np.zeros((10, 0, 1)), "at least 1 time step"),
        (np.array([["a", 1.0]] * 10, dtype=object), "could not convert"),
    ],
)
def test_bad_X_is_a_clear_error(X, message):
    with pytest.raises(ValueError, match=message):
        RNNRegressor(**FAST).fit(X, np.arange(len(X), dtype=float))


def test_bad_y_is_a_clear_error():
    X, y = _data()
    with pytest.raises(ValueError, match="y.*NaN"):
        RNNRegressor(**FAST).fit(X, np.where(y > 0.5, np.nan, y))
    with pytest.raises(ValueError, match="different numbers of samples"):
        RNNRegressor(**FAST).fit(X, y[:-1])


def test_predict_before_fit_is_not_fitted_error():
    with pytest.raises(NotFittedError):
        RNNRegressor().predict(np.zeros((2, 3, 1)))
    with pytest.raises(NotFittedError):
        RNNClassifier().predict_proba(np.zeros((2, 3, 1)))


def test_wrong_number_of_features_at_predict():
    X, y = _data()
    reg = RNNRegressor(**FAST).fit(X[:, :, 0], y)
    with pytest.raises(
        ValueError, match="X has 4 features, but RNNRegressor is expecting 5"
    ):
        reg.predict(X[:, :4, 0])


def test_failed_fit_leaves_fitted_estimator_intact():
    X, y = _data()
    reg = RNNRegressor(**FAST).fit(X, y)
    before = reg.predict(X)
    model = reg.model_
    with pytest.raises(ValueError, match="NaN"):
        reg.fit(np.full((10, 5, 3), np.nan), np.zeros(10))
    assert reg.model_ is model and reg.n_features_in_ == 2
    np.testing.assert_array_equal(reg.predict(X), before)


def test_same_random_state_same_predictions():
    X, y = _data()
    first = RNNRegressor(dropout=0.2, **FAST).fit(X, y).predict(X)
    second = RNNRegressor(dropout=0.2, **FAST).fit(X, y).predict(X)
    other = RNNRegressor(dropout=0.2, **{**FAST, "random_state": 1}).fit(X, y)
    other = other.predict(X)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_fit_leaves_global_random_generators_alone():
    X, y = _data()
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    RNNRegressor(**FAST).fit(X, y)
    assert np.random.rand() == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [dict(dropout=0.2, recurrent_dropout=0.1), dict(bidirectional=True, units=(3, 2))],
    ids=["dropout", "bidirectional-stacked"],
)
def test_fit_ignores_random_numbers_other_threads_draw(params):
    # dask workers, Jupyter kernels and web servers draw from the global
    # generators in background threads while a fit runs.
    X, y = _data()
    params = {**FAST, **params}
    expected = RNNRegressor(**params).fit(X, y).predict(X)
    stop = threading.Event()

    def draw_forever():
        while not stop.is_set():
            random.random()
            np.random.rand()
            time.sleep(1e-4)

    thread = threading.Thread(target=draw_forever, daemon=True)
    thread.start()
    try:
        disturbed = [RNNRegressor(**params).fit(X, y).predict(X) for _ in range(2)]
    finally:
        stop.set()
        thread.join()
    for pred in disturbed:
        np.testing.assert_array_equal(pred, expected)


def test_bidirectional_directions_start_from_different_weights():
    X, y = _data()
    reg = RNNRegressor(
        bidirectional=True, conv_filters=(), epochs=1, units=3, random_state=0
    )
    weights = reg.fit(X, y).model_.layers[1].get_weights()
    forward, backward = weights[: len(weights) // 2], weights[len(weights) // 2 :]
    assert not np.allclose(forward[0], backward[0])
    assert not np.allclose(forward[1], backward[1])


@pytest.mark.slow
def test_identical_predictions_across_processes(tmp_path):
    code = textwrap.dedent(
        """
        import numpy as np, sys
        from skrnn import RNNRegressor
        X = np.random.RandomState(0).rand(30, 5, 2)
        y = X[:, -1, 0] + X[:, 0, 1]
        reg = RNNRegressor(epochs=2, units=4, n_networks=2, random_state=0)
        pred = reg.fit(X, y).predict(X)
        sys.stdout.write(pred.tobytes().hex())
        """
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    X, y = _data()
    # The default network shape, an ensemble of two, as in the subprocesses.
    here = RNNRegressor(epochs=2, units=4, n_networks=2, random_state=0)
    here = here.fit(X, y).predict(X)
    assert runs[0] == runs[1] == here.tobytes().hex()


def test_warm_start_continues_training():
    X, y = _data()
    reg = RNNRegressor(warm_start=True, **FAST).fit(X, y)
    model = reg.model_
    reg.fit(X, y)
    assert reg.model_ is model
    assert reg.n_iter_ == 4 and len(reg.history_["loss"]) == 4
    cold = RNNRegressor(**FAST).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 2


def test_partial_fit_one_epoch_each_and_checks_features():
    X, y = _data()
    reg = RNNRegressor(units=4, n_networks=1, random_state=0)
    reg.partial_fit(X, y).partial_fit(X, y).partial_fit(X, y)
    assert reg.n_iter_ == 3
    with pytest.raises(ValueError, match="features per time step"):
        reg.partial_fit(X[:, :, :1], y)


def test_early_stopping_records_validation_loss():
    X, y = _data(n=60)
    reg = RNNRegressor(
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=2,
        epochs=300,
        units=4,
        n_networks=1,
        learning_rate=0.05,
        random_state=0,
    ).fit(X, y)
    assert len(reg.history_["val_loss"]) == len(reg.history_["loss"]) == reg.n_iter_
    assert reg.n_iter_ < 300


def test_sample_weight_zero_ignores_samples():
    X, y = _data(n=20)
    weights = np.r_[np.ones(10), np.zeros(10)]
    # No convolutional front end: its batch normalisation averages over every
    # sample of a batch, whatever its weight.
    params = dict(batch_size=64, **FAST)
    weighted = RNNRegressor(**params).fit(X, y, sample_weight=weights)
    dropped = RNNRegressor(**params).fit(X[:10], y[:10])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-4)


def test_verbose_zero_prints_nothing(capfd):
    X, y = _data()
    RNNRegressor(**FAST).fit(X, y).predict(X)
    assert capfd.readouterr().out == ""


def test_pickle_round_trip_and_clone(fitted_fast):
    X, _ = _data()
    reg = fitted_fast
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))
    fresh = clone(reg)
    assert not hasattr(fresh, "model_")
    assert fresh.get_params() == reg.get_params()


@pytest.mark.slow
def test_pipeline_and_grid_search():
    X, y = _data(n=40)
    flatten_last = FunctionTransformer(lambda X: X[:, :, :1])
    pipe = make_pipeline(flatten_last, RNNRegressor(**FAST))
    search = GridSearchCV(pipe, {"rnnregressor__cell": ["lstm", "gru"]}, cv=KFold(2))
    search.fit(X, y)
    assert search.best_params_["rnnregressor__cell"] in {"lstm", "gru"}
    assert search.predict(X).shape == (40,)


@pytest.mark.tensorflow_only
def test_a_fit_leaves_no_gradient_registry_entry_behind():
    # TensorFlow keeps every traced training step alive through its gradient
    # registry (tensorflow#97697, ~10 MB per fit) unless skrnn releases it.
    # This test reads TensorFlow's private registry on purpose: the workaround
    # acts on it, and the memory it frees is too small to measure in a test
    # (tests/test_memory.py measures the process over many fits).
    from skrnn import _tensorflow

    X, y = _data()
    RNNRegressor(**FAST).fit(X, y)  # first fit: TensorFlow's own one-off entries
    if not _tensorflow.registry_workaround_active():
        pytest.skip("this TensorFlow carries the upstream fix")
    registry = _tensorflow._gradient_registry()
    before = len(registry)
    RNNRegressor(**FAST).fit(X, y)
    assert len(registry) == before


@pytest.mark.tensorflow_only
def test_registry_release_keeps_entries_of_other_fits(fitted_fast):
    from skrnn import _tensorflow

    if not _tensorflow.registry_workaround_active():
        pytest.skip("this TensorFlow carries the upstream fix")
    other = fitted_fast
    registry = _tensorflow._gradient_registry()
    # An entry that another fit (another thread) registered meanwhile stays.
    with _tensorflow.released_custom_gradients(other.model_):
        registry["CustomGradient-test-foreign"] = {"type": lambda: None}
    assert "CustomGradient-test-foreign" in registry
    del registry["CustomGradient-test-foreign"]


@pytest.mark.slow
def test_n_networks_auto_is_an_ensemble_of_the_unnamed_recipe_only():
    X, y = _data()
    recipe = dict(epochs=1, conv_filters=(4,), random_state=0)
    # Two networks for the regressor's recipe, three for the classifier's.
    assert RNNRegressor(**recipe).fit(X, y).n_networks_ == 2
    labels = np.where(y > np.median(y), "a", "b")
    assert RNNClassifier(**recipe).fit(X, labels).n_networks_ == 3
    # A named network is built alone, front end or not.
    assert RNNRegressor(units=3, **recipe).fit(X, y).n_networks_ == 1
    assert RNNRegressor(**FAST).fit(X, y).n_networks_ == 1
    assert RNNRegressor(n_networks=2, **FAST).fit(X, y).n_networks_ == 2


def test_ensemble_predicts_the_mean_of_its_networks(tmp_path):
    X, y = _data()
    labels = np.where(y > np.median(y), "high", "low")
    clf = RNNClassifier(n_networks=3, **FAST).fit(X, labels)
    encoded = clf.input_encoder_.transform(Sequences(dense=X)).dense
    members = clf.model_.predict(encoded, verbose=0)
    assert members.shape == (len(X), 3, 1)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], members[:, :, 0].mean(axis=1), rtol=1e-5)
    assert np.ptp(members[:, :, 0], axis=1).max() > 1e-4  # distinct networks
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)


@pytest.mark.parametrize(
    "params", [{"return_sequences": True}, {"return_sequences": True, "tbptt_steps": 4}]
)
def test_n_networks_needs_one_output_per_sample(params):
    # (A model= callable may be an ensemble: tests/test_regressor.py.)
    X, y = _data()
    per_step = params.get("return_sequences") or params.get("tbptt_steps")
    targets = np.repeat(y[:, None], X.shape[1], axis=1) if per_step else y
    with pytest.raises(ValueError, match="n_networks=2: an ensemble"):
        RNNRegressor(n_networks=2, **FAST, **params).fit(X, targets)


def test_warm_start_refuses_a_changed_number_of_networks(monkeypatch):
    X, y = _data()
    reg = RNNRegressor(warm_start=True, n_networks=2, **FAST).fit(X, y)
    reg.set_params(n_networks=1)
    with pytest.raises(ValueError, match="n_networks changed"):
        reg.fit(X, y)
    assert reg.n_networks_ == 2
    # Nor do its predictions follow it: an error, not the fitted network's
    # outputs under a parameter that says otherwise.
    with pytest.raises(ValueError, match=r"n_networks changed since fit \(n_networks"):
        reg.predict(X)
    assert reg.set_params(n_networks=2).predict(X).shape == (len(X),)


def test_auto_epochs_follow_the_samples_and_named_epochs_are_trained(monkeypatch):
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = _data(n=20)
    plain = {key: value for key, value in FAST.items() if key != "epochs"}
    assert RNNRegressor().epochs == RNNClassifier().epochs == "auto"
    assert _recipes.auto_epochs(20) == 300  # 30,000 sample passes, at most 300
    # The fit trains the epochs the recipe resolves to (bounds lowered: fast).
    numeric = {**_recipes.SEQUENCE_TRAINING["numeric"], "epochs": (3, 5)}
    monkeypatch.setitem(_recipes.SEQUENCE_TRAINING, "numeric", numeric)
    reg = RNNRegressor(**plain).fit(X, y)
    assert reg.n_iter_ == len(reg.history_["loss"]) == 5  # 20 samples: the cap
    assert reg.training_params_["epochs"] == 5
    assert RNNRegressor(**plain, epochs=3).fit(X, y).n_iter_ == 3
    with pytest.raises(InvalidParameterError, match="'epochs' parameter"):
        RNNRegressor(epochs="many").fit(X, y)


def test_only_auto_epochs_may_end_when_the_schedule_is_spent(monkeypatch):
    """epochs="auto" is a bound: the plateau schedule, once at its floor, ends
    the fit. A named number of epochs, or partial_fit's one, is trained."""
    from skrnn import _engine

    asked = []
    train = _engine.train

    def spy(model, data, targets, weights, config, **kwargs):
        asked.append(config.stop_at_floor)
        return train(model, data, targets, weights, config, **kwargs)

    monkeypatch.setattr(_engine, "train", spy)
    numeric = {**_recipes.SEQUENCE_TRAINING["numeric"], "epochs": (1, 2)}
    monkeypatch.setitem(_recipes.SEQUENCE_TRAINING, "numeric", numeric)
    X, y = _data(n=20)
    plain = {key: value for key, value in FAST.items() if key != "epochs"}
    RNNRegressor(**plain).fit(X, y)
    RNNRegressor(**plain, epochs=2).fit(X, y)
    RNNRegressor(**plain).partial_fit(X, y)
    assert asked == [True, False, False]


# ------------------------------------------------ parameters changed after fit
def test_a_parameter_of_the_network_changed_after_fit_is_refused_by_predict():
    X, y = _data()
    reg = RNNRegressor(**FAST).fit(X, y)
    before = reg.predict(X)
    for name, value in [("return_sequences", True), ("units", 8), ("max_steps", 3)]:
        reg.set_params(**{name: value})
        with pytest.raises(ValueError, match=f"{name} changed since fit"):
            reg.predict(X)
        with pytest.raises(ValueError, match=f"{name} changed since fit"):
            reg.score(X, y)
        reg.set_params(**{name: RNNRegressor(**FAST).get_params()[name]})
    # "auto" named as what it resolved to is the fitted network.
    reg.set_params(n_networks=reg.training_params_["n_networks"])
    # Training parameters take effect at the next fit, as in scikit-learn.
    reg.set_params(epochs=7, learning_rate=0.5, batch_size=3)
    np.testing.assert_array_equal(reg.predict(X), before)
    clf = RNNClassifier(**FAST).fit(X, y > y.mean())
    clf.set_params(cell="simple")
    with pytest.raises(ValueError, match="cell changed since fit"):
        clf.predict_proba(X)


def test_a_warm_start_refuses_what_it_cannot_continue_and_records_what_it_trained():
    X, y = _data()
    reg = RNNRegressor(**FAST, warm_start=True).fit(X, y)
    for name, value in [
        ("optimizer", "sgd"),
        ("loss", "mae"),
        ("conv_kernel_size", 3),
        ("scale_targets", False),
    ]:
        fitted = reg.get_params()[name]
        reg.set_params(**{name: value})
        with pytest.raises(ValueError, match=f"but {name} changed since it was"):
            reg.fit(X, y)
        with pytest.raises(ValueError, match=f"but {name} changed since it was"):
            reg.partial_fit(X, y)
        reg.set_params(**{name: fitted})
    assert reg.n_iter_ == 2
    reg.set_params(epochs=3, batch_size=4, lr_schedule=None).fit(X, y)
    assert reg.n_iter_ == 5
    assert reg.training_params_["epochs"] == 3
    assert reg.training_params_["batch_size"] == 4
    assert reg.training_params_["lr_schedule"] is None


def _rate(estimator):
    import keras

    return float(keras.ops.convert_to_numpy(estimator.model_.optimizer.learning_rate))


def _largest_change(before, after):
    return max(np.abs(a - b).max() for a, b in zip(before, after, strict=True))


def test_a_warm_start_fine_tunes_at_a_newly_named_learning_rate():
    X, y = _data()
    reg = RNNRegressor(**FAST, warm_start=True, lr_schedule=None, learning_rate=0.01)
    reg.fit(X, y)
    assert _rate(reg) == pytest.approx(0.01)
    # Unchanged: training continues at the optimizer's own rate (which a
    # schedule may have lowered), not at the parameter's.
    reg.model_.optimizer.learning_rate = 0.005
    reg.fit(X, y)
    assert _rate(reg) == pytest.approx(0.005)
    before = reg.model_.get_weights()
    reg.set_params(learning_rate=1e-4).fit(X, y)
    assert _rate(reg) == pytest.approx(1e-4)
    assert reg.n_iter_ == 6
    # The small rate moves the weights a little, the large one more.
    small = _largest_change(before, reg.model_.get_weights())
    large = RNNRegressor(**FAST, warm_start=True, lr_schedule=None, learning_rate=0.01)
    large.fit(X, y).fit(X, y)
    weights = large.model_.get_weights()
    large.fit(X, y)
    moved = _largest_change(weights, large.model_.get_weights())
    assert small < moved / 5
    # partial_fit too; a later call at the same new rate continues at the
    # optimizer's rate.
    reg.set_params(learning_rate=2e-4).partial_fit(X, y)
    assert _rate(reg) == pytest.approx(2e-4)
    reg.model_.optimizer.learning_rate = 1e-5
    reg.partial_fit(X, y)
    assert _rate(reg) == pytest.approx(1e-5)


def test_a_warm_start_takes_the_fitted_loss_under_another_name():
    X, y = _data()
    reg = RNNRegressor(**FAST, warm_start=True).fit(X, y)  # loss="auto": squared
    for same in ("mse", "squared_error", "auto"):
        reg.set_params(loss=same).fit(X, y)
    assert reg.n_iter_ == 8
    with pytest.raises(ValueError, match=r"loss changed since it was.*'auto' -> 'mae'"):
        reg.set_params(loss="mae").fit(X, y)
    labels = np.where(y > np.median(y), "high", "low")
    clf = RNNClassifier(**FAST, warm_start=True).fit(X, labels)
    clf.set_params(loss="log_loss").fit(X, labels)
    assert clf.n_iter_ == 4


def test_continuing_on_sequences_of_other_lengths_is_refused_unless_masked():
    X, y = _data(n=20, steps=6)
    ragged = [x[: 2 + i % 5] for i, x in enumerate(X)]
    dense = RNNRegressor(**FAST).fit(X, y)
    before = dense.predict(X)
    with pytest.raises(ValueError, match="would train on the zeros they are padded"):
        dense.partial_fit(ragged, y)
    np.testing.assert_array_equal(dense.predict(X), before)
    assert dense.n_iter_ == 2
    # Equal lengths as a list, or a network fitted on padding (masked): fine.
    dense.partial_fit([x for x in X], y)
    masked = RNNRegressor(**FAST).fit(ragged, y)
    assert masked.partial_fit(ragged[::-1], y[::-1]).n_iter_ == 3


def test_a_users_network_takes_no_architecture_parameters():
    X, y = _data()

    def builder(input_shape, n_outputs, output_activation):
        import keras

        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.SimpleRNN(3)(inputs)
        outputs = keras.layers.Dense(n_outputs, activation=output_activation)(hidden)
        return keras.Model(inputs, outputs)

    for named in [
        {"cell": "lstm"},
        {"units": 8},
        {"bidirectional": True},
        {"conv_filters": (4,)},
        {"dropout": 0.5},
    ]:
        name = next(iter(named))
        with pytest.raises(ValueError, match=f"model is given.*so {name} would"):
            RNNRegressor(model=builder, epochs=1, **named).fit(X, y)
    reg = RNNRegressor(model=builder, epochs=1, conv_filters=(), random_state=0)
    params = reg.fit(X, y).training_params_
    # What it records is what was built: the user's network, no front end.
    assert params["cell"] is None and params["units"] is None
    assert params["conv_filters"] == () and reg.conv_filters_ == ()
    assert reg.model_.count_params() == 3 * (3 + 2 + 1) + 4


def test_truncated_backpropagation_takes_no_batch_size():
    X, _ = _data(n=6, steps=12)
    y = X[:, :, 0].cumsum(axis=1)
    params = dict(FAST, return_sequences=True, tbptt_steps=4)
    with pytest.raises(ValueError, match="batch_size=2: tbptt_steps trains every"):
        RNNRegressor(**params, batch_size=2).fit(X, y)
    reg = RNNRegressor(**params).fit(X, y)
    assert reg.training_params_["batch_size"] == 6


def test_numeric_parameters_named_for_strings_are_refused():
    words = ["ACGT", "GGCA", "TTAC", "CAGG"] * 3
    labels = [w.count("G") > 1 for w in words]
    for named in [{"mask_value": 0.0}, {"max_steps": 2}, {"scale_inputs": "standard"}]:
        with pytest.raises(ValueError, match="strings and tokens are encoded"):
            RNNClassifier(**FAST, **named).fit(words, labels)
    params = RNNClassifier(**FAST).fit(words, labels).training_params_
    assert params["scale_inputs"] is None and params["max_steps"] is None


def test_scores_of_per_step_outputs_cover_every_step():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 1)) for n in (4, 6, 5, 6, 3, 4)]
    y = [(x[:, 0] > 0).astype(int) for x in X]
    clf = RNNClassifier(**FAST, return_sequences=True).fit(X, y)
    predicted = clf.predict(X)
    right = np.concatenate([p == t for p, t in zip(predicted, y, strict=True)])
    assert clf.score(X, y) == pytest.approx(right.mean())
    targets = [x[:, 0].cumsum() for x in X]
    reg = RNNRegressor(**FAST, return_sequences=True).fit(X, targets)
    from sklearn.metrics import r2_score

    flat = np.concatenate(reg.predict(X))
    assert reg.score(X, targets) == pytest.approx(
        r2_score(np.concatenate(targets), flat)
    )
    with pytest.raises(ValueError, match=r"y\[1\] has 5 steps, but X\[1\] has 6"):
        reg.score(X, [targets[0], targets[1][:5], *targets[2:]])


def test_equal_length_sequences_of_other_features_are_named():
    X = [np.zeros((5, 2)), np.zeros((5, 3))]
    with pytest.raises(ValueError, match="X\\[0\\] has 2, X\\[1\\] has 3"):
        RNNRegressor(**FAST).fit(X, [0.0, 1.0])


def test_early_stopping_on_fewer_samples_than_classes_holds_out_at_random():
    X, _ = _data(n=9)
    labels = np.array(["a", "b", "c"] * 3)
    clf = RNNClassifier(**FAST, early_stopping=True, validation_fraction=0.1)
    assert clf.fit(X, labels).n_iter_ >= 1


def test_truncated_backpropagation_carries_the_optimizer_state_across_calls():
    X, _ = _data(n=6, steps=12)
    y = X[:, :, 0].cumsum(axis=1)
    reg = RNNRegressor(**FAST, return_sequences=True, tbptt_steps=4, warm_start=True)
    reg.fit(X, y)
    steps = int(np.asarray(reg.model_.optimizer.iterations))
    assert steps == 2 * 3  # two epochs of three chunks
    reg.partial_fit(X, y)
    assert int(np.asarray(reg.model_.optimizer.iterations)) == steps + 3


def test_review_of_the_changed_parameter_checks():
    rng = np.random.RandomState(0)
    ragged = [rng.rand(n, 2) for n in (8, 10, 12, 9, 11, 10)]
    y = np.array([x[:, 0].sum() for x in ragged])
    # A front end resamples sequences of different lengths (no padding): a
    # warm start on them continues.
    reg = RNNRegressor(
        units=2, conv_filters=(2,), n_networks=1, epochs=1, warm_start=True
    ).fit(ragged, y)
    assert reg.fit(ragged, y).n_iter_ == 2 and reg.partial_fit(ragged, y).n_iter_ == 3
    X, target = _data()
    plain = RNNRegressor(**FAST, scale_inputs=None).fit(X, target)
    plain.set_params(scale_inputs=False)  # the same: nothing scaled
    assert plain.predict(X).shape == (len(X),)

    def builder(input_shape, n_outputs, output_activation):
        import keras

        inputs = keras.Input(shape=input_shape)
        outputs = keras.layers.Dense(n_outputs)(keras.layers.SimpleRNN(2)(inputs))
        return keras.Model(inputs, outputs)

    own = RNNRegressor(model=builder, epochs=1, conv_filters=()).fit(X, target)
    own.set_params(model=None)
    with pytest.raises(ValueError, match="model changed since fit"):
        own.predict(X)
    with pytest.raises(ValueError, match="embedding_dim=8: numeric sequences are"):
        RNNRegressor(**FAST, embedding_dim=8).fit(X, target)


def test_changed_parameter_checks_after_a_second_review():
    X, y = _data()
    auto = {k: v for k, v in FAST.items() if k not in ("units",)}
    reg = RNNRegressor(**auto, n_networks=1).fit(X, y)
    # Naming cell switches the other "auto" parameters to the plain network:
    # not the fitted one, even at the value "auto" resolved to.
    reg.set_params(cell=reg.training_params_["cell"])
    with pytest.raises(ValueError, match="cell changed since fit"):
        reg.predict(X)
    named = RNNRegressor(**FAST).fit(X, y)  # units=4
    named.set_params(units=(4,))  # one spelling of the same layer
    named.predict(X)
    listed = RNNRegressor(**{**FAST, "units": [4]}).fit(X, y)
    listed.units.append(2)  # changed in place
    with pytest.raises(ValueError, match="units changed since fit"):
        listed.predict(X)
    warm = RNNRegressor(**FAST, warm_start=True).fit(X, y)
    warm.set_params(dropout=0.5)
    with pytest.raises(ValueError, match="but dropout changed.*Set it back"):
        warm.fit(X, y)
    # Fitted before the values were recorded (an older pickle): not checked.
    del warm.__dict__["_fitted_params"]
    assert warm.fit(X, y).n_iter_ == 4


def test_numpy_scalars_and_ints_are_numbers_keras_takes():
    # A grid of np.arange values, an np.float32 rate, an int rate: Keras itself
    # refuses NumPy scalars in layers and optimizers.
    X, y = _data()
    reg = RNNRegressor(
        units=np.int64(4),
        epochs=np.int64(1),
        learning_rate=np.float32(1e-3),
        conv_filters=(np.int64(4),),
        conv_kernel_size=np.int64(3),
        dropout=np.float32(0.1),
        random_state=0,
    ).fit(X, y)
    assert reg.predict(X).shape == (30,)
    assert RNNRegressor(**{**FAST, "learning_rate": 1}).fit(X, y).n_iter_ == 2
    clf = RNNClassifier(embedding_dim=np.int64(8), **FAST)
    clf.fit(["ACGT", "GGA", "TTAC", "CA"] * 5, ["a", "b"] * 10)
    assert clf.model_.count_params() > 0


def test_early_stopping_on_too_few_samples_names_validation_fraction():
    X, y = _data(n=10)
    for n, fraction in [(1, 0.1), (10, 0.99)]:
        reg = RNNRegressor(**FAST, early_stopping=True, validation_fraction=fraction)
        with pytest.raises(ValueError, match=f"validation_fraction={fraction} of the"):
            reg.fit(X[:n], y[:n])
