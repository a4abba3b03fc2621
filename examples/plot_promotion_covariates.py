"""
Promotions known in advance: forecasting a panel with covariates
================================================================

Daily sales of four shops jump on promotion days, which are planned ahead. A
forecaster that only reads the sales' past cannot know when the next spike
comes; given the promotion calendar as a *known-future covariate*, the network
reads the promotions of the days it forecasts and places the spikes.
"""

# %%
# The panel and its covariate
# ---------------------------
# ``y`` is a dict of daily sales; ``X`` a dict of DataFrames with one column,
# ``promo`` (1 on promotion days), keyed by the same shop ids. On a promotion
# day a shop sells 1.8 times its usual amount.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skrnn import SequenceForecaster

rng = np.random.RandomState(0)
horizon = 7
days = pd.date_range("2024-01-01", periods=160 + horizon, freq="D")
y, X = {}, {}
for i, shop in enumerate(["north", "south", "east", "west"]):
    promo = (rng.rand(len(days)) < 0.15).astype(float)
    usual = 20 + 3 * i + 2 * np.sin(2 * np.pi * np.arange(len(days)) / 7)
    y[shop] = pd.Series(usual * (1 + 0.8 * promo) + rng.normal(0, 0.3, len(days)), days)
    X[shop] = pd.DataFrame({"promo": promo}, index=days)
train_y = {shop: sales.iloc[:-horizon] for shop, sales in y.items()}
train_X = {shop: promo.iloc[:-horizon] for shop, promo in X.items()}
test_y = {shop: sales.iloc[-horizon:] for shop, sales in y.items()}
future_X = {shop: promo.iloc[-horizon:] for shop, promo in X.items()}

# %%
# With and without the promotions
# -------------------------------
# The same parameters; ``fit(X, y)`` reads the covariates, ``predict(X)`` takes
# the promotions of the week to forecast. Both use the panel recipe
# (``normalize_ == "level"``, the direct strategy); one small network each, to
# keep the example fast.
params = dict(horizon=horizon, window=14, units=16, epochs=30, batch_size=32)
params.update(n_networks=1, random_state=0)
with_promo = SequenceForecaster(**params).fit(train_X, train_y)
without = SequenceForecaster(**params).fit(train_y)
forecast_with = with_promo.predict(future_X)
forecast_without = without.predict()
intervals = with_promo.predict_interval(future_X, coverage=0.9)


def mae(forecasts):
    return np.mean([np.abs(forecasts[s] - test_y[s]).mean() for s in test_y])


print(f"MAE without the promotions: {mae(forecast_without):.2f}")
print(f"MAE with the promotions:    {mae(forecast_with):.2f}")
covered = np.mean(
    [
        ((test_y[s] >= intervals[s]["lower"]) & (test_y[s] <= intervals[s]["upper"]))
        for s in test_y
    ]
)
print(f"share of the test days inside the 90% intervals: {covered:.2f}")

# %%
# The forecasts of the last week
# ------------------------------
# The band is the 90% interval of the forecaster with the covariate: its
# out-of-sample errors were computed with the promotions, so it stays narrow.
fig, axes = plt.subplots(2, 2, figsize=(9, 6))
for ax, shop in zip(axes.ravel(), y, strict=True):
    ax.plot(train_y[shop].iloc[-21:], color="grey", label="history")
    ax.plot(test_y[shop], color="black", label="actual")
    ax.plot(forecast_without[shop], label="without promo")
    ax.plot(forecast_with[shop], label="with promo")
    ax.fill_between(
        intervals[shop].index,
        intervals[shop]["lower"],
        intervals[shop]["upper"],
        alpha=0.2,
    )
    ax.set_title(shop)
    ax.tick_params(axis="x", labelrotation=45)
axes[0, 0].legend(fontsize=8)
fig.tight_layout()
plt.show()
