"""Reading series and panels as values; forecasts back in the container, index continued."""

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster

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
