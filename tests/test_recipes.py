"""The rule for "auto": the recipe when the network is not named, the plain
network when it is; every estimator records what it built."""

import pickle

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier, RNNRegressor, SequenceForecaster
from skrnn._recipes import (
    FITTED_PATIENCE,
    FORECAST_RECIPES,
    PLAIN_NETWORK,
    SEQUENCE_RECIPES,
    SEQUENCE_TRAINING,
    auto_batch_size,
    auto_epochs,
    copy_offsets,
    resolve_forecast_params,
    resolve_sequence_params,
    sequence_recipe_kind,
    shifted_copies,
)


def _params(**given):
    return {**RNNRegressor(**given).get_params(deep=False)}


def test_unnamed_network_takes_the_recipe_of_its_input():
    resolved = resolve_sequence_params(_params(), "series", 500)
    # A regressor's recipe is the classifier's network, two of them averaged,
    # its training series never shifted.
    for name, value in SEQUENCE_RECIPES["series"].items():
        expected = {"n_networks": 2, "random_shift": 0.0}.get(name, value)
        assert resolved[name] == expected, name
    assert resolved["epochs"] == 100 and resolved["batch_size"] == 50
    assert resolved["lr_schedule"] == "plateau"
    named = resolve_sequence_params(_params(n_networks=3), "series", 500)
    assert named["n_networks"] == 3 and named["conv_filters"] == (128, 128)
    # A classifier's recipe trains along a cosine, small sets for fewer epochs
    # than a plain network: 15,000 samples read, within 100 and 150 epochs.
    resolved = resolve_sequence_params(_params(), "series", 500, classifier=True)
    for name, value in SEQUENCE_RECIPES["series"].items():
        assert resolved[name] == value, name
    assert resolved["n_networks"] == 3 and resolved["random_shift"] == 0.1
    assert resolved["lr_schedule"] == "cosine"
    # In batches of at most 32, for as many updates as 100 epochs of 50.
    assert resolved["batch_size"] == 32 and resolved["epochs"] == 64


@pytest.mark.parametrize(
    "n_samples, batch, epochs",
    [
        (60, 8, 150),  # under the cap: 15,000 samples read, within 100 and 150
        (200, 20, 100),
        (320, 32, 100),
        (375, 32, 85),  # 100 epochs x 32 / 38, rounded up: ~1,000 updates
        (537, 32, 60),
        (5000, 32, 25),  # 100 epochs of 128 a batch, in batches of 32
    ],
)
def test_a_classifiers_recipe_caps_its_batches_at_32_and_keeps_the_updates(
    n_samples, batch, epochs
):
    resolved = resolve_sequence_params(_params(), "series", n_samples, True)
    assert (resolved["batch_size"], resolved["epochs"]) == (batch, epochs)
    updates = epochs * -(-n_samples // batch)
    reference = min(max(round(n_samples / 10), 8), 128)
    wanted = min(max(-(-15_000 // n_samples), 100), 150) * -(-n_samples // reference)
    assert abs(updates - wanted) <= max(0.05 * wanted, 20)
    # A named batch size keeps the epochs of the samples read; named epochs
    # keep the capped batches.
    named = resolve_sequence_params(_params(batch_size=64), "series", n_samples, True)
    assert named["batch_size"] == 64
    assert named["epochs"] == min(max(-(-15_000 // n_samples), 100), 150)
    named = resolve_sequence_params(_params(epochs=7), "series", n_samples, True)
    assert (named["batch_size"], named["epochs"]) == (batch, 7)
    # The regressor's recipe and a named network: a tenth, within 8 and 128.
    regressor = resolve_sequence_params(_params(), "series", n_samples)
    assert regressor["batch_size"] == reference


@pytest.mark.parametrize(
    "kind, named, epochs, schedule",
    [
        ("series", {}, 150, "cosine"),  # the recipe: 15,000 samples, <= 150
        ("series", {"cell": "gru"}, 300, "plateau"),  # a named network
        ("series", {"model": object()}, 300, "plateau"),
        ("steps", {}, 300, "plateau"),  # per-step outputs: not the recipe's net
        ("symbols", {}, 100, "plateau"),
        ("series", {"lr_schedule": "plateau"}, 150, "plateau"),  # named: kept
        ("series", {"lr_schedule": None}, 150, None),
        ("series", {"epochs": 7}, 7, "cosine"),
        ("steps", {"lr_schedule": "cosine"}, 300, "cosine"),
    ],
)
def test_auto_training_follows_the_network_that_is_built(kind, named, epochs, schedule):
    resolved = resolve_sequence_params(_params(**named), kind, 60, classifier=True)
    assert resolved["epochs"] == epochs
    assert resolved["lr_schedule"] == schedule
    # A regressor's recipe keeps the plateau schedule (it lost with the cosine).
    regressor = resolve_sequence_params(_params(**named), kind, 60)
    if kind == "series" and named in ({}, {"epochs": 7}):
        assert regressor["lr_schedule"] == "plateau"
        assert regressor["epochs"] == named.get("epochs", 300)


def test_a_classifier_records_the_cosine_recipe_a_regressor_the_plateau():
    X = np.random.default_rng(0).normal(size=(24, 10, 1))
    y = np.arange(24) % 2
    fast = dict(epochs=1, n_networks=1, conv_filters=(4,), random_state=0)
    clf = RNNClassifier(**fast).fit(X, y)
    reg = RNNRegressor(**fast).fit(X, y.astype(float))
    assert clf.training_params_["lr_schedule"] == "cosine"
    assert reg.training_params_["lr_schedule"] == "plateau"
    # (A named classifier's plateau: test_auto_training_follows_the_network...)


def test_only_a_classifiers_auto_epochs_stop_on_a_fitted_training_set():
    def stop(classifier=True, **named):
        params = _params(**named)
        return resolve_sequence_params(params, "series", 100, classifier)["stop_below"]

    assert stop() == SEQUENCE_TRAINING["recipe"]["stop_below"] == 0.04
    # Series read as they are fit closer: the threshold chosen for them.
    assert stop(random_shift=0) == 0.02 == stop(random_shift=0.0)
    assert stop(random_shift=0.2) == 0.04
    # Named epochs are trained in full; the regressor's plateau schedule and a
    # named network's training have their own ends.
    assert stop(epochs=120) is None
    assert stop(classifier=False) is None
    assert stop(units=8) is None


def test_only_a_classifiers_recipe_shifts_its_training_series():
    def shift(kind="series", classifier=True, **named):
        params = _params(**named)
        return resolve_sequence_params(params, kind, 100, classifier)["random_shift"]

    assert shift() == 0.1
    assert shift(classifier=False) == 0.0
    # Per-step outputs, a padding mask, symbols and a named network: none.
    assert shift("steps") == shift("symbols") == shift(units=8) == 0.0
    # Named, it is built as named, on a named network and a regressor too.
    assert shift(units=8, random_shift=0.3) == 0.3
    assert shift(classifier=False, random_shift=0.2) == 0.2
    assert shift(random_shift=0) == 0
    # Ragged series without a front end are padded: "auto" shifts none, and
    # the fitted-set stop reads the unshifted threshold.
    ragged = resolve_sequence_params(
        _params(conv_filters=()), "series", 100, True, True
    )
    assert ragged["random_shift"] == 0.0 and ragged["stop_below"] == 0.02
    assert (
        resolve_sequence_params(_params(), "series", 100, True, True)["random_shift"]
        == 0.1
    )  # resampled for the front end: shifted


def _shift_layers(estimator):
    return [layer for layer in estimator.model_.layers if "random_shift" in layer.name]


def test_each_network_of_the_recipe_shifts_its_own_training_series():
    X = np.random.default_rng(0).normal(size=(24, 10, 1))
    y = np.arange(24) % 2
    fast = dict(epochs=1, n_networks=2, conv_filters=(4,), random_state=0)
    clf = RNNClassifier(**fast).fit(X, y)
    assert clf.training_params_["random_shift"] == 0.1
    layers = _shift_layers(clf)
    assert [layer.fraction for layer in layers] == [0.1, 0.1]
    assert layers[0].seed != layers[1].seed  # each network draws its own shifts
    # Off at predict: the same probabilities, call after call, and after a
    # round trip through pickle.
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), proba
    )
    # The same random state draws the same shifts: the same network.
    again = RNNClassifier(**fast).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), proba)
    # None in a regressor's recipe or where 0 is named.
    assert _shift_layers(RNNRegressor(**fast).fit(X, y.astype(float))) == []
    assert _shift_layers(RNNClassifier(random_shift=0, **fast).fit(X, y)) == []
    # A warm start keeps the shift it was built with.
    clf.set_params(warm_start=True, random_shift=0.2)
    with pytest.raises(ValueError, match="random_shift"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "named, message",
    [
        (dict(mask_value=-1.0), "mask_value=-1.0 marks padding"),
        (dict(return_sequences=True), "per-step outputs"),
        (dict(conv_filters=(), ragged=True), "padded without a convolutional"),
        (dict(strings=True), "strings and tokens are embedded"),
        (dict(units=4, model=lambda **kw: None), "random_shift would not be used"),
    ],
)
def test_a_shift_that_would_move_padding_or_targets_is_an_error(named, message):
    rng = np.random.default_rng(0)
    if named.pop("ragged", False):
        X = [rng.normal(size=(n, 1)) for n in (8, 9, 10, 11)]
    elif named.pop("strings", False):
        X = ["ACGT", "GATTACA", "CAT", "TAG"]
    else:
        X = rng.normal(size=(4, 10, 1))
    y = np.array([0, 1, 0, 1])
    if named.get("return_sequences"):
        y = np.tile(y[:, None], (1, 10))
    clf = RNNClassifier(random_shift=0.1, epochs=1, **named)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    # Left at "auto", none of these shifts anything.
    named.pop("model", None)
    if "units" not in named:
        auto = RNNClassifier(epochs=1, n_networks=1, **named).fit(X, y)
        assert auto.training_params_["random_shift"] == 0.0


def test_copies_are_shifted_evenly_across_the_training_shifts_range():
    assert copy_offsets(1, 0.1, 400) == [0]
    assert copy_offsets(3, 0.1, 400) == [-40, 0, 40]
    assert copy_offsets(5, 0.1, 400) == [-40, -20, 0, 20, 40]
    assert copy_offsets(5, 0.1, 45) == [-4, -2, 0, 2, 4]  # 4.5 and 2.25 rounded
    assert shifted_copies("auto", 0.1) == 3 and shifted_copies("auto", 0.0) == 1
    assert shifted_copies(5, 0.1) == 5 and shifted_copies(1, 0.0) == 1
    with pytest.raises(ValueError, match="predict_shifts=3: .*random_shift=0.0"):
        shifted_copies(3, 0.0)


def _outputs_of_shifted_copies(clf, X, offsets):
    """What the network outputs on the encoded series, each shifted as the
    RandomShift layer shifts (step t reads step t + offset), averaged."""
    from skrnn._backend import to_numpy
    from skrnn._inputs import validate_sequences

    dense = clf.input_encoder_.transform(validate_sequences(clf, X, reset=False)).dense
    steps = np.arange(dense.shape[1])
    outputs = [
        to_numpy(
            clf.model_(dense[:, np.clip(steps + o, 0, len(steps) - 1)], training=False)
        )
        for o in offsets
    ]
    return np.mean(outputs, axis=0)


def test_predictions_average_shifted_copies_where_the_network_trained_shifted():
    X = np.random.default_rng(0).normal(size=(24, 40, 1))
    y = (X[:, 10:20, 0].sum(axis=1) > 0).astype(int)
    clf = RNNClassifier(epochs=2, n_networks=1, conv_filters=(4,), random_state=0)
    clf.fit(X, y)
    assert clf.predict_shifts == "auto" and clf.training_params_["random_shift"] == 0.1
    assert "predict_shifts" not in clf.training_params_  # read at prediction only
    # Three copies: shifted by -4, 0 and +4 of the 40 steps (0.1 either way).
    p1 = _outputs_of_shifted_copies(clf, X, [-4, 0, 4])[:, 0]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], p1, rtol=1e-5, atol=1e-6)
    # Changed after fit, no refit: one copy, the series as they are.
    once = clf.set_params(predict_shifts=1).predict_proba(X)
    np.testing.assert_allclose(
        once[:, 1], _outputs_of_shifted_copies(clf, X, [0])[:, 0], rtol=1e-5, atol=1e-6
    )
    assert np.abs(once - proba).max() > 1e-4  # the copies changed something
    five = clf.set_params(predict_shifts=5).predict_proba(X)
    np.testing.assert_allclose(
        five[:, 1],
        _outputs_of_shifted_copies(clf, X, [-4, -2, 0, 2, 4])[:, 0],
        rtol=1e-5,
        atol=1e-6,
    )
    # A bad value is refused before any prediction, and the estimator is intact.
    with pytest.raises(InvalidParameterError, match="predict_shifts"):
        clf.set_params(predict_shifts=0).predict(X)
    np.testing.assert_array_equal(
        clf.set_params(predict_shifts=1).predict_proba(X), once
    )


def test_copies_named_without_a_shift_are_an_error_at_fit_and_predict():
    X = np.random.default_rng(0).normal(size=(24, 40, 1))
    y = np.arange(24) % 2
    fast = dict(epochs=1, n_networks=1, conv_filters=(4,), random_state=0)
    with pytest.raises(ValueError, match="predict_shifts=3: copies are shifted"):
        RNNClassifier(random_shift=0, predict_shifts=3, **fast).fit(X, y)
    # Unshifted, "auto" reads each series once: the network's own outputs.
    reg = RNNRegressor(**fast).fit(X, y.astype(float))
    assert reg.training_params_["random_shift"] == 0.0
    expected = reg.predict(X)
    reg.set_params(predict_shifts=2)
    with pytest.raises(ValueError, match="random_shift=0.0 .series read as they are"):
        reg.predict(X)
    np.testing.assert_array_equal(reg.set_params(predict_shifts=1).predict(X), expected)


def test_auto_epochs_end_after_the_patience_below_the_threshold(monkeypatch):
    X = np.random.default_rng(0).normal(size=(24, 10, 1))
    y = np.arange(24) % 2
    fast = dict(n_networks=1, conv_filters=(4,), random_state=0)
    # Every loss is below this threshold: the fit ends after the patience.
    monkeypatch.setitem(SEQUENCE_TRAINING["recipe"], "stop_below", 1e9)
    clf = RNNClassifier(**fast).fit(X, y)
    assert clf.training_params_["epochs"] >= 100 > FITTED_PATIENCE
    assert clf.training_params_["stop_below"] == 1e9
    assert len(clf.history_["loss"]) == clf.n_iter_ == FITTED_PATIENCE
    # Named epochs: every one of them.
    named = RNNClassifier(epochs=7, **fast).fit(X, y)
    assert named.training_params_["stop_below"] is None
    assert len(named.history_["loss"]) == 7
    # A warm start's "auto" epochs stop the same way.
    clf.set_params(warm_start=True).fit(X, y)
    assert len(clf.history_["loss"]) == 2 * FITTED_PATIENCE


def test_the_fitted_stop_counts_consecutive_epochs_below_the_threshold():
    from types import SimpleNamespace

    from skrnn._engine import _callback_classes

    stop = _callback_classes()["FittedStop"](0.01, 3)
    model = SimpleNamespace(stop_training=False)
    stop.set_model(model)
    # A loss at or above the threshold, or not a number, starts the count again.
    for epoch, loss in enumerate([0.5, 0.005, 0.004, 0.01, 0.009, float("nan"), 0.008]):
        stop.on_epoch_end(epoch, {"loss": loss})
        assert not model.stop_training, epoch
    stop.on_epoch_end(7, {"loss": 0.007})
    assert not model.stop_training
    stop.on_epoch_end(8, {"loss": 0.006})
    assert model.stop_training


@pytest.mark.parametrize("named", [{"cell": "lstm"}, {"units": 8}, {"units": (8, 4)}])
def test_naming_cell_or_units_builds_the_plain_network(named):
    resolved = resolve_sequence_params(_params(**named), "series", 500)
    for name, value in PLAIN_NETWORK.items():
        assert resolved[name] == value, name
    # What was not named is the recipe's cell and size; what was named is kept.
    assert resolved["cell"] == named.get("cell", SEQUENCE_RECIPES["series"]["cell"])
    assert resolved["units"] == named.get("units", SEQUENCE_RECIPES["series"]["units"])


def test_a_model_callable_counts_as_a_named_network():
    resolved = resolve_sequence_params(_params(model=lambda **kw: None), "series", 50)
    assert resolved["scale_inputs"] == "standard" and resolved["n_networks"] == 1


def test_parameters_named_beside_a_named_cell_are_built_as_named():
    resolved = resolve_sequence_params(
        _params(cell="gru", conv_filters=(16,), bidirectional=True, n_networks=2),
        "series",
        100,
    )
    assert resolved["conv_filters"] == (16,)
    assert resolved["bidirectional"] is True and resolved["n_networks"] == 2
    assert resolved["pooling"] == "last"  # still "auto": the plain value


@pytest.mark.parametrize(
    "symbols, whole, mask, kind",
    [
        (True, True, None, "symbols"),
        (False, True, None, "series"),
        (False, False, None, "steps"),
        (False, True, 0.0, "steps"),
    ],
)
def test_recipe_kind_follows_the_input_and_the_task(symbols, whole, mask, kind):
    assert (
        sequence_recipe_kind(symbols=symbols, whole_series=whole, mask_value=mask)
        == kind
    )


@pytest.mark.parametrize(
    "n_samples, epochs",
    [(1, 300), (80, 300), (100, 300), (150, 200), (299, 101), (300, 100), (5000, 100)],
)
def test_auto_epochs_read_30000_samples_within_100_to_300_epochs(n_samples, epochs):
    assert auto_epochs(n_samples) == epochs


@pytest.mark.parametrize("n_samples, batch", [(10, 8), (500, 50), (5000, 128)])
def test_auto_batch_size_is_a_tenth_within_8_and_128(n_samples, batch):
    assert auto_batch_size(n_samples) == batch


def test_forecaster_named_cell_gets_one_network_and_the_recipe_training():
    params = SequenceForecaster(cell="lstm").get_params(deep=False)
    resolved = resolve_forecast_params(params, "level")
    assert resolved["cell"] == "lstm" and resolved["n_networks"] == 1
    assert resolved["units"] == FORECAST_RECIPES["level"]["units"]
    assert resolved["learning_rate"] == FORECAST_RECIPES["level"]["learning_rate"]
    default = resolve_forecast_params(SequenceForecaster().get_params(), "level")
    assert default == FORECAST_RECIPES["level"]


# ----------------------------------------------------------------- fitted


def test_the_seeds_simple_rnn_has_19_weights():
    # The seeds' first exercise: SimpleRNN(3) + Dense(1) on windows of 12 x 1.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 1))
    reg = RNNRegressor(cell="simple", units=3, epochs=1, random_state=0)
    reg.fit(X, X[:, -1, 0])
    assert reg.model_.count_params() == 19
    assert reg.training_params_ == {
        "cell": "simple",
        "units": (3,),
        "bidirectional": False,
        "conv_filters": (),
        "pooling": "last",
        "random_shift": 0.0,
        "n_networks": 1,
        "scale_inputs": "standard",
        "max_steps": None,
        "epochs": 1,
        "batch_size": 8,
        "lr_schedule": "plateau",
        "stop_below": None,
    }
    assert reg.n_networks_ == 1 and reg.conv_filters_ == ()


@pytest.mark.slow  # the full recipe (2 x two Conv1D(128) + BiGRU(64)): seconds to trace
# for a new input; the RNNRegressor docstring fits it in the fast tier
def test_the_default_regressor_builds_the_recipe():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 12, 2))
    reg = RNNRegressor(epochs=1, random_state=0).fit(X, X[:, -1, 0])
    assert reg.training_params_["conv_filters"] == (128, 128)
    assert reg.training_params_["n_networks"] == 2 == reg.n_networks_
    assert reg.training_params_["bidirectional"] is True
    assert reg.training_params_["epochs"] == 1 == reg.n_iter_
    kinds = [type(layer).__name__ for layer in reg.model_.layers]
    assert kinds.count("Conv1D") == 4 and kinds.count("Bidirectional") == 2
    assert reg.model_.input_shape[-1] == 6  # 2 features + 2 x 2 instance channels


def test_a_named_long_series_is_read_whole_not_folded():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(8, 300, 2))
    reg = RNNRegressor(cell="gru", units=4, epochs=1, random_state=0)
    reg.fit(X, X[:, -1, 0])
    assert reg.model_.input_shape[1:] in ((None, 2), (300, 2))
    folded = RNNRegressor(cell="gru", units=4, max_steps=100, epochs=1, random_state=0)
    assert folded.fit(X, X[:, -1, 0]).model_.input_shape[-1] == 6  # 3 steps in one


def test_strings_take_the_symbols_recipe_and_named_strings_the_plain_one():
    X = ["ACGT", "GGAT", "TTACG", "CAGT"] * 4
    y = [0, 1, 0, 1] * 4
    clf = RNNClassifier(epochs=1, random_state=0).fit(X, y)
    for name, value in SEQUENCE_RECIPES["symbols"].items():
        if name == "units":
            value = (value,)
        assert clf.training_params_[name] == value, name
    named = RNNClassifier(cell="lstm", units=8, epochs=1, random_state=0).fit(X, y)
    assert named.training_params_["bidirectional"] is False
    # Embedding(4 symbols + reserved codes, 16) + LSTM(8) + Dense(2): no more.
    embedding = named.model_.count_params() - (4 * 8 * (16 + 8 + 1)) - (8 * 2 + 2)
    assert 0 < embedding <= 16 * 8


def test_a_warm_start_refuses_a_network_that_resolves_differently():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(16, 6, 1))
    reg = RNNRegressor(cell="gru", units=4, epochs=1, warm_start=True, random_state=0)
    reg.fit(X, X[:, -1, 0])
    reg.set_params(bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional changed"):
        reg.fit(X, X[:, -1, 0])
    reg.set_params(bidirectional=False)  # "auto" resolved to False: the same network
    assert reg.fit(X, X[:, -1, 0]).n_iter_ == 2


def test_forecaster_named_cell_on_a_panel_trains_one_network():
    rng = np.random.RandomState(0)
    panel = {
        i: 10 + np.sin(np.arange(120) * 2 * np.pi / 12) + rng.rand(120) for i in "ab"
    }
    fc = SequenceForecaster(
        horizon=3, cell="gru", units=4, epochs=1, calibration=None, random_state=0
    ).fit(panel)
    assert fc.normalize_ == "level"
    assert fc.training_params_["n_networks"] == 1 == len(fc.models_)
    assert fc.training_params_["bidirectional"] is False


# ------------------------------------------------------------ bad values


@pytest.mark.parametrize(
    "estimator, name",
    [
        (RNNRegressor, "units"),
        (RNNRegressor, "epochs"),
        (RNNRegressor, "batch_size"),
        (RNNRegressor, "n_networks"),
        (RNNClassifier, "embedding_dim"),
        (RNNClassifier, "max_steps"),
        (RNNRegressor, "learning_rate"),
        (RNNRegressor, "dropout"),
        (SequenceForecaster, "window"),
        (SequenceForecaster, "horizon"),
        (SequenceForecaster, "season_length"),
    ],
)
def test_integer_and_real_parameters_refuse_booleans(estimator, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter.*not a bool"):
        estimator(**{name: True})._validate_params()


def test_verbose_is_0_1_or_2_or_a_bool():
    RNNRegressor(verbose=True)._validate_params()
    RNNRegressor(verbose=2)._validate_params()
    with pytest.raises(InvalidParameterError, match="'verbose' parameter"):
        RNNRegressor(verbose=3)._validate_params()


def test_forecaster_refuses_boolean_differences():
    with pytest.raises(ValueError, match=r"differences must be a tuple of positive"):
        SequenceForecaster(differences=(True,), epochs=1).fit(np.arange(60.0))


def test_strings_train_on_smaller_batches_and_fewer_epochs():
    resolved = resolve_sequence_params(
        RNNClassifier().get_params(deep=False), "symbols", 1200
    )
    assert (resolved["batch_size"], resolved["epochs"]) == (16, 25)
    numeric = resolve_sequence_params(
        RNNClassifier().get_params(deep=False), "steps", 1200
    )
    assert (numeric["batch_size"], numeric["epochs"]) == (120, 100)
    recipe = resolve_sequence_params(
        RNNClassifier().get_params(deep=False), "series", 1200, classifier=True
    )
    assert (recipe["batch_size"], recipe["epochs"]) == (32, 27)
    mid = resolve_sequence_params(
        RNNClassifier().get_params(deep=False), "series", 120, classifier=True
    )
    assert mid["epochs"] == 125  # 15,000 / 120 (a plain network: 250)


def test_per_step_outputs_read_no_step_after_their_own():
    # Next-value targets: a network reading later steps would copy them.
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, size=(40, 13))
    X, Y = x[:, :12, None], x[:, 1:]
    reg = RNNRegressor(return_sequences=True, epochs=2, random_state=0).fit(X, Y)
    assert reg.training_params_["bidirectional"] is False
    # Each step's output is the one the prefix up to it gives.
    whole = reg.predict(X[:5])
    for k in (3, 7):
        np.testing.assert_allclose(reg.predict(X[:5, :k]), whole[:, :k], atol=1e-5)
    # The same rule for strings; named, both directions; whole (masked) series
    # into one output keep the recipe's. (Resolved without fitting: each of
    # these networks takes seconds to trace, and fit records what this rule
    # resolves, as checked above.)
    strings = resolve_sequence_params(
        {**RNNClassifier(return_sequences=True).get_params(deep=False)},
        "symbols",
        8,
        classifier=True,
    )
    assert strings["bidirectional"] is False and strings["scale_inputs"] is None
    named = _params(return_sequences=True, bidirectional=True)
    assert resolve_sequence_params(named, "steps", 40)["bidirectional"] is True
    masked = _params(mask_value=-9.0)
    assert resolve_sequence_params(masked, "steps", 40)["bidirectional"] is True


def test_truncated_backpropagation_refuses_a_backward_direction():
    X = np.random.RandomState(0).rand(2, 30, 1)
    reg = RNNRegressor(return_sequences=True, tbptt_steps=10, epochs=1, random_state=0)
    assert reg.fit(X, X[:, :, 0]).training_params_["bidirectional"] is False
    with pytest.raises(ValueError, match="tbptt_steps cannot be combined with bidi"):
        reg.set_params(bidirectional=True).fit(X, X[:, :, 0])


def test_continuing_takes_auto_as_the_network_built_under_an_older_rule():
    # A network fitted when per-step "auto" was bidirectional with instance
    # scaling (saved by an older version): continuing keeps it as built.
    rng = np.random.RandomState(0)
    x = rng.rand(20, 7)
    X, Y = x[:, :6, None], x[:, 1:]
    older = dict(bidirectional=True, scale_inputs="instance")
    reg = RNNRegressor(
        units=4, epochs=1, return_sequences=True, warm_start=True, random_state=0
    ).fit(X, Y)
    reg.training_params_.update(older)  # as the older rule recorded it
    reg.fit(X, Y).partial_fit(X, Y)
    assert reg.n_iter_ == 3
    assert {name: reg.training_params_[name] for name in older} == older
    with pytest.raises(ValueError, match="bidirectional changed"):
        reg.set_params(bidirectional=False).fit(X, Y)
