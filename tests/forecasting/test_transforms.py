"""TargetTransform: log, differencing and scaling invert exactly."""

import numpy as np
import pytest

from skrnn._forecasting.transforms import TargetTransform


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("differences", [(), (1,), (12,), (1, 12)])
def test_inverse_continues_the_history(log, differences):
    rng = np.random.RandomState(0)
    series = np.exp(np.cumsum(rng.normal(0.01, 0.05, size=(80, 2)), axis=0)) * 100
    history, future = series[:60], series[60:]
    transform = TargetTransform(log, differences, scale=True).fit(history)
    # transformed future values, computed from the full series
    transformed_future = transform.transform(series)[-len(future) :]
    np.testing.assert_allclose(transform.inverse(transformed_future, history), future)
    assert transform.transform(history).shape == (60 - sum(differences), 2)


def test_scaler_is_fitted_on_training_part_only():
    series = np.arange(1.0, 101.0)[:, None]
    transform = TargetTransform(scale=True).fit(series[:50])
    np.testing.assert_allclose(transform.scaler_.mean_, [25.5])
