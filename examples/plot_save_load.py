"""
Saving and loading fitted models with joblib
============================================

Fitted skrnn estimators pickle like any scikit-learn estimator: the Keras
network travels inside the pickle (saved in Keras' ``.keras`` format, weights
and optimizer state included). So :func:`joblib.dump` and :func:`joblib.load`
work on an estimator alone and on a whole
:class:`~sklearn.pipeline.Pipeline`, and the loaded model predicts exactly
what the original did.

.. warning::

    Loading a pickle runs code chosen by whoever wrote the file. Only load
    files you created yourself or that come from a source you trust.
"""

# %%
# Fit a regressor and a pipeline
# ------------------------------
# A small regression problem: predict the sum of the last three steps of the
# first feature.
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNRegressor

rng = np.random.RandomState(0)
X = rng.normal(size=(200, 10, 2))
y = X[:, -3:, 0].sum(axis=1)
X_train, X_test, y_train, y_test = X[:150], X[150:], y[:150], y[150:]

regressor = RNNRegressor(
    cell="gru", units=8, epochs=20, learning_rate=0.01, random_state=0
)
regressor.fit(X_train, y_train)

# The pipeline clips outliers before the network; the function is a NumPy
# function, so the pickle refers to it by name.
pipeline = make_pipeline(
    FunctionTransformer(np.clip, kw_args={"a_min": -3.0, "a_max": 3.0}),
    RNNRegressor(cell="lstm", units=8, epochs=20, learning_rate=0.01, random_state=0),
).fit(X_train, y_train)

# %%
# Dump, load, compare
# -------------------
# The files go to a temporary folder here; in practice, a path of your choice.
folder = Path(tempfile.mkdtemp())
for name, model in [("regressor", regressor), ("pipeline", pipeline)]:
    path = folder / f"{name}.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path)
    same = np.array_equal(model.predict(X_test), loaded.predict(X_test))
    print(
        f"{name}: {path.stat().st_size / 1024:.0f} KiB, identical predictions: {same}"
    )

# %%
# The loaded regressor's predictions fall exactly on the original's:
loaded = joblib.load(folder / "regressor.joblib")
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(y_test, regressor.predict(X_test), label="original", s=40)
ax.scatter(y_test, loaded.predict(X_test), label="loaded", marker="x", color="k")
ax.set_xlabel("actual")
ax.set_ylabel("predicted")
ax.legend()
plt.show()

# %%
# The loaded regressor keeps its fitted attributes, the training history
# included, and can go on training, e.g. one more epoch with ``partial_fit``.
print(loaded)
print(f"R^2 on the test set: {loaded.score(X_test, y_test):.3f}")
loaded.partial_fit(X_train, y_train)
print(
    "epochs trained:",
    loaded.n_iter_,
    " last losses:",
    np.round(loaded.history_["loss"][-3:], 4),
)

# %%
# Notes
# -----
# * Pickles are tied to library versions: load them with the skrnn, Keras and
#   scikit-learn versions that saved them, and keep the training code to refit
#   when you upgrade.
# * ``est.model_`` is a plain ``keras.Model``: ``est.model_.save("net.keras")``
#   exports the network alone, for use without skrnn.

# %%
# Remove the temporary files.
import shutil

shutil.rmtree(folder)
