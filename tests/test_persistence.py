"""Pickle/joblib round trips in a fresh process, and the safe file format."""

import copy
import json
import pickle
import subprocess
import sys
import textwrap
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceForecaster,
    load_estimator,
    save_estimator,
)
from skrnn.datasets import load_airline

FAST = dict(epochs=2, units=8, random_state=0)


def _fitted_estimators():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 6, 2)
    y = X[:, -1, 0] + X[:, 0, 1]
    words = ["".join(rng.choice(list("ACGT"), rng.randint(3, 9))) for _ in range(40)]
    labels = np.where([w.count("G") > 1 for w in words], "many G", "few G")
    X2 = X[:, :, 0]
    search = GridSearchCV(RNNRegressor(**FAST), {"cell": ["gru", "lstm"]}, cv=KFold(2))
    return {
        "regressor": (RNNRegressor(**FAST).fit(X, y), X),
        "classifier": (RNNClassifier(**FAST).fit(words, labels), words),
        "forecaster": (
            SequenceForecaster(
                window=12, horizon=3, log=True, differences=(12,), **FAST
            ).fit(load_airline()),
            None,
        ),
        "pipeline": (
            make_pipeline(StandardScaler(), RNNRegressor(**FAST)).fit(X2, y),
            X2,
        ),
        "grid_search": (search.fit(X, y), X),
    }


def _outputs(estimator, X):
    if X is None:
        return np.asarray(estimator.predict())
    if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
        return np.asarray(estimator.predict_proba(X))
    return np.asarray(estimator.predict(X))


@pytest.fixture(scope="module")
def fitted():
    return _fitted_estimators()


def test_joblib_loads_in_a_fresh_process_bit_for_bit(fitted, tmp_path):
    for name, (estimator, X) in fitted.items():
        joblib.dump((estimator, X), tmp_path / f"{name}.joblib")
    code = textwrap.dedent(
        f"""
        import joblib, numpy as np, sys
        sys.path.insert(0, {str(tmp_path)!r})
        out = {{}}
        for name in {list(fitted)!r}:
            est, X = joblib.load({str(tmp_path)!r} + "/" + name + ".joblib")
            if X is None:
                pred = est.predict()
            elif hasattr(est, "predict_proba") and hasattr(est, "classes_"):
                pred = est.predict_proba(X)
            else:
                pred = est.predict(X)
            out[name] = np.asarray(pred, dtype=float).tobytes().hex()
        print(repr(out))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    fresh = eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 (our own output)
    for name, (estimator, X) in fitted.items():
        here = np.asarray(_outputs(estimator, X), dtype=float).tobytes().hex()
        assert fresh[name] == here, name


def test_pickle_is_about_the_size_of_the_weights(fitted):
    estimator, _ = fitted["regressor"]
    weights = sum(w.nbytes for w in estimator.model_.get_weights())
    assert len(pickle.dumps(estimator)) <= 3 * weights + 300_000


def test_clone_never_copies_the_network_and_deepcopy_works(fitted):
    estimator, X = fitted["regressor"]
    fresh = clone(estimator)
    assert not hasattr(fresh, "model_") and fresh.get_params() == estimator.get_params()
    copied = copy.deepcopy(estimator)
    assert copied.model_ is not estimator.model_
    np.testing.assert_array_equal(copied.predict(X), estimator.predict(X))


@pytest.mark.parametrize("name", ["regressor", "classifier", "forecaster", "pipeline"])
def test_safe_format_round_trip(fitted, tmp_path, name):
    estimator, X = fitted[name]
    path = tmp_path / f"{name}.skrnn"
    save_estimator(estimator, path)
    loaded = load_estimator(path)
    assert type(loaded) is type(estimator)
    np.testing.assert_array_equal(_outputs(loaded, X), _outputs(estimator, X))
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) >= {"estimator.json", "arrays.npz"}
        assert not any(
            n.endswith((".pkl", ".pickle", ".joblib")) for n in archive.namelist()
        )


def test_safe_format_keeps_pandas_forecast_index(fitted, tmp_path):
    estimator, _ = fitted["forecaster"]
    save_estimator(estimator, tmp_path / "f.skrnn")
    forecast = load_estimator(tmp_path / "f.skrnn").predict()
    assert str(forecast.index[0]) == "1961-01" and forecast.name == "passengers"


def test_safe_format_refuses_untrusted_classes(fitted, tmp_path):
    estimator, _ = fitted["regressor"]
    path = tmp_path / "r.skrnn"
    save_estimator(estimator, path)
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("estimator.json"))
        members = {n: archive.read(n) for n in archive.namelist()}
    header["root"]["__object__"] = "os.system"
    members["estimator.json"] = json.dumps(header)
    tampered = tmp_path / "tampered.skrnn"
    with zipfile.ZipFile(tampered, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    with pytest.raises(ValueError, match="'os.system', which is not trusted"):
        load_estimator(tampered)


def _tiny_gru(input_shape, n_outputs, output_activation):
    import keras

    inputs = keras.Input(input_shape)
    return keras.Model(
        inputs, keras.layers.Dense(n_outputs)(keras.layers.GRU(2)(inputs))
    )


def test_safe_format_cannot_store_a_custom_model_callable(tmp_path):
    X = np.random.RandomState(0).rand(10, 3, 1)
    reg = RNNRegressor(model=_tiny_gru, epochs=1, random_state=0).fit(X, X[:, 0, 0])
    with pytest.raises(TypeError, match="callable.*joblib.dump"):
        save_estimator(reg, tmp_path / "custom.skrnn")
    restored = pickle.loads(pickle.dumps(reg))  # pickles can, for trusted use
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


def test_not_a_skrnn_file(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("estimator.json", json.dumps({"format": "else"}))
    with pytest.raises(ValueError, match="not a file written by skrnn"):
        load_estimator(path)
