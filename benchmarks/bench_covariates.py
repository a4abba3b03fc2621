"""Covariates on a real series: US consumption from income and unemployment.

Run from the repository root (about 5 minutes on 2 CPU cores)::

    python benchmarks/bench_covariates.py           # 10 origins, 2 seeds
    python benchmarks/bench_covariates.py --quick   # 4 origins, 1 seed
    python benchmarks/bench_covariates.py --help

What is measured
----------------
statsmodels' ``macrodata`` (quarterly US data, 1959Q1-2009Q3, shipped with
statsmodels: no download). The target is the quarterly growth of real personal
consumption, ``100 * diff(log(realcons))``; the covariates the growth of real
disposable income, ``100 * diff(log(realdpi))``, and the change of the
unemployment rate, ``diff(unemp)`` -- the classic "consumption from income"
regression (fpp3's ``us_change``). The covariates are taken as known over the
horizon (an oracle scenario, as for any exogenous regression evaluated on
actuals), for every model alike.

Rolling origin: from each of the last ``--origins`` origins, every 4 quarters
(``--step``), each model is refitted on the data up to the origin and forecasts
the next 4 quarters (``--horizon``). Reported: MAE and RMSE over all origins
and steps, in percentage points of quarterly growth.

Rows
----
1. Mean: the training mean of the growth (the "no information" anchor).
2. SARIMAX(1,0,0) without exogenous columns (an AR(1) with a constant).
3. SARIMAX(1,0,0) with the same exogenous columns (regression with AR(1)
   errors), ``statsmodels.tsa.statespace.sarimax.SARIMAX(y, exog=X,
   order=(1, 0, 0), trend="c")``.
4. skrnn without covariates: ``SequenceForecaster(horizon=4, window=8,
   differences=(), log=False, calibration=None, random_state=seed)``,
   ``fit(y)``.
5. skrnn with covariates: the same parameters, ``fit(X, y)`` and
   ``predict(X_future)`` (the direct strategy reads the covariates of the 4
   quarters it forecasts). Mean over ``--seeds`` seeds.
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from skrnn import SequenceForecaster


def load_data():
    from statsmodels.datasets import macrodata

    data = macrodata.load_pandas().data
    index = pd.period_range("1959Q1", periods=len(data), freq="Q")
    growth = pd.DataFrame(
        {
            "consumption": 100 * np.log(data["realcons"]).diff(),
            "income": 100 * np.log(data["realdpi"]).diff(),
            "unemployment": data["unemp"].diff(),
        }
    ).set_index(index)
    growth = growth.iloc[1:]
    return growth["consumption"], growth[["income", "unemployment"]]


def origins(n, n_origins, step, horizon):
    last = n - horizon
    return [last - step * k for k in range(n_origins)][::-1]


def errors(forecast, actual):
    e = np.asarray(forecast, dtype=float) - np.asarray(actual, dtype=float)
    return e


def sarimax(y, X, origin, horizon, exog):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(
            y.iloc[:origin],
            exog=X.iloc[:origin] if exog else None,
            order=(1, 0, 0),
            trend="c",
        ).fit(disp=False)
        future = X.iloc[origin : origin + horizon] if exog else None
        return model.forecast(horizon, exog=future).to_numpy()


def skrnn_forecast(y, X, origin, horizon, seed, covariates):
    model = SequenceForecaster(
        horizon=horizon,
        window=8,
        differences=(),
        log=False,
        calibration=None,
        random_state=seed,
    )
    if covariates:
        model.fit(X.iloc[:origin], y.iloc[:origin])
        return model.predict(X.iloc[origin : origin + horizon]).to_numpy()
    model.fit(y.iloc[:origin])
    return model.predict().to_numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--origins", type=int, default=10)
    parser.add_argument("--step", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="4 origins, 1 seed")
    args = parser.parse_args()
    if args.quick:
        args.origins, args.seeds = 4, 1
    y, X = load_data()
    points = origins(len(y), args.origins, args.step, args.horizon)
    h = args.horizon
    rows = {}

    def add(name, forecasts_of, seconds):
        e = np.concatenate([errors(forecasts_of(o), y.iloc[o : o + h]) for o in points])
        rows[name] = (np.mean(np.abs(e)), np.sqrt(np.mean(e**2)), seconds)

    start = time.perf_counter()
    add("Mean of the training growth", lambda o: np.full(h, y.iloc[:o].mean()), 0.0)
    for exog, name in [(False, "SARIMAX(1,0,0)"), (True, "SARIMAX(1,0,0) + exog")]:
        start = time.perf_counter()
        add(name, lambda o, exog=exog: sarimax(y, X, o, h, exog), 0.0)
        rows[name] = rows[name][:2] + (time.perf_counter() - start,)
    for covariates, name in [(False, "skrnn"), (True, "skrnn + covariates")]:
        per_seed = []
        start = time.perf_counter()
        for seed in range(args.seeds):
            e = np.concatenate(
                [
                    errors(
                        skrnn_forecast(y, X, o, h, seed, covariates),
                        y.iloc[o : o + h],
                    )
                    for o in points
                ]
            )
            per_seed.append((np.mean(np.abs(e)), np.sqrt(np.mean(e**2))))
        mae, rmse = np.mean(per_seed, axis=0)
        rows[name] = (mae, rmse, time.perf_counter() - start)
        for seed, (m, r) in enumerate(per_seed):
            print(f"  {name}, seed {seed}: MAE {m:.3f}  RMSE {r:.3f}")

    print(
        f"\nmacrodata, consumption growth (pp), {len(points)} origins "
        f"({y.index[points[0]]} .. {y.index[points[-1]]}), horizon {h}, "
        f"covariates: {list(X.columns)}"
    )
    print(f"{'model':<32}{'MAE':>8}{'RMSE':>8}{'seconds':>10}")
    for name, (mae, rmse, seconds) in rows.items():
        print(f"{name:<32}{mae:>8.3f}{rmse:>8.3f}{seconds:>10.1f}")


if __name__ == "__main__":
    main()
