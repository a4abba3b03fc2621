"""Research harness for a global recurrent forecaster on M4 Hourly (issue 12).

Not a test and not the benchmark (see ``benchmarks/bench_m4.py``): a raw-Keras script
that trains ONE network on windows pooled from all 414 hourly series, under a
configuration given as JSON, and prints sMAPE / MASE / OWA on the validation
windows (the last 48 values of each training series; ``origin=1``: the 48
before them). Results go to ``m4_research.md`` by hand.

    python research/m4_research.py '{"units": 64, "epochs": 20}'
    python research/m4_research.py recipe     # the recipe found (row #29)

Run it at one thread (``SKRNN_NUM_THREADS=1 OMP_NUM_THREADS=1
TF_NUM_INTRAOP_THREADS=1``); it sets TensorFlow's pools to one thread too.
"""

import json
import os
import sys
import time

import numpy as np

# The benchmarks' shared helpers (this script is run directly, as they are).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from _m4_metrics import naive2, naive_scale, owa, score_panel, seasonal_naive  # noqa: E402
from _timing import quiet_backend  # noqa: E402

HORIZON = 48

DEFAULTS = {
    "origin": 0,  # 0: validate on the last 48; 1: on the 48 before them
    "input": 336,  # input window, hours
    "layout": "days",  # "days": (input/24, 24) steps; "hours": (input, 1)
    "level": "week",  # window normaliser: mean of the last "day" or "week"
    "target": "snaive168",  # "level" | "snaive24" | "snaive168": log ratio to it
    "weight": "mase",  # "none" | "mase": level / in-sample seasonal-naive MAE
    "loss": "mae",  # "mae" | "mse" | "huber"
    "cell": "gru",
    "units": 64,
    "layers": 1,
    "epochs": 30,
    "per_series": 64,  # windows sampled per series per epoch
    "batch_size": 256,
    "learning_rate": 1e-3,
    "patience": 5,  # early stopping on each series' last training window
    "seeds": [0],  # an ensemble: the median of the seeds' forecasts
    "targets": None,  # a list: seed i uses targets[i % len] (mixed ensemble)
    "combine": "none",  # "none" | "snaive24": average with seasonal naive
    "zero_init": True,  # zero-initialised output layer: starts at the base forecast
    "resample": True,  # False: one fixed sample of windows, reused every epoch
    # "keras": the loop above; "rnnregressor": skrnn.RNNRegressor's public API on
    # one fixed sample of windows, early stopping on a random 10% of them
    "engine": "keras",
}


# The global recipe this search found (row #29 of m4_research.md), which
# SequenceForecaster's "auto" parameters resolve to for a panel of positive
# series: the "raw-Keras prototype" rows of docs/benchmarks.rst.
RECIPE = {
    "input": 168,
    "layout": "days",
    "level": "week",
    "target": "level",
    "weight": "mase",
    "loss": "mae",
    "cell": "gru",
    "units": 128,
    "epochs": 40,
    "per_series": 64,
    "batch_size": 256,
    "learning_rate": 3e-3,
    "patience": 8,
    "seeds": [0, 1, 2, 3, 4],
}


def split(series, origin):
    cut = HORIZON * (origin + 1)
    insamples = [s[:-cut] for s in series]
    actuals = [s[len(s) - cut : len(s) - cut + HORIZON] for s in series]
    return insamples, actuals


def base_forecast(windows, target):
    """The forecast the network corrects, from input windows (n, input)."""
    if target == "snaive168":
        return windows[:, -168:][:, :HORIZON]
    if target == "snaive24":
        return np.tile(windows[:, -24:], (1, 2))
    return None


def encode(windows, config):
    """Windows (n, input) -> network inputs, the level and the base forecast."""
    span = 24 if config["level"] == "day" else 168
    level = windows[:, -span:].mean(axis=1, keepdims=True)
    x = np.log(windows / level)
    if config["layout"] == "days":
        x = x.reshape(len(x), -1, 24)
    else:
        x = x[:, :, None]
    base = base_forecast(windows, config["target"])
    if base is None:
        base = np.broadcast_to(level, (len(windows), HORIZON))
    return x.astype(np.float32), level, base


def build(config, seed, n_steps, n_features):
    import keras

    keras.utils.set_random_seed(seed)
    cell = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[config["cell"]]
    inputs = keras.Input((n_steps, n_features))
    h = inputs
    for i in range(config["layers"]):
        h = cell(config["units"], return_sequences=i < config["layers"] - 1)(h)
    init = "zeros" if config["zero_init"] else "glorot_uniform"
    outputs = keras.layers.Dense(HORIZON, kernel_initializer=init)(h)
    model = keras.Model(inputs, outputs)
    loss = {"mae": "mean_absolute_error", "mse": "mean_squared_error"}.get(
        config["loss"], keras.losses.Huber(0.1)
    )
    model.compile(keras.optimizers.Adam(config["learning_rate"]), loss)
    return model


def fit_predict(insamples, config, seed):
    if config["engine"] == "rnnregressor":
        return fit_predict_regressor(insamples, config, seed)
    import keras

    fit_start = time.perf_counter()
    L = config["input"]
    rng = np.random.default_rng(seed)
    n_series = len(insamples)
    lengths = np.array([len(s) for s in insamples])
    padded = np.full((n_series, lengths.max()), np.nan)
    for i, s in enumerate(insamples):
        padded[i, : len(s)] = s
    views = np.lib.stride_tricks.sliding_window_view(padded, L + HORIZON, axis=1)
    scales = np.array([naive_scale(s, 24) for s in insamples])

    def windows_at(rows, starts):
        block = views[rows, starts]
        x, level, base = encode(block[:, :L], config)
        y = np.log(block[:, L:] / base).astype(np.float32)
        if config["weight"] == "mase":
            w = level[:, 0] / scales[rows]
        else:
            w = np.ones(len(rows))
        return x, y, w.astype(np.float32)

    # early stopping: each series' last window; training windows end before it
    last_start = lengths - L - HORIZON
    x_val, y_val, w_val = windows_at(np.arange(n_series), last_start)
    weight_norm = w_val.mean()
    w_val /= weight_norm

    model = build(config, seed, x_val.shape[1], x_val.shape[2])
    best, best_weights, wait, epochs_run = np.inf, None, 0, 0
    for epoch in range(config["epochs"]):
        if config["resample"] or epoch == 0:
            rows = np.repeat(np.arange(n_series), config["per_series"])
            starts = rng.integers(0, last_start[rows] - HORIZON + 1)
            x, y, w = windows_at(rows, starts)
        model.fit(
            x,
            y,
            sample_weight=w / weight_norm,
            batch_size=config["batch_size"],
            epochs=1,
            shuffle=True,
            verbose=0,
        )
        epochs_run += 1
        val = model.evaluate(
            x_val, y_val, sample_weight=w_val, verbose=0, batch_size=1024
        )
        if val < best - 1e-5:
            best, best_weights, wait = val, model.get_weights(), 0
        else:
            wait += 1
            if wait >= config["patience"]:
                break
    model.set_weights(best_weights)
    fit_seconds = time.perf_counter() - fit_start
    # split-conformal interval: quantiles, per horizon step, of the residuals on
    # the early-stopping windows (not trained on), each divided by its series'
    # in-sample seasonal-naive MAE (the MASE scale), so one quantile fits all
    x_last, _, base_last = encode(
        np.stack([s[-L - HORIZON : -HORIZON] for s in insamples]), config
    )
    fitted_last = base_last * np.exp(model.predict(x_last, batch_size=1024, verbose=0))
    actual_last = np.stack([s[-HORIZON:] for s in insamples])
    residuals = (actual_last - fitted_last) / scales[:, None]
    alpha = config.get("alpha", 0.05)
    low_q, high_q = np.quantile(residuals, [alpha / 2, 1 - alpha / 2], axis=0)
    # forecast from the end of each insample
    predict_start = time.perf_counter()
    last = np.stack([s[-L:] for s in insamples])
    x, level, base = encode(last, config)
    out = model.predict(x, batch_size=1024, verbose=0)
    predict_seconds = time.perf_counter() - predict_start
    keras.backend.clear_session()
    forecast = base * np.exp(out)
    return {
        "forecast": forecast,
        "lower": forecast + low_q * scales[:, None],
        "upper": forecast + high_q * scales[:, None],
        "epochs": epochs_run,
        "val_loss": best,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }


def fit_predict_regressor(insamples, config, seed):
    """The same recipe through skrnn.RNNRegressor (fixed windows, shuffled hold-out)."""
    from skrnn import RNNRegressor

    fit_start = time.perf_counter()
    L = config["input"]
    rng = np.random.default_rng(seed)
    xs, ys, ws = [], [], []
    for s in insamples:
        # the per-series window count is bounded: per_series origins, sampled once
        starts = rng.integers(0, len(s) - L - HORIZON + 1, size=config["per_series"])
        block = np.stack([s[a : a + L + HORIZON] for a in starts])
        x, level, base = encode(block[:, :L], config)
        xs.append(x)
        ys.append(np.log(block[:, L:] / base))
        weight = level[:, 0] / naive_scale(s, 24) if config["weight"] == "mase" else 1
        ws.append(np.broadcast_to(weight, (len(block),)))
    loss = {"mae": "absolute_error", "mse": "squared_error"}[config["loss"]]
    reg = RNNRegressor(
        cell=config["cell"],
        units=config["units"],
        epochs=config["epochs"],
        batch_size=config["batch_size"],
        learning_rate=config["learning_rate"],
        loss=loss,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=config["patience"],
        random_state=seed,
    )
    reg.fit(np.concatenate(xs), np.concatenate(ys), sample_weight=np.concatenate(ws))
    fit_seconds = time.perf_counter() - fit_start
    predict_start = time.perf_counter()
    x, level, base = encode(np.stack([s[-L:] for s in insamples]), config)
    forecast = base * np.exp(reg.predict(x))
    return {
        "forecast": forecast,
        "lower": forecast,
        "upper": forecast,
        "epochs": reg.n_iter_,
        "val_loss": float("nan"),
        "fit_seconds": fit_seconds,
        "predict_seconds": time.perf_counter() - predict_start,
    }


def main():
    config = dict(DEFAULTS)
    if len(sys.argv) > 1:
        config.update(RECIPE if sys.argv[1] == "recipe" else json.loads(sys.argv[1]))
    quiet_backend()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    sys.path.insert(0, ROOT)
    from skrnn.datasets import load_m4

    series = [s.to_numpy() for s in load_m4("hourly").values()]
    insamples, actuals = split(series, config["origin"])
    start = time.perf_counter()
    forecasts, lowers, uppers, notes = [], [], [], []
    for k, seed in enumerate(config["seeds"]):
        t0 = time.perf_counter()
        seed_config = dict(config)
        if config["targets"]:
            seed_config["target"] = config["targets"][k % len(config["targets"])]
        fitted = fit_predict(insamples, seed_config, seed)
        forecasts.append(fitted["forecast"])
        lowers.append(fitted["lower"])
        uppers.append(fitted["upper"])
        one = score_panel(insamples, actuals, list(fitted["forecast"]), 24)
        notes.append(
            f"seed {seed}: {one['smape']:.2f}/{one['mase']:.3f} "
            f"({fitted['epochs']} ep, val {fitted['val_loss']:.4f}, "
            f"{time.perf_counter() - t0:.0f}s)"
        )
    forecast = np.median(np.stack(forecasts), axis=0)
    if config["combine"] == "snaive24":
        forecast = 0.5 * (
            forecast + np.stack([seasonal_naive(s, 48, 24) for s in insamples])
        )
    elapsed = time.perf_counter() - start
    intervals = config["combine"] == "none" and config["engine"] == "keras"
    # 95% split-conformal intervals (median over seeds) where the forecast is
    # the network's own; scored by MSIS and coverage.
    scores = score_panel(
        insamples,
        actuals,
        list(forecast),
        24,
        list(np.median(np.stack(lowers), axis=0)) if intervals else None,
        list(np.median(np.stack(uppers), axis=0)) if intervals else None,
    )
    ref = score_panel(insamples, actuals, [naive2(s, 48, 24) for s in insamples], 24)
    snaive = score_panel(
        insamples, actuals, [seasonal_naive(s, 48, 24) for s in insamples], 24
    )
    result = {
        "config": {k: v for k, v in config.items() if v != DEFAULTS[k]},
        "smape": round(scores["smape"], 3),
        "mase": round(scores["mase"], 4),
        "owa": round(
            owa(scores["smape"], scores["mase"], ref["smape"], ref["mase"]), 4
        ),
        "snaive": [round(snaive["smape"], 3), round(snaive["mase"], 4)],
        **(
            {"msis": round(scores["msis"], 3), "coverage": round(scores["coverage"], 3)}
            if intervals
            else {}
        ),
        "seconds": round(elapsed, 1),
        "seeds": notes,
    }
    print(json.dumps(result))
    with open("/tmp/m4_research_results.jsonl", "a") as file:
        file.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
