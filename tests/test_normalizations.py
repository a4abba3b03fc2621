"""Normalisations: forecasts of an ensemble trained side by side, member by member."""

import numpy as np
import pytest

from skrnn._forecast_plan import ForecastPlan
from skrnn._normalizations import StandardNormalization, member_outputs


def _ensemble(n_members):
    """A fake side-by-side network: member m outputs its window's last value
    times (m + 1), shape (batch, n_members, 1)."""

    def predictor(x):
        last = x[:, -1, :1]
        return np.stack([last * (m + 1) for m in range(n_members)], axis=1)

    return predictor


def test_member_outputs_keep_each_members_own_inputs():
    predictor = _ensemble(3)
    inputs = np.arange(3 * 2 * 4, dtype=np.float32).reshape(3, 2, 4, 1)
    out = member_outputs(predictor, inputs, shared=False)
    assert out.shape == (3, 2, 1)
    for m in range(3):
        np.testing.assert_allclose(out[m, :, 0], inputs[m, :, -1, 0] * (m + 1))
    shared = np.repeat(inputs[:1], 3, axis=0)
    np.testing.assert_allclose(
        member_outputs(predictor, shared, shared=True),
        member_outputs(predictor, shared, shared=False),
    )


@pytest.mark.parametrize("steps", [1, 2])
def test_each_member_forecasts_as_it_would_alone(steps):
    plan = ForecastPlan(
        normalize="standard",
        season_length=1,
        strategy="recursive" if steps == 1 else "direct",
        network_steps=steps,
        log=False,
        differences=(1,),
        scale=True,
        window=3,
        training={},
        seed=0,
        n_targets=1,
        with_covariates=False,
    )
    rng = np.random.RandomState(0)
    series = [np.cumsum(rng.normal(size=(30, 1)), axis=0) for _ in range(2)]
    obs = type("Obs", (), {"targets": series, "covariates": None})
    normalization = StandardNormalization.fit(plan, obs)
    joint = _ensemble(3)

    def alone(m):  # member m as a network of its own, steps outputs
        return lambda x: np.repeat(joint(x)[:, m], steps, axis=1)

    def joint_steps(x):
        return np.repeat(joint(x), steps, axis=2)

    forecast = normalization.forecast(joint_steps, series, 5, [0, 1], n_members=3)
    assert forecast.shape == (3, 2, 5, 1)
    for m in range(3):
        single = normalization.forecast(alone(m), series, 5, [0, 1])
        np.testing.assert_allclose(forecast[m], single[0], rtol=1e-6)
    # The members differ: the joint forecast is not one member's copied.
    assert np.abs(forecast[0] - forecast[2]).max() > 0.1
