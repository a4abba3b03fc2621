"""The classifier's smoothed cross-entropy against Keras' own losses."""

import numpy as np
import pytest

from skrnn._backend import get_keras
from skrnn._losses import custom_objects, smoothed_loss


def _value(loss, y_true, y_pred):
    keras = get_keras()
    return float(keras.ops.convert_to_numpy(loss(y_true, y_pred)))


def _entropy(q):
    return float(-(q * np.log(q)).sum(axis=-1).mean())


@pytest.mark.parametrize("amount", [0.1, 0.4])
def test_sparse_smoothing_is_keras_smoothed_cross_entropy_less_its_floor(amount):
    keras = get_keras()
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4))
    p = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    labels = np.array([0, 1, 2, 3, 1, 0])
    one_hot = np.eye(4, dtype="float32")[labels]
    keras_loss = keras.losses.CategoricalCrossentropy(label_smoothing=amount)
    q = one_hot * (1 - amount) + amount / 4
    ours = smoothed_loss("sparse_categorical_crossentropy", amount)
    expected = _value(keras_loss, one_hot, p) - _entropy(q)
    # labels as a column (what the estimators pass) or flat
    for y_true in (labels.reshape(-1, 1).astype("float32"), labels):
        assert _value(ours, y_true, p) == pytest.approx(expected, rel=1e-5, abs=1e-6)
    # 0 where the network predicts the smoothed targets themselves
    assert _value(ours, labels, q) == pytest.approx(0.0, abs=1e-5)


def test_binary_smoothing_is_keras_smoothed_cross_entropy_less_its_floor():
    keras = get_keras()
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.95, size=(5, 3)).astype("float32")  # multilabel
    y = (rng.uniform(size=(5, 3)) > 0.5).astype("float32")
    keras_loss = keras.losses.BinaryCrossentropy(label_smoothing=0.2)
    q = y * 0.8 + 0.1
    floor = float(-(q * np.log(q) + (1 - q) * np.log(1 - q)).mean())
    ours = smoothed_loss("binary_crossentropy", 0.2)
    assert _value(ours, y, p) == pytest.approx(
        _value(keras_loss, y, p) - floor, rel=1e-5, abs=1e-6
    )


def test_an_ensembles_stacked_outputs_take_one_label_per_member():
    # (samples, members, classes) outputs, (samples, members) labels: the
    # mean over samples and members of each member's own loss.
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(3), size=(4, 2)).astype("float32")
    labels = np.repeat(np.array([0, 2, 1, 1])[:, None], 2, axis=1)
    ours = smoothed_loss("sparse_categorical_crossentropy", 0.1)
    each = [_value(ours, labels[:, m], p[:, m]) for m in range(2)]
    assert _value(ours, labels.astype("float32"), p) == pytest.approx(
        np.mean(each), rel=1e-5
    )


def test_no_smoothing_is_kerass_own_loss_and_bad_amounts_are_refused():
    assert smoothed_loss("sparse_categorical_crossentropy", 0.0) == (
        "sparse_categorical_crossentropy"
    )
    with pytest.raises(ValueError, match="label smoothing applies to cross-entropies"):
        smoothed_loss("mean_squared_error", 0.1)
    cls = custom_objects()["skrnn>SmoothedCrossEntropy"]
    for amount in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="0 < amount < 1"):
            cls(amount=amount)
    restored = cls.from_config(cls(amount=0.3, kind="binary").get_config())
    assert (restored.amount, restored.kind) == (0.3, "binary")
