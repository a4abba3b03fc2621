"""Panels in long format from Parquet, Arrow datasets and dask (skrnn._forecasting.sources)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster

pa_dataset = pytest.importorskip("pyarrow.dataset")
dd = pytest.importorskip("dask.dataframe")

N_STEPS = 72
START = pd.Timestamp("2021-03-01")


def _panel(n_series=4, seed=0):
    """Positive hourly series: seasonal, trended, noisy."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_STEPS)
    index = pd.date_range(START, periods=N_STEPS, freq="h")
    return {
        f"s{k}": pd.Series(
            20
            + 2 * k
            + 3 * np.sin(2 * np.pi * t / 12)
            + 0.05 * t
            + rng.normal(0, 0.3, N_STEPS),
            index=index,
        )
        for k in range(n_series)
    }


def _long(panel, names=("unique_id", "ds", "y"), shuffle=True):
    id_col, time_col, target_col = names
    frame = pd.concat(
        [
            pd.DataFrame({id_col: key, time_col: s.index, target_col: s.to_numpy()})
            for key, s in panel.items()
        ],
        ignore_index=True,
    )
    # Rows in any order: each series is sorted by time when read.
    return frame.sample(frac=1, random_state=0) if shuffle else frame


def _forecaster(**params):
    defaults = dict(
        horizon=3, cell="gru", units=4, epochs=1, calibration=None, random_state=0
    )
    return SequenceForecaster(**{**defaults, **params})


def _by_series(frame, id_col="unique_id", target_col="y"):
    return {key: part[target_col].to_numpy() for key, part in frame.groupby(id_col)}


@pytest.fixture(scope="module")
def dict_forecast():
    """The forecasts of ``_forecaster()`` fitted on the dict ``_panel()``."""
    return _forecaster().fit(_panel()).predict()


@pytest.fixture(scope="module")
def fitted_two_series(tmp_path_factory):
    """``_forecaster()`` fitted once on a Parquet file of ``_panel(2)`` (the
    file and the forecaster; read only)."""
    path = tmp_path_factory.mktemp("two_series") / "p.parquet"
    _long(_panel(2)).to_parquet(path, index=False)
    return path, _forecaster().fit(path)


def test_parquet_panel_forecasts_like_the_dict(tmp_path, dict_forecast):
    panel = _panel()
    path = tmp_path / "panel.parquet"
    _long(panel).to_parquet(path, index=False)
    params = {}
    expected = dict_forecast
    fitted = _forecaster(**params).fit(path)
    forecast = fitted.predict()
    assert list(forecast.columns) == ["unique_id", "ds", "y"]
    got = _by_series(forecast)
    for key, series in expected.items():
        np.testing.assert_array_equal(got[key], series.to_numpy())
    first = forecast[forecast.unique_id == "s0"].ds
    assert list(first) == list(
        pd.date_range(START + N_STEPS * pd.Timedelta("1h"), periods=3, freq="h")
    )
    # The same forecasts from the file again (predict(X) reads its histories),
    # from a str path, and from an Arrow dataset of a folder of files.
    pd.testing.assert_frame_equal(fitted.predict(str(path)), forecast)
    folder = tmp_path / "parts"
    folder.mkdir()
    long = _long(panel)
    for part, rows in enumerate(np.array_split(np.arange(len(long)), 3)):
        long.iloc[rows].to_parquet(folder / f"part-{part}.parquet", index=False)
    from_folder = _forecaster(**params).fit(pa_dataset.dataset(folder)).predict()
    pd.testing.assert_frame_equal(from_folder, forecast)


def test_column_names_are_the_users(tmp_path):
    names = ("store", "date", "sales")
    path = tmp_path / "sales.parquet"
    _long(_panel(3), names).to_parquet(path, index=False)
    fc = _forecaster(id_col="store", time_col="date", target_col="sales").fit(path)
    forecast = fc.predict()
    assert list(forecast.columns) == list(names)
    assert fc.series_ids_ == ["s0", "s1", "s2"]
    with pytest.raises(ValueError, match=r"no series id column 'unique_id'.*id_col"):
        _forecaster().fit(path)


def test_written_forecasts_read_back_in_the_same_format(tmp_path, fitted_two_series):
    path, fitted = fitted_two_series
    forecast = fitted.predict(path)
    out = tmp_path / "forecasts.parquet"
    forecast.to_parquet(out, index=False)
    back = pd.read_parquet(out)
    assert list(back.columns) == ["unique_id", "ds", "y"]
    np.testing.assert_array_equal(back.y.to_numpy(), forecast.y.to_numpy())


def test_dask_panel_in_dask_forecasts_out(tmp_path, dict_forecast):
    panel = _panel()
    long = _long(panel, shuffle=False)
    frame = dd.from_pandas(long, npartitions=2, sort=False)
    fc = _forecaster().fit(frame)
    reference = dict_forecast
    forecast = fc.predict(frame)
    assert isinstance(forecast, dd.DataFrame)
    computed = forecast.compute()
    assert list(computed.columns) == ["unique_id", "ds", "y"]
    got = _by_series(computed)
    for key, series in reference.items():
        # Partitions forecast in smaller batches: float32 rounding only.
        np.testing.assert_allclose(got[key], series.to_numpy(), rtol=1e-5)
    assert isinstance(fc.predict(), dd.DataFrame)
    split = dd.from_pandas(long.sort_values("ds"), npartitions=2, sort=False)
    with pytest.raises(ValueError, match="is split over partitions"):
        fc.predict(split)


def test_update_appends_a_parquet_panel(tmp_path):
    panel = _panel(2)
    head = {key: s.iloc[:-6] for key, s in panel.items()}
    tail = {key: s.iloc[-6:] for key, s in panel.items()}
    _long(head).to_parquet(tmp_path / "head.parquet", index=False)
    _long(tail).to_parquet(tmp_path / "tail.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "head.parquet")
    fc.update(tmp_path / "tail.parquet")
    assert len(fc.y_["s0"]) == N_STEPS
    np.testing.assert_array_equal(fc.y_["s1"][:, 0], panel["s1"].to_numpy())
    assert fc.index_["s0"][-1] == panel["s0"].index[-1]
    # Series on one time grid still share one index once extended.
    assert fc.index_["s0"] is fc.index_["s1"] and fc.index_["s0"].freq == "h"
    pd.testing.assert_index_equal(
        fc.index_["s1"], panel["s1"].index.as_unit("ns").rename("ds")
    )


def test_update_of_series_of_other_starts_keeps_views_of_one_index(tmp_path):
    # Appending to an index copies it: the extended indexes are views again.
    panel = {
        f"s{k}": pd.Series(
            np.arange(1.0, length + 1.0),
            index=pd.date_range(
                START + pd.Timedelta(hours=k), periods=length, freq="h"
            ),
        )
        for k, length in enumerate([40, 30, 50])
    }
    head = {key: s.iloc[:-4] for key, s in panel.items()}
    tail = {key: s.iloc[-4:] for key, s in panel.items()}
    _long(head).to_parquet(tmp_path / "head.parquet", index=False)
    _long(tail).to_parquet(tmp_path / "tail.parquet", index=False)
    fc = _forecaster(window=6).fit(tmp_path / "head.parquet")
    fc.update(tmp_path / "tail.parquet")
    for key, series in panel.items():
        expected = series.index.as_unit("ns").rename("ds")
        pd.testing.assert_index_equal(fc.index_[key], expected)
        assert fc.index_[key].freq == "h"
        assert np.shares_memory(fc.index_[key].asi8, fc.index_["s0"].asi8)
    assert len(fc.predict()) == 3 * 3


def test_float32_values_stay_float32(tmp_path):
    long = _long(_panel(2))
    long["y"] = long["y"].astype(np.float32)
    long.to_parquet(tmp_path / "p.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "p.parquet")
    assert fc.y_["s0"].dtype == np.float32
    assert np.isfinite(fc.predict().y).all()


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda f: f.drop(columns="ds"), r"no time column 'ds' \(set time_col"),
        (
            lambda f: f.assign(y=np.where(f.index == f.index[5], np.nan, f.y)),
            r"Series 's\d' has missing or infinite values in column 'y'",
        ),
        (
            lambda f: pd.concat([f, f[f.unique_id == "s1"].head(1)]),
            r"Series 's1' has repeated time stamps in column 'ds'",
        ),
        (
            lambda f: f[
                ~((f.unique_id == "s0") & (f.ds == f.ds.min() + pd.Timedelta("5h")))
            ],
            r"Series 's0', column 'ds': .*no regular frequency",
        ),
    ],
)
def test_bad_panels_name_the_series_and_column(tmp_path, spoil, message):
    path = tmp_path / "bad.parquet"
    spoil(_long(_panel(2))).to_parquet(path, index=False)
    with pytest.raises(ValueError, match=message):
        _forecaster().fit(path)


def test_unknown_series_and_missing_files_are_refused(tmp_path, fitted_two_series):
    fc = fitted_two_series[1]
    other = {"zz": _panel(1)["s0"]}
    _long(other).to_parquet(tmp_path / "other.parquet", index=False)
    with pytest.raises(ValueError, match=r"not fitted on: \['zz'\]"):
        fc.predict(tmp_path / "other.parquet")
    with pytest.raises(FileNotFoundError, match="No Parquet file"):
        fc.predict(tmp_path / "missing.parquet")


def test_series_on_one_time_grid_share_one_index(tmp_path, monkeypatch):
    """Evenly spaced chunks are kept as a first stamp and a step, not 8 bytes a
    value; series on the same grid share one (immutable) pandas index, even
    when split over chunks that come out of order."""
    from skrnn._forecasting import sources as _panel_sources

    panel = _panel(3)
    late = pd.date_range(START + pd.Timedelta(hours=5), periods=40, freq="h")
    panel["late"] = pd.Series(np.arange(1.0, 41.0), index=late)
    frame = _long(panel, shuffle=False)
    frame = pd.concat([frame.iloc[100:], frame.iloc[:100]])  # s1's rows split
    path = tmp_path / "panel.parquet"
    frame.to_parquet(path, index=False)
    monkeypatch.setattr(_panel_sources, "BATCH_ROWS", 50)
    read = _panel_sources.read_source(path, _panel_sources.LongColumns())
    assert read.ids == sorted(panel)
    for series_id, values, index in zip(
        read.ids, read.values, read.indexes, strict=True
    ):
        expected = panel[series_id]
        np.testing.assert_array_equal(values[:, 0], expected.to_numpy())
        pd.testing.assert_index_equal(index, expected.index.as_unit("ns").rename("ds"))
        assert index.freq == "h"
    assert len({id(index) for index in read.indexes}) == 2
    # The later series' index is a view of the same time stamps.
    late_index = read.indexes[read.ids.index("late")]
    assert np.shares_memory(late_index.asi8, read.indexes[0].asi8)
    fc = _forecaster().fit(path)
    assert fc.index_["s0"] is fc.index_["s2"]
    assert fc.index_["late"][0] == late[0]


def test_series_of_other_starts_and_lengths_hold_views_of_one_index(tmp_path):
    """A panel whose series start at other times, with other lengths: each
    series' index is its own times, with its frequency, as a view of one set
    of stamps; series far apart in time, or on another phase of the step, get
    indexes of their own."""
    from skrnn._forecasting import sources as _panel_sources

    rng = np.random.default_rng(1)
    panel = {}
    for k, (offset, length) in enumerate([(0, 60), (7, 50), (30, 64), (13, 41)]):
        index = pd.date_range(
            START + pd.Timedelta(hours=offset), periods=length, freq="h"
        )
        t = np.arange(offset, offset + length)
        values = 30 + k + 4 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, length)
        panel[f"s{k}"] = pd.Series(values, index=index)
    path = tmp_path / "staggered.parquet"
    _long(panel).to_parquet(path, index=False)
    read = _panel_sources.read_source(path, _panel_sources.LongColumns())
    for series_id, index in zip(read.ids, read.indexes, strict=True):
        expected = panel[series_id].index.as_unit("ns").rename("ds")
        pd.testing.assert_index_equal(index, expected)
        assert index.freq == "h"
        assert np.shares_memory(index.asi8, read.indexes[0].asi8)
    # (The same values and indexes as the dict's: the same forecasts, which
    # test_monthly_series_of_other_starts_hold_views_of_one_index fits.)

    # Ten years apart (a spanning index would hold 87,600 stamps for 20
    # values), and half an hour off the hour: indexes of their own.
    apart = {
        "a": pd.Series(
            np.arange(1.0, 11.0), index=pd.date_range(START, periods=10, freq="h")
        ),
        "b": pd.Series(
            np.arange(1.0, 11.0),
            index=pd.date_range(START + pd.DateOffset(years=10), periods=10, freq="h"),
        ),
        "c": pd.Series(
            np.arange(1.0, 11.0),
            index=pd.date_range(START + pd.Timedelta(minutes=30), periods=10, freq="h"),
        ),
    }
    _long(apart).to_parquet(tmp_path / "apart.parquet", index=False)
    read = _panel_sources.read_source(
        tmp_path / "apart.parquet", _panel_sources.LongColumns()
    )
    for series_id, index in zip(read.ids, read.indexes, strict=True):
        expected = apart[series_id].index.as_unit("ns").rename("ds")
        pd.testing.assert_index_equal(index, expected)
        assert index.freq == "h"
    a, b, c = read.indexes
    assert not np.shares_memory(a.asi8, b.asi8)
    assert not np.shares_memory(a.asi8, c.asi8)


def test_monthly_series_of_other_starts_hold_views_of_one_index(tmp_path):
    """Months are not a fixed number of nanoseconds: series on one calendar
    frequency (month starts; month ends apart from them) still hold views of
    one index per frequency, equal to their own, and forecast as the dict."""
    from skrnn._forecasting import sources as _panel_sources

    rng = np.random.default_rng(2)
    panel = {}
    for k, (start, length, freq) in enumerate(
        [("2010-01", 60, "MS"), ("2012-07", 40, "MS"), ("2011-03", 52, "MS")]
        + [("2010-01", 48, "ME"), ("2013-05", 36, "ME")]
    ):
        t = np.arange(length)
        values = 50 + k + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, length)
        index = pd.date_range(start, periods=length, freq=freq)
        panel[f"m{k}"] = pd.Series(values, index=index)
    path = tmp_path / "monthly.parquet"
    _long(panel).to_parquet(path, index=False)  # rows shuffled
    read = _panel_sources.read_source(path, _panel_sources.LongColumns())
    for series_id, index in zip(read.ids, read.indexes, strict=True):
        expected = panel[series_id].index.as_unit("ns").rename("ds")
        pd.testing.assert_index_equal(index, expected)
        assert index.freq == panel[series_id].index.freq
    starts, ends = read.indexes[:3], read.indexes[3:]
    assert all(np.shares_memory(i.asi8, starts[0].asi8) for i in starts)
    assert np.shares_memory(ends[0].asi8, ends[1].asi8)
    assert not np.shares_memory(starts[0].asi8, ends[0].asi8)
    params = dict(horizon=6, window=12)
    expected = _forecaster(**params).fit(panel).predict()
    got = _forecaster(**params).fit(path).predict()
    for key, series in expected.items():
        part = got[got.unique_id == key]
        np.testing.assert_array_equal(part.y.to_numpy(), series.to_numpy())
        np.testing.assert_array_equal(part.ds.to_numpy(), series.index.to_numpy())


def test_integer_time_gives_a_range_index(tmp_path):
    long = _long(_panel(2))
    long["ds"] = long.groupby("unique_id").cumcount()  # any order, ints
    long["ds"] = long.groupby("unique_id")["ds"].rank(method="first").astype(int)
    long.to_parquet(tmp_path / "p.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "p.parquet")
    assert isinstance(fc.index_["s0"], pd.RangeIndex)
    assert list(fc.predict().ds.iloc[:3]) == [N_STEPS + 1, N_STEPS + 2, N_STEPS + 3]


def test_missing_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    from skrnn._forecasting import sources as _panel_sources

    monkeypatch.setitem(sys.modules, "pyarrow.dataset", None)
    with pytest.raises(ImportError, match=r"skrnn\[parquet\]"):
        _panel_sources.read_source(tmp_path, _panel_sources.LongColumns())


def test_import_skrnn_imports_neither_pyarrow_nor_dask():
    # pandas itself may import pyarrow (for its string dtype) once the
    # forecaster loads; pyarrow.dataset and dask only come with a panel source.
    code = (
        "import sys, skrnn; first = [m for m in ('pyarrow', 'dask') if m in "
        "sys.modules]; skrnn.SequenceForecaster; print(first, "
        "[m for m in ('pyarrow.dataset', 'dask') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[] []"


def test_large_panels_encode_level_windows_batch_by_batch(monkeypatch):
    from skrnn._forecasting import level as _level

    arrays = [s.to_numpy() for s in _panel(3).values()] + [np.arange(1.0, 30.0)]
    dense = _level.LevelWindows(arrays, 24, 3, 12, seed=0)
    monkeypatch.setattr(_level, "LAZY_BYTES", 0)
    monkeypatch.setattr(_level, "LAZY_CHUNK", 7)
    lazy = _level.LevelWindows(arrays, 24, 3, 12, seed=0)
    assert lazy.dense is None and dense.dense is not None
    assert lazy.sample_shape == dense.sample_shape
    indices = np.array([5, 0, len(dense) - 1, 17])
    np.testing.assert_array_equal(lazy.batch(indices), dense.batch(indices))
    np.testing.assert_array_equal(lazy.targets, dense.targets)
    # The targets too are computed per batch, never held for the whole panel.
    assert not isinstance(lazy.targets, np.ndarray)
    assert lazy.targets.shape == dense.targets.shape
    np.testing.assert_array_equal(lazy.targets[indices], dense.targets[indices])
    np.testing.assert_array_equal(lazy.targets[3], dense.targets[3])
    np.testing.assert_array_equal(lazy.weights, dense.weights)


@pytest.mark.parametrize("ids", [["a", "b"], [3, 7]])
@pytest.mark.parametrize("as_frames", [False, True])
def test_long_output_joined_as_columns_equals_one_frame_per_series(ids, as_frames):
    """Forecasts of many series are joined column by column (a million series'
    frames took over 10 GB); the result is what one frame per series gives."""
    from skrnn._forecasting.sources import (
        LongColumns,
        _long_frame_per_series,
        long_frame,
    )

    columns = LongColumns()
    indexes = [
        pd.date_range("2020-01-01", periods=3, freq="h"),
        pd.date_range("2021-01-01", periods=2, freq="h"),
    ]
    results = [np.arange(3.0) + 10, np.arange(2.0)]
    if as_frames:
        results = [
            pd.DataFrame({"lower": r - 1, "upper": r + 1}, index=i)
            for r, i in zip(results, indexes, strict=True)
        ]
    joined = long_frame(columns, ids, results, indexes)
    expected = _long_frame_per_series(
        columns, ids, results, [np.asarray(i) for i in indexes]
    )
    pd.testing.assert_frame_equal(joined, expected)
    assert joined[columns.id].tolist() == [ids[0]] * 3 + [ids[1]] * 2
    assert joined.columns[-1] == ("upper" if as_frames else columns.target)


@pytest.mark.parametrize("n_new", [1, 2])
def test_one_or_two_new_stamps_per_series_update_and_score(tmp_path, n_new):
    # Too few stamps to infer a frequency from: the fitted one places them.
    panel = _panel(2)
    head = {key: s.iloc[: -n_new - 1] for key, s in panel.items()}
    new = {key: s.iloc[-n_new - 1 : -1] for key, s in panel.items()}
    _long(head).to_parquet(tmp_path / "head.parquet", index=False)
    _long(new).to_parquet(tmp_path / "new.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "head.parquet")
    if n_new == 1:  # R^2 of one value is undefined: refused, naming the series
        with pytest.raises(ValueError, match="Series 's0': score needs two new"):
            fc.score(tmp_path / "new.parquet")
    else:
        assert np.isfinite(fc.score(tmp_path / "new.parquet"))
    fc.update(tmp_path / "new.parquet")
    assert fc.index_["s0"][-1] == panel["s0"].index[-2]
    assert fc.index_["s0"].freq == "h"
    first = fc.predict()["ds"].iloc[0]
    assert first == panel["s0"].index[-1]
    # As a long pandas panel too.
    frame = _long(new).set_index(["unique_id", "ds"])["y"]
    long_fc = _forecaster().fit(_long(head).set_index(["unique_id", "ds"])["y"])
    assert long_fc.update(frame).predict().index[0][1] == panel["s0"].index[-1]


def test_new_stamps_off_the_fitted_frequency_are_refused_naming_the_series(
    tmp_path,
):
    panel = _panel(2)
    _long({k: s.iloc[:-2] for k, s in panel.items()}).to_parquet(
        tmp_path / "head.parquet", index=False
    )
    fc = _forecaster().fit(tmp_path / "head.parquet")
    off = {k: s.iloc[-2:-1] for k, s in panel.items()}  # the next step
    off["s1"] = off["s1"].set_axis(off["s1"].index + pd.Timedelta("30min"))
    _long(off).to_parquet(tmp_path / "off.parquet", index=False)
    with pytest.raises(ValueError, match="Series 's1': .*not on the series"):
        fc.score(tmp_path / "off.parquet")
    before = fc.index_["s1"]
    with pytest.raises(ValueError, match="Series 's1'"):
        fc.update(tmp_path / "off.parquet")
    assert fc.index_["s1"] is before  # a failed update changes nothing


def test_an_integer_time_column_off_its_steps_is_refused(tmp_path):
    frame = _long(_panel(2), shuffle=False)
    frame["ds"] = np.tile(np.arange(N_STEPS), 2)
    frame[frame.ds != 20].to_parquet(tmp_path / "gap.parquet", index=False)
    with pytest.raises(ValueError, match="Series 's0', column 'ds': .*integer steps"):
        _forecaster().fit(tmp_path / "gap.parquet")
    # Steps the forecaster has seen are not new ones: an explicit time column
    # starting at 0 is no default index.
    frame[frame.ds < 60].to_parquet(tmp_path / "head.parquet", index=False)
    frame[frame.ds < 5].to_parquet(tmp_path / "again.parquet", index=False)
    fc = _forecaster().fit(tmp_path / "head.parquet")
    with pytest.raises(ValueError, match="Series 's0': The new data starts at 0"):
        fc.update(tmp_path / "again.parquet")


def test_time_zones_are_kept_in_the_forecasts(tmp_path):
    panel = {k: s.tz_localize("Europe/Berlin") for k, s in _panel(2).items()}
    _long(panel).to_parquet(tmp_path / "tz.parquet", index=False)
    from_file = _forecaster().fit(tmp_path / "tz.parquet").predict()
    from_dict = _forecaster().fit(panel).predict()
    expected = from_dict["s0"].index
    assert str(from_file["ds"].dt.tz) == "Europe/Berlin"
    assert list(from_file[from_file.unique_id == "s0"]["ds"]) == list(expected)
    # dask: the partitions' forecasts are in the zone of the meta.
    frame = dd.from_pandas(_long(panel, shuffle=False), npartitions=2)
    fc = _forecaster().fit(frame)
    out = fc.predict(frame).compute()
    assert list(out[out.unique_id == "s0"]["ds"]) == list(expected)
    # Days across a change of daylight saving time are days, not 24 hours.
    days = pd.date_range("2024-03-01", periods=60, freq="D", tz="Europe/Berlin")
    daily = {"a": pd.Series(20 + np.sin(np.arange(60)), index=days)}
    _long(daily).to_parquet(tmp_path / "dst.parquet", index=False)
    fc = _forecaster(season_length=7).fit(tmp_path / "dst.parquet")
    assert fc.index_["a"].freq == "D"


def test_a_business_day_series_continues_on_business_days(tmp_path):
    days = pd.bdate_range("2024-01-01", periods=60)
    panel = {"a": pd.Series(20 + np.sin(np.arange(60)), index=days)}
    _long(panel).to_parquet(tmp_path / "b.parquet", index=False)
    fc = _forecaster(season_length=5, window=10).fit(tmp_path / "b.parquet")
    # The last five rows alone are five days in a row: the fitted frequency,
    # not one inferred from them, gives the days after them.
    _long({"a": panel["a"].iloc[-10:]}).to_parquet(tmp_path / "tail.parquet")
    ahead = fc.predict(tmp_path / "tail.parquet")["ds"]
    assert list(ahead) == list(fc.predict()["ds"])
    assert set(ahead.dt.day_of_week) <= set(range(5))


def test_predict_from_a_source_needs_each_series_window(tmp_path):
    panel = _panel(2)
    _long(panel).to_parquet(tmp_path / "p.parquet", index=False)
    fc = _forecaster(normalize="standard", window=8, differences=(1,)).fit(
        tmp_path / "p.parquet"
    )
    short = {"s0": panel["s0"].iloc[-20:], "s1": panel["s1"].iloc[-5:]}
    _long(short).to_parquet(tmp_path / "short.parquet", index=False)
    with pytest.raises(ValueError, match="Series 's1': forecasting needs the last 9"):
        fc.predict(tmp_path / "short.parquet")


def test_every_file_of_a_folder_is_checked_and_paths_are_read_as_parquet(tmp_path):
    panel = _long(_panel(2), shuffle=False)
    folder = tmp_path / "folder"
    folder.mkdir()
    panel[panel.unique_id == "s0"].to_parquet(folder / "1.parquet", index=False)
    panel[panel.unique_id == "s1"].assign(price=1.0).to_parquet(
        folder / "2.parquet", index=False
    )
    with pytest.raises(ValueError, match=r"2\.parquet: .*columns \['price'\]"):
        _forecaster().fit(folder)
    integers = panel[panel.unique_id == "s1"].assign(ds=np.arange(N_STEPS))
    integers.to_parquet(folder / "2.parquet", index=False)
    with pytest.raises(ValueError, match=r"2\.parquet: its time column 'ds' holds"):
        _forecaster().fit(folder)
    # Stored as pandas' index, in a folder of partitions, under another suffix.
    expected = _forecaster().fit(_panel(2)).predict()
    panel.set_index(["unique_id", "ds"]).to_parquet(tmp_path / "indexed.parquet")
    panel.to_parquet(tmp_path / "hive", partition_cols=["unique_id"], index=False)
    panel.to_parquet(tmp_path / "upper.PARQUET", index=False)
    for path in ("indexed.parquet", "hive", "upper.PARQUET"):
        got = _forecaster().fit(tmp_path / path).predict()
        for key, forecast in expected.items():
            np.testing.assert_allclose(
                got[got.unique_id.astype(str) == key]["y"], forecast, rtol=1e-6
            )
    (tmp_path / "notes.csv").write_text("unique_id,ds,y\n")
    with pytest.raises(ValueError, match="'.*notes.csv' is not a Parquet file"):
        _forecaster().fit(str(tmp_path / "notes.csv"))


def test_a_flat_long_dataframe_is_refused_not_read_as_one_series():
    frame = _long(_panel(2), shuffle=False)
    frame["unique_id"] = frame["unique_id"].map({"s0": 1, "s1": 2})
    with pytest.raises(ValueError, match=r"set_index\(\['unique_id', 'ds'\]\)"):
        _forecaster().fit(frame)
    with pytest.raises(ValueError, match=r"set_index\(\['store', 'ds'\]\)"):
        _forecaster(id_col="store").fit(frame.rename(columns={"unique_id": "store"}))


def test_a_file_in_a_folder_named_like_a_partition_is_read_as_it_is(tmp_path):
    folder = tmp_path / "date=2024-01-01"
    folder.mkdir()
    _long(_panel(2)).to_parquet(folder / "part-0.parquet", index=False)
    fc = _forecaster().fit(folder / "part-0.parquet")
    assert fc.series_ids_ == ["s0", "s1"]


def test_integer_steps_of_another_spacing_are_refused_by_update(tmp_path):
    frame = _long(_panel(2), shuffle=False)
    frame["ds"] = np.tile(np.arange(N_STEPS), 2)
    head = frame[frame.ds < 60]
    fc = _forecaster().fit(head.set_index(["unique_id", "ds"])["y"])
    wider = frame[(frame.ds >= 60) & (frame.ds % 2 == 0)]
    with pytest.raises(ValueError, match=r"steps \(every 2\) are not the series'"):
        fc.update(wider.set_index(["unique_id", "ds"])["y"])


def test_a_source_of_series_of_other_frequencies_is_refused(tmp_path):
    daily = pd.Series(np.arange(1.0, 61), index=pd.date_range("2020-01-01", periods=60))
    months = pd.date_range("2015-01-01", periods=60, freq="MS")
    path = tmp_path / "mixed.parquet"
    _long({"a": daily, "b": pd.Series(np.arange(1.0, 61), index=months)}).to_parquet(
        path, index=False
    )
    model = SequenceForecaster(units=4, epochs=1, calibration=None, random_state=0)
    with pytest.raises(ValueError, match=r"series\['b'\] has a DatetimeIndex of freq"):
        model.fit(path)


@pytest.mark.parametrize("kind", ["file", "folder", "in_memory"])
def test_workers_shards_of_a_source_cover_its_rows_once(tmp_path, kind):
    from skrnn._forecasting.sources import LongColumns, source_chunks

    long = _long(_panel(4), shuffle=False)
    if kind == "file":
        source = tmp_path / "p.parquet"
        long.to_parquet(source, index=False, row_group_size=50)  # 6 row groups
    elif kind == "folder":
        source = tmp_path / "parts"
        source.mkdir()
        for part, rows in enumerate(np.array_split(np.arange(len(long)), 3)):
            long.iloc[rows].to_parquet(
                source / f"part-{part}.parquet", index=False, row_group_size=40
            )
    else:  # not a dataset of files: every count-th record batch
        import pyarrow as pa

        table = pa.Table.from_pandas(long, preserve_index=False)
        source = pa_dataset.dataset(table.to_batches(max_chunksize=50))
    columns = LongColumns()

    def rows(shard):
        chunks = list(source_chunks(source, columns, shard))
        return pd.concat(chunks)[columns.names()] if chunks else None

    whole = rows(None)
    first, second = rows((0, 2)), rows((1, 2))
    assert 0 < len(first) < len(whole) and 0 < len(second) < len(whole)
    both = pd.concat([first, second]).sort_values(["unique_id", "ds"])
    pd.testing.assert_frame_equal(
        both.reset_index(drop=True),
        whole.sort_values(["unique_id", "ds"]).reset_index(drop=True),
    )
