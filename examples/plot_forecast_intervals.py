"""
Prediction intervals for a forecast
===================================

:meth:`~skrnn.SequenceForecaster.predict_interval` gives each forecast step a
lower and an upper bound. The bounds are split conformal: they come from the
forecaster's errors on values its network did not train on (here a backtest
fitted at ``fit``), scaled per series and taken per step ahead, so the band
widens with the horizon. This example forecasts the last four years of the
airline passengers with the default forecaster, draws its 50% and 90%
intervals, and counts how many test months they contain.
"""

# %%
# Fit and forecast
# ----------------
# The defaults: the season, window, log and differencing are chosen from the
# 96 training months. ``calibration="auto"`` fits a second forecaster on the
# first 84 months and records its errors from the last 12 origins: it doubles
# the cost of ``fit`` (pass ``calibration=None`` when no interval is needed).
import matplotlib.pyplot as plt
import numpy as np

from skrnn import SequenceForecaster
from skrnn.datasets import load_airline
from skrnn.plotting import ForecastDisplay

passengers = load_airline()
train, test = passengers[:96], passengers[96:]
forecaster = SequenceForecaster(horizon=48, random_state=0).fit(train)
print("calibrated by:", forecaster.calibration_method_)
print("scaled errors (rows, steps):", forecaster.calibration_scores_.shape)

# %%
# Intervals as a frame
# --------------------
# One row per forecast month; a list of coverages gives a column level per
# coverage. The 90% bounds lie outside the 50% ones.
intervals = forecaster.predict_interval(coverage=[0.5, 0.9])
print(intervals.head())
for coverage in (0.5, 0.9):
    band = intervals[coverage]
    inside = (test >= band["lower"]) & (test <= band["upper"])
    print(f"{coverage:.0%} interval: {inside.mean():.0%} of the 48 test months inside")

# %%
# The band widens with the step ahead
# -----------------------------------
# The first 12 steps are calibrated by the backtest's errors; later steps grow
# at least like a random walk's errors (the series is differenced).
width = (intervals[0.9]["upper"] - intervals[0.9]["lower"]).to_numpy()
print("90% width at steps 1, 12, 24, 48:", np.round(width[[0, 11, 23, 47]], 1))

# %%
# Draw it
# -------
# :class:`~skrnn.plotting.ForecastDisplay` draws the band in the forecast's
# colour; two displays on the same axes overlay the 90% and 50% bands.
_, ax = plt.subplots(figsize=(8, 4))
ForecastDisplay.from_estimator(
    forecaster, y_true=test, coverage=0.9, name="LSTM", ax=ax
)
ForecastDisplay.from_estimator(
    forecaster,
    coverage=0.5,
    name="LSTM",
    ax=ax,
    forecast_kwargs={"color": "C0", "label": "_nolegend_"},
    history_kwargs={"label": "_nolegend_"},
)
ax.set_title("Airline passengers: forecast with 50% and 90% intervals")
plt.show()

# %%
# Quantiles
# ---------
# :meth:`~skrnn.SequenceForecaster.predict_quantiles` gives the forecast's
# quantiles from the same errors.
print(forecaster.predict_quantiles(alpha=[0.05, 0.5, 0.95]).tail(3))
