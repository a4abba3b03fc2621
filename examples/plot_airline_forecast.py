"""
Forecasting airline passengers: from the course's SimpleRNN to SequenceForecaster
==================================================================================

The Box & Jenkins airline series (monthly passengers, 1949-1960) is the classic
exercise of the RNN course skrnn grew from. This example first redoes the
exercise as the course does: scale the series, cut it into windows of 12
months, train a ``SimpleRNN(3)`` + ``Dense(1)`` network (19 parameters) and look
at its training history. Then it forecasts the last four years with
:class:`~skrnn.SequenceForecaster`, which does the windowing, log transform,
differencing and scaling itself, and compares an LSTM with a GRU.
"""

# %%
# The data
# --------
# 144 monthly totals, in thousands of passengers, indexed by month. The trend
# and the yearly season both grow with the level.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from skrnn import RNNRegressor, SequenceForecaster, make_windows
from skrnn.datasets import load_airline
from skrnn.plotting import ForecastDisplay, HistoryDisplay

passengers = load_airline()
print(passengers.head())

# %%
# The course's model, step by step
# --------------------------------
# Split 2:1 in time order: 96 training months, 48 test months. Scale to [0, 1]
# with a :class:`~sklearn.preprocessing.MinMaxScaler` fitted on the training
# part only, so no information from the test years leaks into training.
n_train = 96
values = passengers.to_numpy(dtype=float).reshape(-1, 1)
scaler = MinMaxScaler().fit(values[:n_train])
scaled = scaler.transform(values).ravel()

# %%
# :func:`~skrnn.make_windows` cuts the series into samples of 12 consecutive
# months (12 time steps x 1 feature) and the month that follows each one. The
# test windows start 12 months before the test part, so that every test month
# gets a prediction from the 12 months before it.
window = 12
X_train, y_train = make_windows(scaled[:n_train], window=window)
X_test, y_test = make_windows(scaled[n_train - window :], window=window)
print("train:", X_train.shape, y_train.shape, " test:", X_test.shape, y_test.shape)

# %%
# The course builds ``Sequential([SimpleRNN(3, input_shape=(12, 1)), Dense(1)])``,
# compiles it with Adam and the mean squared error, and fits 20 epochs with a
# batch size of 1. In skrnn that is one estimator:
simple_rnn = RNNRegressor(
    cell="simple", units=3, epochs=20, batch_size=1, random_state=0
).fit(X_train, y_train.ravel())
simple_rnn.model_.summary()
print("parameters:", simple_rnn.model_.count_params())

# %%
# The network has the course's 19 weights: 15 in the recurrent layer
# (3 x (3 + 1 + 1)) and 4 in the output layer. After training, Keras' "Total
# params" also counts the optimizer's state (Adam keeps two moments per weight).
#
# ``history_`` holds the loss per epoch, like Keras' ``history.history``.
HistoryDisplay.from_estimator(simple_rnn, name="SimpleRNN(3)")
plt.show()

# %%
# Each test prediction reads the 12 *actual* months before it: these are
# one-step-ahead predictions. Back on the passenger scale:
one_step = scaler.inverse_transform(simple_rnn.predict(X_test).reshape(-1, 1))
one_step = pd.Series(one_step.ravel(), index=passengers.index[n_train:])
test = passengers[n_train:]


def rmse(actual, predicted):
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(predicted)) ** 2)))


print(f"SimpleRNN(3) one-step-ahead RMSE: {rmse(test, one_step):.1f}")

# %%
# The predictions lag below the actual peaks: the test years climb above
# anything in the training years, so their scaled values exceed 1, a range the
# small network never saw. Modelling changes instead of levels fixes this, and
# is what the next section does.
ForecastDisplay(
    passengers[:n_train], one_step, y_true=test, estimator_name="SimpleRNN(3) one-step"
).plot()
plt.show()

# %%
# Forecasting four years ahead
# ----------------------------
# A real forecast cannot read the test months: it must predict all 48 of them
# from the training years alone. :class:`~skrnn.SequenceForecaster` trains a
# one-step network on windows of the training series and feeds its own
# forecasts back in (the "recursive" strategy). Before windowing it takes logs
# (the season grows with the level), differences at lags 1 and 12 (removing
# trend and season) and standardises, all fitted on the training part; the
# forecast is transformed back. The pandas index is kept: the forecast is
# indexed 1957-01 to 1960-12.
train = passengers[:n_train]
seeds = (0, 1)
forecasts = {}
for cell in ("lstm", "gru"):
    forecasters = [
        SequenceForecaster(
            window=12,
            horizon=len(test),
            log=True,
            differences=(1, 12),
            cell=cell,
            units=32,
            epochs=20,
            batch_size=8,
            random_state=seed,
        ).fit(train)
        for seed in seeds
    ]
    forecasts[cell.upper()] = forecasters

# %%
# With 71 training windows, a network's 48-month forecast depends visibly on
# its random initialisation: the table shows each seed, and the mean of the
# seeds' forecasts (a small ensemble). Compare configurations over several
# seeds before concluding. The baseline to beat repeats the last training year
# ("seasonal naive").
seasonal_naive = np.resize(train.to_numpy()[-12:], len(test))
print(f"{'model':<16}" + "".join(f"{'seed ' + str(s):>9}" for s in seeds) + "     mean")
print(f"{'seasonal naive':<16}{rmse(test, seasonal_naive):>{9 * (len(seeds) + 1)}.1f}")
for name, forecasters in forecasts.items():
    errors = "".join(f"{rmse(test, f.predict()):>9.1f}" for f in forecasters)
    mean_forecast = np.mean([f.predict() for f in forecasters], axis=0)
    print(f"{name:<16}{errors}{rmse(test, mean_forecast):>9.1f}")

# %%
# :class:`~skrnn.plotting.ForecastDisplay` draws a forecast after the training
# series, with the actual test years dotted. ``from_estimator`` forecasts with
# a fitted forecaster; the constructor takes any forecast, here the mean of
# the seeds, drawn on the same axes.
fig, axes = plt.subplots(2, 1, figsize=(7, 6), sharex=True, sharey=True)
for ax, (name, forecasters) in zip(axes, forecasts.items(), strict=True):
    ForecastDisplay.from_estimator(
        forecasters[0], y_true=test, name=f"{name} seed 0", ax=ax
    )
    mean_forecast = pd.Series(
        np.mean([f.predict() for f in forecasters], axis=0), index=test.index
    )
    ForecastDisplay(train, mean_forecast, estimator_name=f"{name} mean").plot(
        ax=ax, history_kwargs={"label": "_nolegend_"}
    )
axes[0].set_xlabel("")
fig.tight_layout()
plt.show()
