"""Level-normalised windows: the window of a panel with short series (issue 20)."""

import numpy as np
import pytest

from skrnn._forecasting.level import LevelWindows, extend_back, scale_lag
from skrnn._forecasting.seasonality import MIN_TRAINING_WINDOWS


def _series(n, level, seed, period=52):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level * (1.0 + 0.2 * np.sin(2 * np.pi * t / period)) + rng.uniform(
        0, 0.05 * level, n
    )


def test_extend_back_repeats_the_first_value():
    values = np.array([3.0, 4.0, 5.0])
    np.testing.assert_array_equal(extend_back(values, 6), [3, 3, 3, 3, 4, 5])
    assert extend_back(values, 3) is values and extend_back(values, 2) is values


def test_a_short_series_is_extended_and_trains_on_its_own_targets():
    long, short = _series(600, 100.0, 0), _series(67, 10.0, 1)
    window, horizon = 104, 13
    data = LevelWindows([long, short], window, horizon, 52, seed=0)
    members = np.flatnonzero(data.groups == 1)
    added = window + 2 * horizon + MIN_TRAINING_WINDOWS - 1 - len(short)
    # Training windows: those whose 13 targets are the series' own values.
    train, last = data.starts[members[:-1]], data.starts[members[-1]]
    assert len(train) == MIN_TRAINING_WINDOWS
    assert train.min() + window >= added
    # The held-out last window targets the last 13 values.
    assert last == added + len(short) - window - horizon
    level = extend_back(short, added + len(short))[last : last + window].mean()
    np.testing.assert_allclose(
        data.targets[members[-1]], np.log(short[-horizon:] / level), rtol=1e-5
    )
    assert data.dense.shape[1:] == (2, 52)
    # The long series is untouched: up to 64 training windows and its last one.
    assert np.sum(data.groups == 0) == 65
    # The weights come from the series' own values (no extension in the scale).
    ratio = (
        data.weights[data.groups == 1].mean() / data.weights[data.groups == 0].mean()
    )
    assert 0.5 < ratio < 2.0


def test_the_weights_scale_is_one_step_when_the_season_outruns_the_horizon():
    assert scale_lag(24, 48) == 24  # M4 Hourly: MASE's m = 24
    assert scale_lag(52, 13) == 1  # M4 Weekly: MASE's m = 1
    assert scale_lag(12, 12) == 12 and scale_lag(1, 13) == 1
    # Two series with the same one-step noise, one with a strong yearly trend:
    # scaled by their one-step change they weigh alike; by their year-on-year
    # change (the old rule), the trending one would weigh far less.
    rng = np.random.default_rng(5)
    t = np.arange(600)
    flat = 100.0 + rng.normal(size=600)
    trending = 100.0 + 0.2 * t + rng.normal(size=600)
    data = LevelWindows([flat, trending], 104, 13, 52, seed=0)
    per_level = [
        np.mean(data.weights[data.groups == g] / levels)
        for g, levels in enumerate([flat.mean(), trending.mean()])
    ]
    assert 0.7 < per_level[1] / per_level[0] < 1.4


def test_a_series_shorter_than_two_horizons_gives_only_its_held_out_window():
    data = LevelWindows([_series(300, 5.0, 2), _series(20, 5.0, 3)], 52, 13, 52, seed=0)
    assert np.sum(data.groups == 1) == 1


@pytest.mark.parametrize("n_history", [30, 200])
def test_level_forecast_reads_short_histories_extended(n_history):
    window = 104
    seen = []

    def predictor(inputs):  # forecasts the level: log ratio 0
        seen.append(inputs)
        return np.zeros((len(inputs), 13), dtype=np.float32)

    from skrnn._forecasting.normalizations import LevelNormalization
    from skrnn._forecasting.plan import ForecastPlan

    plan = ForecastPlan(
        normalize="level",
        season_length=52,
        strategy="direct",
        network_steps=13,
        log=True,
        differences=(),
        scale=True,
        window=window,
        training={},
        seed=0,
        n_targets=1,
        with_covariates=False,
    )
    history = _series(n_history, 50.0, 4)
    forecast = LevelNormalization(plan).forecast(predictor, [history[:, None]], 13, [0])
    level = extend_back(history, window)[-window:].mean()
    np.testing.assert_allclose(forecast, np.full((1, 13, 1), level))
    assert seen[0].shape == (1, 2, 52)


def test_a_panel_with_short_series_keeps_the_window_of_the_median_one():
    # Needs SequenceForecaster._level_windows to accept series shorter than the
    # window (2 x horizon + 1 values; the change proposed with issue 20).
    from skrnn import SequenceForecaster

    panel = {i: _series(400 + 20 * i, 10.0 * (i + 1), i) for i in range(6)}
    panel["short"] = _series(30, 5.0, 9)
    model = SequenceForecaster(
        horizon=4, season_length=52, units=4, epochs=1, n_networks=1
    ).fit(panel)
    assert model.window_ == 4 * 52  # the shortest series held no season
    forecast = model.predict()
    assert len(forecast["short"]) == 4 and np.all(forecast["short"] > 0)


def test_the_window_sample_is_held_compactly():
    # 100,000 series give 6.5 million windows: their series and starts are
    # int32, their one length is not repeated per window.
    arrays = [_series(n, 10.0 + k, k) for k, n in enumerate([600, 67, 300])]
    data = LevelWindows(arrays, 104, 13, 52, seed=0)
    assert data.starts.dtype == np.int32 and data.groups.dtype == np.int32
    assert data.lengths.strides == (0,) and len(data.lengths) == len(data)
    assert np.all(data.lengths == data.dense.shape[1])
    np.testing.assert_array_equal(np.bincount(data.groups), [65, 9, 65])
