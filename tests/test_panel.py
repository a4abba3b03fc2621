"""Panels: one network across many series, in the containers users keep them in."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import SequenceForecaster, load_estimator, save_estimator

# Per-series standardisation; the level recipe is tested at the end of the file.
FAST = dict(
    window=12,
    horizon=4,
    units=8,
    epochs=3,
    normalize="standard",
    calibration=None,  # no backtest fit where intervals are not tested
    random_state=0,
)


def _series(n, level, start, seed, period=12):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = level * (1 + 0.3 * np.sin(2 * np.pi * t / period))
    values = values + rng.normal(scale=0.02 * level, size=n)
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"))


def _panel():
    """Three series of different lengths, starts and scales (10, 1000, 1)."""
    return {
        "a": _series(80, 10.0, "2000-01", 0),
        "b": _series(60, 1000.0, "2003-05", 1),
        7: _series(100, 1.0, "1995-01", 2),
    }


@pytest.fixture
def panel():
    return _panel()


@pytest.fixture(scope="module")
def fitted_panel():
    """SequenceForecaster(**FAST) fitted once on the panel: tests that change
    it take a copy (pickle)."""
    return SequenceForecaster(**FAST).fit(_panel())


def test_dict_in_dict_out_each_forecast_continuing_its_index(panel, fitted_panel):
    model = fitted_panel
    forecast = model.predict()
    assert list(forecast) == ["a", "b", 7]
    for series_id, series in panel.items():
        expected = pd.period_range(series.index[-1] + 1, periods=4, freq="M")
        pd.testing.assert_index_equal(forecast[series_id].index, expected)
    # Each forecast is on its own series' scale.
    assert 5 < forecast["a"].mean() < 15 and 500 < forecast["b"].mean() < 1500
    assert model.series_ids_ == ["a", "b", 7] and model.n_targets_ == 1


def test_one_network_is_trained_on_windows_of_every_series(panel, monkeypatch):
    from skrnn import _engine

    seen = []
    train = _engine.train

    def recording(model, data, targets, weights, config, **kwargs):
        seen.append((len(data), data.groups.copy(), targets.shape))
        return train(model, data, targets, weights, config, **kwargs)

    monkeypatch.setattr(_engine, "train", recording)
    model = SequenceForecaster(**FAST).fit(panel)
    single = SequenceForecaster(**FAST).fit(panel["a"])
    assert model.model_.count_params() == single.model_.count_params()
    (n_windows, groups, target_shape), _ = seen
    # Each series gives its windows: its length minus the 13 steps that
    # differencing at (1, 12) consumes, the window of 12, and 4 - 1 target steps.
    per_series = [len(s) - 13 - 12 - 4 + 1 for s in panel.values()]
    assert n_windows == sum(per_series) == 156
    np.testing.assert_array_equal(np.bincount(groups), per_series)
    assert target_shape == (156, 4)
    assert model.n_iter_ == 3


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


@pytest.mark.slow  # a learning check: 20 epochs
def test_learning_is_scale_free_across_series():
    # The same shape at scales 1 and 1e4: a network that let the large series
    # dominate would forecast the small one badly.
    panel = {
        "small": _series(120, 1.0, "2000-01", 0),
        "large": _series(120, 1e4, "2000-01", 1),
    }
    model = SequenceForecaster(
        window=12,
        horizon=6,
        units=16,
        # Error / last-value error at 20 epochs for random_state 0, 1, 2:
        # 0.07, 0.10, 0.05 (small) and 0.06, 0.15, 0.06 (large); at 60 epochs
        # 0.04 to 0.15.
        epochs=20,
        learning_rate=0.01,
        n_networks=1,
        random_state=0,
    )
    train = {k: v.iloc[:-6] for k, v in panel.items()}
    forecast = model.fit(train).predict()
    for series_id, series in panel.items():
        actual = series.iloc[-6:].to_numpy()
        error = np.abs(forecast[series_id].to_numpy() - actual).mean()
        last_value = np.abs(series.iloc[-7] - actual).mean()
        assert error < last_value, series_id


def test_update_some_series_and_reject_unknown_ones(fitted_panel):
    model = pickle.loads(pickle.dumps(fitted_panel))
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


@pytest.mark.slow
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


def test_panel_forecaster_saves_and_loads(fitted_panel, tmp_path):
    model = fitted_panel
    save_estimator(model, tmp_path / "panel.skrnn")
    loaded = load_estimator(tmp_path / "panel.skrnn")
    for series_id, forecast in model.predict().items():
        pd.testing.assert_series_equal(loaded.predict()[series_id], forecast)


def test_too_short_series_is_named(panel):
    panel["tiny"] = panel["a"].iloc[:10]
    with pytest.raises(ValueError, match=r"Series 'tiny': .* at least \d+ steps"):
        SequenceForecaster(**FAST).fit(panel)


# ---------------------------------------------------------------- level recipe
LEVEL = dict(
    horizon=4, season_length=6, units=8, epochs=3, n_networks=1, random_state=0
)


def _hourly_like(n_series=4, n=90, seed=0):
    """Positive series with a season of 6 at levels 1 to 1000."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return {
        f"s{i}": 10.0**i
        * (1 + 0.3 * np.sin(2 * np.pi * t / 6 + i))
        * np.exp(rng.normal(scale=0.02, size=n))
        for i in range(n_series)
    }


@pytest.fixture(scope="module")
def fitted_level():
    """SequenceForecaster(**LEVEL) fitted once on ``_hourly_like()`` (read only)."""
    return SequenceForecaster(**LEVEL).fit(_hourly_like())


@pytest.mark.slow
def test_level_is_the_auto_choice_for_positive_panels_only(fitted_level):
    model = fitted_level
    assert model.normalize_ == "level" and model.strategy_ == "direct"
    # "auto" window: 7 seasons, fed one season per step.
    assert model.window_ == 42
    assert model.model_.inputs[0].shape[-1] == 6
    panel = _hourly_like()
    panel["s0"] = panel["s0"] - 2.0  # not positive any more
    assert SequenceForecaster(**LEVEL).fit(panel).normalize_ == "standard"
    single = SequenceForecaster(**LEVEL).fit(_hourly_like()["s1"])
    assert single.normalize_ == "standard"


def test_level_window_shrinks_to_the_median_series():
    panel = _hourly_like(n=40)  # 40 - 2 x 4 - 8 + 1 = 25 steps of room: 4 seasons
    assert SequenceForecaster(**LEVEL).fit(panel).window_ == 24


def test_level_forecasts_scale_with_the_series(fitted_level):
    panel = _hourly_like()
    forecast = fitted_level.predict()
    scaled = {k: 1000.0 * v for k, v in panel.items()}
    scaled_forecast = SequenceForecaster(**LEVEL).fit(scaled).predict()
    for series_id in panel:
        np.testing.assert_allclose(
            scaled_forecast[series_id], 1000.0 * forecast[series_id], rtol=1e-4
        )
        assert np.all(forecast[series_id] > 0)


def test_level_windows_targets_weights_and_hold_out():
    from skrnn._engine import ValidationSplit
    from skrnn._forecasting.level import WINDOWS_PER_SERIES, LevelWindows

    arrays = [values for values in _hourly_like(n_series=2, n=200).values()]
    data = LevelWindows(arrays, 12, 4, 6, seed=0)
    for group, values in enumerate(arrays):
        members = np.flatnonzero(data.groups == group)
        assert len(members) == WINDOWS_PER_SERIES + 1
        # The last window of each series comes last: its target is the last values.
        assert data.starts[members[-1]] == len(values) - 12 - 4
        assert data.starts[members[:-1]].max() <= len(values) - 12 - 8
    # Every window of series 1: its inputs and target, log ratios to its level.
    for i in np.flatnonzero(data.groups == 1):
        start = data.starts[i]
        window = arrays[1][start : start + 12]
        level = window.mean()
        np.testing.assert_allclose(
            data.dense[i].ravel(), np.log(window / level), rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            data.targets[i],
            np.log(arrays[1][start + 12 : start + 16] / level),
            rtol=1e-5,
            atol=1e-6,
        )
    assert data.batch(np.arange(3)).shape == (3, 2, 6)
    assert data.weights.mean() == pytest.approx(1.0)
    # Levels 1 and 10 with the same relative swings: equal weights on average.
    ratio = (
        data.weights[data.groups == 1].mean() / data.weights[data.groups == 0].mean()
    )
    assert 0.8 < ratio < 1.25
    _, held_out = ValidationSplit(0.0, shuffle=False, groups=data.groups).split(
        len(data), 0
    )
    assert len(held_out) == 2 and set(data.groups[held_out]) == {0, 1}


def test_level_predict_update_score_and_longer_horizons():
    panel = _hourly_like()
    train = {k: v[:-4] for k, v in panel.items()}
    model = SequenceForecaster(early_stopping=True, **LEVEL).fit(train)
    assert "val_loss" in model.history_
    assert -10 < model.score({k: v[-4:] for k, v in panel.items()}) <= 1
    model.set_params(horizon=10)  # two and a half blocks of 4
    assert [len(f) for f in model.predict().values()] == [10] * 4
    model.update({"s2": panel["s2"][-4:]})
    assert len(model.y_["s2"]) == 90


@pytest.mark.parametrize(
    "change, params, message",
    [
        (lambda p: p.update(s0=p["s0"] - 2.0), {}, "strictly positive"),
        (lambda p: None, {"strategy": "recursive"}, "strategy='direct'"),
        (lambda p: p.update(s0=p["s0"][:8]), {"window": 12}, r"'s0'.* at least 9"),
    ],
)
def test_level_errors(change, params, message):
    panel = _hourly_like()
    change(panel)
    with pytest.raises(ValueError, match=message):
        SequenceForecaster(normalize="level", **LEVEL, **params).fit(panel)


def test_auto_training_parameters_follow_the_normalisation():
    # A panel of positive series gets the M4 recipe, one series the small
    # network; a parameter given explicitly overrides the recipe.
    fast = dict(horizon=4, season_length=6, epochs=1, units=8, random_state=0)
    panel = SequenceForecaster(n_networks=1, **fast).fit(_hourly_like())
    assert panel.normalize_ == "level"
    assert panel.training_params_ == {
        "cell": "gru",
        "units": (8,),
        "bidirectional": False,
        "epochs": 1,
        "batch_size": 256,
        "learning_rate": 3e-3,
        "early_stopping": True,
        "n_iter_no_change": 8,
        "n_networks": 1,
    }
    assert "val_loss" in panel.history_  # early stopping on each last window
    assert panel.model_.get_layer(index=1).__class__.__name__ == "GRU"
    single = SequenceForecaster(**fast).fit(_hourly_like()["s1"])
    assert single.normalize_ == "standard"
    assert single.training_params_["cell"] == "lstm"
    assert single.training_params_["n_networks"] == 1
    assert single.training_params_["early_stopping"] is False
    assert "val_loss" not in single.history_


@pytest.mark.slow
def test_the_default_panel_recipe_trains_an_ensemble_of_five():
    # Neither cell nor units named: the recipe's five GRU(128) networks.
    model = SequenceForecaster(horizon=4, season_length=6, epochs=1)
    model.fit(_hourly_like())
    assert len(model.models_) == 5 and model.training_params_["n_networks"] == 5
    assert model.training_params_["units"] == (128,)


def test_a_panel_of_series_of_other_frequencies_is_refused():
    daily = pd.Series(np.arange(1.0, 61), index=pd.date_range("2020-01-01", periods=60))
    months = pd.date_range("2015-01-01", periods=60, freq="MS")
    monthly = pd.Series(np.arange(1.0, 61), index=months)
    periods = pd.Series(np.arange(1.0, 61), index=months.to_period("M"))
    # (A fixed window: one network for every fit below.)
    model = SequenceForecaster(
        window=6, units=4, epochs=1, calibration=None, random_state=0
    )
    with pytest.raises(
        ValueError, match=r"X\['b'\] has a DatetimeIndex of frequency MS"
    ):
        model.fit({"a": daily, "b": monthly})
    weekly = pd.Series(
        np.arange(1.0, 61), index=pd.period_range("2015-01", periods=60, freq="W")
    )
    with pytest.raises(ValueError, match=r"PeriodIndex of frequency W-SUN, but"):
        model.fit({"a": periods, "b": weekly})
    # One frequency, of other dates, anchors or types: one axis.
    ends = pd.Series(
        np.arange(1.0, 49), index=pd.date_range("2016-01", periods=48, freq="ME")
    )
    model.fit({"a": monthly, "b": monthly[12:], "c": ends, "d": periods})
    assert model.season_length_ == 12

    def on(index):
        return pd.Series(np.arange(1.0, len(index) + 1), index=index)

    for same in [("ME", "BME"), ("SMS", "SME"), ("W-SUN", "7D")]:
        model.fit(
            {key: on(pd.date_range("2000", periods=40, freq=key)) for key in same}
        )
    days, business = (
        pd.date_range("2020", periods=60),
        pd.bdate_range("2020", periods=60),
    )
    with pytest.raises(ValueError, match="frequency B, but"):  # seasons of 7 and 5
        model.fit({"a": on(days), "b": on(business)})
