"""Covariates of a long-format panel as columns beside the target: fit(frame).

One long DataFrame indexed by (series id, time) holds the target column
(``target_col``) and the covariate columns; it forecasts exactly as the same
data given as ``fit(X, y)``.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import SequenceForecaster, load_estimator, save_estimator

HORIZON = 7
N_STEPS = 60
TINY = dict(horizon=HORIZON, window=14, units=4, epochs=2, n_networks=1, random_state=0)
NAMES = ["id", "day"]


def _frame(target="y", n_series=3, seed=0):
    """A long frame of positive daily series with a promotion (known in
    advance) and a temperature column, ``HORIZON`` steps past the training
    ones."""
    rng = np.random.RandomState(seed)
    n = N_STEPS + HORIZON
    index = pd.date_range("2021-01-01", periods=n, freq="D")
    parts = {}
    for i in range(n_series):
        promo = (rng.rand(n) < 0.15).astype(float)
        usual = 20 + 3 * i + 2 * np.sin(2 * np.pi * np.arange(n) / 7)
        parts[f"s{i}"] = pd.DataFrame(
            {
                "promo": promo,
                target: usual * (1 + 0.8 * promo) + rng.normal(0, 0.3, n),
                "temp": rng.normal(size=n),
            },
            index=index,
        )
    return pd.concat(parts, names=NAMES)


def _train_test(frame):
    by_series = frame.groupby(level=0, sort=False)
    return by_series.head(N_STEPS), by_series.tail(HORIZON)


def _covariates(frame, target="y"):
    return frame.drop(columns=target)


@pytest.fixture(scope="module")
def fitted():
    """The same data fitted once as one frame and once as X and y: tests that
    change them take copies (pickle)."""
    train, _ = _train_test(_frame())
    combined = SequenceForecaster(**TINY).fit(train)
    separate = SequenceForecaster(**TINY).fit(_covariates(train), train["y"])
    return combined, separate


def test_combined_frame_forecasts_like_x_and_y(fitted):
    train, test = _train_test(_frame())
    future = _covariates(test)
    combined, separate = fitted
    forecast = combined.predict(future)
    np.testing.assert_allclose(forecast, separate.predict(future), rtol=1e-6)
    assert forecast.index.names == NAMES and forecast.name == "y"
    assert len(forecast) == 3 * HORIZON
    assert forecast.index.equals(test.index)
    assert list(combined.feature_names_in_) == ["promo", "temp"]
    assert combined.n_features_in_ == 2
    intervals = combined.predict_interval(future, coverage=0.9)
    pd.testing.assert_frame_equal(
        intervals, separate.predict_interval(future, coverage=0.9), rtol=1e-6
    )
    assert list(intervals.columns) == ["lower", "upper"]
    assert intervals.index.names == NAMES
    assert (intervals["lower"] <= forecast).all()
    assert (forecast <= intervals["upper"]).all()
    quantiles = combined.predict_quantiles(future, alpha=[0.1, 0.9])
    assert list(quantiles.columns) == [0.1, 0.9] and len(quantiles) == 3 * HORIZON


def test_past_covariates_named_in_the_combined_frame():
    train, test = _train_test(_frame(target="sales"))
    params = dict(target_col="sales", past_covariates=["temp"], **TINY)
    combined = SequenceForecaster(**params).fit(train)
    assert combined._covariates["past"] == [1]  # promo, temp
    forecast = combined.predict(test[["promo"]])  # past-only temp not needed
    assert forecast.name == "sales"
    separate = SequenceForecaster(**params).fit(
        _covariates(train, "sales"), train["sales"]
    )
    np.testing.assert_allclose(forecast, separate.predict(test[["promo"]]), rtol=1e-6)
    # Future temperatures are never read.
    np.testing.assert_allclose(
        forecast, combined.predict(test[["promo", "temp"]].assign(temp=99.0))
    )


def test_update_and_score_take_the_combined_frame(tmp_path, fitted):
    _, test = _train_test(_frame())
    model, separate = pickle.loads(pickle.dumps(fitted))
    assert model.score(test) == pytest.approx(
        separate.score(_covariates(test), test["y"]), rel=1e-6
    )
    by_series = test.groupby(level=0, sort=False)
    first, rest = by_series.head(2), by_series.tail(HORIZON - 2)
    model.update(first[["temp", "y", "promo"]])  # columns in any order
    separate.update(_covariates(first), first["y"])
    assert len(model.y_["s0"]) == N_STEPS + 2 and len(model.X_["s2"]) == N_STEPS + 2
    forecast = model.predict(_covariates(rest))
    assert len(forecast) == 3 * (HORIZON - 2)
    np.testing.assert_allclose(forecast, separate.predict(_covariates(rest)), rtol=1e-6)
    # The combined form is remembered when saved and loaded.
    save_estimator(model, tmp_path / "combined.skrnn")
    loaded = load_estimator(tmp_path / "combined.skrnn")
    assert np.isfinite(loaded.score(rest))
    with pytest.raises(ValueError, match=r"or update\(frame\) with one long frame"):
        model.update(first["y"])
    with pytest.raises(
        ValueError, match=r"update\(frame\) takes the target column 'y'"
    ):
        model.update(_covariates(first))
    with pytest.raises(ValueError, match=r"score\(frame\).*it lacks 'temp'"):
        model.score(test[["promo", "y"]])
    with pytest.raises(ValueError, match="'price' is not a fitted covariate"):
        model.score(test.assign(price=1.0))


def test_grid_search_backtests_the_combined_frame():
    frame = _frame().sort_index(level="day")  # time-major: each fold cuts all
    search = GridSearchCV(
        SequenceForecaster(**{**TINY, "calibration": None}),
        {"units": [4]},
        cv=TimeSeriesSplit(n_splits=2, test_size=3 * HORIZON),
        refit=False,
        error_score="raise",
    )
    search.fit(frame)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_a_one_column_long_frame_is_a_panel_without_covariates():
    train, test = _train_test(_frame())
    sales = train[["y"]].rename(columns={"y": "sales"})
    model = SequenceForecaster(**TINY).fit(sales)
    assert model.X_ is None and model.predict().name == "sales"
    with pytest.raises(ValueError, match="fitted on a long panel without covariates"):
        model.update(test)


def test_combined_frame_errors_name_the_column_and_series(fitted):
    frame = _frame()
    train, test = _train_test(frame)
    with pytest.raises(
        ValueError,
        match=r"target_col='sales'.*its columns are \['promo', 'y', 'temp'\]",
    ):
        SequenceForecaster(target_col="sales", **TINY).fit(train)
    nan = train.copy()
    nan.loc[("s1", nan.loc["s1"].index[5]), "temp"] = np.nan
    with pytest.raises(ValueError, match=r"X\['s1'\]: covariate 'temp' is missing"):
        SequenceForecaster(**TINY).fit(nan)
    model = fitted[0]
    future = _covariates(test)
    with pytest.raises(
        ValueError, match="X\\['s0'\\] lacks the known-future covariate 'temp'"
    ):
        model.predict(future[["promo"]])
    with pytest.raises(ValueError, match="X has no covariates for series 's2'"):
        model.predict(future.drop(index="s2", level=0))
    with pytest.raises(ValueError, match="X holds covariates of series 'zz'"):
        model.predict(
            pd.concat([future, future.loc[["s0"]].rename(index={"s0": "zz"})])
        )
    short = pd.concat([future.drop(index="s1", level=0), future.loc[["s1"]].iloc[:3]])
    with pytest.raises(ValueError, match="Series 's1'.*holds 3 future steps"):
        model.predict(short)
    with pytest.raises(ValueError, match="Intervals cover horizon=7 steps"):
        model.predict_interval(future.groupby(level=0, sort=False).head(3))
    bad = future.copy()
    bad.loc[("s2", bad.loc["s2"].index[1]), "promo"] = np.inf
    with pytest.raises(ValueError, match=r"X\['s2'\]: covariate 'promo' is missing"):
        model.predict(bad)
    with pytest.raises(
        ValueError, match="holds the column 'y', not a fitted covariate"
    ):
        model.predict(test)


def test_parquet_panels_refuse_columns_they_would_not_read(tmp_path):
    pytest.importorskip("pyarrow")
    frame = _frame().reset_index().rename(columns={"id": "unique_id", "day": "ds"})
    frame.to_parquet(tmp_path / "panel.parquet", index=False)
    with pytest.raises(
        ValueError, match=r"columns \['promo', 'temp'\] beside.*pandas DataFrame"
    ):
        SequenceForecaster(**TINY).fit(tmp_path / "panel.parquet")
