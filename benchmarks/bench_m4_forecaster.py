"""M4 Hourly through the estimator: one SequenceForecaster fitted on all 414 series.

Run from the repository root (several minutes on 2 CPU cores)::

    python benchmarks/bench_m4_forecaster.py              # the recipe, 5 networks
    python benchmarks/bench_m4_forecaster.py --networks 1 # one network
    python benchmarks/bench_m4_forecaster.py --defaults   # no argument but the issue's

What is measured
----------------
Validation "origin 0" of ``benchmarks/m4_research_notes.md``: each training
series of ``skrnn.datasets.load_m4("hourly")`` minus its last 48 values is
fitted (one forecaster for the whole panel, ``fit({id: series})``), and the
forecast of those 48 values is scored by the M4 measures: mean over series of
sMAPE (%) and MASE (seasonal-naive scaling, m = 24, in-sample = the fitted
part). Seasonal naive (m = 24) is printed beside it as the anchor (14.57 /
1.228 here; the research harness's recipe, 5 networks: 10.15 / 0.796). Times
are wall seconds for ``fit`` and ``predict``.
"""

import argparse
import os
import time

import numpy as np

HORIZON, SEASON = 48, 24


def smape(actual, forecast):
    return 200 * np.mean(
        np.abs(actual - forecast) / (np.abs(actual) + np.abs(forecast))
    )


def mase(actual, forecast, insample, m=SEASON):
    scale = np.mean(np.abs(insample[m:] - insample[:-m]))
    return np.mean(np.abs(actual - forecast)) / scale


def scores(forecasts, train, test):
    ids = list(test)
    return (
        np.mean([smape(test[i], forecasts[i]) for i in ids]),
        np.mean([mase(test[i], forecasts[i], train[i]) for i in ids]),
    )


def recipe(n_networks):
    """The explicit parameters of the research recipe (row #29)."""
    return dict(
        normalize="level",
        window=7 * SEASON,
        cell="gru",
        units=128,
        learning_rate=3e-3,
        batch_size=256,
        epochs=40,
        early_stopping=True,
        n_iter_no_change=8,
        n_networks=n_networks,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", type=int, default=5)
    parser.add_argument("--defaults", action="store_true")
    args = parser.parse_args()

    from skrnn import SequenceForecaster
    from skrnn.datasets import load_m4

    data = load_m4("hourly")
    train = {i: s.to_numpy()[:-HORIZON] for i, s in data.items()}
    test = {i: s.to_numpy()[-HORIZON:] for i, s in data.items()}

    naive = {i: np.tile(v[-SEASON:], HORIZON // SEASON) for i, v in train.items()}
    print(
        f"M4 Hourly, {len(train)} series, last {HORIZON} held out; "
        f"threads {os.environ.get('SKRNN_NUM_THREADS', 'default')}"
    )
    print(f"{'model':<48} {'sMAPE':>7} {'MASE':>7} {'fit s':>7} {'pred s':>7}")
    s, m = scores(naive, train, test)
    print(f"{'seasonal naive (m=24)':<48} {s:7.2f} {m:7.3f} {0:7.1f} {0:7.1f}")

    extra = {} if args.defaults else recipe(args.networks)
    forecaster = SequenceForecaster(
        horizon=HORIZON, season_length=SEASON, random_state=0, **extra
    )
    start = time.perf_counter()
    forecaster.fit(train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    forecasts = forecaster.predict()
    predict_s = time.perf_counter() - start
    s, m = scores(forecasts, train, test)
    name = "defaults" if args.defaults else f"recipe, {args.networks} network(s)"
    print(
        f"{'SequenceForecaster ' + name:<48} {s:7.2f} {m:7.3f} {fit_s:7.1f} "
        f"{predict_s:7.1f}"
    )
    epochs = [len(h["loss"]) for h in forecaster.histories_]
    print(
        f"  normalize_={forecaster.normalize_} window_={forecaster.window_} "
        f"epochs per network {epochs}"
    )
    print(
        "  reference (research harness, row #29): 10.15 / 0.796; "
        "issue bar (official test set): 12.5 / 1.05"
    )


if __name__ == "__main__":
    main()
