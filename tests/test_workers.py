"""Training on several workers (distribution="multi_worker"): data-parallel
processes that together train the network one process would."""

import os
import textwrap

import numpy as np
import pytest

from benchmarks.bench_workers import run_workers
from skrnn import SequenceForecaster

_WORKER = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    from skrnn import SequenceForecaster

    rng = np.random.default_rng(0)
    t = np.arange(200)
    panel = {
        f"s{k}": 50 + 10 * k + 8 * np.sin(2 * np.pi * t / 24 + k)
        + rng.normal(0, 1, 200)
        for k in range(8)
    }
    several = int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1
    fc = SequenceForecaster(
        horizon=6, season_length=24, n_networks=2, units=8, epochs=3,
        early_stopping=True,
        batch_size=32, distribution="multi_worker" if several else None,
        random_state=0,
    ).fit(panel)
    forecast = fc.predict()
    json.dump(
        {
            "loss": [float(v) for v in fc.history_["loss"]],
            "forecast": np.concatenate([forecast[k] for k in sorted(forecast)]).tolist(),
        },
        open(sys.argv[-1], "w"),
    )
    """
)


def _run_workers(tmp_path, n_workers):
    return [result for _, result in run_workers(tmp_path, _WORKER, n_workers)]


@pytest.mark.slow
def test_two_workers_train_the_network_one_process_trains(tmp_path):
    pytest.importorskip("jax")
    first, second = _run_workers(tmp_path, 2)
    (alone,) = _run_workers(tmp_path, 1)
    # The workers hold one ensemble (two networks side by side, early stopping
    # on a hold-out): identical forecasts in both processes.
    np.testing.assert_array_equal(first["forecast"], second["forecast"])
    assert first["loss"] == second["loss"]
    # The one a single process trains, up to the order of float32 sums
    # (measured: 1.5e-8 relative on a larger panel).
    np.testing.assert_allclose(first["forecast"], alone["forecast"], rtol=1e-5)
    np.testing.assert_allclose(first["loss"], alone["loss"], rtol=1e-5)
    assert first["loss"][-1] < first["loss"][0]  # it trained


_SHARDS = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    import skrnn._forecasting.sources as sources
    from skrnn import SequenceForecaster

    rows = []  # the rows this process read from the file
    read = sources._partition_segments

    def counted(partition, columns, store):
        rows.append(len(partition))
        return read(partition, columns, store)

    sources._partition_segments = counted
    several = int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1
    params = dict(
        horizon=6, season_length=24, n_networks=1, units=8, epochs=2,
        batch_size=32, value_store="disk", random_state=0,
        distribution="multi_worker" if several else None,
    )
    fc = SequenceForecaster(**params).fit(sys.argv[1])
    forecast = fc.predict()
    n_read = sum(rows)
    import dask.dataframe as dd
    import pandas as pd

    frame = dd.from_pandas(pd.read_parquet(sys.argv[1]), npartitions=4, sort=False)
    rows.clear()
    from_dask = SequenceForecaster(**params).fit(frame).predict().compute()
    n_dask = sum(rows)
    try:  # one row group lacks a series id: every worker's error
        SequenceForecaster(**params).fit(sys.argv[2])
        error = None
    except ValueError as caught:
        error = str(caught)
    json.dump(
        {
            "rows": n_read,
            "dask_rows": n_dask,
            "dask_same": from_dask["y"].tolist() == forecast["y"].tolist(),
            "loss": [float(v) for v in fc.history_["loss"]],
            "forecast": forecast["y"].tolist(),
            "mapped": not fc.y_["s3"].flags.writeable,
            "error": error,
        },
        open(sys.argv[-1], "w"),
    )
    """
)


@pytest.mark.slow
def test_workers_read_their_own_shards_of_a_parquet_panel(tmp_path, monkeypatch):
    pytest.importorskip("jax")
    pytest.importorskip("pyarrow")
    pytest.importorskip("dask.dataframe")
    import pandas as pd

    rng = np.random.default_rng(0)
    t = np.arange(200)
    times = pd.date_range("2024-01-01", periods=200, freq="h")
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": f"s{k}",
                    "ds": times,
                    "y": 50
                    + 10 * k
                    + 8 * np.sin(2 * np.pi * t / 24 + k)
                    + rng.normal(0, 1, 200),
                }
            )
            for k in range(8)
        ]
    )
    good, bad = tmp_path / "panel.parquet", tmp_path / "bad.parquet"
    long.to_parquet(good, index=False, row_group_size=400)  # 4 row groups
    spoiled = long.copy()
    spoiled.iloc[1300, 0] = None  # in the 4th row group: worker 1's shard
    spoiled.to_parquet(bad, index=False, row_group_size=400)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    arguments = (good, bad)
    first, second = (r for _, r in run_workers(tmp_path, _SHARDS, 2, arguments))
    ((_, alone),) = run_workers(tmp_path, _SHARDS, 1, arguments)
    # Each worker read two of the four row groups; one process all of them.
    assert first["rows"] == second["rows"] == 800 and alone["rows"] == 1600
    # Of a dask DataFrame, two of its four partitions; the same forecasts.
    assert first["dask_rows"] == second["dask_rows"] == 800
    assert first["dask_same"] and second["dask_same"] and alone["dask_same"]
    # Both hold the whole panel, mapped from the files the two wrote, and
    # train the network one process trains from the whole file.
    assert first["mapped"] and second["mapped"]
    np.testing.assert_array_equal(first["forecast"], second["forecast"])
    np.testing.assert_allclose(first["forecast"], alone["forecast"], rtol=1e-5)
    np.testing.assert_allclose(first["loss"], alone["loss"], rtol=1e-5)
    # The worker whose shard holds the bad row says what is wrong; the other
    # names the worker, instead of waiting for it.
    assert "has missing values" in second["error"]
    assert first["error"].startswith("Worker 1 could not read its shard: ValueError:")
    assert "has missing values" in first["error"]
    left = [str(p.relative_to(temp)) for p in temp.rglob("*")]
    assert left == [], left  # every file and folder removed


@pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
    reason="the refusal names the TensorFlow backend",
)
def test_multi_worker_needs_the_jax_backend_and_leaves_the_forecaster_unfitted():
    fc = SequenceForecaster(
        horizon=3, window=6, units=4, epochs=1, distribution="multi_worker"
    )
    series = 20 + np.sin(np.arange(60) / 3)
    with pytest.raises(ValueError, match="KERAS_BACKEND=jax"):
        fc.fit(series)
    assert not hasattr(fc, "model_")


@pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax"
    or "KERAS_DISTRIBUTION_NUM_PROCESSES" in os.environ,
    reason="on JAX, in a process not started as a worker",
)
def test_multi_worker_without_the_workers_environment_says_what_to_set():
    fc = SequenceForecaster(
        horizon=3, window=6, units=4, epochs=1, distribution="multi_worker"
    )
    with pytest.raises(ValueError, match="KERAS_DISTRIBUTION_NUM_PROCESSES"):
        fc.fit(20 + np.sin(np.arange(60) / 3))
    assert not hasattr(fc, "model_")


_ONE_AVERAGE = textwrap.dedent(
    """
    import json, os, sys
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import jax, keras, numpy as np
    from skrnn._workers import average_once_per_step

    def build(normalise):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((20, 1))
        hidden = keras.layers.GRU(8)(inputs)
        if normalise:
            hidden = keras.layers.BatchNormalization()(hidden)
        model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
        model.compile(optimizer="adam", loss="mse")
        return model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 20, 1)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    devices = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    result = {}
    for normalise in (False, True):
        alone = build(normalise)
        alone.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        with devices.scope():
            model = build(normalise)
            keras_step = model.train_step
            replaced = average_once_per_step(model)
            model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
            mesh = model.trainable_variables[0].value.sharding.mesh
            split = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
            batch = (jax.device_put(x[:32], split), jax.device_put(y[:32], split))
            state = tuple(
                [v.value for v in variables]
                for variables in (
                    model.trainable_variables, model.non_trainable_variables,
                    model.optimizer.variables, model.metrics_variables,
                )
            )
            def all_reduces(step):
                compiled = jax.jit(step).lower(state, batch).compile()
                return compiled.as_text().count("all-reduce(")
            result[str(normalise)] = {
                "replaced": replaced,
                "ours": all_reduces(model.train_step),
                "keras": all_reduces(keras_step),
                "difference": max(
                    float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
                    for a, b in zip(model.get_weights(), alone.get_weights())
                ),
            }
    json.dump(result, open(sys.argv[-1], "w"))
    """
)


@pytest.mark.slow
def test_the_workers_step_exchanges_the_gradients_once_and_trains_as_one_process(
    tmp_path,
):
    pytest.importorskip("jax")
    # One process with two CPU devices: the same sharded step as two workers.
    ((_, result),) = run_workers(tmp_path, _ONE_AVERAGE, 1)
    plain, normalised = result["False"], result["True"]
    # One all-reduce per step (the gradients and the loss together); Keras'
    # partitioned step exchanges more (inside the recurrent loop on larger
    # networks: 2.9x one process's epoch time, 1.5x with this step).
    assert plain["replaced"] and plain["ours"] == 1 < plain["keras"]
    # The network one device trains on the whole batches, up to float32 sums.
    assert plain["difference"] < 1e-6
    # Batch normalisation needs the whole batch's statistics: Keras' step kept.
    assert not normalised["replaced"]
    assert normalised["ours"] == normalised["keras"]
    assert normalised["difference"] < 1e-6


def test_networks_that_need_the_whole_batch_keep_keras_step():
    # Batch normalisation's statistics and dropout's masks are the whole
    # batch's: the workers' one-exchange step would change them.
    from skrnn._backend import get_keras
    from skrnn._workers import _needs_whole_batch

    keras = get_keras()

    def network(*middle):
        inputs = keras.Input((5, 2))
        hidden = inputs
        for layer in middle:
            hidden = layer(hidden)
        return keras.Model(inputs, keras.layers.Dense(1)(hidden))

    layers = keras.layers
    assert not _needs_whole_batch(network(layers.GRU(4)), keras)
    assert not _needs_whole_batch(network(layers.Dropout(0.0), layers.GRU(4)), keras)
    for middle in (
        (layers.GRU(4, dropout=0.2),),
        (layers.Bidirectional(layers.LSTM(4, recurrent_dropout=0.1)),),
        (layers.Dropout(0.3), layers.GRU(4)),
        (layers.GaussianNoise(0.1), layers.GRU(4)),
        (layers.GRU(4), layers.BatchNormalization()),
    ):
        assert _needs_whole_batch(network(*middle), keras), middle
    inner = network(layers.GRU(4), layers.BatchNormalization())
    outer_inputs = keras.Input((5, 2))
    outer = keras.Model(outer_inputs, inner(outer_inputs))  # nested
    assert _needs_whole_batch(outer, keras)


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs CPU affinity and two cores",
)
def test_the_benchmark_gives_each_worker_a_core_of_its_own(tmp_path):
    # bench_workers compares one process with two on one core each: JAX's
    # runtime keeps a thread per core the process may use, so only the
    # affinity bounds a worker to its core.
    script = textwrap.dedent(
        """
        import json, os, sys
        json.dump(sorted(os.sched_getaffinity(0)), open(sys.argv[-1], "w"))
        """
    )
    cores = sorted(os.sched_getaffinity(0))
    pinned = [result for _, result in run_workers(tmp_path, script, 2, pin=True)]
    assert pinned == [[cores[0]], [cores[1]]]
    free = [result for _, result in run_workers(tmp_path, script, 2)]
    assert free == [cores, cores]
