"""Normalisations: one network's forecasts taken back to the original scale."""

import numpy as np
import pytest

from skrnn._forecasting.normalizations import StandardNormalization
from skrnn._forecasting.plan import ForecastPlan


def _plan(steps):
    return ForecastPlan(
        normalize="standard",
        season_length=1,
        strategy="recursive" if steps == 1 else "direct",
        network_steps=steps,
        log=False,
        differences=(1,),
        scale=False,
        window=3,
        training={},
        seed=0,
        n_targets=1,
        with_covariates=False,
    )


@pytest.mark.parametrize("steps", [1, 2])
def test_forecasts_undo_the_differences_block_after_block(steps):
    # A network that forecasts a change of 0.5 per step, whatever it reads: the
    # forecast climbs by 0.5 a step from each history's last value, across as
    # many blocks of ``steps`` as 5 steps need.
    rng = np.random.RandomState(0)
    series = [np.cumsum(rng.normal(size=(30, 1)), axis=0) for _ in range(2)]
    obs = type("Obs", (), {"targets": series, "covariates": None})
    normalization = StandardNormalization.fit(_plan(steps), obs)
    seen = []

    def predictor(windows):
        seen.append(windows.shape)
        return np.full((len(windows), steps), 0.5, dtype=np.float32)

    forecast = normalization.forecast(predictor, series, 5, [0, 1])
    assert forecast.shape == (2, 5, 1)
    for history, values in zip(series, forecast, strict=True):
        np.testing.assert_allclose(
            values[:, 0], history[-1, 0] + 0.5 * np.arange(1, 6), rtol=1e-6
        )
    assert seen == [(2, 3, 1)] * int(np.ceil(5 / steps))
