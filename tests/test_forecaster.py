"""SequenceForecaster: the notebook story, pandas indexes, update, backtesting."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import SequenceForecaster
from skrnn.datasets import load_airline

# No calibration backtest (a second fit) where intervals are not tested.
FAST = dict(units=8, epochs=5, calibration=None, random_state=0)


def _sine(n=120, period=12):
    return np.sin(2 * np.pi * np.arange(n) / period) + 0.05 * np.arange(n) / n


def test_airline_in_four_lines_learns_the_season_of_a_held_out_year():
    passengers = load_airline()
    train, held_out = passengers[:-12], passengers[-12:].to_numpy()
    # First differences only: the network itself must learn the season (with
    # seasonal differences, a network that predicts nothing already forecasts
    # last year's months).
    model = SequenceForecaster(
        window=12,
        horizon=12,
        log=True,
        differences=(1,),
        units=8,
        epochs=20,
        learning_rate=0.01,
        calibration=None,
        random_state=0,
    )
    forecast = model.fit(train).predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "passengers"
    months = [f"1960-{m:02d}" for m in range(1, 13)]
    assert list(forecast.index.astype(str)) == months
    assert forecast.index.freqstr == passengers.index.freqstr
    # 1960 against repeating December 1959 (RMSE 103 passengers): at most 60%
    # of its error (measured with random_state 0, 1, 2: 36%, 39%, 50%), and
    # the months rise and fall as they did (correlation 0.94, 0.89, 0.96).
    # Untrained, or with a network that outputs zeros, the forecast misses the
    # season (RMSE 86, correlation 0.2 and 0.18).
    rmse = np.sqrt(np.mean((forecast.to_numpy() - held_out) ** 2))
    naive = np.sqrt(np.mean((train.iloc[-1] - held_out) ** 2))
    assert rmse < 0.6 * naive
    assert np.corrcoef(forecast.to_numpy(), held_out)[0, 1] > 0.8


@pytest.mark.slow  # a learning check: 60 epochs
def test_learns_a_seasonal_series_better_than_repeating_the_last_value():
    series = _sine(150)
    train, test = series[:138], series[138:]
    # The network learns the season: differenced at lag 1 only (the "auto"
    # differences include lag 12, which leaves this series a constant, and any
    # network forecasts it). RMSE 0.015-0.06 of the naive one's for
    # random_state 0, 1, 2 at 60 epochs; 0.67-0.81 at 20.
    model = SequenceForecaster(
        window=12, horizon=12, units=16, epochs=60, differences=(1,), random_state=0
    )
    forecast = model.fit(train).predict()
    naive = np.full(12, train[-1])
    assert forecast.shape == (12,)
    rmse = np.sqrt(np.mean((forecast - test) ** 2))
    assert rmse < 0.5 * np.sqrt(np.mean((naive - test) ** 2))


def test_numpy_and_multivariate_shapes():
    series = np.column_stack([_sine(60), _sine(60, period=6)])
    model = SequenceForecaster(window=6, horizon=3, **FAST).fit(series)
    assert model.n_targets_ == 2
    assert model.predict().shape == (3, 2)
    frame = pd.DataFrame(series, columns=["a", "b"], index=pd.RangeIndex(60))
    forecast = SequenceForecaster(window=6, horizon=3, **FAST).fit(frame).predict()
    assert list(forecast.columns) == ["a", "b"] and forecast.shape == (3, 2)


def test_datetime_index_frequency_is_continued_or_inferred():
    index = pd.date_range("2020-01-06", periods=40, freq="W-MON")
    series = pd.Series(_sine(40), index=index)
    forecast = SequenceForecaster(window=4, horizon=3, **FAST).fit(series).predict()
    expected = pd.date_range("2020-10-12", periods=3, freq="W-MON")
    assert forecast.index.equals(expected)
    no_freq = pd.Series(_sine(40), index=pd.DatetimeIndex(list(index)))
    assert no_freq.index.freq is None
    forecast = SequenceForecaster(window=4, horizon=3, **FAST).fit(no_freq).predict()
    assert forecast.index.equals(expected)


def test_irregular_index_is_a_clear_error():
    index = pd.DatetimeIndex(
        ["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-06"] * 1
    )
    index = index.append(pd.date_range("2020-02-01", periods=20, freq="D"))
    series = pd.Series(_sine(24), index=index)
    with pytest.raises(ValueError, match="no regular frequency"):
        SequenceForecaster(window=3, **FAST).fit(series)
    periods = pd.PeriodIndex(
        ["2020-01", "2020-02", "2020-04"] + [f"2021-{m:02d}" for m in range(1, 13)],
        freq="M",
    )
    with pytest.raises(ValueError, match="PeriodIndex is not regular"):
        SequenceForecaster(window=3, **FAST).fit(pd.Series(_sine(15), index=periods))


@pytest.mark.parametrize(
    "series, params, message",
    [
        (
            np.arange(10.0),
            dict(window=12, differences=()),
            "at least 13 steps.*n_samples = 10",
        ),
        (np.arange(19.0), dict(window=6, differences=(1, 12)), "at least 20 steps"),
        (np.r_[np.arange(30.0), np.nan], dict(window=3), "NaN"),
        (np.arange(30.0) - 5, dict(window=3, log=True), "strictly positive"),
        (np.arange(30.0), dict(window=3, differences=(0,)), "positive ints"),
        (np.arange(30.0), dict(window=3, strategy="mimo"), "'strategy' parameter"),
    ],
)
def test_bad_series_and_parameters(series, params, message):
    with pytest.raises(ValueError, match=message):
        SequenceForecaster(**{**FAST, **params}).fit(series)


def test_update_appends_history_without_refitting():
    passengers = load_airline()
    model = SequenceForecaster(
        window=12, horizon=3, log=True, differences=(12,), **FAST
    )
    model.fit(passengers[:120])
    # A twin of the fitted forecaster (its copy: the same network), kept apart
    # before the update.
    same = pickle.loads(pickle.dumps(model))
    network = model.model_
    model.update(passengers[120:132])
    assert model.model_ is network
    assert len(model.y_) == 132 and model.index_[-1] == pd.Period("1959-12", "M")
    refit_free = model.predict()
    assert str(refit_free.index[0]) == "1960-01"
    # The same network forecasts from the longer history: the twin updated in
    # two steps forecasts the same, and not what it forecast from the shorter
    # history.
    before = same.predict()
    same.update(passengers[120:126]).update(passengers[126:132].to_numpy())
    np.testing.assert_allclose(refit_free.to_numpy(), same.predict().to_numpy())
    assert np.abs(before.to_numpy() - refit_free.to_numpy()).max() > 1.0
    with pytest.raises(ValueError, match="right after 1959-12"):
        model.update(passengers[133:135])
    assert len(model.y_) == 132  # a failed update changes nothing


def test_direct_strategy_outputs_the_whole_horizon():
    model = SequenceForecaster(window=12, horizon=5, strategy="direct", **FAST).fit(
        _sine(80)
    )
    assert model.model_.outputs[0].shape[-1] == 5
    assert model.predict().shape == (5,)
    model.set_params(horizon=12)  # longer forecasts chain blocks of 5
    assert model.predict().shape == (12,)


def _covariate_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    return X, 2.0 * X[:, 0] - X[:, 1] + 0.05 * rng.normal(size=200)


@pytest.mark.slow  # a learning check: 60 epochs
def test_covariates_drive_the_forecast():
    X, y = _covariate_data()
    model = SequenceForecaster(window=4, units=16, epochs=60, random_state=0)
    model.fit(X[:180], y[:180])
    forecast = model.predict(X[180:])
    assert forecast.shape == (20,)
    rmse = np.sqrt(np.mean((forecast - y[180:]) ** 2))
    assert rmse < 0.5 * np.std(y[180:])


def test_a_forecast_from_covariates_needs_their_future_values():
    X, y = _covariate_data()
    model = SequenceForecaster(window=4, **FAST).fit(X[:180], y[:180])
    assert model.predict(X[180:]).shape == (20,)
    with pytest.raises(ValueError, match="pass their future values"):
        model.predict()
    with pytest.raises(ValueError, match="X has 1 features"):
        model.predict(X[180:, :1])
    with pytest.raises(ValueError, match=r"X=20: .*one row per step"):
        model.predict(20)
    with pytest.raises(ValueError, match="different numbers of steps: 20 and 19"):
        model.score(X[180:], y[180:199])
    with pytest.raises(ValueError, match="past_covariates need strategy='direct'"):
        SequenceForecaster(
            window=4, strategy="recursive", past_covariates=[1], **FAST
        ).fit(X, y)


def test_predict_without_covariates_rejects_X():
    model = SequenceForecaster(window=4, **FAST).fit(_sine(40))
    with pytest.raises(ValueError, match="without covariates"):
        model.predict(np.zeros((3, 1)))
    # A number of steps where X goes (statsmodels' forecast(steps) habit) is
    # told where the number of steps goes.
    steps = r"X=5: X holds future covariates, not a number of steps.*horizon=1 "
    with pytest.raises(ValueError, match=steps + r".*set_params\(horizon=5\)"):
        model.predict(5)
    with pytest.raises(ValueError, match="X=5"):
        model.predict(np.int64(5))
    assert model.set_params(horizon=5).predict().shape == (5,)


@pytest.mark.slow
def test_grid_search_backtests_with_time_series_split():
    passengers = load_airline()
    search = GridSearchCV(
        SequenceForecaster(log=True, differences=(12,), **FAST),
        {"window": [6, 12]},
        cv=TimeSeriesSplit(n_splits=2, test_size=12),
        error_score="raise",
    )
    search.fit(passengers)
    assert search.best_params_["window"] in (6, 12)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert str(search.best_estimator_.predict().index[0]) == "1961-01"


@pytest.fixture(scope="module")
def fitted_on_100_months():
    """Fitted once on the first 100 months; tests take copies of it."""
    model = SequenceForecaster(window=12, log=True, differences=(12,), **FAST)
    return model.fit(load_airline()[:100])


def test_score_skips_a_gap_between_fit_and_test(fitted_on_100_months):
    passengers = load_airline()
    model = pickle.loads(pickle.dumps(fitted_on_100_months))
    gap_score = model.score(passengers[110:122])
    forecast = model.set_params(horizon=22).predict()
    from sklearn.metrics import r2_score

    assert gap_score == pytest.approx(r2_score(passengers[110:122], forecast[10:]))


def test_score_after_a_gap_longer_than_the_test_data(fitted_on_100_months):
    # TimeSeriesSplit(gap=...) leaves more steps between fit and test than it tests.
    passengers = load_airline()
    model = pickle.loads(pickle.dumps(fitted_on_100_months))
    gap_score = model.score(passengers[120:126])
    forecast = model.set_params(horizon=26).predict()
    from sklearn.metrics import r2_score

    assert gap_score == pytest.approx(r2_score(passengers[120:126], forecast[20:]))


def test_update_with_plain_values_continues_the_dates():
    passengers = load_airline()
    model = SequenceForecaster(window=12, horizon=3, **FAST).fit(passengers[:120])
    model.update(passengers[120:124].to_numpy())
    assert str(model.index_[-1]) == "1959-04" and len(model.index_) == len(model.y_)
    expected = ["1959-05", "1959-06", "1959-07"]
    assert list(model.predict().index.astype(str)) == expected


def test_parameters_changed_after_fit_are_refused_until_set_back():
    passengers = load_airline()
    model = SequenceForecaster(window=12, horizon=3, **FAST).fit(passengers)
    before = model.predict()
    model.set_params(window=200, log=True, differences=(12,))
    for call in (model.predict, lambda: model.update(passengers.iloc[-1:] * 0 + 1)):
        with pytest.raises(ValueError, match="differences, window changed since fit"):
            call()
    assert model.window_ == 12
    # Named as what "auto" resolved to, they describe the fitted plan.
    model.set_params(window=12, log=model.log_, differences=tuple(model.differences_))
    pd.testing.assert_series_equal(model.predict(), before)
    # Training parameters take effect at the next fit; horizon may change.
    model.set_params(epochs=9, learning_rate=0.5, horizon=2)
    np.testing.assert_array_equal(model.predict().to_numpy(), before.to_numpy()[:2])


def test_divergence_is_a_clear_error():
    from skrnn import TrainingDivergedError

    model = SequenceForecaster(
        window=4, horizon=3, optimizer="sgd", learning_rate=1e9, scale=False, **FAST
    )
    with pytest.raises(TrainingDivergedError):
        model.fit(1e18 * _sine(60))
    assert not hasattr(model, "model_")


def test_pickle_round_trip_keeps_forecasts():
    model = SequenceForecaster(window=6, horizon=3, **FAST).fit(load_airline())
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(restored.predict(), model.predict())


# -------------------------------------------------------------------- ensembles
ENSEMBLE = dict(
    window=6,
    horizon=4,
    units=4,
    epochs=3,
    learning_rate=0.01,
    calibration=None,
    random_state=0,
)
# Noise: the differenced sine alone is constant, and every network forecasts it.
NOISY = _sine() + 0.1 * np.random.RandomState(0).standard_normal(120)


def _members(model):
    """Each network of a fitted ensemble as a forecaster of its own."""
    members = []
    for network in model.models_:
        member = pickle.loads(pickle.dumps(model))
        member.models_ = [network]
        member.model_ = network
        members.append(member)
    return members


@pytest.mark.slow
def test_an_ensemble_forecasts_the_median_of_its_networks():
    model = SequenceForecaster(n_networks=3, **ENSEMBLE).fit(NOISY)
    assert len(model.models_) == 3 and model.model_ is model.models_[0]
    assert [len(h["loss"]) for h in model.histories_] == [3, 3, 3]
    assert model.history_ == model.histories_[0]
    forecasts = np.array([member.predict() for member in _members(model)])
    assert np.abs(forecasts[0] - forecasts[1]).max() > 1e-6  # different seeds
    np.testing.assert_allclose(model.predict(), np.median(forecasts, axis=0))


@pytest.mark.slow
def test_an_ensemble_is_deterministic_and_its_first_network_is_the_single_one():
    first = SequenceForecaster(n_networks=2, **ENSEMBLE).fit(NOISY).predict()
    again = SequenceForecaster(n_networks=2, **ENSEMBLE).fit(NOISY)
    np.testing.assert_array_equal(again.predict(), first)
    single = SequenceForecaster(**ENSEMBLE).fit(NOISY)
    np.testing.assert_allclose(
        _members(again)[0].predict(), single.predict(), rtol=1e-6
    )


def test_an_ensemble_pickles_and_saves(tmp_path):
    from skrnn import load_estimator, save_estimator

    model = SequenceForecaster(n_networks=2, **ENSEMBLE).fit(load_airline())
    expected = model.predict()
    restored = pickle.loads(pickle.dumps(model))
    assert len(restored.models_) == 2 and restored.model_ is restored.models_[0]
    pd.testing.assert_series_equal(restored.predict(), expected)
    save_estimator(model, tmp_path / "ensemble.skrnn")
    loaded = load_estimator(tmp_path / "ensemble.skrnn")
    assert loaded.model_ is loaded.models_[0]
    pd.testing.assert_series_equal(loaded.predict(), expected)


@pytest.mark.slow
def test_warm_start_continues_every_network():
    model = SequenceForecaster(n_networks=2, warm_start=True, **ENSEMBLE)
    model.fit(NOISY)
    networks = list(model.models_)
    model.fit(NOISY)
    assert all(a is b for a, b in zip(model.models_, networks, strict=True))
    assert [len(h["loss"]) for h in model.histories_] == [6, 6]
    with pytest.raises(ValueError, match="n_networks changed"):
        model.set_params(n_networks=3).fit(NOISY)


# ------------------------------------------------------- found in a bug hunt
def _daily(n=80, seed=0):
    rng = np.random.RandomState(seed)
    index = pd.date_range("2020-01-01", periods=n, freq="D")
    return pd.Series(20 + np.sin(np.arange(n) / 2) + rng.rand(n), index=index)


def test_a_warm_start_trains_the_epochs_and_batches_named_for_it():
    series = _daily()
    model = SequenceForecaster(window=7, horizon=3, warm_start=True, **FAST)
    model.set_params(epochs=1).fit(series[:70])
    model.set_params(epochs=3, batch_size=8).fit(series)
    assert model.n_iter_ == 4 == len(model.history_["loss"])
    assert model.training_params_["epochs"] == 3
    assert model.training_params_["batch_size"] == 8


def test_a_warm_start_fine_tunes_at_a_new_learning_rate_and_takes_the_loss_renamed():
    import keras

    def rates(model):
        return [
            float(keras.ops.convert_to_numpy(network.optimizer.learning_rate))
            for network in model.models_
        ]

    series = _daily()
    model = SequenceForecaster(window=7, horizon=3, warm_start=True, **FAST)
    model.set_params(n_networks=2).fit(series[:70])
    assert rates(model) == pytest.approx([1e-3, 1e-3])
    model.set_params(learning_rate=1e-4, loss="mse").fit(series)  # "auto": squared
    assert rates(model) == pytest.approx([1e-4, 1e-4])
    assert model.training_params_["learning_rate"] == 1e-4
    assert model.n_iter_ == 10
    with pytest.raises(ValueError, match=r"loss changed since it was.*'auto' -> 'mae'"):
        model.set_params(loss="mae").fit(series)
    # On level windows "auto" is the absolute error.
    panel = {name: _daily(seed=seed) for seed, name in enumerate("ab")}
    level = SequenceForecaster(
        window=7, horizon=3, normalize="level", warm_start=True, **FAST
    ).fit(panel)
    level.set_params(loss="absolute_error").fit(panel)
    with pytest.raises(ValueError, match=r"loss changed since it was.*'auto' -> 'mse'"):
        level.set_params(loss="mse").fit(panel)


def test_a_users_network_takes_no_architecture_parameters():
    def build(input_shape, n_outputs, output_activation=None):
        import keras

        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.GRU(3)(inputs)
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(hidden))

    params = dict(model=build, epochs=1, window=7, calibration=None, random_state=0)
    with pytest.raises(ValueError, match="model is given.*so cell, units would"):
        SequenceForecaster(units=16, cell="gru", **params).fit(_daily())
    model = SequenceForecaster(**params).fit(_daily())
    assert model.training_params_["cell"] is None
    assert model.training_params_["units"] is None


def test_time_stamps_in_reverse_order_are_refused():
    with pytest.raises(ValueError, match="time stamps do not increase"):
        SequenceForecaster(window=7, horizon=3, **FAST).fit(_daily()[::-1])


def test_covariates_on_other_time_steps_than_the_series_are_refused():
    series = _daily()
    promo = pd.DataFrame({"promo": np.arange(80.0) % 7 == 0}, index=series.index)
    shifted = promo.set_axis(promo.index + pd.Timedelta(days=30))
    model = SequenceForecaster(window=7, horizon=3, **FAST)
    with pytest.raises(ValueError, match=r"covariates' time index \(X\) is not"):
        model.fit(shifted, series)
    model.fit(promo[:70], series[:70])
    with pytest.raises(ValueError, match=r"covariates' time index \(X\) is not"):
        model.update(shifted[70:72], series[70:72])
    assert len(model.y_) == 70


def test_an_update_on_periods_of_a_series_of_time_stamps_is_refused():
    model = SequenceForecaster(window=7, horizon=3, **FAST).fit(_daily()[:70])
    periods = pd.period_range("2020-03-11", periods=2, freq="D")
    with pytest.raises(ValueError, match=r"time axis \(PeriodIndex\) is not the"):
        model.update(pd.Series([1.0, 2.0], index=periods))


def test_a_long_panel_on_integer_years_with_a_gap_is_refused():
    values = 20 + np.sin(np.arange(60) / 3)
    years = np.r_[2000:2030, 2031:2061]
    panel = pd.concat(
        {
            "a": pd.Series(values, index=years),
            "b": pd.Series(values, index=np.arange(2000, 2060)),
        },
        names=["id", "year"],
    )
    with pytest.raises(ValueError, match=r"X\['a'\]: its time steps are neither"):
        SequenceForecaster(window=7, horizon=2, **FAST).fit(panel)


def test_an_update_of_some_series_of_a_panel_with_covariates():
    days = pd.date_range("2024-01-01", periods=70, freq="D")
    rng = np.random.RandomState(0)
    X = {
        s: pd.DataFrame({"promo": (rng.rand(70) < 0.3) * 1.0}, index=days) for s in "ab"
    }
    y = {s: pd.Series(10 + 5 * X[s].promo + rng.rand(70), index=days) for s in "ab"}
    model = SequenceForecaster(window=7, horizon=3, **FAST).fit(
        {s: x[:60] for s, x in X.items()}, {s: v[:60] for s, v in y.items()}
    )
    model.update({"a": X["a"][60:62]}, {"a": y["a"][60:62]})
    assert len(model.y_["a"]) == 62 and len(model.y_["b"]) == 60
    assert len(model.X_["a"]) == 62 and len(model.X_["b"]) == 60


def test_a_forecaster_fitted_before_parameters_were_recorded_warm_starts():
    model = SequenceForecaster(window=7, horizon=3, warm_start=True, **FAST)
    model.fit(_daily())
    del model.__dict__["_fitted_params"]  # an older pickle or file
    assert model.fit(_daily()).n_iter_ == 10
    model = SequenceForecaster(window=7, horizon=3, warm_start=True, **FAST)
    model.fit(_daily()).set_params(recurrent_dropout=0.2)
    with pytest.raises(ValueError, match="but recurrent_dropout changed"):
        model.fit(_daily())


@pytest.fixture(scope="module")
def fitted_daily():
    """SequenceForecaster(window=7, horizon=3) fitted once on ``_daily()``:
    tests that change it take copies (pickle)."""
    return SequenceForecaster(window=7, horizon=3, **FAST).fit(_daily())


@pytest.mark.parametrize("horizon", [0, -1, 2.5, "3", None])
def test_a_horizon_changed_after_fit_is_checked_where_it_is_read(horizon, fitted_daily):
    from sklearn.utils._param_validation import InvalidParameterError

    model = pickle.loads(pickle.dumps(fitted_daily))
    model.set_params(horizon=horizon)
    with pytest.raises(InvalidParameterError, match="'horizon' parameter"):
        model.predict()
    assert len(model.set_params(horizon=5).predict()) == 5


def test_updates_on_another_time_zone_or_period_are_refused_by_name(fitted_daily):
    model = pickle.loads(pickle.dumps(fitted_daily))
    utc = pd.DatetimeIndex(["2020-03-21"]).tz_localize("UTC")
    with pytest.raises(ValueError, match="in time zone UTC, the series' without a"):
        model.update(pd.Series([1.0], index=utc))
    # Aware stamps of another zone (or another library's UTC) are the same
    # instants: placed in the series' zone.
    hours = pd.date_range("2021-03-01", periods=80, freq="h", tz="Europe/Berlin")
    hourly = SequenceForecaster(window=7, horizon=3, **FAST)
    hourly.fit(pd.Series(np.sin(np.arange(80) / 3), index=hours))
    following = (hours[-1] + pd.Timedelta(hours=1)).tz_convert("UTC")
    hourly.update(pd.Series([0.5], index=pd.DatetimeIndex([following])))
    assert hourly.predict().index[0] == hours[-1] + pd.Timedelta(hours=2)
    assert str(hourly.predict().index.tz) == "Europe/Berlin"
    months = pd.period_range("2000-01", periods=40, freq="M")
    monthly = SequenceForecaster(window=7, horizon=3, **FAST)
    monthly.fit(pd.Series(np.sin(np.arange(40) / 3), index=months))
    quarter = pd.PeriodIndex(["2003-09"], freq="Q")
    with pytest.raises(
        ValueError, match=r"periods \(Q-DEC\) are not the series' \(M\)"
    ):
        monthly.update(pd.Series([1.0], index=quarter))
    assert monthly.n_iter_ == 5  # unchanged, and it still updates
    monthly.update(
        pd.Series([1.0], index=pd.period_range("2003-05", periods=1, freq="M"))
    )
    assert monthly.predict().index[0] == pd.Period("2003-06", "M")


def test_an_update_without_new_rows_changes_nothing(fitted_daily):
    series = _daily()
    model = pickle.loads(pickle.dumps(fitted_daily))
    before = model.predict()
    for empty in (series[:0], np.array([]), [], series.to_frame()[:0]):
        assert model.update(empty) is model
    pd.testing.assert_series_equal(model.predict(), before)
    panel = SequenceForecaster(window=7, horizon=3, **FAST).fit(
        {"a": series, "b": series}
    )
    panel.update({"a": series[:0], "b": series[:0]})
    assert panel.predict()["a"].index[0] == before.index[0]
    with pytest.raises(ValueError):  # a non-empty update still must continue the series
        model.update(series[:3])
