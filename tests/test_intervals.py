"""Prediction intervals: conformal calibration, containers, persistence."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster, load_estimator, save_estimator
from skrnn._conformal import (
    bounds,
    conformal_offsets,
    order_statistic,
    order_statistics,
    scaled_errors,
)

SMALL = dict(window=12, season_length=12, epochs=3, units=8, random_state=0)


def _noisy_panel(n_series=40, n_steps=110, horizon=6, sigma=0.5, seed=0):
    """Seasonal series with Gaussian noise; the last ``horizon`` values of each
    are the future the intervals are checked on."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps + horizon)
    full = {
        f"s{i}": 10 + 2 * np.sin(2 * np.pi * t / 12 + i) + rng.normal(0, sigma, t.size)
        for i in range(n_series)
    }
    return {k: v[:n_steps] for k, v in full.items()}, {
        k: v[n_steps:] for k, v in full.items()
    }


def _coverage(intervals, future):
    inside = [
        (future[k] >= intervals[k]["lower"].to_numpy())
        & (future[k] <= intervals[k]["upper"].to_numpy())
        for k in future
    ]
    return float(np.mean(inside))


def test_order_statistic_is_the_conformal_quantile():
    values = np.arange(1.0, 20.0)  # 19 errors: the 95% quantile is the 19th
    assert order_statistic(values, 0.95) == 19.0
    assert order_statistic(values, 0.05) == 1.0
    assert np.isnan(order_statistic(values[:10], 0.975))  # too few


def test_order_statistics_pick_the_sorted_elements_of_any_dtype():
    rng = np.random.default_rng(1)
    levels = [0.001, 0.025, 0.05, 0.5, 0.9, 0.975, 0.9999]
    for n in (1, 19, 40, 1000):
        values = rng.standard_cauchy(n)
        for dtype in (np.float64, np.float32):
            column = values.astype(dtype)
            expected = [order_statistic(column, level) for level in levels]
            ordered = np.sort(column)
            for level, value in zip(levels, expected, strict=True):
                rank = (
                    np.floor(level * (n + 1))
                    if level < 0.5
                    else np.ceil(level * (n + 1))
                )
                if 1 <= rank <= n:
                    assert value == float(ordered[int(rank) - 1])
                else:
                    assert np.isnan(value)
            np.testing.assert_array_equal(
                order_statistics(column, levels), np.array(expected)
            )


@pytest.mark.parametrize("n_rows", [60, 2000])
def test_float32_scores_give_the_float64_offsets_within_float32_rounding(n_rows):
    # 60 rows: every step pooled (fewer than 100 errors a step); 2,000 rows:
    # every step its own quantiles, except the last, mostly NaN, pooled.
    rng = np.random.default_rng(2)
    scores = rng.standard_t(3, size=(n_rows, 6)) * np.sqrt(np.arange(1, 7))
    scores[n_rows // 2 :, 3:] = np.nan  # steps beyond series' ends
    scores[rng.random(n_rows) < 0.97, 5] = np.nan
    levels = [0.025, 0.1, 0.5, 0.9, 0.975]
    exact = conformal_offsets(scores, levels, 9, least_growth=0.2)
    rounded = conformal_offsets(scores.astype(np.float32), levels, 9, 0.2)
    assert rounded.dtype == np.float64
    # Own quantiles: the float64 offsets rounded to float32, exactly; pooled
    # ones within float32 rounding of the errors and of the growth's fit.
    own = slice(0, 5) if n_rows == 2000 else slice(0, 0)
    np.testing.assert_array_equal(
        rounded[:, own], exact[:, own].astype(np.float32).astype(np.float64)
    )
    np.testing.assert_allclose(rounded, exact, rtol=1e-5)


def test_pooled_offsets_grow_with_the_step_beyond_the_calibrated_ones():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(60, 4)) * np.sqrt(np.arange(1, 5))
    offsets = conformal_offsets(scores, [0.05, 0.95], 12, least_growth=0.5)
    width = offsets[1] - offsets[0]
    assert np.all(np.diff(width[3:]) > 0)
    assert width[11] > 1.5 * width[0]


def test_intervals_of_signed_errors_correct_a_bias_beside_the_forecast():
    """The quantiles are of signed errors: a forecast that was always too low
    gets an interval above it, which need not contain the forecast itself (as
    the user guide says), and covers the actual values."""
    rng = np.random.default_rng(0)
    forecast = np.full((200, 3), 10.0)
    actual = forecast + 2.0 + rng.uniform(0.0, 1.0, size=forecast.shape)
    scores = scaled_errors(actual, forecast, scale=1.0, log=False)
    offsets = conformal_offsets(scores, [0.05, 0.95], 3)
    lower, upper = bounds(
        np.array([[10.0]] * 3), offsets, 1.0, log=False, positive=False
    )
    assert np.all(lower > 10.0)  # the whole interval above the point forecast
    inside = (actual >= lower[:, 0]) & (actual <= upper[:, 0])
    assert inside.mean() >= 0.85
    # Errors of both signs: the interval holds the forecast.
    centred = conformal_offsets(scores - 2.5, [0.05, 0.95], 3)
    assert np.all(centred[0] < 0) and np.all(centred[1] > 0)


@pytest.mark.slow  # a statistical check of coverage: fits that learn
def test_level_holdout_intervals_cover_gaussian_noise():
    # 40 series x 6 steps = 240 future values; at 90% the binomial standard
    # error is 0.02, so [0.82, 0.97] is a 3.5-sigma band around nominal.
    train, future = _noisy_panel()
    fc = SequenceForecaster(
        horizon=6, normalize="level", early_stopping=True, **SMALL
    ).fit(train)
    assert fc.calibration_method_ == "holdout"
    intervals = fc.predict_interval(coverage=0.9)
    assert set(intervals) == set(train)
    assert 0.82 <= _coverage(intervals, future) <= 0.97


@pytest.mark.slow
def test_backtest_intervals_are_as_wide_as_the_errors_they_bound():
    # 16 noisy seasonal series (differenced at 1 and 12): 800 calibration
    # errors per step, and 9 origins x 16 series x 4 steps = 576 future values.
    # Coverage: binomial standard error about 0.013 (future) and 0.011
    # (calibration): [0.84, 0.95] is a 3-sigma band around 0.9 (measured
    # 0.89, 0.90 for seeds 0, 1). Width: the mean half-width against the 90%
    # quantile of the forecaster's own absolute errors on the future values
    # (measured 1.00, 1.02); intervals 1.4 times too wide or too narrow fail.
    rng = np.random.default_rng(0)
    t = np.arange(300)
    full = {
        f"s{i}": 5 + np.sin(2 * np.pi * t / 12 + i) + rng.normal(0, 0.3, t.size)
        for i in range(16)
    }
    fc = SequenceForecaster(horizon=4, normalize="standard", **SMALL)
    fc.fit({k: v[:260] for k, v in full.items()})
    assert fc.calibration_method_ == "backtest"
    assert fc.calibration_scores_.shape == (800, 4)
    inside, half, errors = [], [], []
    for origin in range(260, 296, 4):
        intervals, forecast = fc.predict_interval(coverage=0.9), fc.predict()
        for key, values in full.items():
            actual = values[origin : origin + 4]
            lower = intervals[key]["lower"].to_numpy()
            upper = intervals[key]["upper"].to_numpy()
            inside.extend((actual >= lower) & (actual <= upper))
            half.extend((upper - lower) / 2)
            errors.extend(np.abs(actual - forecast[key]))
        fc.update({k: v[origin : origin + 4] for k, v in full.items()})
    assert 0.84 <= np.mean(inside) <= 0.95
    assert 0.75 <= np.mean(half) / np.quantile(errors, 0.9) <= 1.3


@pytest.mark.slow  # a statistical check of coverage: fits that learn
def test_backtest_intervals_of_one_series_cover_and_follow_update():
    # One series, 2 x 40 steps after the fit, intervals re-forecast after each
    # update of 4 steps: 80 values, 90% nominal. The calibration holds 50 errors
    # per step from one stretch of one series, whose noise differs from the
    # future's by chance: the band [0.78, 0.99] is what so few values allow
    # (the width is checked on a panel above).
    rng = np.random.default_rng(1)
    t = np.arange(300)
    series = 5 + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size)
    fc = SequenceForecaster(horizon=4, **SMALL).fit(series[:220])
    assert fc.calibration_method_ == "backtest"
    inside = []
    for start in range(220, 300, 4):
        interval = fc.predict_interval(coverage=0.9).to_numpy()
        actual = series[start : start + 4]
        inside.extend((actual >= interval[:, 0]) & (actual <= interval[:, 1]))
        fc.update(actual)
    assert 0.78 <= np.mean(inside) <= 0.99


def test_single_series_frames_and_nesting():
    y = pd.Series(
        10 + np.sin(np.arange(120) / 2) + np.random.default_rng(2).normal(0, 0.2, 120),
        index=pd.period_range("2000-01", periods=120, freq="M"),
        name="sales",
    )
    fc = SequenceForecaster(horizon=3, **SMALL).fit(y)
    forecast = fc.predict()
    interval = fc.predict_interval()
    assert list(interval.columns) == ["lower", "upper"]
    assert interval.index.equals(forecast.index)
    two = fc.predict_interval(coverage=[0.8, 0.95])
    assert list(two.columns.get_level_values(0).unique()) == [0.8, 0.95]
    assert np.all(two[0.95]["lower"] <= two[0.8]["lower"])
    assert np.all(two[0.95]["upper"] >= two[0.8]["upper"])
    quantiles = fc.predict_quantiles(alpha=[0.9, 0.1, 0.5])
    assert list(quantiles.columns) == [0.1, 0.5, 0.9]
    assert np.all(np.diff(quantiles.to_numpy(), axis=1) >= 0)
    width = (interval["upper"] - interval["lower"]).to_numpy()
    assert width[-1] > width[0]


def test_a_series_of_several_columns_has_bounds_per_column():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {"a": np.sin(np.arange(90) / 2), "b": np.cos(np.arange(90) / 3)}
    ) + rng.normal(0, 0.1, (90, 2))
    fc = SequenceForecaster(horizon=3, **SMALL).fit(frame)
    interval = fc.predict_interval(coverage=0.8)
    assert list(interval.columns) == [
        ("a", "lower"),
        ("a", "upper"),
        ("b", "lower"),
        ("b", "upper"),
    ]
    assert np.all(interval["a"]["lower"] < interval["a"]["upper"])


def test_panel_containers_and_same_seed_same_intervals():
    train, _ = _noisy_panel(n_series=3, n_steps=90)
    params = dict(horizon=3, normalize="standard", **SMALL)
    intervals = SequenceForecaster(**params).fit(list(train.values()))
    intervals = intervals.predict_interval()
    assert isinstance(intervals, list) and len(intervals) == 3
    long = pd.concat(
        {k: pd.Series(v) for k, v in train.items()}, names=["id", "t"]
    ).rename("y")
    frame = SequenceForecaster(**params).fit(long).predict_interval()
    assert frame.index.names == ["id", "t"]
    assert list(frame.columns) == ["lower", "upper"]
    # The same data and random_state give the same intervals, whatever the container.
    for series_id, expected in zip(train, intervals, strict=True):
        np.testing.assert_array_equal(frame.loc[series_id].to_numpy(), expected)


def test_no_out_of_sample_errors_is_an_error_not_a_silent_interval():
    fc = SequenceForecaster(horizon=3, calibration=None, **SMALL)
    fc.fit(np.sin(np.arange(80) / 3))
    with pytest.raises(ValueError, match="calibration='backtest'"):
        fc.predict_interval()
    short = SequenceForecaster(horizon=3, **SMALL).fit(np.sin(np.arange(28) / 3))
    with pytest.raises(ValueError, match="too short"):
        short.predict_quantiles()


@pytest.fixture(scope="module")
def fitted_sine():
    """A backtest-calibrated forecaster of one sine, fitted once: a test that
    changes it takes a copy (pickle)."""
    return SequenceForecaster(horizon=3, **SMALL).fit(np.sin(np.arange(80) / 3))


def test_intervals_survive_pickle_and_save_and_refuse_bad_levels(tmp_path, fitted_sine):
    fc = fitted_sine
    expected = fc.predict_interval(coverage=0.8)
    pd.testing.assert_frame_equal(
        pickle.loads(pickle.dumps(fc)).predict_interval(coverage=0.8), expected
    )
    save_estimator(fc, tmp_path / "fc.skrnn")
    loaded = load_estimator(tmp_path / "fc.skrnn")
    assert loaded.calibration_scores_.dtype == np.float32
    np.testing.assert_array_equal(loaded.calibration_scores_, fc.calibration_scores_)
    pd.testing.assert_frame_equal(loaded.predict_interval(coverage=0.8), expected)
    # A file whose errors are float64 (saved before they were float32) loads
    # as it was and gives the same intervals within float32 rounding.
    fc64 = pickle.loads(pickle.dumps(fc))
    fc64.calibration_scores_ = fc.calibration_scores_.astype(np.float64)
    save_estimator(fc64, tmp_path / "fc64.skrnn")
    old = load_estimator(tmp_path / "fc64.skrnn")
    assert old.calibration_scores_.dtype == np.float64
    pd.testing.assert_frame_equal(
        old.predict_interval(coverage=0.8), expected, rtol=1e-6
    )
    with pytest.raises(ValueError, match="coverage"):
        fc.predict_interval(coverage=1.5)
    with pytest.raises(ValueError, match="without X"):
        fc.predict_interval(X=np.zeros((2, 1)))


@pytest.mark.slow  # a statistical check of coverage: fits that learn
def test_regressor_intervals_cover_gaussian_noise():
    from skrnn import RNNRegressor

    sigma = 0.5
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 6, 1))
    y = X[:, -2:, 0].sum(axis=1) + rng.normal(0, sigma, 2000)
    reg = RNNRegressor(
        units=8,
        epochs=20,
        learning_rate=0.01,
        early_stopping=True,
        validation_fraction=0.25,
        n_networks=1,
        random_state=0,
    ).fit(X[:1000], y[:1000])
    assert reg.calibration_errors_.shape == (250, 1)
    interval = reg.predict_interval(X[1000:], coverage=0.9)
    assert interval.shape == (1000, 2)
    # Split conformal with 250 held-out errors: the coverage given those errors
    # is Beta-distributed around 0.9 (standard deviation sqrt(0.9 * 0.1 / 250)
    # = 0.019), measured on 1000 new samples (binomial: 0.0095): 0.021 in all.
    # Three of them either side: [0.836, 0.964] (measured: 0.867 to 0.908
    # over three data seeds). Intervals twice as wide cover 0.999.
    inside = (y[1000:] >= interval[:, 0]) & (y[1000:] <= interval[:, 1])
    assert 0.836 <= inside.mean() <= 0.964
    # The half-width is the 90% quantile of the absolute errors: 1.645 sigma
    # for a network that learned the signal (its own error only widens it).
    # The quantile of 250 errors varies by 5.6% (its density there is 0.21):
    # at least 0.83 of that, and at most 1.3 (measured: 0.96 to 1.09);
    # twice as wide is 1.9 or more.
    ratio = (interval[:, 1] - interval[:, 0]).mean() / 2 / (1.645 * sigma)
    assert 0.83 <= ratio <= 1.3
    both = reg.predict_interval(X[1000:1002], coverage=[0.5, 0.9])
    assert both.shape == (2, 2, 2)
    assert np.all(both[:, 0, 1] <= both[:, 0, 0])
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(reg)).predict_interval(X[1000:1002], [0.5, 0.9]),
        both,
    )


def test_regressor_without_held_out_errors_refuses():
    from skrnn import RNNRegressor

    X = np.random.default_rng(0).normal(size=(40, 5, 1))
    reg = RNNRegressor(units=2, epochs=1, n_networks=1, random_state=0)
    reg.fit(X, X[:, -1, 0])
    assert reg.calibration_errors_ is None
    with pytest.raises(ValueError, match="early_stopping=True"):
        reg.predict_interval(X)


def test_an_impossible_explicit_calibration_is_refused_before_training(fitted_sine):
    series = np.sin(np.arange(80) / 3)
    fc = pickle.loads(pickle.dumps(fitted_sine))
    assert fc.warm_start is False
    network, expected = fc.model_, fc.predict_interval(coverage=0.8)
    # "holdout" needs the level recipe's held-out windows; a single series has none.
    with pytest.raises(ValueError, match="calibration='holdout' needs"):
        fc.set_params(calibration="holdout").fit(series)
    with pytest.raises(ValueError, match="calibration='backtest' cannot run"):
        fc.set_params(calibration="backtest").fit(series[:28])
    # Refused before any training: the fitted forecaster is as it was.
    assert fc.model_ is network
    pd.testing.assert_frame_equal(fc.predict_interval(coverage=0.8), expected)


def test_out_of_sample_errors_are_the_same_in_any_chunks(monkeypatch):
    """The origins are forecast a chunk at a time, built per chunk (never a
    list of every origin of a large panel): any chunk size, the same errors."""
    from skrnn._forecasting import calibration as _calibration

    rng = np.random.default_rng(0)
    histories = [rng.uniform(1, 2, (n, 1)) for n in (30, 41, 25)]
    scales = np.array([[0.5], [1.0], [2.0]])
    calls = []

    def forecast(origins, positions, n_steps):
        calls.append(len(origins))
        return np.stack(
            [
                np.repeat(h[-1:], n_steps, axis=0) * (1 + p)
                for h, p in zip(origins, positions, strict=True)
            ]
        )

    whole = _calibration.out_of_sample_errors(forecast, histories, scales, 5, 4, False)
    monkeypatch.setattr(_calibration, "ORIGINS_PER_CALL", 4)
    calls.clear()
    chunked = _calibration.out_of_sample_errors(
        forecast, histories, scales, 5, 4, False
    )
    assert calls == [4, 4, 4, 3]
    np.testing.assert_array_equal(chunked, whole)
    # Series 1, its third origin (step 38 of 41): three steps left, then NaN.
    row = whole[1 * 5 + 2]
    expected = histories[1][38:41, 0] - 2 * histories[1][37, 0]
    np.testing.assert_allclose(row[:3], expected, rtol=1e-6)
    assert np.isnan(row[3])
    # Held as float32: the errors computed in float64, then rounded (half the
    # memory of float64; 100,000 series at horizon 24 hold 220 MiB of them).
    assert whole.dtype == np.float32
    monkeypatch.setattr(_calibration, "SCORE_DTYPE", np.float64)
    exact = _calibration.out_of_sample_errors(forecast, histories, scales, 5, 4, False)
    assert exact.dtype == np.float64
    np.testing.assert_array_equal(whole, exact.astype(np.float32))


def test_a_large_panel_keeps_a_seeded_sample_of_its_origins_errors(monkeypatch):
    """Beyond MAX_ORIGINS origins only a random sample of them is forecast and
    kept: the same rows as from all origins, drawn alike for the same seed."""
    from skrnn._forecasting import calibration as _calibration

    rng = np.random.default_rng(0)
    histories = [rng.uniform(1, 2, (n, 1)) for n in (30, 41, 25, 33)]
    scales = np.array([[0.5], [1.0], [2.0], [1.5]])
    forecast_at = []  # the row of each origin forecast: series * 5 + origin

    def forecast(origins, positions, n_steps):
        forecast_at.extend(
            p * 5 + len(h) - (len(histories[p]) - 5)
            for h, p in zip(origins, positions, strict=True)
        )
        return np.stack(
            [
                np.repeat(h[-1:], n_steps, axis=0) * (1 + p)
                for h, p in zip(origins, positions, strict=True)
            ]
        )

    args = (forecast, histories, scales, 5, 4, False)
    every = _calibration.out_of_sample_errors(*args)
    assert forecast_at == list(range(20))
    forecast_at.clear()
    sampled = _calibration.out_of_sample_errors(*args, sample=(7, 3))
    rows = list(forecast_at)
    assert len(rows) == 7 and rows == sorted(set(rows))  # 7 origins, in order
    np.testing.assert_array_equal(sampled, every[rows])
    forecast_at.clear()
    again = _calibration.out_of_sample_errors(*args, sample=(7, 3))
    assert forecast_at == rows
    np.testing.assert_array_equal(again, sampled)
    forecast_at.clear()
    _calibration.out_of_sample_errors(*args, sample=(7, 4))
    assert forecast_at != rows  # another seed, another sample
    # At or under the limit, every origin is kept, in order.
    np.testing.assert_array_equal(
        _calibration.out_of_sample_errors(*args, sample=(20, 3)), every
    )
    # A fit keeps at most MAX_ORIGINS of them (6 series x 4 hold-out origins
    # here), rows of what it keeps without the limit; its intervals read them.
    panel = {f"s{k}": 10 + k + np.sin(np.arange(120) / 3) for k in range(6)}
    params = dict(horizon=4, window=12, units=4, epochs=1, n_networks=1)
    full = SequenceForecaster(**params, random_state=0).fit(panel)
    assert full.calibration_scores_.shape == (24, 4)
    monkeypatch.setattr(_calibration, "MAX_ORIGINS", 10)
    fc = SequenceForecaster(**params, random_state=0).fit(panel)
    assert fc.calibration_scores_.shape == (10, 4)
    # (the same network; forecasts in batches of another size may differ in
    # float32's last bits)
    for row in fc.calibration_scores_:
        assert any(
            np.allclose(row, other, rtol=1e-4, equal_nan=True)
            for other in full.calibration_scores_
        )
    intervals = fc.predict_interval(coverage=0.8)
    assert set(intervals) == set(panel)


def test_a_constant_series_takes_a_scale_in_its_own_units():
    from skrnn._forecasting.calibration import series_scales

    rng = np.random.RandomState(0)
    big = 1e6 * (1 + 0.1 * np.sin(np.arange(100) / 2)) + 1e4 * rng.rand(100)
    periodic = np.tile([1.0, 2.0, 3.0], 34)[:100]
    histories = [big[:, None], np.full((100, 1), 5.0), periodic[:, None]]
    scales = series_scales(histories, season_length=3, log=False)[:, 0]
    assert scales[2] == pytest.approx(np.abs(np.diff(periodic)).mean())  # lag 1
    # The others' median scale relative to their level, at this one's level.
    relative = np.median([scales[0] / big.mean(), scales[2] / periodic.mean()])
    assert scales[1] == pytest.approx(5.0 * relative)
    # Log errors are relative already: the others' median scale as it is (a
    # level factor, mean |log 1.001|, made the scale 1e-6 and the pooled
    # scores explode).
    logged = series_scales(histories[:2], season_length=3, log=True)[:, 0]
    assert logged[1] == logged[0]
    # Fitted: the constant series' interval is about its own values, not millions.
    index = pd.date_range("2020-01-01", periods=100, freq="D")
    panel = {"big": pd.Series(big, index=index), "const": pd.Series(5.0, index=index)}
    model = SequenceForecaster(
        horizon=3,
        units=4,
        epochs=2,
        n_networks=1,
        calibration="backtest",
        random_state=0,
    ).fit(panel)
    interval = model.predict_interval(coverage=0.9)["const"]
    assert (interval["upper"] - interval["lower"]).max() < 5.0


def test_a_level_computed_from_a_coverage_takes_the_rank_it_names():
    # (1 - 0.9) / 2 is 0.04999999999999999: with 19 errors, 0.05 x 20 is rank 1.
    errors = np.arange(1.0, 20.0)
    assert (1 - 0.9) / 2 != 0.05
    assert order_statistic(errors, (1 - 0.9) / 2) == order_statistic(errors, 0.05) == 1
    assert order_statistic(np.arange(1.0, 40.0), (1 - 0.9) / 2) == 2
    # ... and the least number of errors a coverage needs is said as such.
    from skrnn._conformal import absolute_quantile, check_levels

    assert absolute_quantile(np.ones((9, 1)), 0.9)[0] == 1.0
    with pytest.raises(ValueError, match="8 held-out errors.*needs at least 9"):
        absolute_quantile(np.ones((8, 1)), 0.9)
    with pytest.raises(ValueError, match="coverage must be a float or a list"):
        check_levels([[0.8, 0.9]], "coverage", interval=True)


# ------------------------------------------------- the regressor, from a bug hunt
def test_an_interval_below_the_median_bounds_the_absolute_errors_from_above():
    from skrnn._conformal import absolute_quantile

    errors = np.arange(1.0, 7.0)[:, np.newaxis]  # 6 errors
    # ceil(0.3 * 7) = 3rd smallest, as at any coverage (was the 2nd: floor).
    np.testing.assert_array_equal(absolute_quantile(errors, 0.3), [3.0])
    np.testing.assert_array_equal(absolute_quantile(errors, 0.1), [1.0])
    with pytest.raises(ValueError, match="6 held-out errors .* at least 9"):
        absolute_quantile(errors, 0.9)


def test_warm_fits_hold_out_the_same_samples(monkeypatch):
    from skrnn import RNNRegressor, _engine

    held = []
    split = _engine.ValidationSplit.split

    def recording(self, n_samples, seed):
        train, held_out = split(self, n_samples, seed)
        held.append(sorted(held_out))
        return train, held_out

    monkeypatch.setattr(_engine.ValidationSplit, "split", recording)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 5, 1))
    reg = RNNRegressor(
        units=2, epochs=1, early_stopping=True, warm_start=True, random_state=0
    )
    reg.fit(X, X[:, -1, 0]).fit(X, X[:, -1, 0])
    # A new draw held out samples the first call trained on: the intervals
    # then read seen samples (coverage 0.85 -> 0.73 over three warm calls).
    assert len(held) == 2 and held[0] == held[1]


def test_the_regressor_says_why_it_holds_no_errors():
    from skrnn import RNNRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5, 1))
    reg = RNNRegressor(units=2, epochs=1, early_stopping=True, random_state=0)
    reg.fit(X, X[:, -1, 0]).partial_fit(X, X[:, -1, 0])
    with pytest.raises(ValueError, match="partial_fit, held out no samples"):
        reg.predict_interval(X)
    # Decided by the training sequences, whichever samples are held out (all of
    # one length for some seeds here).
    ragged = [rng.normal(size=(n, 1)) for n in [5] * 18 + [7, 9]]
    for seed in (0, 1):  # seed 1 holds out samples of one length only
        steps = RNNRegressor(
            units=2,
            epochs=1,
            early_stopping=True,
            return_sequences=True,
            random_state=seed,
        ).fit(ragged, [x[:, 0] for x in ragged])
        assert steps.calibration_errors_ is None
        with pytest.raises(ValueError, match="sequences of different lengths are not"):
            steps.predict_interval(ragged[:2])
    # Per-step targets in any form fit takes calibrate from the validated ones.
    Y = X[:, :, 0].cumsum(axis=1)
    series = RNNRegressor(
        units=2, epochs=1, early_stopping=True, return_sequences=True, random_state=0
    ).fit(X, pd.Series(list(Y)))
    assert series.calibration_errors_.shape == (4 * 5, 1)  # 4 held out, 5 steps


def test_intervals_are_calibrated_on_the_targets_in_float64():
    from skrnn import RNNRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5, 1))
    y = 1e7 + X[:, -1, 0]  # float32's spacing at 1e7 is 1.0
    reg = RNNRegressor(
        units=2, epochs=1, early_stopping=True, scale_targets=True, random_state=0
    ).fit(X, y)
    errors = np.sort(reg.calibration_errors_[:, 0])
    # The held-out samples are those of ValidationSplit's seeded draw.
    from skrnn import _engine

    _, held_out = _engine.ValidationSplit(0.1, seed=reg._seed).split(40, 0)
    expected = np.sort(np.abs(y[held_out] - reg.predict(X[held_out])))
    np.testing.assert_allclose(errors, expected, rtol=1e-12)
