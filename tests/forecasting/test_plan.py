"""The forecaster's plan: every "auto" choice resolved from the training data, once."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster
from skrnn._forecasting.data import read_observations
from skrnn._forecasting.plan import (
    ForecastPlan,
    continued_plan,
    resolve_plan,
    resolve_training,
)


def _plan(data, y=None, **params):
    estimator = SequenceForecaster(**params)
    observations = read_observations(data, y, estimator=estimator)
    params = estimator.get_params()
    training = resolve_training(params, estimator=estimator)
    return resolve_plan(params, observations, training, estimator=estimator)


def _seasonal(n=120, period=12, level=10.0, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return level * (1 + 0.3 * np.sin(2 * np.pi * t / period)) + rng.normal(0, 0.1, n)


def test_one_series_plans_the_standard_recipe_from_its_season():
    plan = _plan(
        pd.Series(_seasonal(), index=pd.period_range("2000-01", periods=120, freq="M"))
    )
    assert plan.normalize == "standard" and plan.season_length == 12
    assert plan.differences == (1, 12) and plan.window == 12
    assert plan.strategy == "direct" and plan.network_steps == 1
    assert plan.training["cell"] == "lstm" and plan.training["n_networks"] == 1
    # Without an index the season comes from the autocorrelation.
    assert _plan(_seasonal(period=7)).season_length == 7


def test_a_panel_of_positive_series_plans_the_level_recipe():
    panel = {i: _seasonal(200, period=24, seed=i) for i in range(4)}
    plan = _plan(panel, horizon=6)
    assert plan.normalize == "level" and plan.season_length == 24
    assert plan.differences == () and plan.log is True
    assert plan.window == 7 * 24 and plan.network_steps == 6
    assert plan.training["n_networks"] == 5 and plan.training["early_stopping"]
    # A panel with a non-positive series keeps the standard recipe.
    panel[0] = panel[0] - 100
    assert _plan(panel, horizon=6).normalize == "standard"


def test_named_values_are_kept_and_the_plan_is_frozen():
    plan = _plan(_seasonal(), window=5, differences=(1,), log=False, season_length=4)
    assert (plan.window, plan.differences, plan.log, plan.season_length) == (
        5,
        (1,),
        False,
        4,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.window = 3


def test_covariates_plan_a_direct_network_and_past_ones_refuse_recursive():
    X = np.random.RandomState(0).rand(120, 2)
    plan = _plan(X, _seasonal())
    assert plan.strategy == "direct"
    assert plan.covariates.known == (0, 1) and plan.covariates.past == ()
    assert _plan(X, _seasonal(), strategy="recursive").strategy == "recursive"
    with pytest.raises(ValueError, match="past_covariates need strategy='direct'"):
        _plan(X, _seasonal(), strategy="recursive", past_covariates=[1])
    with pytest.raises(ValueError, match="past_covariates names column 'temp'"):
        _plan(X, _seasonal(), past_covariates=["temp"])


@pytest.mark.parametrize(
    "data, params, message",
    [
        (
            np.arange(1.0, 20.0),
            dict(window=12, differences=(1, 12)),
            "at least 26 steps",
        ),
        (
            {"a": np.arange(1.0, 4.0)},
            dict(horizon=2, normalize="level"),
            "'a'.*at least 5",
        ),
        ({"a": np.arange(-3.0, 40.0)}, dict(normalize="level"), "strictly positive"),
        (
            np.arange(1.0, 40.0),
            dict(normalize="level", strategy="recursive"),
            "whole horizon",
        ),
        (np.arange(1.0, 40.0), dict(differences=(0,)), "positive ints"),
    ],
)
def test_impossible_plans_are_refused_before_training(data, params, message):
    with pytest.raises(ValueError, match=message):
        _plan(data, **params)


def test_a_warm_start_continues_the_fitted_plan_or_refuses_a_change():
    estimator = SequenceForecaster(units=4)
    observations = read_observations(_seasonal(), estimator=estimator)
    params = estimator.get_params()
    training = resolve_training(params, estimator=estimator)
    plan = resolve_plan(params, observations, training, estimator=estimator)
    assert (
        continued_plan(plan, params, observations, training, estimator=estimator)
        == plan
    )
    # The call's epochs and batch size, the fitted plan otherwise.
    longer = SequenceForecaster(units=4, epochs=7, batch_size=5).get_params()
    more = resolve_training(longer, estimator=estimator)
    continued = continued_plan(plan, longer, observations, more, estimator=estimator)
    assert continued.training["epochs"] == 7 and continued.training["batch_size"] == 5
    assert continued.window == plan.window and continued.seed == plan.seed
    changed = SequenceForecaster(units=8).get_params()
    again = resolve_training(changed, estimator=estimator)
    with pytest.raises(ValueError, match="units"):
        continued_plan(plan, changed, observations, again, estimator=estimator)
    assert isinstance(plan, ForecastPlan)


def test_the_training_parameters_are_resolved_from_the_parameters_alone():
    named = SequenceForecaster(cell="simple", units=3).get_params()
    training = resolve_training(named, estimator=SequenceForecaster())
    assert set(training) == {"level", "standard"}
    for resolved in training.values():  # a named network is built as named
        assert resolved["cell"] == "simple"
        assert resolved["units"] == (3,)
        assert resolved["n_networks"] == 1
    default = resolve_training(SequenceForecaster().get_params(), estimator=None)
    assert default["level"]["units"] == (128,)
    assert default["standard"]["units"] == (32,)


def test_bad_units_are_refused_before_any_data_is_read(tmp_path):
    missing = tmp_path / "not_written.parquet"
    with pytest.raises(ValueError, match="'units' parameter"):
        SequenceForecaster(units=(4, 0)).fit(missing)
