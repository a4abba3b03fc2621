"""Panel sources whose files, partitions or rows disagree: refused naming the
file, series and column, or read exactly (skrnn._forecasting.sources)."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

N_STEPS = 40


def _long(ids=("s0", "s1"), n_steps=N_STEPS, start="2024-01-01", freq="D"):
    """A long frame of positive daily series, in order."""
    rng = np.random.default_rng(0)
    t = np.arange(n_steps)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": series_id,
                    "ds": pd.date_range(start, periods=n_steps, freq=freq),
                    "y": 20
                    + 5 * k
                    + 3 * np.sin(2 * np.pi * t / 7)
                    + rng.normal(0, 0.5, n_steps),
                }
            )
            for k, series_id in enumerate(ids)
        ],
        ignore_index=True,
    )


def _forecaster(**params):
    defaults = dict(
        horizon=2, window=6, cell="gru", units=4, epochs=1, n_networks=1,
        calibration=None, random_state=0,
    )  # fmt: skip
    return SequenceForecaster(**{**defaults, **params})


def _folder(tmp_path, *frames):
    """A folder of Parquet files a.parquet, b.parquet, ... (read in that order)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, frame in zip("abcdef", frames, strict=False):
        if isinstance(frame, pa.Table):
            pq.write_table(frame, folder / f"{name}.parquet")
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


# ------------------------------------------------------------ 1. time zones
@pytest.mark.parametrize(
    "zones", [(None, "Europe/Paris"), ("Europe/Paris", None), ("UTC", "Asia/Tokyo")]
)
def test_files_of_other_time_zones_are_refused(tmp_path, zones):
    # Read as the first file's type, the second's stamps moved by hours.
    frame = _long()
    parts = []
    for zone, series_id in zip(zones, ("s0", "s1"), strict=True):
        part = frame[frame.unique_id == series_id]
        if zone is not None:
            part = part.assign(ds=part.ds.dt.tz_localize(zone))
        parts.append(part)
    folder = _folder(tmp_path, *parts)
    with pytest.raises(
        ValueError,
        match=r"time column 'ds' holds time stamps of several time zones .*"
        r"across its files or partitions: .*b\.parquet",
    ):
        _forecaster().fit(folder)


def test_files_of_other_time_units_are_read_exactly(tmp_path):
    frame = _long()
    stamps = frame.ds.to_numpy()

    def in_unit(series_id, unit):  # the same stamps, stored in another unit
        part = frame[frame.unique_id == series_id]
        schema = pa.schema(
            [
                ("unique_id", pa.string()),
                ("ds", pa.timestamp(unit)),
                ("y", pa.float64()),
            ]
        )
        return pa.Table.from_pandas(part, preserve_index=False).cast(schema)

    folder = _folder(tmp_path, in_unit("s0", "s"), in_unit("s1", "ns"))
    fc = _forecaster().fit(folder)
    for series_id in ("s0", "s1"):
        np.testing.assert_array_equal(
            fc.index_[series_id].to_numpy(), stamps[frame.unique_id == series_id]
        )


# ------------------------------------------------- 2. hive partition names
def test_ids_from_folder_names_keep_their_string_form(tmp_path):
    frame = _long(ids=("001", "002", "010"))
    frame.to_parquet(tmp_path / "hive", partition_cols=["unique_id"], index=False)
    frame.to_parquet(tmp_path / "flat.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "hive")
    assert fc.series_ids_ == ["001", "002", "010"]
    forecast = fc.predict()
    assert forecast.unique_id.drop_duplicates().tolist() == ["001", "002", "010"]
    # The same series as the flat file's: predict reads them as fitted ones.
    assert len(fc.predict(tmp_path / "flat.parquet")) == 3 * 2


def test_folders_named_by_integers_keep_integer_ids(tmp_path):
    frame = _long(ids=(1, 2, 10))
    frame.to_parquet(tmp_path / "hive", partition_cols=["unique_id"], index=False)
    frame.to_parquet(tmp_path / "flat.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "flat.parquet")
    assert fc.series_ids_ == [1, 2, 10]
    # The folders name the flat file's series: read as the fitted ones.
    assert len(fc.predict(tmp_path / "hive")) == 3 * 2
    assert _forecaster().fit(tmp_path / "hive").series_ids_ == [1, 2, 10]


def test_two_folders_never_become_one_series(tmp_path):
    frame = _long(ids=("1", "01"))
    frame.to_parquet(tmp_path / "hive", partition_cols=["unique_id"], index=False)
    fc = _forecaster().fit(tmp_path / "hive")
    assert fc.series_ids_ == ["01", "1"]
    assert {key: len(values) for key, values in fc.y_.items()} == {
        "01": N_STEPS,
        "1": N_STEPS,
    }


# --------------------------------------------------- 3. empty partitions
def _dask(parts):
    frame = parts[0].iloc[:0]
    return dd.from_delayed([dask.delayed(part) for part in parts], meta=frame)


def test_an_empty_dask_partition_is_skipped(tmp_path):
    frame = _long(ids=("s0", "s1", "s2"))
    parts = [
        frame[frame.unique_id == "s0"],
        frame.iloc[:0],
        frame[frame.unique_id != "s0"],
    ]
    head = [part.groupby("unique_id").head(N_STEPS - 4) for part in parts]
    new = [part.groupby("unique_id").tail(4) for part in parts]
    fc = _forecaster().fit(_dask(head))
    expected = _forecaster().fit(pd.concat(head).set_index(["unique_id", "ds"]).y)
    got = fc.predict().compute().set_index(["unique_id", "ds"]).y
    assert got.index.tolist() == expected.predict().index.tolist()
    np.testing.assert_allclose(got.to_numpy(), expected.predict().to_numpy(), rtol=1e-6)
    assert np.isfinite(fc.score(_dask(new)))
    fc.update(_dask(new))
    assert fc.index_["s1"][-1] == frame.ds.max()


@pytest.fixture(scope="module")
def fitted_parquet(tmp_path_factory):
    """``_forecaster()`` fitted once on a Parquet file of ``_long()``: tests
    that change it take a copy (pickle)."""
    path = tmp_path_factory.mktemp("fitted") / "p.parquet"
    _long().to_parquet(path, index=False)
    return _forecaster().fit(path)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_an_update_of_no_row_from_a_source_changes_nothing(
    tmp_path, kind, fitted_parquet
):
    frame = _long()
    fc = pickle.loads(pickle.dumps(fitted_parquet))
    before = fc.predict()
    empty = frame.iloc[:0]
    if kind == "parquet":
        empty.to_parquet(tmp_path / "empty.parquet", index=False)
        empty = tmp_path / "empty.parquet"
    else:
        empty = dd.from_pandas(empty, npartitions=1)
    assert fc.update(empty) is fc
    pd.testing.assert_frame_equal(fc.predict(), before)
    with pytest.raises(ValueError, match="holds no series"):
        fc.score(empty)


# ---------------------------------------------- 4. column types of files
@pytest.mark.parametrize(
    "spoil, message",
    [
        (
            lambda f: f.assign(y=f.y.round().astype("int64")),
            r"b\.parquet: its value column 'y' holds double, .* int64",
        ),
        (
            lambda f: f.assign(unique_id=f.unique_id.str[1:].astype("int64")),
            r"b\.parquet: its series id column 'unique_id' holds .*string.*int64",
        ),
        (
            lambda f: f.assign(ds=np.arange(len(f))),
            r"b\.parquet: its time column 'ds' holds .*timestamp.* int64",
        ),
    ],
)
def test_files_of_other_column_types_are_refused_naming_file_and_column(
    tmp_path, spoil, message
):
    frame = _long()
    first = spoil(frame[frame.unique_id == "s0"])
    folder = _folder(tmp_path, first, frame[frame.unique_id == "s1"])
    with pytest.raises(ValueError, match=message):
        _forecaster().fit(folder)


@pytest.mark.parametrize("order", [("float32", "float64"), ("float64", "float32")])
def test_float32_and_float64_files_are_read_as_float64_exactly(tmp_path, order):
    frame = _long()
    frame["y"] += 1e-5  # not a float32 value
    parts = [
        frame[frame.unique_id == series_id].astype({"y": dtype})
        for series_id, dtype in zip(("s0", "s1"), order, strict=True)
    ]
    fc = _forecaster().fit(_folder(tmp_path, *parts))
    for part in parts:
        series_id = part.unique_id.iloc[0]
        assert fc.y_[series_id].dtype == np.float64
        np.testing.assert_array_equal(
            fc.y_[series_id].ravel(), part.y.to_numpy(dtype=np.float64)
        )


# ------------------------------------------------------------ 5. date32
def test_a_date_time_column_is_read_as_time_stamps(tmp_path):
    frame = _long()
    table = pa.table(
        {
            "unique_id": frame.unique_id.tolist(),
            "ds": pa.array(frame.ds.dt.date.tolist(), pa.date32()),
            "y": frame.y.to_numpy(),
        }
    )
    pq.write_table(table, tmp_path / "dates.parquet")
    fc = _forecaster().fit(tmp_path / "dates.parquet")
    expected = _forecaster().fit(frame.set_index(["unique_id", "ds"]).y)
    for series_id in ("s0", "s1"):
        assert fc.index_[series_id].equals(expected.index_[series_id])
        assert fc.index_[series_id].freqstr == "D"
    np.testing.assert_allclose(
        fc.predict().y.to_numpy(), expected.predict().to_numpy(), rtol=1e-6
    )


# ------------------------------------------------ 6. dask graphs run once
def test_a_shuffled_dask_frame_is_computed_once_per_read():
    frame = _long(ids=[f"s{k}" for k in range(8)])
    loads = []

    def load(i):
        loads.append(i)
        return frame[frame.unique_id.isin([f"s{i}", f"s{i + 4}"])]

    source = dd.from_delayed(
        [dask.delayed(load)(i) for i in range(4)], meta=frame.iloc[:0]
    )
    shuffled = source.shuffle(on="unique_id", npartitions=4)
    fc = _forecaster().fit(shuffled)
    assert sorted(loads) == [0, 1, 2, 3]
    assert fc.series_ids_ == [f"s{k}" for k in range(8)]


# -------------------------------------------------------------- 7. score
@pytest.fixture(scope="module")
def one_series():
    """A series and ``_forecaster()`` fitted once on all but its last value."""
    series = pd.Series(np.arange(30.0) % 7 + 10)
    return series, _forecaster().fit(series[:29])


@pytest.mark.parametrize("kind", ["long", "parquet"])
def test_score_of_one_new_value_per_series_is_refused(tmp_path, kind, one_series):
    frame = _long(n_steps=N_STEPS + 1)
    head = frame.groupby("unique_id").head(N_STEPS)
    new = frame.groupby("unique_id").tail(1)
    if kind == "long":
        head, new = (f.set_index(["unique_id", "ds"]).y for f in (head, new))
    else:
        head.to_parquet(tmp_path / "head.parquet", index=False)
        new.to_parquet(tmp_path / "new.parquet", index=False)
        head, new = tmp_path / "head.parquet", tmp_path / "new.parquet"
    fc = _forecaster().fit(head)
    with pytest.raises(
        ValueError, match=r"Series 's0': score needs two new values at least"
    ):
        fc.score(new)
    series, one = one_series
    with pytest.raises(ValueError, match=r"^score needs two new values.*got 1"):
        one.score(series[29:])


def test_score_of_a_panel_is_the_mean_of_each_series_r2():
    from sklearn.metrics import r2_score

    frame = _long(n_steps=N_STEPS + 2)
    head = frame.groupby("unique_id").head(N_STEPS).set_index(["unique_id", "ds"]).y
    new = frame.groupby("unique_id").tail(2).set_index(["unique_id", "ds"]).y
    fc = _forecaster().fit(head)
    forecast = fc.predict()
    expected = np.mean(
        [r2_score(new.loc[key], forecast.loc[key].iloc[:2]) for key in ("s0", "s1")]
    )
    assert fc.score(new) == pytest.approx(expected)


# ------------------------------------------------- 8. missing time stamps
@pytest.mark.parametrize("kind", ["long", "parquet", "dask"])
def test_a_missing_time_stamp_is_named_not_taken_for_disorder(tmp_path, kind):
    frame = _long()
    frame.loc[N_STEPS + 3, "ds"] = pd.NaT  # in series s1
    if kind == "long":
        data = frame.set_index(["unique_id", "ds"]).y
    elif kind == "parquet":
        frame.to_parquet(tmp_path / "nat.parquet", index=False)
        data = tmp_path / "nat.parquet"
    else:
        data = dd.from_pandas(frame, npartitions=2, sort=False)
    with pytest.raises(
        ValueError, match=r"Series 's1' has a missing value in the time column 'ds'"
    ):
        _forecaster().fit(data)


def test_a_missing_integer_step_is_named(tmp_path):
    frame = _long().assign(ds=lambda f: f.groupby("unique_id").cumcount())
    frame["ds"] = frame.ds.astype("Int64")
    frame.loc[2, "ds"] = pd.NA
    frame.to_parquet(tmp_path / "int.parquet", index=False)
    with pytest.raises(
        ValueError, match=r"Series 's0' has a missing value in the time column 'ds'"
    ):
        _forecaster().fit(tmp_path / "int.parquet")


# ---------------------------------------- 9. pyarrow-backed long frames
@pytest.mark.parametrize("zone", [None, "Europe/Paris"])
def test_a_long_frame_of_pyarrow_types_reads_like_numpy_types(tmp_path, zone):
    frame = _long(freq="h")
    if zone is not None:
        frame["ds"] = frame.ds.dt.tz_localize(zone)
    frame.to_parquet(tmp_path / "p.parquet", index=False)
    arrow = pd.read_parquet(tmp_path / "p.parquet", dtype_backend="pyarrow")
    numpy = pd.read_parquet(tmp_path / "p.parquet")
    got = _forecaster().fit(arrow.set_index(["unique_id", "ds"]).y)
    expected = _forecaster().fit(numpy.set_index(["unique_id", "ds"]).y)
    assert got.series_ids_ == expected.series_ids_
    for series_id in ("s0", "s1"):
        assert got.index_[series_id].equals(expected.index_[series_id])
        assert got.index_[series_id].freq == expected.index_[series_id].freq
    np.testing.assert_allclose(
        got.predict().to_numpy(), expected.predict().to_numpy(), rtol=1e-6
    )


def test_a_long_frame_of_pyarrow_integer_steps_reads_like_numpy_types():
    frame = _long().assign(ds=lambda f: f.groupby("unique_id").cumcount())
    arrow = frame.convert_dtypes(dtype_backend="pyarrow")
    got = _forecaster().fit(arrow.set_index(["unique_id", "ds"]).y)
    assert isinstance(got.index_["s0"], pd.RangeIndex)
    assert got.index_["s0"][-1] == N_STEPS - 1


def test_a_dask_frame_of_pyarrow_time_stamps_keeps_their_time_zone():
    frame = _long(freq="h").assign(ds=lambda f: f.ds.dt.tz_localize("Europe/Paris"))
    arrow = dd.from_pandas(
        frame.convert_dtypes(dtype_backend="pyarrow"), npartitions=2, sort=False
    )
    got = _forecaster().fit(arrow)
    expected = _forecaster().fit(dd.from_pandas(frame, npartitions=2, sort=False))
    for series_id in ("s0", "s1"):
        assert str(got.index_[series_id].tz) == "Europe/Paris"
        assert got.index_[series_id].equals(expected.index_[series_id])


def test_a_dataset_schema_of_floats_reads_integer_files(tmp_path):
    pa = pytest.importorskip("pyarrow")
    ds = pytest.importorskip("pyarrow.dataset")
    frame = _long(ids=("s0", "s1"))
    ints = frame.assign(y=frame.y.round().astype("int64"))
    ints.to_parquet(tmp_path / "ints.parquet", index=False)
    ints.assign(y=ints.y.astype(float)).to_parquet(tmp_path / "f.parquet", index=False)
    schema = pa.schema(
        [("unique_id", pa.string()), ("ds", pa.timestamp("us")), ("y", pa.float64())]
    )
    # The user's schema reads the integer values as floats (pyarrow's own way
    # to reconcile file types): accepted, as the same values in floats.
    from_ints = _forecaster().fit(ds.dataset(tmp_path / "ints.parquet", schema=schema))
    from_floats = _forecaster().fit(tmp_path / "f.parquet")
    np.testing.assert_allclose(
        from_ints.predict()["y"].to_numpy(), from_floats.predict()["y"].to_numpy()
    )
