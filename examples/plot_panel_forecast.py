"""
Many series, one network: forecasting a panel of stores
=======================================================

A retailer's monthly sales: several stores with the same yearly rhythm, at very
different scales, opened at different dates. Fitting one network per store
would give each only a few dozen windows to learn from; a *panel* forecaster
trains one network on the windows of every store and forecasts each of them.
"""

# %%
# The panel
# ---------
# A dict ``{store: monthly sales}``: four series of different lengths, levels
# (from 80 to 6,000) and start dates. A list of series, or a long DataFrame
# indexed by (store, month), works the same way.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skrnn import SequenceForecaster


def store(level, start, n_months, seed):
    rng = np.random.RandomState(seed)
    t = np.arange(n_months)
    season = 1 + 0.25 * np.sin(2 * np.pi * (t + seed) / 12)
    sales = level * season * (1 + 0.01 * t) * (1 + 0.03 * rng.normal(size=n_months))
    return pd.Series(sales, index=pd.period_range(start, periods=n_months, freq="M"))


stores = {
    "north": store(80, "2016-01", 96, 0),
    "south": store(6000, "2018-01", 72, 1),
    "east": store(900, "2015-07", 102, 2),
    "west": store(250, "2019-01", 60, 3),
}
horizon = 12
train = {name: sales.iloc[:-horizon] for name, sales in stores.items()}
test = {name: sales.iloc[-horizon:] for name, sales in stores.items()}

# %%
# One network for all stores
# --------------------------
# The defaults choose the season (12, from the monthly index) and, for a panel
# of positive series, the global recipe (``normalize_ == "level"``): each window
# is divided by its own level, so the large store does not drown the small
# ones, and the median of five GRU networks is the forecast
# (``training_params_`` lists what "auto" chose). ``epochs=40`` is the
# recipe's own value, given here only to show how to override one.
forecaster = SequenceForecaster(horizon=horizon, epochs=40, random_state=0)
forecasts = forecaster.fit(train).predict()
print("season", forecaster.season_length_, "window", forecaster.window_)
print("normalize", forecaster.normalize_, forecaster.training_params_)

# %%
# Forecasts against the held-out year
# -----------------------------------
# The mean absolute error of each store, relative to its level, next to the
# seasonal-naive forecast (each month repeats the same month a year before).
for name in stores:
    actual = test[name].to_numpy()
    naive = train[name].to_numpy()[-12:]
    error = np.abs(forecasts[name].to_numpy() - actual).mean() / actual.mean()
    naive_error = np.abs(naive - actual).mean() / actual.mean()
    print(
        f"{name:>6}: network {100 * error:5.1f} %   seasonal naive "
        f"{100 * naive_error:5.1f} %"
    )

fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=False)
for ax, name in zip(axes.ravel(), stores, strict=True):
    history = train[name]
    ax.plot(history.index.to_timestamp(), history, color="grey", label="history")
    ax.plot(test[name].index.to_timestamp(), test[name], color="black", label="actual")
    ax.plot(forecasts[name].index.to_timestamp(), forecasts[name], label="forecast")
    ax.set_title(name)
axes[0, 0].legend()
fig.tight_layout()
plt.show()
