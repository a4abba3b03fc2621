"""Pickle/joblib round trips in a fresh process, and the safe file format."""

import copy
import datetime
import io
import json
import pickle
import re
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceForecaster,
    WindowTransformer,
    _file_format,
    _file_schema,
    _persistence,
    load_estimator,
    save_estimator,
)
from skrnn.datasets import load_airline

FAST = dict(epochs=2, units=8, random_state=0)
# The sequence estimators with a small convolutional front end (the default one
# holds ~1.7 MB of weights), one network; the regressor below is an ensemble of two.
SMALL = dict(FAST, conv_filters=(4,), n_networks=1)


def _fitted_estimators():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 6, 2)
    y = X[:, -1, 0] + X[:, 0, 1]
    words = ["".join(rng.choice(list("ACGT"), rng.randint(3, 9))) for _ in range(40)]
    labels = np.where([w.count("G") > 1 for w in words], "many G", "few G")
    X2 = X[:, :, 0]
    return {
        "regressor": (RNNRegressor(**{**SMALL, "n_networks": 2}).fit(X, y), X),
        "classifier": (RNNClassifier(**FAST).fit(words, labels), words),
        "forecaster": (
            SequenceForecaster(
                window=12,
                horizon=3,
                log=True,
                differences=(12,),
                calibration=None,  # intervals' persistence: test_intervals.py
                **FAST,
            ).fit(load_airline()),
            None,
        ),
        "pipeline": (
            make_pipeline(StandardScaler(), RNNRegressor(**SMALL)).fit(X2, y),
            X2,
        ),
    }


def _fitted_search():
    """A grid search over the regressor, on the data of _fitted_estimators."""
    rng = np.random.RandomState(0)
    X = rng.rand(40, 6, 2)
    y = X[:, -1, 0] + X[:, 0, 1]
    search = GridSearchCV(RNNRegressor(**SMALL), {"cell": ["gru"]}, cv=KFold(2))
    return search.fit(X, y), X


def _outputs(estimator, X):
    if X is None:
        return np.asarray(estimator.predict())
    if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
        return np.asarray(estimator.predict_proba(X))
    return np.asarray(estimator.predict(X))


@pytest.fixture(scope="module")
def fitted():
    return _fitted_estimators()


@pytest.fixture(scope="module")
def fitted_with_search(fitted):
    """fitted and a grid search: only the slow fresh-process test reads the
    search (its three fits stay out of the fast tests' shared fixture)."""
    return {**fitted, "grid_search": _fitted_search()}


@pytest.mark.slow
def test_joblib_loads_in_a_fresh_process_bit_for_bit(fitted_with_search, tmp_path):
    fitted = fitted_with_search
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
    # Weights, the Adam moments (2x the weights) and the .keras archive's
    # overhead (metadata: under 10 kB, each layer's config: under 5 kB -- an
    # ensemble of three networks has three times the layers -- and the HDF5
    # headers of each variable: under 2 kB); nothing is stored twice.
    model = estimator.model_
    overhead = 10_000 + 5_000 * len(model.layers) + 2_000 * len(model.weights)
    assert len(pickle.dumps(estimator)) <= 3 * weights + overhead


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


@pytest.mark.parametrize("suffix", [".keras", ".H5", ".weights.h5"])
def test_a_file_named_as_a_keras_model_is_written_with_a_warning(
    fitted, tmp_path, suffix
):
    estimator, X = fitted["regressor"]
    path = tmp_path / f"model{suffix}"
    with pytest.warns(UserWarning, match="not a Keras model.*load_estimator"):
        save_estimator(estimator, path)
    # Written all the same: an estimator file, read back by load_estimator.
    np.testing.assert_array_equal(load_estimator(path).predict(X), estimator.predict(X))


def test_a_file_object_is_written_without_a_name_to_warn_of(fitted):
    # zipfile writes to a file object as well: no name, no warning, no error.
    estimator, X = fitted["regressor"]
    buffer = io.BytesIO()
    save_estimator(estimator, buffer)
    loaded = load_estimator(io.BytesIO(buffer.getvalue()))
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))


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
    with pytest.raises(
        ValueError, match="not a valid skrnn file: .*'os.system', which is not trusted"
    ):
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
    with pytest.raises(
        ValueError, match="not a valid skrnn file: .*not a file written by skrnn"
    ):
        load_estimator(path)


# ------------------------------------------------- parameters and time zones
def _equal_params(a, b):
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, np.random.RandomState):
            left, right = value.get_state(), b[key].get_state()
            assert left[0] == right[0] and left[2:] == right[2:]
            np.testing.assert_array_equal(left[1], right[1])
        else:
            assert value == b[key], key


def _saved_and_loaded_classifier(path, **params):
    """A one-epoch classifier of ``params`` on two classes, saved to ``path``:
    ``(X, it, what the file loads)``."""
    X = np.random.RandomState(0).rand(30, 4, 1)
    y = (X[:, -1, 0] > 0.5).astype(int)
    clf = RNNClassifier(epochs=1, n_networks=1, **params).fit(X, y)
    save_estimator(clf, path)
    return X, clf, load_estimator(path)


def test_safe_format_stores_int_class_weight_keys_and_a_random_state(tmp_path):
    X, clf, loaded = _saved_and_loaded_classifier(
        tmp_path / "c.skrnn",
        class_weight={0: 2.0, 1: 1.0},
        random_state=np.random.RandomState(0),
        units=4,
    )
    assert loaded.class_weight == {0: 2.0, 1: 1.0}
    assert all(type(key) is int for key in loaded.class_weight)
    _equal_params(loaded.get_params(), clf.get_params())
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    with zipfile.ZipFile(tmp_path / "c.skrnn") as archive:
        assert not any("pickle" in name for name in archive.namelist())


def test_numpy_numbers_keep_their_type_through_a_file(tmp_path):
    # A grid of np.arange values hands NumPy numbers to the parameters: a file
    # wrote them as plain numbers (np.int64(3) loaded as 3, np.float32(0.01)
    # as 0.009999999776482582).
    X, clf, loaded = _saved_and_loaded_classifier(
        tmp_path / "c.skrnn",
        units=np.int64(3),
        learning_rate=np.float32(0.01),
        class_weight={np.int64(0): np.float64(2.0), 1: 1.0},
        random_state=0,
    )
    params = loaded.get_params()
    assert type(params["units"]) is np.int64 and params["units"] == 3
    assert type(params["learning_rate"]) is np.float32
    assert params["learning_rate"] == np.float32(0.01)
    assert [type(key) for key in params["class_weight"]] == [np.int64, int]
    assert type(params["class_weight"][0]) is np.float64
    assert repr(loaded) == repr(clf)
    _equal_params(params, clf.get_params())
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    loaded.predict(X)  # no parameter reads as changed since fit

    def entry(header):
        return header["root"]["state"]["__dict__"]["units"]

    def retyped(name, value):
        def change(header):
            entry(header).update({"__numpy__": name, "value": value})

        return change

    for name, value, reason in [
        ("object", 3, "a NumPy number of an unknown dtype: 'object'"),
        ("int8", 300, "300 is out of the range of int8"),
        ("uint8", -1, "-1 is out of the range of uint8"),
        ("float16", 1e10, "10000000000.0 is out of the range of float16"),
        ("int64", 3.5, "a NumPy int64 holds a float: 3.5"),
        ("bool", 1, "a NumPy bool holds a int: 1"),
    ]:
        path = tmp_path / f"{name}.skrnn"
        _invalid(
            _rewrite(tmp_path / "c.skrnn", path, header=retyped(name, value)), reason
        )


@pytest.mark.parametrize("start", ["2024-03-29", "2024-10-25"])
def test_safe_format_keeps_a_time_zone_across_dst(tmp_path, start):
    index = pd.date_range(
        start, periods=96, freq="h", tz="Europe/Paris", name="time"
    )  # crosses the spring or autumn change: two UTC offsets in one index
    series = pd.Series(np.sin(np.arange(96) / 4) + 2, index=index, name="load")
    forecaster = SequenceForecaster(window=6, horizon=4, epochs=1, units=4).fit(series)
    save_estimator(forecaster, tmp_path / "tz.skrnn")
    loaded = load_estimator(tmp_path / "tz.skrnn")
    assert str(loaded.index_.tz) == "Europe/Paris" and loaded.index_.freqstr == "h"
    pd.testing.assert_index_equal(loaded.index_, forecaster.index_, exact=True)
    pd.testing.assert_series_equal(loaded.predict(), forecaster.predict())
    assert loaded.predict().index.tz == forecaster.index_.tz


# --------------------------------------------------------- names in the file
def test_file_names_classes_by_stable_identifiers(fitted, tmp_path):
    estimator, X = fitted["pipeline"]
    save_estimator(estimator, tmp_path / "p.skrnn")
    with zipfile.ZipFile(tmp_path / "p.skrnn") as archive:
        text = archive.read("estimator.json").decode()
    names = set(re.findall(r'"__object__": "([^"]+)"', text))
    assert names == {
        "sklearn.Pipeline",
        "sklearn.StandardScaler",
        "skrnn.RNNRegressor",
        "skrnn.InputEncoder",
        "skrnn.TargetScaler",
    }
    assert "._" not in text  # no private module path


def test_every_registered_class_resolves():
    for name, location in _file_schema.CLASSES.items():
        assert isinstance(_file_schema.resolve(location), type), name


def test_files_of_older_formats_are_refused_clearly(fitted, tmp_path):
    estimator, _ = fitted["regressor"]
    save_estimator(estimator, tmp_path / "r.skrnn")

    def as_version_2(header):
        header["version"] = 2

    _rewrite(tmp_path / "r.skrnn", tmp_path / "v2.skrnn", header=as_version_2)
    with pytest.raises(ValueError, match="older skrnn .format version 2.*refit"):
        load_estimator(tmp_path / "v2.skrnn")


def _without(version, *names):
    """A header as a skrnn before the parameters ``names`` wrote it."""

    def change(header):
        header["version"] = version
        state = header["root"]["state"]["__dict__"]
        for name in names:
            del state[name]
            state["training_params_"]["__dict__"].pop(name, None)

    return change


def test_files_and_pickles_from_before_random_shift_load_as_they_trained(
    saved, tmp_path
):
    estimator = load_estimator(saved)
    X = np.random.RandomState(1).rand(4, 3, 1)
    # A version 5 file has neither random_shift nor predict_shifts: it never
    # shifted, read each series once, and is read so.
    both = ("random_shift", "predict_shifts")
    old = _rewrite(saved, tmp_path / "v5.skrnn", header=_without(5, *both))
    loaded = load_estimator(old)
    assert loaded.random_shift == 0.0 == loaded.get_params()["random_shift"]
    assert loaded.training_params_["random_shift"] == 0.0
    assert loaded.predict_shifts == 1 == loaded.get_params()["predict_shifts"]
    assert "predict_shifts" not in loaded.training_params_  # not resolved at fit
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    clone(loaded)  # every parameter there
    # Version 6 has random_shift but not predict_shifts.
    v6 = _rewrite(saved, tmp_path / "v6.skrnn", header=_without(6, "predict_shifts"))
    assert load_estimator(v6).predict_shifts == 1
    # A file of a version that has a parameter must hold it.
    new = _rewrite(saved, tmp_path / "v6b.skrnn", header=_without(6, "random_shift"))
    _invalid(new, "skrnn.RNNRegressor lacks its parameter 'random_shift'$")
    new = _rewrite(saved, tmp_path / "v7.skrnn", header=_without(7, "predict_shifts"))
    _invalid(new, "skrnn.RNNRegressor lacks its parameter 'predict_shifts'$")
    # A pickle from before: the same values.
    state = estimator.__getstate__()
    for name in both:
        del state[name]
    state["training_params_"] = {
        k: v for k, v in state["training_params_"].items() if k != "random_shift"
    }
    unpickled = RNNRegressor.__new__(RNNRegressor)
    unpickled.__setstate__(state)
    assert unpickled.random_shift == 0.0 and unpickled.predict_shifts == 1
    assert unpickled.training_params_["random_shift"] == 0.0
    assert "predict_shifts" not in unpickled.training_params_
    np.testing.assert_array_equal(unpickled.predict(X), estimator.predict(X))


def test_a_shifted_classifier_saved_before_predict_shifts_reads_each_series_once(
    tmp_path,
):
    X = np.random.default_rng(0).normal(size=(24, 10, 1))
    y = np.arange(24) % 2
    clf = RNNClassifier(epochs=1, n_networks=1, conv_filters=(4,), random_state=0)
    clf.fit(X, y)
    assert clf.training_params_["random_shift"] == 0.1
    once = clf.set_params(predict_shifts=1).predict_proba(X)
    clf.set_params(predict_shifts="auto")
    save_estimator(clf, tmp_path / "c.skrnn")
    header = _without(6, "predict_shifts")
    old = load_estimator(
        _rewrite(tmp_path / "c.skrnn", tmp_path / "v6.skrnn", header=header)
    )
    assert old.predict_shifts == 1
    np.testing.assert_array_equal(old.predict_proba(X), once)
    # Saved now, it keeps "auto": three copies, as before the save.
    now = load_estimator(tmp_path / "c.skrnn")
    assert now.predict_shifts == "auto"
    np.testing.assert_array_equal(now.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("how", ["pickle", "file"])
def test_a_smoothed_classifier_loads_with_its_loss_and_goes_on_training(how, tmp_path):
    X = np.random.default_rng(0).normal(size=(24, 10, 1))
    y = np.arange(24) % 3
    clf = RNNClassifier(
        epochs=2,
        n_networks=1,
        conv_filters=(4,),
        label_smoothing=0.1,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    loaded = _reload(clf, how, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.model_.loss.get_config()["amount"] == 0.1
    # The warm start continues with the same loss: the same numbers.
    for model in (clf, loaded):
        model.fit(X, y)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_files_and_pickles_from_before_label_smoothing_load_as_they_trained(
    tmp_path,
):
    X = np.random.default_rng(0).normal(size=(24, 10, 1))
    y = np.arange(24) % 3
    # Classifiers before label_smoothing trained on the labels as they are.
    clf = RNNClassifier(**SMALL).fit(X, y)
    save_estimator(clf, tmp_path / "c.skrnn")
    v7 = _rewrite(
        tmp_path / "c.skrnn",
        tmp_path / "v7.skrnn",
        header=_without(7, "label_smoothing"),
    )
    old = load_estimator(v7)
    assert old.label_smoothing == 0.0  # named, not resolved: not recorded
    assert "label_smoothing" not in old.training_params_
    np.testing.assert_array_equal(old.predict_proba(X), clf.predict_proba(X))
    clone(old)
    v8 = _rewrite(
        tmp_path / "c.skrnn",
        tmp_path / "v8.skrnn",
        header=_without(8, "label_smoothing"),
    )
    _invalid(v8, "skrnn.RNNClassifier lacks its parameter 'label_smoothing'$")
    state = clf.__getstate__()
    del state["label_smoothing"]
    unpickled = RNNClassifier.__new__(RNNClassifier)
    unpickled.__setstate__(state)
    assert unpickled.label_smoothing == 0.0
    assert "label_smoothing" not in unpickled.training_params_
    np.testing.assert_array_equal(unpickled.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------- random streams after a load
def _reload(estimator, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(estimator))
    save_estimator(estimator, tmp_path / "e.skrnn")
    return load_estimator(tmp_path / "e.skrnn")


@pytest.mark.parametrize("how", ["pickle", "file"])
def test_training_goes_on_after_a_load_as_the_original_would(how, tmp_path, sign_data):
    """Dropout masks and random shifts are drawn from random streams whose
    positions a .keras file does not hold: they are saved beside it, so a
    loaded estimator's next epochs draw what the original's would have."""
    X, y = sign_data
    estimator = RNNClassifier(
        units=4,
        dropout=0.3,
        random_shift=0.2,
        predict_shifts=1,
        epochs=2,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    loaded = _reload(estimator, how, tmp_path)
    # A pickle without the streams' positions (as skrnn wrote them before)
    # loads with its streams at their start.
    state = estimator.__getstate__()
    del state["_stream_states"]
    rewound = object.__new__(RNNClassifier)
    rewound.__setstate__(state)
    for model in (estimator, loaded, rewound):
        model.fit(X, y)
    expected = estimator.predict_proba(X)
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-6)
    # Streams started again draw other masks and shifts: the check can fail.
    assert np.abs(rewound.predict_proba(X) - expected).max() > 1e-4


# ------------------------------------------------------------ untrusted files
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small fitted regressor's file, to tamper with."""
    X = np.random.RandomState(0).rand(10, 3, 1)
    path = tmp_path_factory.mktemp("saved") / "r.skrnn"
    save_estimator(
        RNNRegressor(units=2, conv_filters=(2,), epochs=1, random_state=0).fit(
            X, X[:, 0, 0]
        ),
        path,
    )
    return path


def _rewrite(source, target, header=None, members=()):
    """Copy a file, changing its JSON header in place or replacing members.

    A member given as None is left out.
    """
    with zipfile.ZipFile(source) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    if header is not None:
        data = json.loads(contents["estimator.json"])
        header(data)
        contents["estimator.json"] = json.dumps(data).encode()
    contents.update(members)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            if data is not None:
                archive.writestr(name, data)
    return target


def _invalid(path, reason):
    with pytest.raises(ValueError, match="^not a valid skrnn file: " + reason):
        load_estimator(path)


def _set_streams(value):
    def change(data):
        (node,) = _keras_nodes(data)
        if value is None:
            del node["streams"]  # as a file of format 7 written before them
        else:
            node["streams"] = value

    return change


def _keras_nodes(node):
    if isinstance(node, dict):
        if "__keras__" in node:
            return [node]
        return [found for value in node.values() for found in _keras_nodes(value)]
    if isinstance(node, list):
        return [found for value in node for found in _keras_nodes(value)]
    return []


def test_a_network_s_random_streams_are_checked_and_may_be_absent(saved, tmp_path):
    with zipfile.ZipFile(saved) as archive:
        (node,) = _keras_nodes(json.loads(archive.read("estimator.json")))
    assert node["streams"] and all(len(state) == 2 for state in node["streams"])
    streams = node["streams"]
    for bad in ([], streams + [[1, 2]], [[1, 2, 3]] * len(streams), "0", [[-1, 0]]):
        path = _rewrite(saved, tmp_path / "s.skrnn", header=_set_streams(bad))
        _invalid(path, "network 'model_0.keras': the random streams' states do not fit")
    older = _rewrite(saved, tmp_path / "older.skrnn", header=_set_streams(None))
    X = np.random.RandomState(0).rand(10, 3, 1)
    np.testing.assert_array_equal(
        load_estimator(older).predict(X), load_estimator(saved).predict(X)
    )


def test_random_bytes_and_truncated_files(saved, tmp_path):
    (tmp_path / "random.skrnn").write_bytes(np.random.RandomState(0).bytes(5000))
    _invalid(tmp_path / "random.skrnn", "the file is not a zip archive")
    data = saved.read_bytes()
    (tmp_path / "cut.skrnn").write_bytes(data[: len(data) // 2])
    _invalid(tmp_path / "cut.skrnn", "the file is not a zip archive")
    (tmp_path / "empty.skrnn").write_bytes(b"")
    _invalid(tmp_path / "empty.skrnn", "the file is not a zip archive")
    with zipfile.ZipFile(tmp_path / "report.docx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    _invalid(tmp_path / "report.docx", "the file has no member 'estimator.json'")
    with pytest.raises(FileNotFoundError):
        load_estimator(tmp_path / "absent.skrnn")


def test_missing_members(saved, tmp_path):
    _invalid(
        _rewrite(saved, tmp_path / "a.skrnn", members={"estimator.json": None}),
        "the file has no member 'estimator.json' .not a file written by skrnn",
    )
    _invalid(
        _rewrite(saved, tmp_path / "b.skrnn", members={"arrays.npz": None}),
        "the file has no member 'arrays.npz'",
    )
    _invalid(
        _rewrite(saved, tmp_path / "c.skrnn", members={"model_0.keras": None}),
        "the file has no member 'model_0.keras'",
    )

    def refer_to_an_array(header):
        header["root"]["state"]["__dict__"]["feature_names_in_"] = {
            "__array__": "array_99",
            "object": 0,
        }

    _invalid(
        _rewrite(saved, tmp_path / "d.skrnn", header=refer_to_an_array),
        "array 'array_99' is missing from arrays.npz",
    )


def test_bad_json(saved, tmp_path):
    _invalid(
        _rewrite(
            saved, tmp_path / "a.skrnn", members={"estimator.json": b"{'format': "}
        ),
        "estimator.json is not JSON",
    )
    _invalid(
        _rewrite(saved, tmp_path / "b.skrnn", members={"estimator.json": b"\xff\xfe"}),
        "estimator.json is not JSON",
    )
    deep = b"[" * 100_000 + b"]" * 100_000
    _invalid(
        _rewrite(saved, tmp_path / "c.skrnn", members={"estimator.json": deep}),
        "estimator.json nests deeper than 100",
    )
    # Brackets inside strings do not count; the depth is of the parsed JSON.
    text = '{"a": "[[[[[[\\"[[[[", "b": [[1]]}'
    assert _file_format._json_depth(json.loads(text)) == 3
    # An unterminated string of escaped quotes is refused at once (the old
    # bracket count took 7 s for 192 bytes: quadratic).
    started = time.perf_counter()
    _invalid(
        _rewrite(
            saved,
            tmp_path / "q.skrnn",
            members={"estimator.json": b'"' + b'\\"' * 200_000},
        ),
        "estimator.json is not JSON",
    )
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda h: h.update(root=5), "estimator.json holds no estimator"),
        (lambda h: h.update(version="2"), "format version '2' is not a version"),
        (lambda h: h["root"].update(state=5), "the state of skrnn.RNNRegressor"),
        (
            lambda h: h["root"].update(state={"__items__": 3}),
            "the state of skrnn.RNNRegressor is not a dict",
        ),
        (
            lambda h: h["root"].update(state={"__what__": 1}),
            "the state of skrnn.RNNRegressor is not a dict",
        ),
        (
            lambda h: h["root"]["state"]["__dict__"].update(
                feature_names_in_={"__array__": [1]}
            ),
            r"array \[1\] is missing",
        ),
        (
            lambda h: h["root"]["state"]["__dict__"].update(
                random_state={"__random_state__": [5, 0, 0, 0]}
            ),
            "a random state is not a Mersenne Twister state",
        ),
        (
            lambda h: h["root"]["state"]["__dict__"].update(n_iter_={"__tuple__": 3}),
            "unexpected content",
        ),
    ],
)
def test_wrong_types_in_the_json(saved, tmp_path, change, reason):
    _invalid(_rewrite(saved, tmp_path / "t.skrnn", header=change), reason)


def test_member_names_cannot_leave_the_archive(saved, tmp_path):
    _invalid(
        _rewrite(saved, tmp_path / "a.skrnn", members={"../evil.keras": b"x"}),
        r"member name '\.\./evil\.keras' is not allowed",
    )

    def point_outside(header):
        header["root"]["state"]["__dict__"]["model_"] = {"__keras__": "../../x.keras"}

    _invalid(
        _rewrite(saved, tmp_path / "b.skrnn", header=point_outside),
        r"network member name '\.\./\.\./x\.keras' is not allowed",
    )


def _edit_network(saved, change):
    """The saved file's network with each member's bytes passed through change."""
    with zipfile.ZipFile(saved) as archive:
        network = archive.read("model_0.keras")
    edited = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(network)) as source,
        zipfile.ZipFile(edited, "w") as target,
    ):
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return {"model_0.keras": edited.getvalue()}


def test_corrupt_network(saved, tmp_path):
    _invalid(
        _rewrite(saved, tmp_path / "a.skrnn", members={"model_0.keras": b"not a zip"}),
        "model_0.keras is not a zip archive",
    )
    cut_weights = _edit_network(
        saved,
        lambda name, data: data[: len(data) // 3] if name.endswith(".h5") else data,
    )
    with pytest.raises(
        ValueError,
        match="^not a valid skrnn file: network 'model_0.keras' could not be loaded",
    ) as info:
        load_estimator(_rewrite(saved, tmp_path / "b.skrnn", members=cut_weights))
    assert "/tmp" not in str(info.value) and "model.keras" not in str(info.value)


def _name_os_system(name, data):
    if name != "config.json":
        return data
    config = json.loads(data)
    layer = config["config"]["layers"][1]
    layer.update(module="os", class_name="system", registered_name="system")
    return json.dumps(config).encode()


def test_lambda_layers_and_custom_classes_are_refused(saved, tmp_path):
    import keras

    inputs = keras.Input((3, 1))
    outputs = keras.layers.Dense(1)(keras.layers.Lambda(lambda x: x[:, -1])(inputs))
    lambda_net = _persistence.model_to_bytes(keras.Model(inputs, outputs))
    with pytest.raises(ValueError, match="^not a valid skrnn file: .*Lambda"):
        load_estimator(
            _rewrite(saved, tmp_path / "a.skrnn", members={"model_0.keras": lambda_net})
        )
    custom = _edit_network(saved, _name_os_system)
    with pytest.raises(
        ValueError, match="(?s)^not a valid skrnn file: network .*loaded safely.*system"
    ):
        load_estimator(_rewrite(saved, tmp_path / "b.skrnn", members=custom))


# ------------------------------------------- declared attributes only (#20)
def test_every_registered_class_declares_what_a_file_may_set():
    assert _file_schema.STATE.keys() == _file_schema.CLASSES.keys()
    parameters, kinds = _file_schema.declared("skrnn.RNNRegressor")
    assert "cell" in parameters and "model_" in kinds and "_predictor" not in kinds
    # Every parameter may be set, with the kind the table gives where it does.
    parameters, kinds = _file_schema.declared("sklearn.Pipeline")
    assert set(parameters) <= set(kinds) and kinds["memory"].what == "None"


def _fitted_configurations():
    """Estimators whose files hold the optional attributes of their classes."""
    rng = np.random.RandomState(0)
    tiny = dict(epochs=1, units=2, random_state=0)
    series = 10 + np.sin(np.arange(60.0) / 3) + 0.1 * np.arange(60.0)
    X = rng.rand(24, 5, 2)
    level = dict(horizon=2, normalize="level", season_length=4, **tiny)
    long = pd.concat(
        {"a": pd.Series(series), "b": pd.Series(series + 1)}, names=["id", "t"]
    ).rename("sales")
    return {
        # Panels: ids, per-series transforms and histories; holdout calibration.
        "level panel": SequenceForecaster(
            calibration="holdout", early_stopping=True, **level
        ).fit({"a": series, 7: 2 * series}),
        "long panel": SequenceForecaster(
            window=6, horizon=2, calibration=None, **tiny
        ).fit(long),
        # Covariates: X_ and the covariate scaler.
        "covariates": SequenceForecaster(window=6, horizon=2, **tiny).fit(
            rng.rand(60, 2), series
        ),
        # calibration_errors_, no target scaling, a DataFrame's column names.
        "regressor": RNNRegressor(
            early_stopping=True, scale_targets=False, n_networks=1, **tiny
        ).fit(pd.DataFrame(X[:, :, 0], columns=list("abcde")), X[:, -1, 0]),
        "tokens": RNNClassifier(**tiny).fit(
            [["a", "b"], ["b"], ["c", "a", "b"], ["a"]] * 3, [0, 1, 0, 1] * 3
        ),
        "set_output": make_pipeline(
            StandardScaler().set_output(transform="pandas"), "passthrough"
        ).fit(pd.DataFrame(X[:, 0], columns=["a", "b"])),
        "unfitted": make_pipeline(WindowTransformer(), RNNRegressor()),
    }


def test_files_of_every_estimator_kind_still_load(tmp_path):
    for name, estimator in _fitted_configurations().items():
        save_estimator(estimator, tmp_path / "e.skrnn")
        loaded = load_estimator(tmp_path / "e.skrnn")
        assert type(loaded) is type(estimator), name
        transient = getattr(estimator, "_transient_attributes", ())
        assert vars(loaded).keys() == vars(estimator).keys() - set(transient), name
        np.testing.assert_array_equal(
            _predictions(loaded, name), _predictions(estimator, name), err_msg=name
        )


def _predictions(estimator, name):
    """What each configuration predicts (nothing, for those that do not)."""
    rng = np.random.RandomState(1)
    if name == "covariates":
        return estimator.predict(rng.rand(estimator.horizon, 2))
    if name == "regressor":
        return estimator.predict(pd.DataFrame(rng.rand(3, 5), columns=list("abcde")))
    if name == "tokens":
        return estimator.predict_proba([["a"], ["b", "c"]])
    if isinstance(estimator, SequenceForecaster):
        forecast = estimator.predict()
        values = forecast.values() if isinstance(forecast, dict) else [forecast]
        return np.concatenate([np.asarray(f) for f in values])
    return np.zeros(1)


def _set(*path_and_value):
    """A header change: the value at ``root.state.__dict__`` + path."""
    *path, key, value = path_and_value

    def change(header):
        node = header["root"]["state"]["__dict__"]
        for step in path:
            node = node[step]
        if value is _DELETE:
            del node[key]
        else:
            node[key] = value

    return change


_DELETE = object()
_ENCODER = ("input_encoder_", "state", "__dict__")
_TARGET_SCALER = {
    "__object__": "skrnn.TargetScaler",
    "state": {"__dict__": {"scale": True, "mean_": None, "scale_": None}},
}


def _numbers_as_strings(header):
    state = header["root"]["state"]["__dict__"]
    mean = state["input_encoder_"]["state"]["__dict__"]["mean_"]
    state["feature_names_in_"] = {"__array__": mean["__array__"], "object": True}


@pytest.mark.parametrize(
    "change, reason",
    [
        # The file: a string where the compiled predictor belongs.
        (
            _set("_predictor", "print"),
            "skrnn.RNNRegressor declares no attribute '_predictor': a file may set "
            "only its parameters and fitted attributes$",
        ),
        (
            _set("__class__", "x"),
            "skrnn.RNNRegressor declares no attribute '__class__'",
        ),
        (_set("predict", 1), "skrnn.RNNRegressor declares no attribute 'predict'"),
        (_set(*_ENCODER, "extra_", 1), "skrnn.InputEncoder declares no attribute"),
        (
            _set("model_", "model_0.keras"),
            "attribute 'model_' of skrnn.RNNRegressor must be a keras.Model; got a "
            "str$",
        ),
        (
            _set("n_iter_", "5"),
            "attribute 'n_iter_' of skrnn.RNNRegressor must be an int",
        ),
        (_set("n_iter_", True), "attribute 'n_iter_' .* must be an int; got a bool"),
        (_set("n_iter_", 2.0), "attribute 'n_iter_' .* must be an int; got a float"),
        (
            _set("history_", {"__dict__": {"loss": [0.5, "x"]}}),
            r"attribute 'history_' .* must be a dict of \(a str\) to \(a list of "
            r"\(a number\)\); got a dict",
        ),
        (
            _set("input_encoder_", _TARGET_SCALER),
            "attribute 'input_encoder_' of skrnn.RNNRegressor must be a "
            "skrnn.InputEncoder; got a TargetScaler",
        ),
        (
            _set(*_ENCODER, "fold_", {"__tuple__": [1]}),
            "attribute 'fold_' of skrnn.InputEncoder must be an int; got a tuple",
        ),
        (
            _set("cell", 5),
            "a parameter of skrnn.RNNRegressor is invalid: The 'cell' parameter of "
            "RNNRegressor must be a str among",
        ),
        (_set("cell", _DELETE), "skrnn.RNNRegressor lacks its parameter 'cell'$"),
        (
            _set(*_ENCODER, "masked", _DELETE),
            "skrnn.InputEncoder lacks its parameter 'masked'",
        ),
        (_set(*_ENCODER, "masked", 1), "attribute 'masked' .* must be a bool; got"),
        (_numbers_as_strings, r"array 'array_\d+' of strings holds dtype float64 in"),
    ],
)
def test_a_file_sets_only_declared_attributes_of_declared_kinds(
    saved, tmp_path, change, reason
):
    _invalid(_rewrite(saved, tmp_path / "t.skrnn", header=change), reason)


def test_pipeline_steps_and_memory_are_checked(fitted, tmp_path):
    estimator, _ = fitted["pipeline"]
    save_estimator(estimator, tmp_path / "p.skrnn")

    def set_pipeline(name, value):
        def change(header):
            header["root"]["state"]["__dict__"][name] = value

        return change

    cases = [
        (
            set_pipeline("memory", str(tmp_path / "cache")),
            "attribute 'memory' of sklearn.Pipeline must be None; got a str",
        ),
        (
            set_pipeline("steps", [{"__tuple__": ["a", 1]}]),
            r"attribute 'steps' of sklearn.Pipeline must be a list of \(a \(name, "
            r"estimator\) pair\)",
        ),
        (
            set_pipeline("verbose", "loud"),
            "a parameter of sklearn.Pipeline is invalid: The 'verbose' parameter",
        ),
        (
            set_pipeline("_sklearn_output_config", {"__dict__": {"transform": 1}}),
            "attribute '_sklearn_output_config' of sklearn.Pipeline must be",
        ),
    ]
    for number, (change, reason) in enumerate(cases):
        target = tmp_path / f"t{number}.skrnn"
        _invalid(_rewrite(tmp_path / "p.skrnn", target, header=change), reason)


def test_an_undeclared_attribute_is_refused_before_its_value_is_read(
    saved, tmp_path, monkeypatch
):
    def never(self, name):
        raise AssertionError("an undeclared attribute's network was loaded")

    monkeypatch.setattr(_persistence._Reader, "_load_network", never)
    tampered = _rewrite(
        saved,
        tmp_path / "t.skrnn",
        header=_set("extra_model_", {"__keras__": "model_0.keras"}),
    )
    _invalid(tampered, "skrnn.RNNRegressor declares no attribute 'extra_model_'")


def test_an_int_too_long_for_python_is_an_invalid_file(saved, tmp_path):
    with zipfile.ZipFile(saved) as archive:
        text = archive.read("estimator.json").decode()
    assert '"n_iter_": 1' in text
    huge = text.replace('"n_iter_": 1', '"n_iter_": ' + "9" * 5000).encode()
    _invalid(
        _rewrite(saved, tmp_path / "t.skrnn", members={"estimator.json": huge}),
        "estimator.json is not JSON .Exceeds the limit",
    )


def _declare_size(path, member, size):
    """Patch the uncompressed size a zip declares for a member, in both its headers."""
    data = bytearray(path.read_bytes())
    # signature, offset of the size, of the name's length, of the name
    for signature, size_at, length_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = data.find(signature)
        while start >= 0:
            (length,) = struct.unpack_from("<H", data, start + length_at)
            if data[start + name_at : start + name_at + length] == member.encode():
                struct.pack_into("<I", data, start + size_at, size)
            start = data.find(signature, start + 1)
    path.write_bytes(bytes(data))
    return path


def _peak_memory(function):
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_member_declaring_3_gib_fails_fast(saved, tmp_path):
    path = _declare_size(
        _rewrite(saved, tmp_path / "big.skrnn"), "arrays.npz", 3 * 2**30
    )
    start = time.perf_counter()
    peak = _peak_memory(
        lambda: _invalid(path, "member 'arrays.npz' of the file inflates to 3221225472")
    )
    assert time.perf_counter() - start < 2 and peak < 2**20


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(_file_format, "MAX_MEMBER_BYTES", 2**20)
    monkeypatch.setattr(_file_format, "MAX_TOTAL_BYTES", 4 * 2**20)
    monkeypatch.setattr(_file_format, "MAX_MEMBERS", 5)


def test_reading_stops_at_the_limit_whatever_the_header_says(
    saved, tmp_path, small_limits, monkeypatch
):
    monkeypatch.setattr(_file_format, "MAX_JSON_BYTES", 2**16)
    padded = b'{"format": "skrnn-estimator"' + b" " * 2**19 + b"}"
    _invalid(
        _rewrite(saved, tmp_path / "j.skrnn", members={"estimator.json": padded}),
        "member 'estimator.json' of the file inflates past 65536 bytes",
    )


def test_zip_bombs_fail_with_bounded_memory(saved, tmp_path, small_limits):
    zeros = bytes(64 * 2**20)  # deflates to about 64 kB
    bomb = _rewrite(saved, tmp_path / "bomb.skrnn", members={"estimator.json": zeros})
    peak = _peak_memory(
        lambda: _invalid(bomb, "member 'estimator.json' of the file inflates")
    )
    assert peak < 4 * 2**20
    # A header that lies about the size: the stream stops at the declared size.
    liar = _declare_size(
        _rewrite(saved, tmp_path / "liar.skrnn", members={"arrays.npz": zeros}),
        "arrays.npz",
        1000,
    )
    peak = _peak_memory(
        lambda: _invalid(liar, "member 'arrays.npz' of the file is corrupt")
    )
    assert peak < 4 * 2**20
    # An archive inside the file (arrays.npz) is checked the same way.
    inner = io.BytesIO()
    np.savez_compressed(inner, array_0=np.zeros(2**24))
    _invalid(
        _rewrite(
            saved, tmp_path / "inner.skrnn", members={"arrays.npz": inner.getvalue()}
        ),
        "member 'array_0.npy' of arrays.npz inflates to",
    )
    many = {f"model_{i}.keras": b"x" for i in range(1, 10)}
    _invalid(
        _rewrite(saved, tmp_path / "many.skrnn", members=many),
        "the file has 12 members",
    )


def test_an_array_header_larger_than_its_data(saved, tmp_path):
    npy = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**9,)}
    np.lib.format.write_array_header_1_0(npy, header)
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as archive:
        archive.writestr("array_0.npy", npy.getvalue() + bytes(64))
    peak = _peak_memory(
        lambda: _invalid(
            _rewrite(
                saved, tmp_path / "a.skrnn", members={"arrays.npz": npz.getvalue()}
            ),
            "array 'array_0.npy' in arrays.npz is corrupt .*shorter than its header",
        )
    )
    assert peak < 2**20


@pytest.mark.parametrize(
    "tz",
    [
        None,
        "UTC",
        datetime.timezone(datetime.timedelta(hours=-3)),
        "Asia/Kolkata",
        "dateutil/Europe/Berlin",  # dateutil's zone comes back as dateutil's
    ],
)
@pytest.mark.parametrize("unit", ["s", "ns"])
def test_datetime_indexes_round_trip_exactly(tmp_path, tz, unit):
    index = pd.date_range("2024-10-26 22:00", periods=8, freq="30min", tz=tz)
    holder = SequenceForecaster()  # index_ is the forecaster's time index
    holder.index_ = index.as_unit(unit).rename("when")
    save_estimator(holder, tmp_path / "i.skrnn")
    loaded = load_estimator(tmp_path / "i.skrnn").index_
    pd.testing.assert_index_equal(loaded, holder.index_, exact=True)
    assert loaded.freq == holder.index_.freq and str(loaded.tz) == str(index.tz)
    assert type(loaded.tz) is type(index.tz)


def test_a_time_zone_without_a_name_cannot_be_saved(tmp_path):
    dateutil_tz = pytest.importorskip("dateutil.tz")
    holder = WindowTransformer(window=2)
    holder.index_ = pd.date_range(
        "2024-01-01", periods=3, freq="D", tz=dateutil_tz.tzlocal()
    )
    with pytest.raises(TypeError, match="has no IANA name"):
        save_estimator(holder, tmp_path / "i.skrnn")


# ------------------------------------------------- time indexes of a panel
def _staggered_panel():
    """Hourly series that start at other hours and have other lengths."""
    start = pd.Timestamp("2024-01-01")
    return {
        f"s{k}": pd.Series(
            2 + np.sin(np.arange(length) / 3) + 0.1 * k,
            index=pd.date_range(
                start + pd.Timedelta(hours=3 * k), periods=length, freq="h"
            ),
        )
        for k, length in enumerate([40, 34, 46])
    }


@pytest.fixture(scope="module")
def staggered(tmp_path_factory):
    """A forecaster fitted on _staggered_panel and its file (only read)."""
    fc = SequenceForecaster(horizon=3, window=6, units=4, epochs=1, random_state=0)
    fc.fit(_staggered_panel())
    path = tmp_path_factory.mktemp("staggered") / "p.skrnn"
    save_estimator(fc, path)
    return fc, path


def test_a_panel_saves_its_time_indexes_as_ranges_and_loads_them_shared(
    staggered, tmp_path
):
    panel = _staggered_panel()
    fc, _ = staggered
    save_estimator(fc, tmp_path / "p.skrnn")
    with zipfile.ZipFile(tmp_path / "p.skrnn") as archive:
        header = json.loads(archive.read("estimator.json"))
    nodes = header["root"]["state"]["__dict__"]["index_"]["__dict__"]
    # A first stamp and a length per series, not one integer a step.
    assert [node["__index__"] for node in nodes.values()] == ["datetime_range"] * 3
    assert header["version"] == _file_format.FORMAT_VERSION
    for loaded in (
        load_estimator(tmp_path / "p.skrnn"),
        pickle.loads(pickle.dumps(fc)),
    ):
        for key in panel:
            pd.testing.assert_index_equal(
                loaded.index_[key], fc.index_[key], exact=True
            )
            assert loaded.index_[key].freq == "h"
            # Read back as views of one index, as a Parquet panel holds them.
            assert np.shares_memory(loaded.index_[key].asi8, loaded.index_["s0"].asi8)
        for key, forecast in fc.predict().items():
            pd.testing.assert_series_equal(loaded.predict()[key], forecast)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"periods": 2**40}, "a datetime range of 8796093022208 bytes exceeds"),
        ({"periods": 0}, "a datetime range of 0 periods"),
        ({"periods": True}, "a datetime range's start and periods are not ints"),
        ({"unit": "D"}, "a datetime range of 40 periods in unit 'D'"),
        ({"freq": "not a frequency"}, "a datetime range is invalid"),
        # Without one pandas would count days: forecasts dated silently wrong.
        ({"freq": None}, "a datetime range has no frequency"),
        # A calendar frequency builds a Python object a stamp: charged as one
        # (at 8 bytes a stamp this range took minutes and gigabytes).
        ({"periods": 2**26, "freq": "MS"}, "a datetime range of 4294967296 bytes"),
    ],
)
def test_a_crafted_datetime_range_is_refused_before_it_costs_memory(
    staggered, tmp_path, change, message
):
    _, saved_panel = staggered

    def craft(header):
        header["root"]["state"]["__dict__"]["index_"]["__dict__"]["s0"].update(change)

    _invalid(_rewrite(saved_panel, tmp_path / "c.skrnn", header=craft), message)


@pytest.mark.parametrize(
    "node",
    [
        {"__index__": "plain", "values": ["a"] * 40, "name": None},
        {"__index__": "range", "start": 40, "stop": 0, "step": -1, "name": None},
    ],
)
def test_a_time_index_that_is_no_time_axis_is_refused_at_load(
    staggered, tmp_path, node
):
    """Only what fit keeps as a time axis loads as one: predict continued any
    other index with an AttributeError (strings) or backwards (a falling range)."""
    _, saved_panel = staggered

    def craft(header):
        header["root"]["state"]["__dict__"]["index_"]["__dict__"]["s0"] = node

    _invalid(
        _rewrite(saved_panel, tmp_path / "c.skrnn", header=craft),
        "attribute 'index_' of skrnn.SequenceForecaster must be None or a "
        "RangeIndex of positive step, a DatetimeIndex with a frequency or a PeriodIndex",
    )


def test_a_panel_of_thousands_of_series_saves_to_a_file_that_loads(tmp_path):
    # One array a series (y_, and before format 5 each index too) was one zip
    # member each: 1,500 series gave 3,000, past MAX_MEMBERS, and the file
    # was refused when read back.
    rng = np.random.RandomState(0)
    panel = {f"s{k}": 5 + rng.rand(24) for k in range(1_500)}
    fc = SequenceForecaster(horizon=2, window=4, units=2, epochs=1, random_state=0)
    fc.fit(panel)
    save_estimator(fc, tmp_path / "many.skrnn")
    with zipfile.ZipFile(tmp_path / "many.skrnn") as archive:
        arrays = zipfile.ZipFile(io.BytesIO(archive.read("arrays.npz")))
        assert len(arrays.namelist()) < 10
    loaded = load_estimator(tmp_path / "many.skrnn")
    np.testing.assert_array_equal(loaded.y_["s1499"], fc.y_["s1499"])
    # The series' values are views of one array, not 1,500 arrays.
    assert loaded.y_["s0"].base is not None
    assert loaded.y_["s0"].base is loaded.y_["s1499"].base
    expected = fc.predict()
    got = loaded.predict()
    for key in ("s0", "s700", "s1499"):
        np.testing.assert_array_equal(got[key], expected[key])


def test_a_crafted_slice_of_a_pooled_array_is_refused(tmp_path):
    fc = SequenceForecaster(horizon=2, window=4, units=2, epochs=1, random_state=0)
    save_estimator(fc.fit({"a": np.arange(1.0, 25.0)}), tmp_path / "p.skrnn")
    for change, message in [
        ({"slice": [0, 10**9]}, r"a slice \[0:1000000000\] of shape"),
        ({"shape": [5, 5]}, r"a slice \[\d+:\d+\] of shape \[5, 5\] does not fit"),
        ({"slice": [3, 1]}, r"a slice \[3:1\]"),
        ({"slice": [0, True]}, "a slice of array .* is malformed"),
    ]:

        def craft(header, change=change):
            node = header["root"]["state"]["__dict__"]["y_"]["__dict__"]["a"]
            node.update(change)

        crafted = _rewrite(tmp_path / "p.skrnn", tmp_path / "c.skrnn", header=craft)
        _invalid(crafted, message)


# --------------------------------------------------- crafted files, bounded
def _keras_member(saved, edit_config=None, pad=0):
    """The saved file's network member, its config.json edited (or padded)."""
    with zipfile.ZipFile(saved) as archive:
        inner = zipfile.ZipFile(io.BytesIO(archive.read("model_0.keras")))
        contents = {name: inner.read(name) for name in inner.namelist()}
    config = json.loads(contents["config.json"])
    if edit_config is not None:
        edit_config(config)
    contents["config.json"] = json.dumps(config).encode() + b" " * pad
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_crafted_random_state_is_refused_not_crashing_the_interpreter(tmp_path):
    X = np.random.RandomState(0).rand(10, 4, 1)
    reg = RNNRegressor(units=2, epochs=1, n_networks=1, conv_filters=())
    reg.set_params(random_state=np.random.RandomState(0)).fit(X, X[:, -1, 0])
    save_estimator(reg, tmp_path / "r.skrnn")
    assert load_estimator(tmp_path / "r.skrnn").random_state.randint(100) == (
        reg.random_state.randint(100)
    )

    def far(header):  # NumPy reads key[pos]: past 624 it read outside the key
        header["root"]["state"]["__dict__"]["random_state"]["__random_state__"][1] = (
            10**8
        )

    _invalid(
        _rewrite(tmp_path / "r.skrnn", tmp_path / "far.skrnn", header=far),
        "a random state is not a Mersenne Twister state",
    )


def test_what_a_crafted_file_makes_the_reader_build_is_bounded(
    saved, tmp_path, monkeypatch
):
    # A layer far larger than the weights stored: refused before Keras builds it.
    def huge(config):
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "GRU":
                layer["config"]["units"] = 6000

    started = time.perf_counter()
    _invalid(
        _rewrite(
            saved,
            tmp_path / "units.skrnn",
            members={"model_0.keras": _keras_member(saved, huge)},
        ),
        r"network 'model_0.keras' declares a layer of units=6000",
    )
    assert time.perf_counter() - started < 10  # before: 129 s and 3.3 GB
    # What networks and copies of arrays inflate to counts against the budget.
    monkeypatch.setattr(_file_format, "MAX_TOTAL_BYTES", 8 * 2**20)
    padded = _keras_member(saved, pad=3 * 2**20)  # 3 MB, compressed to a few KB

    def three_networks(header):
        state = header["root"]["state"]["__dict__"]
        state["model_"] = {"__keras__": "model_1.keras"}
        state["history_"] = {
            "__dict__": {
                "loss": [{"__keras__": f"model_{k}.keras"} for k in (2, 3)],
            }
        }

    _invalid(
        _rewrite(
            saved,
            tmp_path / "inflate.skrnn",
            header=three_networks,
            members={f"model_{k}.keras": padded for k in (1, 2, 3)},
        ),
        r"(network 'model_\d.keras' of \d+ bytes exceeds|.* inflates to)",
    )
    strings = np.full(20_000, "ab", dtype="U2")  # 1.4 MB a copy as Python str

    def many_copies(header):
        header["root"]["state"]["__dict__"]["history_"] = {
            "__dict__": {"loss": [{"__array__": "array_99", "object": True}] * 40}
        }

    with zipfile.ZipFile(saved) as archive:
        npz = zipfile.ZipFile(io.BytesIO(archive.read("arrays.npz")))
        arrays = {n[:-4]: np.load(io.BytesIO(npz.read(n))) for n in npz.namelist()}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays, array_99=strings)
    _invalid(
        _rewrite(
            saved,
            tmp_path / "copies.skrnn",
            header=many_copies,
            members={"arrays.npz": buffer.getvalue()},
        ),
        r"array 'array_99' of str of \d+ bytes exceeds",
    )


def test_crafted_networks_headers_and_arrays_are_refused_before_they_cost(
    saved, tmp_path, monkeypatch
):
    def widen(config):  # the input's feature width: Keras sizes kernels by it
        stack = [config]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key in ("batch_shape", "input_shape"):
                    if isinstance(node.get(key), list) and len(node[key]) == 3:
                        node[key][-1] = 10**7
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)

    def member(**kwargs):
        return {"model_0.keras": _keras_member(saved, **kwargs)}

    started = time.perf_counter()
    _invalid(  # before: 10-14 s and +4.7 GB, refused by Keras only then
        _rewrite(saved, tmp_path / "wide.skrnn", members=member(edit_config=widen)),
        r"network 'model_0.keras' declares a \w+ of 10000000, more than",
    )
    _invalid(  # before: the size check skipped (87 s, +2.6 GB with 6,000 units)
        _rewrite(saved, tmp_path / "big.skrnn", members=member(pad=17 * 2**20)),
        r"network 'model_0.keras' has no readable configuration",
    )

    def units(config):
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "GRU":
                layer["config"]["units"] = 1000

    # Zeros that inflate to a weights file of a million values buy no network
    # of a million weights (they compress to a few KB).
    padded = _edit_network(
        saved,
        lambda name, data: (
            data + b"\0" * 4_000_000
            if name.endswith(".h5")
            else json.dumps(_config_with(data, units)).encode()
            if name == "config.json"
            else data
        ),
    )
    _invalid(
        _rewrite(saved, tmp_path / "padded.skrnn", members=padded),
        r"network 'model_0.keras' declares a layer of units=1000",
    )
    assert time.perf_counter() - started < 10

    def empty_lists(header):  # 3 bytes of text, a Python list each
        header["root"]["state"]["__dict__"]["verbose"] = [[]] * 200_000

    monkeypatch.setattr(_file_format, "MAX_TOTAL_BYTES", 8 * 2**20)
    _invalid(
        _rewrite(saved, tmp_path / "lists.skrnn", header=empty_lists),
        r"estimator.json's values of \d+ bytes exceeds",
    )
    monkeypatch.undo()

    def boolean_version(header):
        header["version"] = True

    _invalid(
        _rewrite(saved, tmp_path / "true.skrnn", header=boolean_version),
        "format version True is not a version",
    )
    # NumPy's header parser raises tokenize's TokenError (not a ValueError).
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,".ljust(118)
    npy = b"\x93NUMPY\x01\x00" + (len(header) + 1).to_bytes(2, "little")
    npy += header + b"\n" + b"\0" * 16
    with zipfile.ZipFile(saved) as archive:
        npz = zipfile.ZipFile(io.BytesIO(archive.read("arrays.npz")))
        arrays = {n: npz.read(n) for n in npz.namelist()}
    first = sorted(arrays)[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in arrays.items():
            out.writestr(name, npy if name == first else data)
    _invalid(
        _rewrite(
            saved, tmp_path / "npy.skrnn", members={"arrays.npz": buffer.getvalue()}
        ),
        rf"array '{first}' in arrays.npz is corrupt \(TokenError",
    )


def _config_with(data, edit):
    config = json.loads(data)
    edit(config)
    return config


def test_crafted_names_and_shapes_are_invalid_files(saved, tmp_path):
    name = "model_" + "0" * 300 + ".keras"

    def long_name(header):
        header["root"]["state"]["__dict__"]["model_"] = {"__keras__": name}

    _invalid(
        _rewrite(saved, tmp_path / "n.skrnn", header=long_name),
        "network member name",
    )
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0))
    header["shape"] = (0, 10**30)
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, header)
    buffer = io.BytesIO()
    with zipfile.ZipFile(saved) as archive:
        npz = zipfile.ZipFile(io.BytesIO(archive.read("arrays.npz")))
        with zipfile.ZipFile(buffer, "w") as out:
            for member in npz.namelist():
                out.writestr(member, npz.read(member))
            out.writestr("array_98.npy", stream.getvalue())
    _invalid(
        _rewrite(
            saved, tmp_path / "s.skrnn", members={"arrays.npz": buffer.getvalue()}
        ),
        "array 'array_98.npy' in arrays.npz is corrupt",
    )


def test_a_network_counts_once_against_the_budget(saved, monkeypatch):
    # What reading inflates: the file's members, the arrays' and the network's
    # members beyond the bytes of its own member -- each once.
    with zipfile.ZipFile(saved) as archive:
        needed = sum(info.file_size for info in archive.infolist())
        arrays = zipfile.ZipFile(io.BytesIO(archive.read("arrays.npz")))
        needed += sum(info.file_size for info in arrays.infolist())
        network = archive.getinfo("model_0.keras").file_size
        inner = zipfile.ZipFile(io.BytesIO(archive.read("model_0.keras")))
        needed += max(0, sum(info.file_size for info in inner.infolist()) - network)
        # and the Python values parsing estimator.json builds, bounded by its marks
        header = archive.read("estimator.json")
        marks = sum(header.count(mark) for mark in (b",", b":", b"[", b"{"))
        needed += _file_format.JSON_BYTES_PER_VALUE * (1 + marks)
    monkeypatch.setattr(_file_format, "MAX_TOTAL_BYTES", needed)
    assert load_estimator(saved).n_iter_ == 1


def test_parameters_load_would_refuse_are_refused_at_save(tmp_path):
    # Parameters are validated at fit: an unfitted estimator may hold a value
    # that the file's reader refuses. Before, save wrote the file anyway.
    path = tmp_path / "m.skrnn"
    with pytest.raises(ValueError, match="RNNRegressor cannot be saved: .*mask_value"):
        save_estimator(RNNRegressor(mask_value=np.nan), path)
    with pytest.raises(ValueError, match="cannot be saved: .*'units' parameter"):
        save_estimator(make_pipeline(StandardScaler(), RNNRegressor(units=0)), path)
    assert not path.exists()
    save_estimator(RNNRegressor(mask_value=-1.0), path)  # a valid one still saves
    assert load_estimator(path).mask_value == -1.0


def test_a_file_is_an_estimator_not_a_part_of_one(saved, tmp_path):
    # An estimator's parts (its target scaler, input encoder) are registered
    # classes, but neither save nor load takes one as the whole file.
    with pytest.raises(TypeError, match="got a TargetScaler. Use joblib.dump"):
        save_estimator(load_estimator(saved).target_scaler_, tmp_path / "t.skrnn")

    def scaler_as_root(header):
        header["root"] = header["root"]["state"]["__dict__"]["target_scaler_"]

    _invalid(
        _rewrite(saved, tmp_path / "part.skrnn", header=scaler_as_root),
        "its root is a skrnn.TargetScaler, a part of an estimator",
    )


def test_labels_and_symbols_ending_in_nul_characters_survive_a_file(tmp_path):
    # NumPy's str arrays drop trailing NULs: written as str arrays, "a\0" came
    # back as "a" (two classes of one name; every prediction "a").
    X = np.random.RandomState(0).rand(12, 4, 1)
    labels = np.array(["a", "a\0", "a\0\0"] * 4, dtype=object)
    clf = RNNClassifier(cell="gru", units=2, epochs=1, random_state=0).fit(X, labels)
    save_estimator(clf, tmp_path / "c.skrnn")
    loaded = load_estimator(tmp_path / "c.skrnn")
    assert loaded.classes_.dtype == object
    assert loaded.classes_.tolist() == ["a", "a\0", "a\0\0"]
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    tokens = [["x\0", "y"], ["y"], ["x\0", "x"]] * 4
    symbols = RNNClassifier(cell="gru", units=2, epochs=1, random_state=0)
    symbols.fit(tokens, [0, 1, 0] * 4)
    save_estimator(symbols, tmp_path / "s.skrnn")
    np.testing.assert_array_equal(
        load_estimator(tmp_path / "s.skrnn").predict_proba(tokens),
        symbols.predict_proba(tokens),
    )
    # Strings of a crafted header: a list of str that its shape holds.
    for bad in ([1, "a"], "ab"):
        node = {"__strings__": bad, "shape": [2]}
        target = tmp_path / "bad.skrnn"
        _rewrite(
            tmp_path / "c.skrnn",
            target,
            header=lambda data, node=node: data["root"]["state"]["__dict__"].update(
                classes_=node
            ),
        )
        _invalid(target, "an array of strings is not a list of str and a shape")
    _rewrite(
        tmp_path / "c.skrnn",
        target,
        header=lambda data: data["root"]["state"]["__dict__"].update(
            classes_={"__strings__": ["a"], "shape": [2]}
        ),
    )
    _invalid(target, "an array of strings is not a list of str and a shape")
