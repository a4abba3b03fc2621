"""
Backtesting a forecaster with GridSearchCV and TimeSeriesSplit
==============================================================

:class:`~skrnn.SequenceForecaster` is a plain scikit-learn regressor whose
``fit`` takes the series and whose ``score`` takes the values that follow it:
it forecasts them and returns the :math:`R^2` of that forecast. So the usual
model-selection tools backtest it with no time-series specific wrapper:
:class:`~sklearn.model_selection.TimeSeriesSplit` cuts the series into
expanding training stretches, each followed by a test stretch, and
:class:`~sklearn.model_selection.GridSearchCV` fits every candidate on every
training stretch and scores its forecast of the test stretch.
"""

# %%
# Three folds on the airline series
# ---------------------------------
# Each fold trains on all the months before a test year and forecasts that
# year: 1958, 1959 and 1960.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import SequenceForecaster
from skrnn.datasets import load_airline
from skrnn.plotting import ForecastDisplay

passengers = load_airline()
cv = TimeSeriesSplit(n_splits=3, test_size=12)
for fold, (train, test) in enumerate(cv.split(passengers)):
    print(
        f"fold {fold}: train {passengers.index[train[0]]}..{passengers.index[train[-1]]}"
        f", test {passengers.index[test[0]]}..{passengers.index[test[-1]]}"
    )

# %%
# Searching the window
# --------------------
# Two window lengths, half a year and a year, on the log series differenced at
# lag 12. The network is kept small, so the 7 fits (2 candidates x 3 folds, and
# a refit of the best on the whole series) take seconds. Every parameter can
# join the grid: adding ``"differences": [(12,), (1, 12)]`` would compare two
# ways of removing trend and season, at twice the fits. ``n_jobs`` would run
# the fits in parallel processes, each limited to its share of the CPU cores.
forecaster = SequenceForecaster(
    horizon=12,
    log=True,
    differences=(12,),
    cell="gru",
    units=16,
    epochs=5,
    random_state=0,
)
search = GridSearchCV(forecaster, {"window": [6, 12]}, cv=cv).fit(passengers)

# %%
# ``cv_results_`` holds the :math:`R^2` of each candidate's forecast of each
# test year (``split0`` is 1958), their mean, and the time a fit took:
splits = [f"split{fold}_test_score" for fold in range(cv.n_splits)]
columns = ["param_window", *splits, "mean_test_score", "mean_fit_time"]
results = pd.DataFrame(search.cv_results_)[columns + ["rank_test_score"]]
print(results.sort_values("rank_test_score").round(3).to_string(index=False))
print("best:", search.best_params_)

# %%
# The best forecast
# -----------------
# With the default ``refit=True`` the best candidate is refitted on the whole
# series; its forecast continues the series' monthly index into 1961.
best = search.best_estimator_
print(best.predict().round(1).head())
display = ForecastDisplay.from_estimator(best, name="best GRU")
display.ax_.set_title(f"window={best.window}, differences={best.differences}")
plt.show()
