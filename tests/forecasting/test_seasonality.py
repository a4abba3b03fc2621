"""Season inference from the training data: one series, and a panel (issue 20);
the forecaster's other "auto" rules (log, differences, window)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skrnn._forecasting.seasonality import (
    _acf_of_changes,
    auto_differences,
    auto_window,
    infer_panel_season_length,
    infer_season_length,
    is_multiplicative,
    level_window,
)


def _weekly_panel(n_series=40, seed=0):
    """Weekly-like sales: random walks, a yearly (52-week) pattern in 1 of 3 series.

    Lengths 80 to 600 weeks, as M4 Weekly's (80 to 2,597): the seasonal series
    alone would be found, but the mean autocorrelation is diluted by the others.
    """
    rng = np.random.default_rng(seed)
    panel = []
    for i in range(n_series):
        n = 80 + 40 * (i // 3)  # the seasonal ones as long as the others
        t = np.arange(n)
        walk = np.cumsum(rng.normal(scale=1.0, size=n))
        # Yearly: a smooth swing and a peak in the holiday weeks.
        swing = 10.0 * np.sin(2 * np.pi * t / 52) + 30.0 * (t % 52 >= 49)
        panel.append(300.0 + walk + (i % 3 == 0) * swing + rng.normal(size=n))
    return panel


def test_acf_of_changes_matches_the_direct_sum():
    values = np.random.default_rng(1).normal(size=120).cumsum()
    changes = np.diff(values)
    centred = changes - changes.mean()
    direct = [
        np.dot(centred[lag:], centred[: len(centred) - lag]) / np.dot(centred, centred)
        for lag in range(30)
    ]
    np.testing.assert_allclose(_acf_of_changes(values, 30), direct, atol=1e-12)
    assert np.all(_acf_of_changes(np.ones(50), 10) == 0)


def test_a_weekly_panel_without_index_has_the_yearly_season():
    panel = _weekly_panel()
    assert infer_panel_season_length(panel) == 52
    # The old rule read the first series only: a random walk, no season.
    assert infer_season_length(panel[1]) != 52


def test_a_panel_without_a_shared_season_has_none():
    rng = np.random.default_rng(2)
    panel = [200.0 + np.cumsum(rng.normal(size=300)) for _ in range(30)]
    assert infer_panel_season_length(panel) == 1


def test_an_hourly_panel_has_the_daily_season():
    rng = np.random.default_rng(3)
    t = np.arange(24 * 30)
    panel = [
        100.0 + 20.0 * np.sin(2 * np.pi * (t + shift) / 24) + rng.normal(size=t.size)
        for shift in range(0, 24, 3)
    ]
    assert infer_panel_season_length(panel) == 24


@pytest.mark.parametrize(
    "freq, season", [("W", 52), ("W-MON", 52), ("h", 24), ("MS", 12), ("QE-DEC", 4)]
)
def test_the_index_frequency_wins_over_the_data(freq, season):
    panel = _weekly_panel(n_series=5)
    index = pd.date_range("2000-01-01", periods=len(panel[0]), freq=freq)
    assert infer_panel_season_length(panel, index) == season


def test_an_anchored_weekly_index_is_weekly():
    # pandas names weekly frequencies "W-SUN": the old rule dropped the "-"
    # before splitting on it and did not recognise them.
    index = pd.date_range("2000-01-02", periods=300, freq="W")
    values = np.random.default_rng(4).normal(size=300).cumsum() + 100.0
    assert infer_season_length(values, index) == 52


def test_one_series_in_a_panel_follows_the_single_series_rule():
    series = _weekly_panel(n_series=1)[0]
    assert infer_panel_season_length([series]) == infer_season_length(series)


def test_the_forecaster_infers_the_season_from_the_whole_panel():
    from skrnn import SequenceForecaster

    panel = dict(enumerate(_weekly_panel(n_series=24)))
    model = SequenceForecaster(
        horizon=4, window=12, units=4, epochs=1, n_networks=1, calibration=None
    )
    model.fit(panel)
    assert model.normalize_ == "level" and model.season_length_ == 52


def test_a_season_named_by_the_index_needs_two_of_them_in_the_series():
    weekly = pd.date_range("2020-01-06", periods=104, freq="W-MON")
    assert infer_season_length(np.arange(104.0), weekly) == 52
    assert infer_season_length(np.arange(103.0), weekly[:103]) == 1


# ------------------------------------------------------------ one series
def test_one_series_without_index_has_the_season_of_its_autocorrelation():
    rng = np.random.default_rng(5)
    t = np.arange(140)
    weekly = np.sin(2 * np.pi * t / 7) + 0.1 * rng.normal(size=t.size)
    assert infer_season_length(weekly) == 7
    assert infer_season_length(rng.normal(size=140).cumsum()) == 1  # a random walk
    # Fewer than 8 changes, or constant ones, tell nothing.
    assert infer_season_length(np.sin(2 * np.pi * np.arange(8) / 2)) == 1
    assert infer_season_length(np.arange(50.0)) == 1


@pytest.mark.parametrize(
    "index, season",
    [
        (pd.period_range("2000-01", periods=300, freq="M"), 12),
        (pd.period_range("2000Q1", periods=300, freq="Q"), 4),
        (pd.period_range("2000-01-01", periods=300, freq="D"), 7),
        (pd.date_range("2000-01-03", periods=300, freq="B"), 5),
        (pd.period_range("2000-01-01", periods=300, freq="h"), 24),
        (pd.date_range("2000-01-01", periods=300, freq="QS-JAN"), 4),
        # Unknown or multiple frequencies: the data decide (a trend: no season).
        (pd.period_range("2000-01-01", periods=300, freq="2h"), 1),
        (pd.period_range("1700", periods=300, freq="Y"), 1),
    ],
)
def test_the_index_of_one_series_names_its_season_quietly(index, season):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas deprecation on the way
        assert infer_season_length(np.arange(300.0), index) == season


def test_seasonal_swings_growing_with_the_level_are_multiplicative():
    from skrnn.datasets import load_airline

    assert is_multiplicative(load_airline().to_numpy(), 12)
    t = np.arange(140)
    growing = (100 + t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12))
    assert is_multiplicative(growing, 12)
    noise = np.random.default_rng(6).normal(size=t.size)
    constant = 100 + t + 10 * np.sin(2 * np.pi * t / 12) + noise
    assert not is_multiplicative(constant, 12)
    # A log needs positive values, a season, and three seasons to compare.
    assert not is_multiplicative(growing - 150, 12)
    assert not is_multiplicative(growing, 1)
    assert not is_multiplicative(growing[:35], 12)


def test_auto_differences_remove_the_trend_then_the_season():
    assert auto_differences(12) == (1, 12)
    assert auto_differences(1) == (1,)


def test_auto_window_is_a_season_shortened_to_leave_eight_windows():
    assert auto_window(24, 1000, 48, 25) == 24
    assert auto_window(1, 1000, 6, 1) == 12  # no season: 12 steps
    assert auto_window(2, 1000, 6, 1) == 12  # too short a season to read
    # 30 steps, 13 lost to differencing, horizon 6: 30 - 13 - 6 - 7 = 4 steps
    # leave 8 windows.
    assert auto_window(12, 30, 6, 13) == 4
    assert auto_window(12, 20, 6, 13) == 1


def test_the_window_follows_the_median_series_not_the_shortest():
    # M4 Weekly at the validation origin: 65 of 359 series hold 67 weeks.
    lengths = [67] * 65 + [900] * 294
    assert level_window(52, lengths, 13) == 4 * 52  # at most 210 values
    # Hourly (the recipe's figures): 7 days of 24 hours, as before.
    assert level_window(24, [652] * 414, 48) == 168
    # Without a season: 12 steps; whole seasons only while they fit the median.
    assert level_window(1, lengths, 13) == 12
    assert level_window(52, [150] * 10, 13) == 2 * 52
    assert level_window(52, [80] * 10, 13) == 12  # not even one season fits
