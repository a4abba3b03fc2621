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
    with pytest.raises(ValueError, match="Input X contains NaN"):
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
