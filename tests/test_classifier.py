"""RNNClassifier: labels, probabilities, weights, learning."""

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier

# The plain recurrent network (no conv front end, one direction) fits twice as
# fast as the default shape, which tests of the front end ask for explicitly.
PLAIN = dict(conv_filters=(), bidirectional=False)
FAST = dict(epochs=3, units=4, random_state=0, **PLAIN)


def test_learns_sign_rule_with_string_labels(sign_data):
    X, y = sign_data
    # 20 epochs learn it as well as 40 (accuracy 0.88-0.92 over random states
    # 0-2 and data seeds 1-3, as at 40 epochs).
    clf = RNNClassifier(
        units=16, epochs=20, learning_rate=0.01, n_networks=1, random_state=0
    )
    clf.fit(X[:150], y[:150])
    majority = max(np.mean(y[150:] == "up"), np.mean(y[150:] == "down"))
    assert list(clf.classes_) == ["down", "up"]
    assert clf.score(X[150:], y[150:]) > max(0.85, majority)
    assert set(clf.predict(X[150:])) <= {"up", "down"}


def test_binary_probabilities(sign_data):
    X, y = sign_data
    clf = RNNClassifier(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.n_outputs_ == 1  # one sigmoid unit
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    from sklearn.model_selection import cross_val_predict

    logs = cross_val_predict(
        RNNClassifier(**FAST), X[:40], y[:40], cv=2, method="predict_log_proba"
    )
    assert logs.shape == (40, 2) and np.all(logs <= 0)


def test_multiclass_integer_labels():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5, 1))
    y = np.digitize(X[:, -1, 0], [-0.5, 0.5]) + 10  # labels 10, 11, 12
    clf = RNNClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == [10, 11, 12]
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {10, 11, 12}


def test_multilabel_indicator():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5, 2))
    Y = np.stack([X[:, -1, 0] > 0, X[:, -1, 1] > 0, X[:, 0, 0] > 0], axis=1).astype(int)
    clf = RNNClassifier(**FAST).fit(X, Y)
    assert clf.predict(X).shape == (60, 3)
    assert set(np.unique(clf.predict(X))) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 3) and (proba >= 0).all() and (proba <= 1).all()


def test_single_class_is_a_clear_error():
    X = np.random.RandomState(0).rand(10, 4, 1)
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 'a'"):
        RNNClassifier(**FAST).fit(X, ["a"] * 10)


def test_continuous_target_is_rejected():
    X = np.random.RandomState(0).rand(10, 4, 1)
    with pytest.raises(ValueError, match="Unknown label type"):
        RNNClassifier(**FAST).fit(X, np.linspace(0, 1, 10))


@pytest.mark.slow
def test_class_weight_balanced_shifts_predictions_to_minority():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4, 1))
    y = np.where(np.arange(120) < 100, "common", "rare")  # labels carry no signal
    plain = RNNClassifier(**FAST).fit(X, y)
    balanced = RNNClassifier(class_weight="balanced", **FAST).fit(X, y)
    rare = list(plain.classes_).index("rare")
    assert (
        balanced.predict_proba(X)[:, rare].mean()
        > plain.predict_proba(X)[:, rare].mean()
    )


@pytest.mark.slow
def test_class_weight_dict_equals_sample_weight():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4, 1))
    y = np.array(["a", "b"] * 20)
    by_class = RNNClassifier(class_weight={"a": 3.0}, **FAST).fit(X, y)
    by_sample = RNNClassifier(**FAST).fit(
        X, y, sample_weight=np.where(y == "a", 3.0, 1.0)
    )
    np.testing.assert_allclose(by_class.predict_proba(X), by_sample.predict_proba(X))


def test_partial_fit_needs_classes_first_and_trains_one_epoch(sign_data):
    X, y = sign_data
    clf = RNNClassifier(units=4, n_networks=1, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:50], y[:50], classes=["down", "up"])
    clf.partial_fit(X[50:100], y[50:100])
    assert clf.n_iter_ == 2 and len(clf.history_["loss"]) == 2
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.partial_fit(X[:3], ["down", "up", "sideways"])
    before = clf.predict_proba(X[:5])
    with pytest.raises(
        ValueError, match=r"classes=\['down', 'sideways', 'up'\] is not"
    ):
        clf.partial_fit(X[:3], y[:3], classes=["down", "up", "sideways"])
    clf.partial_fit(X[:3], y[:3], classes=["up", "down"])  # the same classes
    assert clf.n_iter_ == 3 and clf.predict_proba(X[:5]).shape == before.shape


@pytest.mark.slow
@pytest.mark.parametrize("n_networks", [1, 3])
def test_early_stopping_is_stratified_and_restores_best(sign_data, n_networks):
    from sklearn.metrics import log_loss

    from skrnn._backend import resolve_seed
    from skrnn._engine import ValidationSplit

    X, y = sign_data
    y = np.where(np.arange(len(y)) < 150, y, "up")  # unequal classes
    clf = RNNClassifier(
        units=4,
        epochs=200,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        learning_rate=0.05,
        n_networks=n_networks,
        random_state=0,
    ).fit(X, y)
    val_loss = clf.history_["val_loss"]
    assert clf.n_iter_ == len(val_loss) < 200
    codes = np.searchsorted(clf.classes_, y)
    # The split early stopping made, replayed from the estimator's random_state.
    seed = resolve_seed(clf.random_state)
    _, val = ValidationSplit(0.2, stratify=codes).split(len(y), seed)
    # Stratified: the held-out part keeps the classes' proportions.
    assert abs(codes[val].mean() - codes.mean()) <= 1 / len(val)
    # Restores the best: the network's loss on the held-out part is the lowest
    # validation loss of all epochs, not the last one.
    held_out = log_loss(codes[val], clf.predict_proba(X[val])[:, 1])
    if n_networks == 1:
        assert held_out == pytest.approx(min(val_loss), rel=1e-3)
    else:
        # val_loss is the mean of the members' losses; the log loss of their
        # averaged probabilities is at most that (the log loss is convex).
        assert held_out <= min(val_loss) * (1 + 1e-3)
    assert min(val_loss) < val_loss[-1]


# ------------------------------------------------- never silently wrong (#11)
@pytest.mark.parametrize(
    "class_weight, message",
    [
        ({"UP": 10}, r"not classes of y: \['UP'\]"),
        ({0: 2.0}, r"not classes of y: \[0\]"),
        ({"up": float("nan")}, "finite and non-negative"),
        ({"up": -1.0}, "finite and non-negative"),
    ],
)
def test_class_weight_is_validated(class_weight, message):
    X = np.random.RandomState(0).rand(20, 4, 1)
    y = np.array(["up", "down"] * 10)
    with pytest.raises(ValueError, match=message):
        RNNClassifier(class_weight=class_weight, epochs=1).fit(X, y)


def test_class_weight_changes_the_model():
    X = np.random.RandomState(0).rand(20, 4, 1)
    y = np.array(["up", "down"] * 10)
    params = dict(units=4, epochs=2, n_networks=1, random_state=0, **PLAIN)
    plain = RNNClassifier(**params).fit(X, y)
    weighted = RNNClassifier(**params, class_weight={"up": 10.0}).fit(X, y)
    assert not np.allclose(plain.predict_proba(X), weighted.predict_proba(X))


def test_negative_sample_weight_is_an_error():
    X = np.random.RandomState(0).rand(20, 4, 1)
    y = np.array([0, 1] * 10)
    with pytest.raises(
        ValueError, match="Negative values in data passed to `sample_weight`"
    ):
        RNNClassifier(epochs=1).fit(X, y, sample_weight=np.r_[-1.0, np.ones(19)])


def test_labels_mixing_strings_and_numbers_are_an_error():
    X = np.random.RandomState(0).rand(10, 4, 1)
    with pytest.raises(ValueError, match="mixes string and numeric labels"):
        RNNClassifier(epochs=1).fit(X, [1, "1"] * 5)


@pytest.mark.parametrize(
    "missing, shown",
    [(None, "None"), (np.nan, "nan"), (pd.NA, "<NA>")],
)
def test_a_missing_label_is_named_with_its_position(missing, shown):
    # pandas 3 reads None in a column of strings as NaN: the message must not
    # call that a mix of strings and numbers.
    X = np.random.RandomState(0).rand(10, 4, 1)
    labels = ["a", "b"] * 5
    labels[3] = labels[7] = missing
    for y in (labels, np.array(labels, dtype=object), pd.Series(labels)):
        # pandas may hold the gap as its own kind of missing value (NaN)
        held = shown if not isinstance(y, pd.Series) else r"(None|nan|<NA>)"
        with pytest.raises(
            ValueError,
            match=rf"y holds {held} \(a missing label\) at position 3 and 1 more",
        ):
            RNNClassifier(epochs=1).fit(X, y)
    numbers = np.r_[np.zeros(5), np.ones(5)]
    numbers[3] = np.nan
    with pytest.raises(
        ValueError, match=r"y holds nan \(a missing label\) at position 3: "
    ):
        RNNClassifier(epochs=1).fit(X, numbers)


def test_a_missing_per_step_label_is_named_by_sample_and_step():
    X = np.random.RandomState(0).rand(6, 5, 1)
    fast = dict(epochs=1, return_sequences=True)
    for missing in (None, np.nan):
        y = np.array([["a", "b", "a", "b", "a"]] * 6, dtype=object)
        y[2, 3] = missing
        with pytest.raises(ValueError, match=r"at sample 2, step 3: every step needs"):
            RNNClassifier(**fast).fit(X, y)
    # sequences of different lengths: located in the sample's own steps
    Xs = [np.zeros((n, 1)) for n in (3, 4, 5)]
    ys = [np.array(["a", "b", "a"]), np.array(["a", "b", None, "a"], dtype=object)]
    ys.append(np.array(["a", "b", "a", "b", "a"]))
    with pytest.raises(
        ValueError, match=r"None \(a missing label\) at sample 1, step 2"
    ):
        RNNClassifier(**fast).fit(Xs, ys)
    mixed = np.array([[0, 1, 0, 1, 0]] * 6, dtype=object)
    mixed[2, 3] = "1"
    with pytest.raises(ValueError, match="mixes string and numeric labels"):
        RNNClassifier(**fast).fit(X, mixed)


def test_a_missing_multilabel_entry_is_named_by_row_and_column():
    X = np.random.RandomState(0).rand(6, 5, 1)
    y = np.array([[0, 1], [1, 0]] * 3, dtype=float)
    y[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"nan \(a missing label\) at row 4, column 1"):
        RNNClassifier(epochs=1).fit(X, y)


def test_named_label_smoothing_is_the_loss_it_trains_with():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 10, 1))
    fast = dict(epochs=1, units=4, random_state=0)
    # Unnamed: Keras' own cross-entropy, as before the parameter existed.
    plain = RNNClassifier(**fast).fit(X, np.arange(24) % 3)
    assert plain.label_smoothing == 0.0
    assert plain.model_.loss == "sparse_categorical_crossentropy"
    assert "label_smoothing" not in plain.training_params_
    three = RNNClassifier(**fast, label_smoothing=0.1).fit(X, np.arange(24) % 3)
    config = three.model_.loss.get_config()
    assert (config["amount"], config["kind"]) == (0.1, "sparse")
    two = RNNClassifier(**fast, label_smoothing=0.2).fit(X, np.arange(24) % 2)
    config = two.model_.loss.get_config()
    assert (config["amount"], config["kind"]) == (0.2, "binary")
    # Smoothed by 0.3, the network is trained towards 0.85 / 0.15: a longer
    # fit of separable classes stays near that, far from the plain network's
    # certainty.
    y = (X[:, :5, 0].mean(axis=1) > 0).astype(int)
    sure = dict(fast, units=8, epochs=40, learning_rate=0.01)
    certain = RNNClassifier(**sure).fit(X, y).predict_proba(X)
    smooth = RNNClassifier(**sure, label_smoothing=0.3).fit(X, y)
    assert smooth.predict_proba(X).max() < 0.95 and certain.max() > 0.99
    assert smooth.score(X, y) == 1.0  # and it still learnt the rule
    for bad in (1.0, -0.1, "auto"):
        with pytest.raises(InvalidParameterError, match="label_smoothing"):
            RNNClassifier(label_smoothing=bad).fit(X, y)
    # A warm start keeps the loss it was compiled with.
    smooth.set_params(warm_start=True, label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing changed .*0\.3 -> 0\.1"):
        smooth.fit(X, y)
