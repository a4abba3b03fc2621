"""A forecaster's fit commits everything at once, or changes nothing."""

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skrnn import SequenceForecaster, _forecaster

PARAMS = dict(horizon=2, window=6, units=4, epochs=1, calibration="backtest")

# Each stage of fit, in order, as SequenceForecaster.fit calls it.
STAGES = [
    "read_observations",
    "resolve_plan",
    "normalization_for",
    "plan_calibration",
    "train_networks",
    "predictors_of",
    "calibrate",
]


def _series(seed):
    rng = np.random.RandomState(seed)
    return 20 + np.sin(np.arange(80) / 3) + rng.normal(scale=0.1, size=80)


class Injected(RuntimeError):
    pass


def _failing(stage, monkeypatch, call=1):
    """Make the ``call``-th call of ``stage`` raise."""
    real = getattr(_forecaster, stage)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Injected(stage)
        return real(*args, **kwargs)

    monkeypatch.setattr(_forecaster, stage, failing)


@pytest.fixture(scope="module")
def fitted():
    """Fitted once; each test refits (and so changes) a copy of its own."""
    return SequenceForecaster(random_state=0, **PARAMS).fit(_series(0))


@pytest.mark.parametrize("stage", STAGES)
def test_a_failure_at_any_stage_leaves_a_fitted_forecaster_as_it_was(
    stage, monkeypatch, fitted
):
    model = pickle.loads(pickle.dumps(fitted))
    before = dict(model.__dict__)
    forecast = model.predict()
    intervals = model.predict_interval(coverage=0.5)
    _failing(stage, monkeypatch)
    with pytest.raises(Injected):
        model.set_params(random_state=1).fit(_series(1))
    model.set_params(random_state=0)
    assert model.__dict__.keys() == before.keys()
    for name, value in before.items():
        assert model.__dict__[name] is value, name
    np.testing.assert_array_equal(model.predict(), forecast)
    np.testing.assert_array_equal(model.predict_interval(coverage=0.5), intervals)


@pytest.mark.parametrize("stage", ["read_observations", "train_networks", "calibrate"])
def test_a_failure_leaves_an_unfitted_forecaster_unfitted(stage, monkeypatch):
    model = SequenceForecaster(random_state=0, **PARAMS)
    params = model.get_params()
    _failing(stage, monkeypatch)
    with pytest.raises(Injected):
        model.fit(_series(0))
    assert set(model.__dict__) == set(params)
    with pytest.raises(NotFittedError):
        model.predict()


def test_a_failure_in_the_backtest_changes_nothing(monkeypatch, fitted):
    # The backtest trains the plan a second time (the second call).
    model = pickle.loads(pickle.dumps(fitted))
    before = dict(model.__dict__)
    _failing("train_networks", monkeypatch, call=2)
    with pytest.raises(Injected):
        model.fit(_series(1))
    assert all(model.__dict__[name] is value for name, value in before.items())
