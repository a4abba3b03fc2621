"""HistoryDisplay and ForecastDisplay: lines, labels, axes reuse and errors."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNRegressor, SequenceForecaster
from skrnn.plotting import ForecastDisplay, HistoryDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # a non-interactive backend, whatever MPLBACKEND says
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted_regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5, 1))
    y = X[:, -1, 0]
    return RNNRegressor(
        cell="simple",
        units=2,
        epochs=3,
        early_stopping=True,
        n_networks=1,
        random_state=0,
    ).fit(X, y)


@pytest.fixture(scope="module")
def monthly_series():
    index = pd.period_range("2000-01", periods=40, freq="M", name="month")
    values = 10 + np.sin(np.arange(40) * np.pi / 6) + np.arange(40) * 0.1
    return pd.Series(values, index=index, name="sales")


@pytest.fixture(scope="module")
def fitted_forecaster(monthly_series):
    return SequenceForecaster(
        window=6, horizon=3, units=2, epochs=2, calibration=None, random_state=0
    ).fit(monthly_series[:37])


# ---------------------------------------------------------------- HistoryDisplay
def test_history_display_draws_one_line_per_metric_against_epochs():
    history = {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]}
    display = HistoryDisplay(history).plot()

    assert list(display.lines_) == ["loss", "val_loss"]
    np.testing.assert_array_equal(display.lines_["loss"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(display.lines_["loss"].get_ydata(), [3, 2, 1])
    np.testing.assert_array_equal(display.lines_["val_loss"].get_ydata(), [3.5, 2.5, 2])
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "loss"
    assert display.figure_ is display.ax_.figure
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["loss", "val_loss"]


def test_history_display_validation_line_is_dashed_in_the_training_colour():
    history = {"val_loss": [2.0, 1.0], "mae": [1.0, 0.5], "loss": [1.5, 0.5]}
    display = HistoryDisplay(history).plot()

    assert list(display.lines_) == ["loss", "val_loss", "mae"]
    loss, val_loss = display.lines_["loss"], display.lines_["val_loss"]
    assert val_loss.get_color() == loss.get_color()
    assert val_loss.get_linestyle() == "--"
    assert display.lines_["mae"].get_color() != loss.get_color()
    assert display.ax_.get_ylabel() == "value"


def test_history_display_selects_metrics_and_prefixes_the_estimator_name():
    history = {"loss": [1.0, 0.5], "mae": [0.9, 0.4]}
    display = HistoryDisplay(history, estimator_name="GRU").plot(metrics="mae")

    assert list(display.lines_) == ["mae"]
    assert display.lines_["mae"].get_label() == "GRU mae"


def test_history_display_reuses_the_given_axes():
    _, ax = plt.subplots()
    display = HistoryDisplay({"loss": [1.0, 0.5]}).plot(ax=ax, color="red")

    assert display.ax_ is ax
    assert display.lines_["loss"] in ax.get_lines()
    assert display.lines_["loss"].get_color() == "red"


@pytest.mark.parametrize(
    "history, error, match",
    [
        ([1.0, 0.5], TypeError, "dict of metric name"),
        ({}, ValueError, "empty"),
        ({"loss": []}, ValueError, "empty"),
        ({"loss": [[1.0, 2.0]]}, ValueError, "one per epoch"),
    ],
)
def test_history_display_rejects_bad_histories(history, error, match):
    with pytest.raises(error, match=match):
        HistoryDisplay(history).plot()


def test_history_display_rejects_unknown_metrics():
    with pytest.raises(ValueError, match="Unknown metric"):
        HistoryDisplay({"loss": [1.0]}).plot(metrics=["accuracy"])


def test_history_display_from_estimator_plots_history_(fitted_regressor):
    _, ax = plt.subplots()
    display = HistoryDisplay.from_estimator(fitted_regressor, ax=ax)

    assert display.ax_ is ax
    assert set(display.lines_) == {"loss", "val_loss"}
    np.testing.assert_allclose(
        display.lines_["loss"].get_ydata(), fitted_regressor.history_["loss"]
    )
    assert display.lines_["loss"].get_label() == "RNNRegressor loss"


@pytest.mark.slow
def test_history_display_from_estimator_reads_the_end_of_a_pipeline():
    regressor = RNNRegressor(cell="simple", units=2, epochs=2, random_state=0)
    pipeline = make_pipeline(FunctionTransformer(), regressor)
    pipeline.fit(np.zeros((20, 5, 1)), np.zeros(20))
    display = HistoryDisplay.from_estimator(pipeline, name="pipe", metrics="loss")

    assert list(display.lines_) == ["loss"]
    assert display.lines_["loss"].get_label() == "pipe loss"


def test_history_display_from_forecaster(fitted_forecaster):
    display = HistoryDisplay.from_estimator(fitted_forecaster)

    np.testing.assert_allclose(
        display.lines_["loss"].get_ydata(), fitted_forecaster.history_["loss"]
    )


@pytest.mark.parametrize(
    "estimator", [RNNRegressor(), SequenceForecaster()], ids=["regressor", "forecaster"]
)
def test_history_display_from_unfitted_estimator_raises(estimator):
    with pytest.raises(NotFittedError):
        HistoryDisplay.from_estimator(estimator)


# --------------------------------------------------------------- ForecastDisplay
def test_forecast_display_places_arrays_by_position():
    display = ForecastDisplay(
        np.arange(5.0), np.array([5.0, 6.0]), y_true=[5.5, 6.5, 7.5]
    ).plot()

    np.testing.assert_array_equal(display.history_line_.get_xdata(), np.arange(5))
    np.testing.assert_array_equal(display.forecast_line_.get_xdata(), [5, 6])
    np.testing.assert_array_equal(display.forecast_line_.get_ydata(), [5, 6])
    np.testing.assert_array_equal(display.true_line_.get_xdata(), [5, 6, 7])
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["history", "actual", "forecast"]
    assert display.ax_.get_xlabel() == "step"


def test_forecast_display_without_actuals_has_no_true_line():
    display = ForecastDisplay([1.0, 2.0], [3.0], estimator_name="GRU").plot()

    assert display.true_line_ is None
    assert display.forecast_line_.get_label() == "GRU forecast"
    assert len(display.ax_.get_lines()) == 2


def test_forecast_display_plots_a_period_index_as_time_stamps(monthly_series):
    history, future = monthly_series[:36], monthly_series[36:]
    display = ForecastDisplay(history, future.to_numpy() + 1, y_true=future).plot()

    expected = future.index.to_timestamp().to_numpy()
    np.testing.assert_array_equal(display.forecast_line_.get_xdata(), expected)
    np.testing.assert_array_equal(display.true_line_.get_xdata(), expected)
    np.testing.assert_array_equal(
        display.history_line_.get_xdata(), history.index.to_timestamp().to_numpy()
    )
    assert display.ax_.get_xlabel() == "month"
    assert display.ax_.get_ylabel() == "sales"
    display.figure_.canvas.draw()  # the date axis renders


def test_forecast_display_continues_a_datetime_index_for_arrays():
    index = pd.date_range("2020-01-01", periods=10, freq="D")
    history = pd.Series(np.arange(10.0), index=index)
    display = ForecastDisplay(history, np.array([10.0, 11.0])).plot()

    expected = pd.date_range("2020-01-11", periods=2, freq="D").to_numpy()
    np.testing.assert_array_equal(display.forecast_line_.get_xdata(), expected)


def test_forecast_display_reuses_the_given_axes_for_several_forecasts():
    _, ax = plt.subplots()
    first = ForecastDisplay([1.0, 2.0], [3.0, 4.0], estimator_name="A").plot(ax=ax)
    second = ForecastDisplay([1.0, 2.0], [3.5, 4.5], estimator_name="B").plot(
        ax=ax, forecast_kwargs={"linestyle": "--"}
    )

    assert first.ax_ is ax and second.ax_ is ax
    assert len(ax.get_lines()) == 4
    assert first.forecast_line_.get_color() != second.forecast_line_.get_color()
    assert second.forecast_line_.get_linestyle() == "--"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_history": np.ones((3, 2)), "y_forecast": [1.0]}, "1-D"),
        ({"y_history": [1.0], "y_forecast": []}, "at least one value"),
        (
            {"y_history": pd.DataFrame(np.ones((3, 2))), "y_forecast": [1.0]},
            "one column",
        ),
        (
            {
                "y_history": [1.0, 2.0],
                "y_forecast": pd.Series(
                    [3.0], index=pd.period_range("2000-01", periods=1, freq="M")
                ),
            },
            "time index",
        ),
    ],
)
def test_forecast_display_rejects_bad_data(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ForecastDisplay(**kwargs).plot()


def test_forecast_display_from_estimator(fitted_forecaster, monthly_series):
    _, ax = plt.subplots()
    actual = monthly_series[37:]
    display = ForecastDisplay.from_estimator(
        fitted_forecaster, y_true=actual, name="LSTM", ax=ax
    )

    assert display.ax_ is ax
    forecast = fitted_forecaster.predict()
    np.testing.assert_allclose(display.forecast_line_.get_ydata(), forecast)
    np.testing.assert_array_equal(
        display.forecast_line_.get_xdata(), actual.index.to_timestamp().to_numpy()
    )
    np.testing.assert_allclose(
        display.history_line_.get_ydata(), fitted_forecaster.y_[:, 0]
    )
    assert display.forecast_line_.get_label() == "LSTM forecast"
    assert display.ax_.get_ylabel() == "sales" and display.ax_.get_xlabel() == "month"


def test_forecast_display_from_estimator_labels_y_with_the_series_name():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        np.cumsum(rng.normal(size=(30, 2)), axis=0), columns=["north", "south"]
    )
    # No calibration backtest (a second fit): no band is drawn without coverage.
    forecaster = SequenceForecaster(
        window=4, horizon=3, units=2, epochs=1, calibration=None, random_state=0
    )
    display = ForecastDisplay.from_estimator(forecaster.fit(frame), target=1)
    assert display.ax_.get_ylabel() == "south" and display.ax_.get_xlabel() == "step"
    np.testing.assert_array_equal(display.forecast_line_.get_xdata(), [30, 31, 32])

    display = ForecastDisplay.from_estimator(forecaster.fit(frame["north"]))
    assert display.ax_.get_ylabel() == "north"


def test_forecast_display_from_estimator_picks_the_target_column():
    rng = np.random.RandomState(0)
    series = np.cumsum(rng.normal(size=(30, 2)), axis=0)
    forecaster = SequenceForecaster(
        window=4, horizon=3, units=2, epochs=1, calibration=None, random_state=0
    ).fit(series)
    display = ForecastDisplay.from_estimator(forecaster, target=1)

    np.testing.assert_allclose(display.history_line_.get_ydata(), series[:, 1])
    np.testing.assert_allclose(
        display.forecast_line_.get_ydata(), forecaster.predict()[:, 1]
    )
    np.testing.assert_array_equal(display.forecast_line_.get_xdata(), [30, 31, 32])
    assert display.forecast_line_.get_label() == "SequenceForecaster forecast"
    with pytest.raises(ValueError, match="target must be"):
        ForecastDisplay.from_estimator(forecaster, target=2)


def test_forecast_display_from_estimator_passes_future_covariates():
    rng = np.random.RandomState(0)
    covariates = rng.normal(size=(34, 1))
    y = np.cumsum(covariates[:, 0])
    forecaster = SequenceForecaster(
        window=4, horizon=3, units=2, epochs=1, calibration=None, random_state=0
    )
    forecaster.fit(covariates[:30], y[:30])
    display = ForecastDisplay.from_estimator(forecaster, X=covariates[30:])

    assert len(display.forecast_line_.get_xdata()) == 4


def test_a_band_covers_the_horizon_of_a_longer_covariate_forecast():
    rng = np.random.RandomState(0)
    covariates = rng.normal(size=(60, 1))
    y = np.cumsum(covariates[:, 0])
    forecaster = SequenceForecaster(
        window=4, horizon=3, units=2, epochs=1, calibration="backtest", random_state=0
    ).fit(covariates[:50], y[:50])
    display = ForecastDisplay.from_estimator(
        forecaster, X=covariates[50:], coverage=0.9
    )
    assert display.y_interval.shape == (10, 2)
    assert np.isfinite(display.y_interval[:3]).all()
    assert np.isnan(display.y_interval[3:]).all()
    for bad in ([0.8, 0.9], "0.9", None):
        with pytest.raises(ValueError, match="coverage must be"):
            if bad is None:
                forecaster.predict_interval(covariates[50:53], coverage=bad)
            else:
                ForecastDisplay.from_estimator(
                    forecaster, X=covariates[50:53], coverage=bad
                )
    with pytest.raises(ValueError, match="target must be in"):
        ForecastDisplay.from_estimator(forecaster, X=covariates[50:53], target="b")


def test_forecast_display_from_unfitted_forecaster_raises():
    with pytest.raises(NotFittedError):
        ForecastDisplay.from_estimator(SequenceForecaster())


# ------------------------------------------------------------------- imports
def test_importing_plotting_loads_no_matplotlib_or_backend():
    code = (
        "import sys, skrnn.plotting; "
        "print(sorted(m for m in ('matplotlib', 'tensorflow', 'keras') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_plot_without_matplotlib_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="HistoryDisplay.plot requires matplotlib"):
        HistoryDisplay({"loss": [1.0]}).plot()


def test_forecast_display_draws_the_interval_band():
    display = ForecastDisplay(
        np.arange(5.0),
        np.array([5.0, 6.0]),
        y_interval=np.array([[4.0, 6.0], [4.5, 7.5]]),
        estimator_name="GRU",
    ).plot(interval_kwargs={"alpha": 0.3})
    band = display.interval_band_
    assert band.get_label() == "GRU interval"
    assert band.get_alpha() == 0.3
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == 4.0 and vertices[:, 1].max() == 7.5
    with pytest.raises(ValueError, match="y_interval"):
        ForecastDisplay([1.0, 2.0], [3.0], y_interval=[[1.0, 2.0, 3.0]]).plot()


def test_forecast_display_from_a_panel_forecaster_says_what_to_plot():
    from skrnn.plotting import ForecastDisplay

    t = np.arange(60.0)
    panel = {k: 20 + k + np.sin(t / 3) for k in (0, 1)}
    fc = SequenceForecaster(
        window=6, horizon=2, units=2, epochs=1, calibration=None, random_state=0
    ).fit(panel)
    with pytest.raises(ValueError, match="panel of 2 series.*one series"):
        ForecastDisplay.from_estimator(fc)
