"""Covariates of SequenceForecaster: known-future, past-only, static, calendar."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import SequenceForecaster, load_estimator, save_estimator
from skrnn._forecasting.covariates import (
    CovariateSpec,
    StaticEncoder,
    assemble,
    resolve_calendar,
)

HORIZON = 7
TINY = dict(horizon=HORIZON, window=14, units=4, epochs=2, n_networks=1, random_state=0)


def _promotion_panel(n_series=4, n=160, seed=0):
    """Daily series with a weekly season whose spikes a promotion explains:
    on promotion days the value is 1.8 times the usual one."""
    rng = np.random.RandomState(seed)
    index = pd.date_range("2021-01-01", periods=n + HORIZON, freq="D")
    y, X = {}, {}
    for i in range(n_series):
        promo = (rng.rand(n + HORIZON) < 0.15).astype(float)
        usual = 20 + 3 * i + 2 * np.sin(2 * np.pi * np.arange(n + HORIZON) / 7)
        values = usual * (1 + 0.8 * promo) + rng.normal(0, 0.3, n + HORIZON)
        y[f"s{i}"] = pd.Series(values, index=index)
        X[f"s{i}"] = pd.DataFrame({"promo": promo}, index=index)
    return y, X


def _split(panel):
    return (
        {k: v.iloc[:-HORIZON] for k, v in panel.items()},
        {k: v.iloc[-HORIZON:] for k, v in panel.items()},
    )


def _mae(forecasts, actual):
    return np.mean([np.abs(forecasts[k] - actual[k]).mean() for k in actual])


@pytest.mark.slow
def test_a_promotion_covariate_explains_the_spikes_of_a_panel_with_intervals():
    y, X = _promotion_panel()
    (train_y, test_y), (train_X, future_X) = _split(y), _split(X)
    params = dict(horizon=HORIZON, window=14, units=16, epochs=30, batch_size=32)
    params.update(n_networks=1, random_state=0)  # the level recipe: a panel > 0
    with_promo = SequenceForecaster(**params).fit(train_X, train_y)
    without = SequenceForecaster(**params).fit(train_y)
    assert with_promo.normalize_ == "level" and with_promo.strategy_ == "direct"
    error_with = _mae(with_promo.predict(future_X), test_y)
    error_without = _mae(without.predict(), test_y)
    # Measured 0.48 against 3.38.
    assert error_with < 0.3 * error_without
    intervals = with_promo.predict_interval(future_X, coverage=0.9)
    covered = [
        ((test_y[k] >= intervals[k]["lower"]) & (test_y[k] <= intervals[k]["upper"]))
        for k in test_y
    ]
    assert np.mean(covered) >= 0.8  # measured 1.0 (28 steps)
    widths = [(intervals[k]["upper"] - intervals[k]["lower"]).mean() for k in test_y]
    assert np.mean(widths) < 2 * error_without  # narrow: the spikes are explained
    quantiles = with_promo.predict_quantiles(future_X, alpha=[0.1, 0.9])
    assert list(quantiles["s0"].columns) == [0.1, 0.9]


@pytest.mark.slow
def test_one_series_direct_forecast_reads_the_future_promotions():
    y, X = _promotion_panel(n_series=1, n=200)
    (train_y, test_y), (train_X, future_X) = _split(y), _split(X)
    params = dict(horizon=HORIZON, window=14, cell="gru", units=16, epochs=30)
    params.update(batch_size=16, learning_rate=1e-2, differences=(), log=False)
    params.update(calibration=None, random_state=0)
    with_promo = SequenceForecaster(**params).fit(train_X["s0"], train_y["s0"])
    without = SequenceForecaster(**params).fit(train_y["s0"])
    assert with_promo.strategy_ == "direct"
    error_with = np.abs(with_promo.predict(future_X["s0"]) - test_y["s0"]).mean()
    error_without = np.abs(without.predict() - test_y["s0"]).mean()
    assert error_with < 0.5 * error_without  # measured 2.05 against 7.35


@pytest.fixture(scope="module")
def fitted_two():
    """SequenceForecaster(**TINY) fitted once on two promotion series: tests
    that change it take a copy (pickle)."""
    y, X = _promotion_panel(n_series=2, n=60)
    return SequenceForecaster(**TINY).fit(_split(X)[0], _split(y)[0])


def test_same_random_state_same_forecasts_and_containers_round_trip(fitted_two):
    y, X = _promotion_panel(n_series=2, n=60)
    (train_y, _), (train_X, future_X) = _split(y), _split(X)
    a = fitted_two.predict(future_X)
    b = SequenceForecaster(**TINY).fit(train_X, train_y).predict(future_X)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert a[k].index.equals(future_X[k].index)
    # The same panel as a list and as a long frame.
    listed = SequenceForecaster(**TINY).fit(
        list(train_X.values()), list(train_y.values())
    )
    forecast = listed.predict(list(future_X.values()))
    assert isinstance(forecast, list) and len(forecast[0]) == HORIZON
    long_y = pd.concat(train_y, names=["id", "day"]).rename("sales")
    long_X = pd.concat(train_X, names=["id", "day"])
    long = SequenceForecaster(**TINY).fit(long_X, long_y)
    forecast = long.predict(pd.concat(future_X, names=["id", "day"]))
    assert forecast.index.names == ["id", "day"] and len(forecast) == 2 * HORIZON
    assert long.n_features_in_ == 1 and list(long.feature_names_in_) == ["promo"]


def test_bad_future_covariates_name_the_series_and_column(fitted_two):
    y, X = _promotion_panel(n_series=2, n=60)
    (train_y, _), (train_X, future_X) = _split(y), _split(X)
    model = fitted_two
    with pytest.raises(ValueError, match="pass their future values"):
        model.predict()
    with pytest.raises(ValueError, match="no covariates for series 's1'"):
        model.predict({"s0": future_X["s0"]})
    with pytest.raises(ValueError, match="Series 's1'.*holds 3 future steps"):
        model.predict({"s0": future_X["s0"], "s1": future_X["s1"].iloc[:3]})
    nan = future_X["s1"].copy()
    nan.iloc[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"X\['s1'\]: covariate 'promo' is missing"):
        model.predict({"s0": future_X["s0"], "s1": nan})
    renamed = {k: v.rename(columns={"promo": "price"}) for k, v in future_X.items()}
    with pytest.raises(ValueError, match="lacks the known-future covariate 'promo'"):
        model.predict(renamed)
    with pytest.raises(ValueError, match="Intervals cover horizon=7 steps"):
        model.predict_interval({k: v.iloc[:3] for k, v in future_X.items()})
    with pytest.raises(ValueError, match="Series 's1'.*columns"):
        SequenceForecaster(**TINY).fit(
            {"s0": train_X["s0"], "s1": train_X["s1"].rename(columns={"promo": "p"})},
            train_y,
        )
    with pytest.raises(ValueError, match="Series 's0': X has 10 rows but y has"):
        SequenceForecaster(**TINY).fit(
            {"s0": train_X["s0"].iloc[:10], "s1": train_X["s1"]}, train_y
        )
    with pytest.raises(ValueError, match="X has no covariates for series 's1'"):
        SequenceForecaster(**TINY).fit({"s0": train_X["s0"]}, train_y)


def test_update_and_score_with_panel_covariates(fitted_two):
    y, X = _promotion_panel(n_series=2, n=60)
    (_, test_y), (_, future_X) = _split(y), _split(X)
    model = pickle.loads(pickle.dumps(fitted_two))
    assert np.isfinite(model.score(future_X, test_y))
    first = {k: v.iloc[:2] for k, v in future_X.items()}
    model.update(first, {k: v.iloc[:2] for k, v in test_y.items()})
    assert len(model.y_["s0"]) == 62 and len(model.X_["s1"]) == 62
    forecast = model.predict({k: v.iloc[2:] for k, v in future_X.items()})
    assert len(forecast["s0"]) == HORIZON - 2
    with pytest.raises(ValueError, match="fitted on a panel with covariates"):
        model.update(test_y)


def test_past_only_covariates_are_not_needed_to_predict():
    y, X = _promotion_panel(n_series=2, n=60)
    rng = np.random.RandomState(1)
    for frame in X.values():
        frame["temperature"] = rng.normal(size=len(frame))
    (train_y, test_y), (train_X, future_X) = _split(y), _split(X)
    model = SequenceForecaster(past_covariates=["temperature"], **TINY)
    model.fit(train_X, train_y)
    assert model._covariates["past"] == [1]
    only_promo = {k: v[["promo"]] for k, v in future_X.items()}
    forecast = model.predict(only_promo)
    np.testing.assert_allclose(forecast["s0"], model.predict(future_X)["s0"])
    # Future temperatures are never read: they change nothing.
    changed = {k: v.assign(temperature=99.0) for k, v in future_X.items()}
    np.testing.assert_allclose(forecast["s1"], model.predict(changed)["s1"])
    model.score(future_X, test_y)
    past_only = SequenceForecaster(past_covariates=["temperature"], **TINY)
    past_only.fit({k: v[["temperature"]] for k, v in train_X.items()}, train_y)
    assert len(past_only.predict()["s0"]) == HORIZON
    with pytest.raises(ValueError, match="without known-future covariates"):
        past_only.predict(only_promo)


def test_static_covariates_numeric_and_categorical():
    y, X = _promotion_panel(n_series=3, n=60)
    (train_y, _), (train_X, future_X) = _split(y), _split(X)
    static = pd.DataFrame(
        {"size": [1.0, 2.0, 3.0], "region": ["north", "south", "north"]},
        index=["s0", "s1", "s2"],
    )
    model = SequenceForecaster(**TINY).fit(train_X, train_y, static=static)
    assert model.static_encoder_.width == 3  # size, north, south
    assert model._static_inputs.shape == (3, 3)
    assert len(model.predict(future_X)["s2"]) == HORIZON
    alone = SequenceForecaster(normalize="standard", **TINY).fit(train_y, static=static)
    assert len(alone.predict()["s1"]) == HORIZON
    with pytest.raises(ValueError, match="no row for series 's2'"):
        SequenceForecaster(**TINY).fit(train_y, static=static.iloc[:2])
    with pytest.raises(ValueError, match="Series 's1': static covariate 'size'"):
        SequenceForecaster(**TINY).fit(train_y, static=static.assign(size=[1, None, 3]))
    unseen = static.assign(region=["north", "west", "north"])
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="Series 's1'.*'region'.*'west', not seen"):
        model.fit(train_X, train_y, static=unseen)
    model.fit(train_X, train_y, static=static)  # the same static: continues
    assert len(model.predict(future_X)["s0"]) == HORIZON


def test_static_encoder_scales_numbers_and_one_hot_encodes_categories():
    frame = pd.DataFrame({"size": [1.0, 3.0], "kind": ["a", "b"]}, index=["x", "y"])
    encoded = StaticEncoder().fit(frame).transform(frame)
    np.testing.assert_allclose(encoded, [[-1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])


def test_calendar_features_are_resolved_from_the_step_and_saved(tmp_path):
    hourly = pd.date_range("2024-01-01", periods=5, freq="h")
    assert resolve_calendar("auto", [hourly]) == ("hour", "dayofweek")
    months = pd.period_range("2020-01", periods=5, freq="M")
    assert resolve_calendar("auto", [months]) == ("month",)
    with pytest.raises(ValueError, match="DatetimeIndex or PeriodIndex"):
        resolve_calendar("auto", [None])
    with pytest.raises(ValueError, match="calendar_features must be"):
        resolve_calendar(["weekday"], [hourly])
    y, _ = _promotion_panel(n_series=2, n=60)
    train_y, _ = _split(y)
    model = SequenceForecaster(calendar_features="auto", **TINY).fit(train_y)
    assert model.calendar_features_ == ["dayofweek", "month"]
    forecast = model.predict()  # the future calendar comes from the index
    save_estimator(model, tmp_path / "calendar.skrnn")
    loaded = load_estimator(tmp_path / "calendar.skrnn")
    assert loaded.calendar_features_ == ["dayofweek", "month"]
    for k in forecast:
        np.testing.assert_array_equal(forecast[k], loaded.predict()[k])


def test_covariate_forecasters_save_and_load(tmp_path):
    y, X = _promotion_panel(n_series=2, n=60)
    (train_y, _), (train_X, future_X) = _split(y), _split(X)
    static = pd.DataFrame({"region": ["n", "s"]}, index=["s0", "s1"])
    model = SequenceForecaster(calendar_features="auto", **{**TINY, "n_networks": 2})
    model.fit(train_X, train_y, static=static)
    assert len(model.models_) == 2
    save_estimator(model, tmp_path / "covariates.skrnn")
    loaded = load_estimator(tmp_path / "covariates.skrnn")
    for k in train_y:
        np.testing.assert_array_equal(
            model.predict(future_X)[k], loaded.predict(future_X)[k]
        )
        pd.testing.assert_frame_equal(
            model.predict_interval(future_X)[k], loaded.predict_interval(future_X)[k]
        )


def test_assemble_reads_values_then_the_known_future_block():
    spec = CovariateSpec(names=("promo", "temp"), past=(1,))
    values = np.ones((1, 2, 1))
    covariates = np.arange(8.0).reshape(1, 4, 2)  # 2 seen steps, 2 to forecast
    rows = assemble(values, covariates, spec)
    # value, past-only temp, known promo, flag
    np.testing.assert_array_equal(
        rows[0], [[1, 1, 0, 0], [1, 3, 2, 0], [0, 0, 4, 1], [0, 0, 6, 1]]
    )
    folded = assemble(values, covariates[:, :3], spec, np.array([[5.0]]), fold=2)
    assert folded.shape == (1, 2, 9)  # 3 rows padded to 4, folded by 2, + static


@pytest.mark.slow
def test_grid_search_backtests_a_long_frame_with_covariates():
    y, X = _promotion_panel(n_series=2, n=80)
    long_y = pd.concat(y, names=["id", "day"]).rename("sales")
    long_X = pd.concat(X, names=["id", "day"])
    order = long_y.index.get_level_values("day").argsort(kind="stable")
    search = GridSearchCV(  # time-major rows: every fold cuts both series
        SequenceForecaster(**{**TINY, "calibration": None}),
        {"units": [2, 4]},
        cv=TimeSeriesSplit(n_splits=2, test_size=2 * HORIZON),
        error_score="raise",
    )
    search.fit(long_X.iloc[order], long_y.iloc[order])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_a_failed_fit_with_covariates_leaves_the_forecaster_as_it_was(fitted_two):
    y, X = _promotion_panel(n_series=2, n=60)
    (train_y, _), (train_X, future_X) = _split(y), _split(X)
    model = pickle.loads(pickle.dumps(fitted_two))
    before = model.predict(future_X)
    bad = {"s0": train_X["s0"], "s1": train_X["s1"].assign(promo=np.nan)}
    with pytest.raises(ValueError, match="'s1'.*'promo'"):
        model.fit(bad, train_y)
    after = model.predict(future_X)
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])


def test_recursive_standard_panel_with_covariates_and_static_has_intervals():
    y, X = _promotion_panel(n_series=2, n=60)
    (train_y, _), (train_X, future_X) = _split(y), _split(X)
    static = pd.DataFrame({"size": [1.0, 2.0]}, index=["s0", "s1"])
    model = SequenceForecaster(
        normalize="standard", strategy="recursive", **{**TINY, "window": 7}
    ).fit(train_X, train_y, static=static)
    assert model.calibration_method_ == "backtest"
    forecast = model.predict(future_X)
    intervals = model.predict_interval(future_X, coverage=0.8)
    for k in forecast:
        assert len(forecast[k]) == HORIZON
        assert (intervals[k]["lower"] <= forecast[k]).all()
        assert (forecast[k] <= intervals[k]["upper"]).all()


def test_future_covariates_of_other_dates_than_the_forecast_are_refused():
    y, X = _promotion_panel(n_series=2, n=60)
    past_y, _ = _split(y)
    past_X, future_X = _split(X)
    model = SequenceForecaster(calibration=None, **TINY).fit(past_X, past_y)
    expected = model.predict(future_X)
    shifted = {**future_X, "s1": X["s1"].iloc[-HORIZON - 2 : -2]}
    with pytest.raises(
        ValueError, match=r"X\['s1'\] are for 2021-02-28.*are 2021-03-02"
    ):
        model.predict(shifted)
    # Positions (arrays) are the steps to forecast, in order.
    arrays = {k: v.to_numpy() for k, v in future_X.items()}
    for key, forecast in model.predict(arrays).items():
        np.testing.assert_allclose(forecast.to_numpy(), expected[key].to_numpy())
