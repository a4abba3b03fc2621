"""Research harness for airline defaults (issue 12): rules tried as explicit parameters.

Not a test. For one configuration of today's ``SequenceForecaster`` (JSON
keyword arguments), fits seeds 0..2 at several origins (the last 24, 36 and 48
months held out; horizon = the held-out length) and prints the multi-step RMSE
and the one-step RMSE (predict 1, update with the actual), per origin, for
each seed and for the median of the seeds' forecasts, next to seasonal naive.

    python research/airline_research.py '{"window": 24, "log": true}'
"""

import json
import os
import sys
import time

import numpy as np

# The benchmarks' shared helpers (this script is run directly, as they are).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from _timing import quiet_backend  # noqa: E402


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2)))


def run_one(series, n_test, params, seed):
    from skrnn import SequenceForecaster

    train, test = series.iloc[:-n_test], series.iloc[-n_test:]
    fc = SequenceForecaster(horizon=n_test, random_state=seed, **params).fit(train)
    multi = fc.predict().to_numpy()
    fc.set_params(horizon=1)
    one = []
    for i in range(n_test):
        one.append(float(fc.predict().iloc[0]))
        fc.update(test.iloc[i : i + 1])
    return multi, np.array(one), fc.n_iter_


def main():
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    # a list of configurations: an ensemble over configurations and seeds
    configs = params if isinstance(params, list) else [params]
    seeds = configs[0].pop("_seeds", [0, 1, 2])
    origins = configs[0].pop("_origins", [48, 36, 24])
    quiet_backend()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from skrnn.datasets import load_airline

    series = load_airline().astype(float)
    start = time.perf_counter()
    summary = {"params": params}
    for n_test in origins:
        test = series.iloc[-n_test:].to_numpy()
        train = series.iloc[:-n_test].to_numpy()
        snaive_multi = np.resize(train[-12:], n_test)
        snaive_one = series.iloc[-n_test - 12 : -12].to_numpy()
        runs = [run_one(series, n_test, c, s) for c in configs for s in seeds]
        multi = [rmse(r[0], test) for r in runs]
        one = [rmse(r[1], test) for r in runs]
        median_multi = rmse(np.median([r[0] for r in runs], axis=0), test)
        median_one = rmse(np.median([r[1] for r in runs], axis=0), test)
        summary[n_test] = {
            "multi": [round(v, 1) for v in multi],
            "one": [round(v, 1) for v in one],
            "mean": [round(np.mean(multi), 1), round(np.mean(one), 1)],
            "median_ens": [round(median_multi, 1), round(median_one, 1)],
            "mean_ens": [
                round(rmse(np.mean([r[0] for r in runs], axis=0), test), 1),
                round(rmse(np.mean([r[1] for r in runs], axis=0), test), 1),
            ],
            "snaive": [
                round(rmse(snaive_multi, test), 1),
                round(rmse(snaive_one, test), 1),
            ],
            "epochs": [int(r[2]) for r in runs],
        }
    summary["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(summary))
    with open("/tmp/airline_research_results.jsonl", "a") as file:
        file.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
