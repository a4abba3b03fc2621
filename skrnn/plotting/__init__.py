"""Plots of skrnn estimators: training history and forecasts.

The displays follow scikit-learn's ``Display`` API: build one from a fitted
estimator with ``from_estimator`` (or from the data with the constructor), and
draw it with ``plot(ax=None)``, which returns the display with its matplotlib
artists, ``ax_`` and ``figure_`` set.

matplotlib is optional: it is imported by ``plot``, not by importing this
subpackage (which loads neither matplotlib nor TensorFlow or Keras). Install it
with ``pip install ".[plot]"``.
"""

from ._displays import ForecastDisplay, HistoryDisplay

__all__ = ["ForecastDisplay", "HistoryDisplay"]
