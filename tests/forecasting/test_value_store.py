"""Values of panel sources held in memory or in memory-mapped temporary files
(skrnn._forecasting.value_store)."""

import mmap
import os
import pickle
import tempfile

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster, load_estimator, save_estimator
from skrnn._forecasting.value_store import DiskStore, MemoryStore, value_store

pytest.importorskip("pyarrow.dataset")
dd = pytest.importorskip("dask.dataframe")

N_STEPS = 72


class _Segment:  # what the reader spills: an object with ``values``
    def __init__(self, values):
        self.values = values


def _long(n_series=3, seed=0):
    """Positive hourly series in long format, rows shuffled (each series is
    then read in pieces from several record batches)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_STEPS)
    times = pd.date_range("2021-03-01", periods=N_STEPS, freq="h")
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": f"s{k}",
                    "ds": times,
                    "y": 20
                    + 2 * k
                    + 3 * np.sin(2 * np.pi * t / 12)
                    + rng.normal(0, 0.3, N_STEPS),
                }
            )
            for k in range(n_series)
        ],
        ignore_index=True,
    )
    return frame.sample(frac=1, random_state=0)


def _forecaster(**params):
    defaults = dict(horizon=3, cell="gru", units=4, epochs=1, random_state=0)
    return SequenceForecaster(**{**defaults, **params})


def _mapped(array):
    """Whether ``array`` views a memory-mapped file."""
    base = array
    while isinstance(base, np.ndarray | memoryview):
        base = base.obj if isinstance(base, memoryview) else base.base
    return isinstance(base, mmap.mmap)


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """Temporary files go to a folder of the test's own, to see what is left."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    os.mkdir(tmp_path / "tmp")
    return tmp_path / "tmp"


def test_disk_store_gives_back_what_was_written_read_only_and_removes_its_files(
    temp_folder,
):
    store = DiskStore()
    first = np.arange(5, dtype=np.float32)
    second = np.linspace(0, 1, 7)
    parts = store.spill({"a": [_Segment(first)], "b": [_Segment(second)]})
    joined = store.put(np.arange(3.0))
    a, b = store.get(parts["a"][0].values), store.get(parts["b"][0].values)
    np.testing.assert_array_equal(a, first)
    np.testing.assert_array_equal(b, second)  # float64 after 5 float32: aligned
    assert a.dtype == np.float32 and b.dtype == np.float64
    np.testing.assert_array_equal(store.get(joined), [0.0, 1.0, 2.0])
    assert _mapped(b) and not b.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        b[0] = 1.0
    assert len(os.listdir(store.folder)) == 1  # appended to one file
    store.close()
    assert os.listdir(temp_folder) == []
    # Arrays read before close stay valid: their mappings hold the pages.
    np.testing.assert_array_equal(b, second)
    # Dask tasks' copies (in threads, or pickled to other processes) write
    # each chunk to a file of its own, in the folder.
    other = DiskStore()
    for copy in (other.for_tasks(), pickle.loads(pickle.dumps(other))):
        assert copy.folder == other.folder
        slots = [
            copy.spill({"c": [_Segment(first + k)]})["c"][0].values for k in (0, 1)
        ]
        np.testing.assert_array_equal(other.get(slots[1]), first + 1)
    assert len(os.listdir(other.folder)) == 4
    other.close()
    assert os.listdir(temp_folder) == []


def test_a_full_disk_is_an_error_naming_the_folder_and_the_remedy(
    temp_folder, monkeypatch
):
    store = DiskStore()

    class _Full:  # a file on a full disk: writes, or the flush at close, fail
        def __init__(self, failing):
            self.failing = failing

        def tell(self):
            return 0

        def write(self, data):
            if self.failing == "write":
                raise OSError(28, "No space left on device")

        def close(self):
            if self.failing == "close":
                raise OSError(28, "No space left on device")

    for failing in ("write", "close"):
        monkeypatch.setattr(store, "_open", ("values.bin", _Full(failing)))
        with pytest.raises(
            OSError, match=r"No space left on device\).*TMPDIR"
        ) as error:
            store.put(np.arange(3.0))
            store.seal()
        assert error.value.errno == 28 and store.folder in str(error.value)
    monkeypatch.undo()
    store.close()
    assert os.listdir(temp_folder) == []


@pytest.mark.skipif(not hasattr(mmap, "MADV_RANDOM"), reason="POSIX madvise")
def test_mapped_values_are_read_without_read_ahead(temp_folder, monkeypatch):
    advice = []

    class _Spy(mmap.mmap):
        def madvise(self, option, *args):
            advice.append(option)
            return super().madvise(option, *args)

    monkeypatch.setattr(mmap, "mmap", _Spy)
    store = DiskStore()
    array = store.get(store.put(np.arange(4.0)))
    np.testing.assert_array_equal(array, np.arange(4.0))
    assert advice == [mmap.MADV_RANDOM]  # training reads windows at random
    store.close()


def test_memory_store_keeps_arrays_as_they_are(temp_folder):
    store = value_store("memory")
    values = np.arange(4.0)
    assert isinstance(store, MemoryStore) and store.put(values) is values
    assert store.get(values) is values
    disk = value_store("disk")
    assert isinstance(disk, DiskStore)
    disk.close()
    assert os.listdir(temp_folder) == []


def test_disk_store_forecasts_like_memory_from_parquet_folders_and_dask(
    tmp_path, temp_folder
):
    long = _long()
    path = tmp_path / "panel.parquet"
    long.to_parquet(path, index=False, row_group_size=50)  # series in pieces
    folder = tmp_path / "parts"
    folder.mkdir()
    for part, rows in enumerate(np.array_split(np.arange(len(long)), 3)):
        long.iloc[rows].to_parquet(folder / f"part-{part}.parquet", index=False)
    # Partitions read at once by dask's threads, each into a file of its own.
    frame = dd.from_pandas(long, npartitions=6, sort=False)
    expected = _forecaster().fit(path)
    forecast = expected.predict()
    intervals = expected.predict_interval(coverage=0.5)
    assert not _mapped(expected.y_["s0"])
    for source in (path, folder, frame):
        fc = _forecaster(value_store="disk").fit(source)
        got = fc.predict()
        got = got.compute() if hasattr(got, "compute") else got
        np.testing.assert_array_equal(got["y"].to_numpy(), forecast["y"].to_numpy())
        for key in ("s0", "s1", "s2"):
            np.testing.assert_array_equal(fc.y_[key], expected.y_[key])
            assert _mapped(fc.y_[key]) and not fc.y_[key].flags.writeable
        assert os.listdir(temp_folder) == []  # unlinked once mapped
    got = fc.predict_interval(coverage=0.5)
    got = got.compute() if hasattr(got, "compute") else got
    np.testing.assert_array_equal(
        got.filter(like="y").to_numpy(), intervals.filter(like="y").to_numpy()
    )


def test_disk_store_fit_updates_saves_and_pickles(tmp_path, temp_folder):
    long = _long(2)
    head = long[long.ds < long.ds.max() - pd.Timedelta("5h")]
    tail = long[long.ds >= long.ds.max() - pd.Timedelta("5h")]
    head.to_parquet(tmp_path / "head.parquet", index=False)
    tail.to_parquet(tmp_path / "tail.parquet", index=False)
    memory = _forecaster().fit(tmp_path / "head.parquet")
    disk = _forecaster(value_store="disk").fit(tmp_path / "head.parquet")
    memory.update(tmp_path / "tail.parquet")
    disk.update(tmp_path / "tail.parquet")
    assert len(disk.y_["s0"]) == N_STEPS
    assert _mapped(disk.y_["s0"]) and _mapped(disk.y_["s1"])  # extended on disk
    np.testing.assert_array_equal(disk.y_["s1"], memory.y_["s1"])
    expected = memory.predict()["y"].to_numpy()
    np.testing.assert_array_equal(disk.predict()["y"].to_numpy(), expected)
    save_estimator(disk, tmp_path / "fc.skrnn")
    loaded = load_estimator(tmp_path / "fc.skrnn")
    np.testing.assert_array_equal(loaded.predict()["y"].to_numpy(), expected)
    unpickled = pickle.loads(pickle.dumps(disk))  # the values copied in
    np.testing.assert_array_equal(unpickled.predict()["y"].to_numpy(), expected)
    assert os.listdir(temp_folder) == []


def test_a_bad_panel_read_to_disk_is_refused_and_leaves_no_files(tmp_path, temp_folder):
    long = _long(2)
    long.loc[long.index[5], "y"] = np.nan
    path = tmp_path / "bad.parquet"
    long.to_parquet(path, index=False)
    with pytest.raises(ValueError, match="missing or infinite"):
        _forecaster(value_store="disk").fit(path)
    assert os.listdir(temp_folder) == []


def test_an_unknown_value_store_is_refused_naming_it(tmp_path):
    with pytest.raises(ValueError, match="'value_store' parameter .* 'ram'"):
        _forecaster(value_store="ram").fit({"a": np.arange(50.0)})


def test_stores_sharing_a_folder_remove_only_their_own_files(temp_folder):
    mine, theirs = DiskStore(), None
    theirs = DiskStore(mine.folder)  # another worker's store in the shared folder
    values = np.arange(6.0)
    slots = [mine.put(values), theirs.put(values + 1)]
    slots.append(mine.for_tasks().spill({"a": [_Segment(values + 2)]})["a"][0].values)
    mine.seal()
    theirs.seal()
    arrays = [theirs.get(slot) for slot in slots]  # each maps the other's
    mine.close(remove_folder=False)  # its file and its task copy's
    assert len(os.listdir(mine.folder)) == 1
    theirs.close(remove_folder=False)
    assert os.listdir(mine.folder) == []
    os.rmdir(mine.folder)
    for k, array in enumerate(arrays):  # mapped: valid once removed
        np.testing.assert_array_equal(array, values + k)
