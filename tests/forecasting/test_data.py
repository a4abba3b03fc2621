"""Reading series and panels as values; forecasts back in the container, index continued."""

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster
from skrnn._forecasting.data import input_form, read_observations

FAST = dict(horizon=3, window=6, units=4, epochs=1, random_state=0)


def _series(n, seed=0):
    rng = np.random.RandomState(seed)
    return 20 + np.sin(np.arange(n) / 3) + rng.normal(scale=0.1, size=n)


def test_a_dict_of_range_indexed_series_gets_the_index_continued_everywhere():
    # M4 as loaded: pandas Series with a RangeIndex, ending at 69.
    panel = {k: pd.Series(_series(70, seed)) for seed, k in enumerate("ab")}
    model = SequenceForecaster(calibration="backtest", **FAST).fit(panel)
    forecast = model.predict()
    intervals = model.predict_interval(coverage=0.5)
    quantiles = model.predict_quantiles(alpha=[0.25, 0.75])
    for key in "ab":
        assert isinstance(forecast[key], pd.Series)
        expected = pd.RangeIndex(70, 73)
        pd.testing.assert_index_equal(forecast[key].index, expected)
        pd.testing.assert_index_equal(intervals[key].index, expected)
        pd.testing.assert_index_equal(quantiles[key].index, expected)
        lower, upper = intervals[key]["lower"], intervals[key]["upper"]
        assert np.all(lower.to_numpy() <= forecast[key].to_numpy())
        assert np.all(forecast[key].to_numpy() <= upper.to_numpy())


def test_one_range_indexed_series_and_numpy_continue_their_positions():
    series = pd.Series(_series(80), index=pd.RangeIndex(100, 180), name="load")
    model = SequenceForecaster(calibration="backtest", **FAST).fit(series)
    forecast = model.predict()
    assert forecast.name == "load"
    pd.testing.assert_index_equal(forecast.index, pd.RangeIndex(180, 183))
    pd.testing.assert_index_equal(
        model.predict_interval(coverage=0.5).index, pd.RangeIndex(180, 183)
    )
    model.update(pd.Series([20.0, 20.5], index=pd.RangeIndex(180, 182)))
    pd.testing.assert_index_equal(model.predict().index, pd.RangeIndex(182, 185))
    with pytest.raises(ValueError, match="not after the end"):
        model.update(pd.Series([1.0], index=pd.RangeIndex(150, 151)))
    # A plain array: numpy forecasts; frames count positions on from its length.
    plain = SequenceForecaster(calibration="backtest", **FAST).fit(_series(80))
    assert isinstance(plain.predict(), np.ndarray)
    pd.testing.assert_index_equal(
        plain.predict_interval(coverage=0.5).index, pd.RangeIndex(80, 83)
    )


def test_a_dict_of_arrays_gives_arrays_and_a_list_gives_a_list():
    panel = {"x": _series(60), "y": _series(60, 1)}
    forecast = SequenceForecaster(calibration=None, **FAST).fit(panel).predict()
    assert set(forecast) == {"x", "y"}
    assert all(isinstance(v, np.ndarray) and v.shape == (3,) for v in forecast.values())
    listed = SequenceForecaster(calibration=None, **FAST).fit(list(panel.values()))
    assert isinstance(listed.predict(), list) and len(listed.predict()) == 2


def test_updating_a_named_series_with_plain_values_raises_no_warning(recwarn):
    frame = pd.DataFrame({"sales": _series(60)})
    model = SequenceForecaster(calibration=None, **FAST).fit(frame)
    model.update(np.array([[20.0], [21.0]]))
    model.score(np.array([[20.0], [21.0], [20.5]]))
    assert not [w for w in recwarn if "feature names" in str(w.message)]
    with pytest.raises(ValueError, match="columns"):
        model.update(pd.DataFrame({"other": [1.0]}))


def test_panel_covariates_in_another_container_and_a_panel_after_one_series_are_refused():
    panel = {"a": _series(40), "b": _series(40, 1)}
    with pytest.raises(ValueError, match="pass its covariates as a dict"):
        SequenceForecaster(**FAST).fit(np.ones((40, 1)), panel)
    model = SequenceForecaster(calibration=None, **FAST).fit(_series(40))
    with pytest.raises(ValueError, match="fitted on one series"):
        model.update(panel)
    fitted = SequenceForecaster(calibration=None, **FAST).fit(panel)
    with pytest.raises(ValueError, match="not fitted on"):
        fitted.update({"c": [1.0]})
    with pytest.raises(ValueError, match="fitted on a panel"):
        fitted.update(np.ones(3))


def test_the_input_form_is_decided_from_the_containers(tmp_path):
    long = pd.Series(
        np.arange(6.0),
        index=pd.MultiIndex.from_product([["a", "b"], range(3)]),
        name="y",
    )
    assert input_form(np.ones(5), None) == "series"
    assert input_form(np.ones((5, 2)), None) == "series"
    assert input_form(pd.Series(np.ones(5)), None) == "series"
    assert input_form({"a": [1.0, 2.0]}, None) == "panel"
    assert input_form([pd.Series([1.0]), np.ones(3)], None) == "panel"
    assert input_form(long, None) == "panel"
    assert input_form(tmp_path / "panel.parquet", None) == "source"
    assert input_form(str(tmp_path), None) == "source"  # a folder of Parquet files
    assert input_form(np.ones((5, 1)), np.ones(5)) == "series_covariates"
    assert input_form({"a": np.ones((3, 1))}, {"a": [1.0, 2.0, 3.0]}) == (
        "panel_covariates"
    )


def test_a_fresh_read_returns_the_columns_to_record_and_leaves_the_estimator_alone():
    estimator = SequenceForecaster(**FAST)
    frame = pd.DataFrame({"sales": _series(30), "visits": _series(30, 1)})
    observations = read_observations(frame, estimator=estimator)
    assert observations.features["n_features_in_"] == 2
    assert list(observations.features["feature_names_in_"]) == ["sales", "visits"]
    assert observations.targets[0].shape == (30, 2)
    assert not hasattr(estimator, "n_features_in_")
    panel = {"a": _series(30), "b": _series(30, 1)}
    assert read_observations(panel, estimator=estimator).features == {
        "n_features_in_": 1
    }
    covariates = {k: pd.DataFrame({"promo": np.ones(30)}) for k in panel}
    observations = read_observations(covariates, panel, estimator=estimator)
    assert observations.features["n_features_in_"] == 1
    assert list(observations.features["feature_names_in_"]) == ["promo"]
    assert observations.covariate_names == ("promo",)
    with pytest.raises(ValueError, match=r"X has a missing value \(NaN\) at step 1"):
        read_observations(np.array([1.0, np.nan, 3.0]), estimator=estimator)
    with pytest.raises(ValueError, match="must be 1-D or 2-D"):
        read_observations(np.ones((2, 3, 4)), estimator=estimator)


def test_a_panel_after_one_series_with_covariates_is_refused():
    model = SequenceForecaster(calibration=None, **FAST).fit(
        np.ones((40, 1)), _series(40)
    )
    panel = {"a": _series(40), "b": _series(40, 1)}
    covariates = {k: np.ones((40, 1)) for k in panel}
    with pytest.raises(ValueError, match="fitted on one series"):
        model.update(covariates, panel)


def _long_panel(freq, lengths, offsets, *, shuffle):
    """A long Series of series "s0", "s1", ... starting ``offsets`` steps apart."""
    rng = np.random.default_rng(0)
    rows = [
        pd.DataFrame(
            {
                "unique_id": f"s{k}",
                "ds": pd.date_range("2021-03-01", periods=length + offset, freq=freq)[
                    offset:
                ],
                "y": 10 + rng.normal(size=length),
            }
        )
        for k, (length, offset) in enumerate(zip(lengths, offsets, strict=True))
    ]
    frame = pd.concat(rows, ignore_index=True)
    if shuffle:
        frame = frame.sample(frac=1, random_state=0)
    return frame.set_index(["unique_id", "ds"])["y"]


def _per_series(panel):
    """The panel as a dict of time-sorted Series, in order of first rows."""
    order = list(dict.fromkeys(panel.index.get_level_values(0)))
    return {key: panel.loc[key].sort_index() for key in order}


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_long_panel_is_read_at_once_into_views_of_one_index(shuffle):
    panel = _long_panel("h", [30, 50, 40, 50], [0, 7, 3, 7], shuffle=shuffle)
    read = read_observations(panel, estimator=SequenceForecaster())
    expected = _per_series(panel)
    assert read.ids == list(expected)
    for index, values, series in zip(
        read.indexes, read.targets, expected.values(), strict=True
    ):
        np.testing.assert_array_equal(values[:, 0], series.to_numpy())
        assert index.equals(series.index) and index.freq == "h"
        assert index.name == "ds" and index.dtype == series.index.dtype
    # Each index is a view of one spanning the panel's steps, not a copy of the
    # frame's stamps (series s1 and s3 share their grid, and their object).
    first = read.indexes[0].asi8
    assert all(np.shares_memory(first, index.asi8) for index in read.indexes[1:])
    by_id = dict(zip(read.ids, read.indexes, strict=True))
    assert by_id["s1"] is by_id["s3"]
    # Rows already in order are read without a copy, as groupby's series were.
    assert all(
        np.shares_memory(values, panel.to_numpy()) for values in read.targets
    ) == (not shuffle)


def test_a_long_panel_forecasts_as_the_dict_of_its_series():
    panel = _long_panel("D", [60, 45, 50], [0, 10, 4], shuffle=True)
    params = dict(horizon=3, window=6, units=4, epochs=2, n_networks=1, random_state=0)
    from_long = SequenceForecaster(**params).fit(panel).predict()
    from_dict = SequenceForecaster(**params).fit(_per_series(panel)).predict()
    assert list(from_long.index.get_level_values(0).unique()) == list(from_dict)
    for key, forecast in from_dict.items():
        np.testing.assert_allclose(from_long.loc[key].to_numpy(), forecast.to_numpy())
        assert from_long.loc[key].index.equals(forecast.index)


def test_calendar_long_panels_share_their_indexes_per_frequency():
    # Months are not a fixed number of nanoseconds: split by series, then shared.
    panel = _long_panel("MS", [24, 36, 30], [0, 5, 12], shuffle=True)
    read = read_observations(panel, estimator=SequenceForecaster())
    for index, series in zip(read.indexes, _per_series(panel).values(), strict=True):
        assert index.equals(series.index) and index.freq == "MS"
    assert np.shares_memory(read.indexes[0].asi8, read.indexes[2].asi8)


def test_rows_without_a_series_id_are_refused_not_dropped():
    panel = _long_panel("h", [30, 30], [0, 0], shuffle=False).reset_index()
    panel.loc[40:, "unique_id"] = np.nan
    panel = panel.set_index(["unique_id", "ds"])["y"]
    with pytest.raises(ValueError, match="20 rows without a series id"):
        read_observations(panel, estimator=SequenceForecaster())


def test_an_irregular_series_of_a_long_panel_is_named():
    panel = _long_panel("h", [30, 30], [0, 0], shuffle=False).drop(
        ("s1", pd.Timestamp("2021-03-01 05:00"))
    )
    with pytest.raises(ValueError, match=r"X\['s1'\]: .*no regular frequency"):
        read_observations(panel, estimator=SequenceForecaster())


def test_a_panel_of_arrays_and_dated_series_is_refused():
    dated = pd.Series(
        np.arange(30.0) + 1, index=pd.date_range("2021", periods=30, freq="D")
    )
    with pytest.raises(ValueError, match=r"X\[0\] is a pandas Series with a time"):
        read_observations([dated, np.arange(30.0) + 1], estimator=SequenceForecaster())
    # Series counted on (a RangeIndex) lose nothing as arrays.
    plain = pd.Series(np.arange(30.0) + 1)
    read = read_observations(
        [plain, np.arange(30.0) + 1], estimator=SequenceForecaster()
    )
    assert not read.container.pandas


def test_a_gap_in_a_series_is_named_by_its_time_and_column():
    # scikit-learn's advice for NaN (imputers, HistGradientBoosting) is for
    # tables; a series says where its first gap is and how to fill it.
    estimator = SequenceForecaster(**FAST)
    times = pd.date_range("2000-01-01", periods=30, freq="D")
    series = pd.Series(_series(30), index=times)
    gaps = series.where((series.index < times[4]) | (series.index > times[6]))
    fill = r"3 step\(s\) in all\)\. SequenceForecaster reads series without gaps.*interpolate"
    with pytest.raises(
        ValueError, match=r"X has a missing value \(NaN\) at 2000-01-05 .*" + fill
    ):
        read_observations(gaps, estimator=estimator)
    with pytest.raises(
        ValueError, match=r"X\['b'\] has a missing value \(NaN\) at 2000-01-05"
    ):
        read_observations({"a": series, "b": gaps}, estimator=estimator)
    frame = pd.DataFrame({"sales": series, "visits": gaps})
    with pytest.raises(ValueError, match=r"in column 'visits' at 2000-01-05"):
        read_observations(frame, estimator=estimator)
    both = gaps.where(series.index != times[1], np.inf)  # inf before the NaNs
    with pytest.raises(ValueError, match=r"missing value \(NaN\) at 2000-01-05"):
        read_observations(both, estimator=estimator)
    with pytest.raises(
        ValueError, match=r"an infinite value at 2000-01-02 .*finite values only"
    ):
        read_observations(
            series.where(series.index != times[1], np.inf), estimator=estimator
        )
    # The target of fit(X, y) and the new steps of update() alike.
    with pytest.raises(
        ValueError, match=r"y has a missing value \(NaN\) at 2000-01-05"
    ):
        SequenceForecaster(**FAST).fit(
            pd.DataFrame({"promo": np.ones(30)}, index=times), gaps
        )
    model = SequenceForecaster(calibration=None, **FAST).fit(series)
    before = model.predict()
    later = pd.Series(
        [1.0, np.nan], index=pd.date_range("2000-01-31", periods=2, freq="D")
    )
    with pytest.raises(
        ValueError, match=r"X has a missing value \(NaN\) at 2000-02-01"
    ):
        model.update(later)
    np.testing.assert_array_equal(model.predict(), before)  # the model is untouched
