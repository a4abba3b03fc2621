"""
Recurrent networks inside a scikit-learn Pipeline
=================================================

skrnn estimators take 2-D input too: each row is one sequence and each column
one time step (one feature per step). A pandas DataFrame of lag columns is
therefore ready to use, and the usual preprocessing steps go in front of the
network in a :class:`~sklearn.pipeline.Pipeline`. This example predicts the
next value of a noisy nonlinear process from its last values, compares the
network with a linear :class:`~sklearn.linear_model.Ridge` baseline on the same
features, and then builds the windows inside the pipeline with
:class:`~skrnn.WindowTransformer`.
"""

# %%
# A nonlinear series
# ------------------
# The logistic map :math:`x_{t+1} = 3.8\, x_t (1 - x_t)`, with a little noise
# and observed on a sensor scale around 100. The next value is a simple but
# nonlinear function of the current one: out of reach of a linear model.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNRegressor, WindowTransformer

rng = np.random.RandomState(0)
x = np.empty(600)
x[0] = 0.3
for t in range(1, len(x)):
    x[t] = np.clip(
        3.8 * x[t - 1] * (1 - x[t - 1]) + rng.normal(scale=0.01), 0.001, 0.999
    )
series = pd.Series(100 + 20 * x, name="reading")

# %%
# A frame of lag columns: row ``t`` holds the 6 readings before step ``t``,
# oldest first, and the target is the reading at ``t``. The first 450 steps
# train, the rest test.
n_lags = 6
lags = pd.concat(
    {f"lag_{k}": series.shift(k) for k in range(n_lags, 0, -1)}, axis=1
).iloc[n_lags:]
target = series.iloc[n_lags:]
n_train = 450
X_train, X_test = lags.iloc[:n_train], lags.iloc[n_train:]
y_train, y_test = target.iloc[:n_train], target.iloc[n_train:]
print(X_train.head(3).round(1))

# %%
# Pipelines
# ---------
# :class:`~sklearn.preprocessing.StandardScaler` standardises the inputs. The
# network's output layer is linear but starts near zero, so the target is
# standardised too, with :class:`~sklearn.compose.TransformedTargetRegressor`.
# The network reads the 6 columns as 6 time steps of one feature:
# ``n_features_in_`` is 6, as for any scikit-learn estimator on this frame.
rnn = TransformedTargetRegressor(
    make_pipeline(
        StandardScaler(),
        RNNRegressor(
            cell="gru", units=16, epochs=20, learning_rate=0.01, random_state=0
        ),
    ),
    transformer=StandardScaler(),
).fit(X_train, y_train)
ridge = make_pipeline(StandardScaler(), Ridge()).fit(X_train, y_train)

network = rnn.regressor_[-1]
print("n_features_in_:", network.n_features_in_, " input_shape_:", network.input_shape_)
print(
    f"R^2 on the test steps: GRU {rnn.score(X_test, y_test):.3f}, "
    f"Ridge {ridge.score(X_test, y_test):.3f}"
)

# %%
# The linear model only follows the mean; the network tracks the jumps.
steps = np.arange(60)
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(steps, y_test.iloc[:60], color="0.15", label="actual")
ax.plot(steps, rnn.predict(X_test.iloc[:60]), marker=".", label="GRU")
ax.plot(steps, ridge.predict(X_test.iloc[:60]), linestyle="--", label="Ridge")
ax.set_xlabel("test step")
ax.set_ylabel("reading")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()

# %%
# Windows inside the pipeline
# ---------------------------
# Instead of building lag columns by hand, :class:`~skrnn.WindowTransformer`
# turns each row of a series into the window of rows that ends there, so the
# pipeline takes the raw series (one column) and stays aligned with the target
# (the next reading). The first rows lack a full window: their missing steps are
# padded with ``fill_value``, and ``mask_value`` makes the network skip them.
readings = series.to_frame().iloc[:-1]
next_reading = series.iloc[1:]
windowed = TransformedTargetRegressor(
    make_pipeline(
        StandardScaler(),
        WindowTransformer(window=n_lags, fill_value=-99.0),
        RNNRegressor(
            cell="gru",
            units=16,
            epochs=20,
            learning_rate=0.01,
            mask_value=-99.0,
            random_state=0,
        ),
    ),
    transformer=StandardScaler(),
).fit(readings.iloc[:n_train], next_reading.iloc[:n_train])
r2 = windowed.score(readings.iloc[n_train:], next_reading.iloc[n_train:])
print(f"R^2 with WindowTransformer: {r2:.3f}")
