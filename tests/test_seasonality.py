"""Season inference from the training data: one series, and a panel (issue 20)."""

import numpy as np
import pandas as pd
import pytest

from skrnn._seasonality import (
    _acf_of_changes,
    infer_panel_season_length,
    infer_season_length,
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
