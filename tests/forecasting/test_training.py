"""The forecaster's networks: trained by the engine, forecasting as an ensemble."""

import numpy as np

from skrnn import SequenceForecaster
from skrnn._forecasting import training


def test_forecasts_in_chunks_of_series_are_those_of_one_call(monkeypatch):
    """A large panel is forecast a few thousand series at a time (the encoded
    windows stay small): any chunk size gives the same forecasts and order."""
    rng = np.random.default_rng(0)
    panel = {
        f"s{k}": 20 + k + 3 * np.sin(np.arange(90) / 2) + rng.normal(0, 0.1, 90)
        for k in range(7)
    }
    fc = SequenceForecaster(
        horizon=6, window=12, units=4, epochs=1, n_networks=2, random_state=0
    ).fit(panel)
    whole = fc.predict()
    intervals = fc.predict_interval(coverage=0.8)
    calls = []
    real = fc._forecast

    def counting(histories, positions, n_steps, covariates=None):
        calls.append(len(histories))
        return real(histories, positions, n_steps, covariates)

    monkeypatch.setattr(training, "SERIES_PER_CALL", 3)
    monkeypatch.setattr(fc, "_forecast", counting)
    chunked = fc.predict()
    assert calls == [7]  # one call in, cut into 3 + 3 + 1 inside
    for name in panel:
        np.testing.assert_allclose(chunked[name], whole[name], rtol=1e-6)
    again = fc.predict_interval(coverage=0.8)
    for name in panel:
        np.testing.assert_allclose(again[name], intervals[name], rtol=1e-6)
    # and the chunks were really made: three calls of each network
    seen = []
    forecast = training.ensemble_forecast(_Recording(seen), predictors=[None])
    histories = [np.ones((10, 1))] * 7
    out = forecast(histories, range(7), 4)
    assert seen == [3, 3, 1]
    assert out.shape == (7, 4, 1)
    np.testing.assert_array_equal(out[:, 0, 0], np.arange(7))


class _Recording:
    """A normalisation whose forecast is each series' position."""

    def __init__(self, seen):
        self.seen = seen

    def forecast(self, predictor, histories, n_steps, positions, covariates=None):
        self.seen.append(len(histories))
        return np.repeat(
            np.asarray(positions, dtype=float)[:, None, None], n_steps, axis=1
        )
