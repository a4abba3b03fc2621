"""Panels: one network across many series, in the containers users keep them in."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import SequenceForecaster, load_estimator, save_estimator

FAST = dict(window=12, horizon=4, units=8, epochs=3, random_state=0)


def _series(n, level, start, seed, period=12):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = level * (1 + 0.3 * np.sin(2 * np.pi * t / period))
    values = values + rng.normal(scale=0.02 * level, size=n)
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"))


@pytest.fixture
def panel():
    """Three series of different lengths, starts and scales (10, 1000, 1)."""
    return {
        "a": _series(80, 10.0, "2000-01", 0),
        "b": _series(60, 1000.0, "2003-05", 1),
        7: _series(100, 1.0, "1995-01", 2),
    }


def test_dict_in_dict_out_each_forecast_continuing_its_index(panel):
    model = SequenceForecaster(**FAST).fit(panel)
    forecast = model.predict()
    assert list(forecast) == ["a", "b", 7]
    for series_id, series in panel.items():
        expected = pd.period_range(series.index[-1] + 1, periods=4, freq="M")
        pd.testing.assert_index_equal(forecast[series_id].index, expected)
    # Each forecast is on its own series' scale.
    assert 5 < forecast["a"].mean() < 15 and 500 < forecast["b"].mean() < 1500
    assert model.series_ids_ == ["a", "b", 7] and model.n_targets_ == 1


def test_one_network_is_trained_on_windows_of_every_series(panel):
    model = SequenceForecaster(**FAST).fit(panel)
    single = SequenceForecaster(**FAST).fit(panel["a"])
    assert model.model_.count_params() == single.model_.count_params()
    # Windows: 80 + 60 + 100 steps, each minus window + horizon-1 steps of targets.
    n_windows = sum(len(s) - 12 - 1 + 1 for s in panel.values())
    assert model.n_iter_ == 3
    assert n_windows == 204


def test_list_and_long_formats(panel):
    as_list = [series.to_numpy() for series in panel.values()]
    forecast = SequenceForecaster(**FAST).fit(as_list).predict()
    assert isinstance(forecast, list) and [len(f) for f in forecast] == [4, 4, 4]
    long = pd.concat({k: v for k, v in panel.items() if k != 7}, names=["id", "month"])
    long.name = "sales"
    out = SequenceForecaster(**FAST).fit(long).predict()
    assert isinstance(out, pd.Series) and out.name == "sales"
    assert out.index.names == ["id", "month"] and len(out) == 8
    assert str(out.loc["b"].index[0]) == "2008-05"


def test_learning_is_scale_free_across_series():
    # The same shape at scales 1 and 1e4: a network that let the large series
    # dominate would forecast the small one badly.
    panel = {
        "small": _series(120, 1.0, "2000-01", 0),
        "large": _series(120, 1e4, "2000-01", 1),
    }
    model = SequenceForecaster(
        window=12, horizon=6, units=16, epochs=60, learning_rate=0.01, random_state=0
    )
    train = {k: v.iloc[:-6] for k, v in panel.items()}
    forecast = model.fit(train).predict()
    for series_id, series in panel.items():
        actual = series.iloc[-6:].to_numpy()
        error = np.abs(forecast[series_id].to_numpy() - actual).mean()
        last_value = np.abs(series.iloc[-7] - actual).mean()
        assert error < last_value, series_id


def test_update_some_series_and_reject_unknown_ones(panel):
    model = SequenceForecaster(**FAST).fit(panel)
    before = model.predict()
    new_a = pd.Series(
        [10.0, 11.0], index=pd.period_range("2006-09", periods=2, freq="M")
    )
    model.update({"a": new_a})
    after = model.predict()
    assert str(after["a"].index[0]) == "2006-11"
    pd.testing.assert_series_equal(after["b"], before["b"])
    with pytest.raises(ValueError, match=r"not fitted on: \['zz'\]"):
        model.update({"zz": new_a})
    next_a = new_a.set_axis(pd.period_range("2006-11", periods=2, freq="M"))
    wrong_start = new_a.set_axis(pd.period_range("2010-01", periods=2, freq="M"))
    with pytest.raises(ValueError, match="right after"):
        model.update({"a": next_a, "b": wrong_start})
    assert len(model.y_["a"]) == 82  # the failed update changed nothing


def test_score_and_grid_search_on_a_long_frame_sorted_by_time(panel):
    long = pd.concat(panel, names=["id", "month"]).to_frame("sales")
    long = long[long.index.get_level_values("month") >= pd.Period("2003-05", "M")]
    long = long.sort_index(level="month")  # time-major: every fold cuts all series
    search = GridSearchCV(
        SequenceForecaster(window=6, horizon=2, units=4, epochs=2, random_state=0),
        {"units": [2, 4]},
        cv=TimeSeriesSplit(n_splits=2, test_size=9),
    )
    search.fit(long)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_panel_forecaster_saves_and_loads(panel, tmp_path):
    model = SequenceForecaster(**FAST).fit(panel)
    save_estimator(model, tmp_path / "panel.skrnn")
    loaded = load_estimator(tmp_path / "panel.skrnn")
    for series_id, forecast in model.predict().items():
        pd.testing.assert_series_equal(loaded.predict()[series_id], forecast)


def test_too_short_series_is_named(panel):
    panel["tiny"] = panel["a"].iloc[:10]
    with pytest.raises(ValueError, match=r"Series 'tiny': .* at least \d+ steps"):
        SequenceForecaster(**FAST).fit(panel)
