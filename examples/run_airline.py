"""Forecast the airline-passenger series end to end: the README's main job.

Trains :class:`skrnn.SequenceForecaster`, with its defaults only, on the first
96 months of the Box & Jenkins airline series that ships with skrnn, forecasts
the last 48 months, and prints the error next to the seasonal-naive baseline
(repeat last year), and how many test months fall inside the 90% prediction
interval. The forecaster chooses its season length, window, log and
differencing from the training months alone.

Run it with ``python examples/run_airline.py``.
"""

import time

import numpy as np

from skrnn import SequenceForecaster
from skrnn.datasets import load_airline


def rmse(actual, forecast):
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2)))


def main():
    passengers = load_airline()
    train, test = passengers[:96], passengers[96:]

    start = time.perf_counter()
    forecaster = SequenceForecaster(horizon=len(test), random_state=0)
    forecaster.fit(train)
    forecast = forecaster.predict()
    band = forecaster.predict_interval(coverage=0.9)
    seconds = time.perf_counter() - start
    inside = int(((test >= band["lower"]) & (test <= band["upper"])).sum())

    # Trivial baseline: each month repeats the same month of the last training year.
    last_year = train.to_numpy()[-12:]
    seasonal_naive = np.resize(last_year, len(test))

    print(
        f"Airline passengers: trained on {train.index[0]}..{train.index[-1]}, "
        f"forecast {forecast.index[0]}..{forecast.index[-1]} ({seconds:.1f} s)"
    )
    print(f"{'model':<28}{'48-month RMSE':>15}")
    print(f"{'seasonal naive (baseline)':<28}{rmse(test, seasonal_naive):>15.1f}")
    print(f"{'SequenceForecaster (LSTM)':<28}{rmse(test, forecast):>15.1f}")
    print(
        f"chosen from the training data: season_length={forecaster.season_length_}, "
        f"window={forecaster.window_}, log={forecaster.log_}, "
        f"differences={forecaster.differences_}, strategy={forecaster.strategy_!r}"
    )
    print(f"90% prediction interval: {inside} of {len(test)} test months inside")
    print()
    table = band.assign(forecast=forecast, actual=test)
    print(table[["lower", "forecast", "upper", "actual"]].head(6).round(1).to_string())


if __name__ == "__main__":
    main()
