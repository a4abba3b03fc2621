"""Parallel and distributed search, thread budgets and tf.distribute."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV, KFold

from skrnn import RNNRegressor

GRID = {"units": [2, 8], "learning_rate": [0.001, 0.05]}


def _data():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 6, 2)
    return X, X[:, -1, 0] * 2 - X[:, 0, 1]


def _search(n_jobs):
    # No convolutional front end: its CPU kernels round by the thread count, and
    # the workers get one thread where this process has all (reproducibility.rst).
    return GridSearchCV(
        RNNRegressor(epochs=3, conv_filters=(), n_networks=2, random_state=0),
        GRID,
        cv=KFold(2),
        n_jobs=n_jobs,
    )


@pytest.fixture(scope="module")
def local_search():
    X, y = _data()
    return _search(1).fit(X, y)


@pytest.mark.slow
def test_grid_search_two_processes_matches_serial(local_search):
    X, y = _data()
    parallel = _search(2).fit(X, y)
    assert parallel.best_params_ == local_search.best_params_
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"],
        local_search.cv_results_["mean_test_score"],
    )


@pytest.mark.slow
def test_grid_search_on_a_dask_local_cluster(local_search):
    distributed = pytest.importorskip("dask.distributed")
    X, y = _data()
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with parallel_backend("dask"):
            search = _search(-1).fit(X, y)
    assert search.best_params_ == local_search.best_params_
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        local_search.cv_results_["mean_test_score"],
    )


@pytest.mark.slow
@pytest.mark.tensorflow_only
def test_worker_thread_budget_caps_tensorflow():
    code = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf
        from skrnn import RNNRegressor
        X = np.random.rand(8, 3, 1)
        RNNRegressor(epochs=1, units=2).fit(X, X[:, 0, 0])
        print(tf.config.threading.get_intra_op_parallelism_threads(),
              tf.config.threading.get_inter_op_parallelism_threads())
        """
    )
    # joblib's budget alone: not the test worker's own SKRNN_NUM_THREADS (conftest).
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "1"}
    env.pop("SKRNN_NUM_THREADS", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout.split() == ["1", "1"]


@pytest.mark.slow
@pytest.mark.tensorflow_only
@pytest.mark.parametrize("distribution", ["default", "mirrored"])
def test_tf_distribute_strategies_stop_early_as_one_process(distribution):
    # Keras' validation_data under a strategy ran out after its one pass
    # (a bare StopIteration); the held-out loss is now the engine's own.
    X, y = _data()
    options = dict(epochs=3, units=4, early_stopping=True, random_state=0)
    plain = RNNRegressor(**options).fit(X, y)
    strategy = RNNRegressor(distribution=distribution, **options).fit(X, y)
    assert len(strategy.history_["val_loss"]) == strategy.n_iter_ == 3
    np.testing.assert_allclose(
        strategy.history_["val_loss"], plain.history_["val_loss"], rtol=1e-4
    )
    np.testing.assert_allclose(
        strategy.predict(X), plain.predict(X), rtol=1e-4, atol=1e-5
    )


@pytest.mark.slow
@pytest.mark.tensorflow_only
@pytest.mark.parametrize("distribution", ["default", "mirrored"])
def test_tf_distribute_strategies_train_on_cpu(distribution):
    X, y = _data()
    plain = RNNRegressor(epochs=2, units=4, random_state=0).fit(X, y)
    strategy = RNNRegressor(
        epochs=2, units=4, distribution=distribution, random_state=0
    )
    strategy.fit(X, y)
    assert strategy.n_iter_ == 2
    np.testing.assert_allclose(
        strategy.predict(X), plain.predict(X), rtol=1e-4, atol=1e-5
    )


@pytest.mark.slow
@pytest.mark.tensorflow_only
@pytest.mark.parametrize("distribution", ["default", "mirrored"])
def test_compiled_loops_train_under_a_strategy_as_without_one(
    distribution, monkeypatch
):
    # A fit long enough for skrnn's compiled GRU loops (skrnn._engine) traces
    # them inside the strategy's replica step as well, and trains the numbers
    # of the fit without a strategy.
    from skrnn import RNNClassifier, _engine, _tensorflow, _trainers

    calls = []
    original = _tensorflow.training_recurrence
    monkeypatch.setattr(
        _tensorflow, "training_recurrence", lambda *a: calls.append(1) or original(*a)
    )
    monkeypatch.setattr(_engine, "COMPILE_LOOPS_AFTER", 96)
    monkeypatch.setattr(_engine, "_COMPILED_SHAPES", _engine._CompiledShapes())
    # No trainer traced by an earlier test: the plain fit traces its own.
    monkeypatch.setattr(_trainers, "POOL", _trainers.TrainerPool())
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 24)), np.repeat(["a", "b"], 8)
    options = dict(cell="gru", units=4, bidirectional=True, epochs=2, random_state=0)
    plain = RNNClassifier(**options).fit(X, y)
    assert len(calls) == 2  # the forward and the backward direction
    strategy = RNNClassifier(distribution=distribution, **options).fit(X, y)
    assert len(calls) == 4
    np.testing.assert_allclose(
        strategy.predict_proba(X), plain.predict_proba(X), rtol=1e-4, atol=1e-5
    )
